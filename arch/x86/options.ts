/**
 * The x86 plugin's options (`createMachine({ arch: 'x86', archOptions })`). The APIC driver reads
 * its own: `apicMode` and `apicTiming` (drivers/apic).
 *
 * @packageDocumentation
 */
import { describeValue } from '../../lib/validate.js';

/** Which TLB-shootdown flow the x86-specific API offers (`machine.tlb` is always the modern one). */
export type X86TlbModel = 'modern' | 'ulk';

/** x86 options of one machine. Token and interface share the name. */
export interface X86Config {
  /** `no_ipi_broadcast=1`: never use destination shorthands. Default false. */
  readonly noIpiBroadcast: boolean;
  /** `nonmi_ipi`: `native_stop_other_cpus()` does not fall back to an NMI. Default false. */
  readonly nonmiIpi: boolean;
  /** `'ulk'` also sets up the 2.6 `INVALIDATE_TLB_VECTOR` shootdown (`X86UlkTlb`). Default `'modern'`. */
  readonly tlbModel: X86TlbModel;
}
/** DI token for {@link X86Config}. */
export const X86Config: unique symbol = Symbol.for('genipi/X86Config');

function flag(options: Readonly<Record<string, unknown>>, key: string): boolean {
  const v = options[key];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') {
    throw new TypeError(
      `createMachine: archOptions.${key} is ${describeValue(v)}; expected a boolean`,
    );
  }
  return v;
}

/**
 * Reads the x86 options.
 * @throws TypeError naming the option for a value of the wrong type or an unknown `tlbModel`.
 */
export function parseX86Config(options: Readonly<Record<string, unknown>>): X86Config {
  const noIpiBroadcast = flag(options, 'noIpiBroadcast');
  const nonmiIpi = flag(options, 'nonmiIpi');
  const tlbModel = options.tlbModel ?? 'modern';
  if (tlbModel !== 'modern' && tlbModel !== 'ulk') {
    throw new TypeError(
      `createMachine: archOptions.tlbModel is ${describeValue(tlbModel)}; expected 'modern' or 'ulk'`,
    );
  }
  return Object.freeze({ noIpiBroadcast, nonmiIpi, tlbModel });
}
