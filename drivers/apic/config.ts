/**
 * How the machine's local APICs are set up: the APIC mode (which register interface and which
 * Linux `struct apic` driver) and the APIC IDs the "firmware" assigns.
 *
 * @packageDocumentation
 */
import { describeValue } from '../../lib/validate.js';

/**
 * The APIC mode, i.e. the register interface plus the Linux APIC driver that sends IPIs:
 * - `xapic-phys`: xAPIC (MMIO), physical destinations (`apic_physflat`, 64-bit Linux);
 * - `xapic-logical-flat`: xAPIC, logical flat destinations, one ICR write for a whole mask
 *   (`apic_default`/`apic_flat` of 32-bit Linux); at most 8 CPUs;
 * - `x2apic-phys`: x2APIC (MSRs), physical destinations (`apic_x2apic_phys`);
 * - `x2apic-cluster`: x2APIC, logical cluster destinations (`apic_x2apic_cluster`).
 */
export type ApicMode = 'xapic-phys' | 'xapic-logical-flat' | 'x2apic-phys' | 'x2apic-cluster';

/** The APIC modes, in the order above. */
export const APIC_MODES: readonly ApicMode[] = Object.freeze([
  'xapic-phys',
  'xapic-logical-flat',
  'x2apic-phys',
  'x2apic-cluster',
]);

/** APIC configuration of one machine. Token and interface share the name. */
export interface ApicConfig {
  /** The APIC mode. */
  readonly mode: ApicMode;
  /** True for the x2APIC modes (MSR interface, 32-bit IDs). */
  readonly x2apic: boolean;
}
/** DI token for {@link ApicConfig}. */
export const ApicConfig: unique symbol = Symbol.for('genipi/ApicConfig');

/** Largest xAPIC ID a CPU may have (0xFF is the broadcast destination). */
export const XAPIC_MAX_ID = 0xfe;
/** Logical flat mode names CPUs by one bit of an 8-bit logical ID. */
export const FLAT_MAX_CPUS = 8;

/**
 * The APIC ID the firmware gives CPU `cpu` of an `nrCpuIds`-CPU machine.
 *
 * The model's firmware enumerates like the MADT of an Intel machine with two threads per core:
 * first thread 0 of every core, then the SMT siblings. With `cores = ⌈nrCpuIds / 2⌉`, CPU `c` is
 * thread `⌊c / cores⌋` of core `c mod cores`, and its APIC ID is `2·core + thread` (with an odd CPU
 * count the last core has one thread). So the APIC IDs are a permutation of `[0, nrCpuIds)` that
 * differs from the CPU numbers (8 CPUs: 0,2,4,6,1,3,5,7), an x2APIC cluster (16 consecutive IDs)
 * holds 8 cores' worth of non-consecutive CPUs, and 255 CPUs still fit below the xAPIC broadcast
 * ID. A one-CPU machine has APIC ID 0.
 */
export function firmwareApicId(cpu: number, nrCpuIds: number): number {
  const threads = nrCpuIds >= 2 ? 2 : 1;
  const cores = Math.ceil(nrCpuIds / threads);
  return (cpu % cores) * threads + Math.floor(cpu / cores);
}

/**
 * Reads `apicMode` from the machine's arch options: default `xapic-phys` up to 255 CPUs (64-bit
 * Linux's physical flat), `x2apic-cluster` above.
 * @throws TypeError for a mode that is not one of {@link APIC_MODES}; RangeError for a mode the
 *   machine is too large for (`xapic-logical-flat` above 8 CPUs, the xAPIC modes above 255).
 */
export function parseApicConfig(
  archOptions: Readonly<Record<string, unknown>>,
  nrCpuIds: number,
): ApicConfig {
  const raw = archOptions.apicMode;
  const mode = raw ?? (nrCpuIds <= XAPIC_MAX_ID + 1 ? 'xapic-phys' : 'x2apic-cluster');
  if (typeof mode !== 'string' || !(APIC_MODES as readonly string[]).includes(mode)) {
    throw new TypeError(
      `createMachine: archOptions.apicMode is ${describeValue(raw)}; expected one of ${APIC_MODES.join(', ')}`,
    );
  }
  const m = mode as ApicMode;
  if (m === 'xapic-logical-flat' && nrCpuIds > FLAT_MAX_CPUS) {
    throw new RangeError(
      `createMachine: archOptions.apicMode 'xapic-logical-flat' addresses at most ${FLAT_MAX_CPUS} CPUs ` +
        `(one LDR bit each) but nrCpus is ${nrCpuIds}; use 'xapic-phys' or an x2APIC mode`,
    );
  }
  // The firmware's APIC IDs are a permutation of [0, nrCpuIds).
  if (m.startsWith('xapic') && nrCpuIds - 1 > XAPIC_MAX_ID) {
    throw new RangeError(
      `createMachine: archOptions.apicMode '${m}' has 8-bit APIC IDs (up to 0x${XAPIC_MAX_ID.toString(16)}) ` +
        `but ${nrCpuIds} CPUs need larger ones; use 'x2apic-phys' or 'x2apic-cluster'`,
    );
  }
  return Object.freeze({ mode: m, x2apic: m.startsWith('x2apic') });
}
