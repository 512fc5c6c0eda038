/**
 * Cost parameters of the local APIC driver, per timing profile (the names of
 * `CORE_TIMING_PROFILES`: `kvm-skylake`, the default, and `haswell`).
 *
 * Sources are in ../shared/spec/perf-anchors.md (cited as "anchors §n"); the derivations are in
 * the comments of {@link APIC_TIMING_PROFILES} and are checked by
 * tests/drivers/apic/calibration.test.ts.
 *
 * @packageDocumentation
 */
import { describeValue } from '../../lib/validate.js';

/** APIC costs in integer ns. Token and interface share the name. */
export interface ApicTiming {
  /** Profile name. */
  readonly name: string;
  /** One xAPIC MMIO read of the ICR: one poll of Linux's wait-for-idle loop. At least 1. */
  readonly xapicIcrReadNs: number;
  /** One xAPIC MMIO write of `APIC_ICR2` (the destination). */
  readonly xapicIcr2WriteNs: number;
  /** One xAPIC MMIO write of `APIC_ICR` (the low word; it sends). */
  readonly xapicIcrWriteNs: number;
  /** One x2APIC `WRMSR` of the ICR or `SELF_IPI` (it sends), the `weak_wrmsr_fence()` included. */
  readonly x2apicIcrWriteNs: number;
  /** How long the xAPIC delivery-status bit stays busy after an ICR write. */
  readonly icrBusyNs: number;
  /** From a message leaving the sender's APIC to the IRR bit being set at a destination. */
  readonly deliveryNs: number;
  /**
   * Sender time per destination APIC of one message (a hypervisor injects into each target vCPU
   * during the sender's VM exit; 0 on bare metal, where the bus fans out). Destination `k` (in
   * ascending CPU order) is reached `(k + 1) * perDestNs` after departure, plus `deliveryNs`.
   */
  readonly perDestNs: number;
  /**
   * x2APIC cluster mode: sender time per cluster of a mask send (`__x2apic_send_IPI_mask()`
   * collecting the cluster's logical IDs and removing the cluster from its working mask).
   */
  readonly clusterCollapseNs: number;
  /** One EOI write (`apic_eoi()`), charged to the interrupted CPU's handler. */
  readonly eoiNs: number;
}
/** DI token for {@link ApicTiming}. */
export const ApicTiming: unique symbol = Symbol.for('genipi/ApicTiming');

/**
 * Built-in APIC timing, by core timing profile name.
 *
 * `kvm-skylake`: an x2APIC/xAPIC guest under KVM with APICv (posted interrupts) but no IPI
 * virtualization. Every ICR write is a VM exit; reads of the ICR and writes of ICR2 are served from
 * the virtual-APIC page. Calibration targets and what the model gives (calibration.test.ts):
 * - `x2apicIcrWriteNs` 540 + `perDestNs` 360 + `deliveryNs` 100: ipi_benchmark "Normal IPI"
 *   one-way 1452 ns (anchors §1.3, IPIv series, x2APIC, without IPIv; target not halted) fixes
 *   their sum once the core profile's queueing, interrupt entry and EOI are counted (model:
 *   1465 ns). The 80-vCPU `smp_call_function_many` broadcast, physical vs cluster x2APIC, 198.5 vs
 *   92.8 µs (anchors §1.3/§2, Wanpeng Li; 79 ICR writes vs 5, 79 injections either way) splits the
 *   sum between the per-write exit and the per-destination injection (model ratio 2.12, measured
 *   2.14; absolute times are a third of that 2-socket host's).
 * - `deliveryNs` 100: posted-interrupt notification to a running vCPU [inferred].
 * - `xapicIcrWriteNs` 1170: the trap-like APIC-write exit of xAPIC is slower than the x2APIC
 *   WRMSR fast path; kvm-unit-tests vmexit/ipi, 6059 vs 4338 cycles per IPI round (×1.40, anchors
 *   §1.3, without IPIv); model round trip ×1.41.
 * - `xapicIcrReadNs`/`xapicIcr2WriteNs` 20: APIC-register virtualization, no exit [inferred].
 * - `icrBusyNs` 0: KVM emulates the ICR write synchronously and clears the delivery-status bit
 *   before the guest resumes (arch/x86/kvm/lapic.c: "No delay here, so we always clear the
 *   pending bit").
 * - `clusterCollapseNs` 15: a few cpumask operations per cluster [inferred from the find_bit
 *   figures of anchors §3.1].
 * - `eoiNs` 20: virtual-interrupt delivery makes EOI an exit-less write [inferred].
 *
 * `haswell`: bare metal, calibrated on Nadav Amit's TLB-shootdown microbenchmark (anchors §1.1
 * and §2: initiator 661 / 1436 / 1571 ns for 0 / 1 / 3 remote CPUs, xAPIC physical, targets
 * busy-waiting; model 661 / 1448 / 1488).
 * - `deliveryNs` 420: the +775 ns of the first remote CPU minus the target's interrupt entry,
 *   flush and cache-line return (core profile) and the ICR sequence.
 * - `xapicIcrReadNs` 15, `xapicIcr2WriteNs` 15, `xapicIcrWriteNs` 35: one ICR sequence ≈ 65 ns,
 *   half of the +135 ns that two more targets cost; "programming the IPI itself is cheap"
 *   (anchors §1.1, Kleen/Molnar). The model's 1→3 increment is smaller (+40 ns) because a
 *   csd unlock is visible from the start of the handler's event (lib/sim).
 * - `x2apicIcrWriteNs` 40: one serializing WRMSR plus fence [inferred; no bare-metal x2APIC
 *   table exists, anchors §7].
 * - `icrBusyNs` 15: no measurement exists; it is at most one ICR read, so Linux's wait-for-idle
 *   loop finds the ICR idle on its first poll after a back-to-back send, matching the RTR row of
 *   real machines (0).
 * - `perDestNs` 0: the interconnect fans a message out. `clusterCollapseNs` 10, `eoiNs` 10
 *   [inferred].
 */
export const APIC_TIMING_PROFILES: Readonly<Record<string, ApicTiming>> = Object.freeze({
  'kvm-skylake': Object.freeze({
    name: 'kvm-skylake',
    xapicIcrReadNs: 20,
    xapicIcr2WriteNs: 20,
    xapicIcrWriteNs: 1170,
    x2apicIcrWriteNs: 540,
    icrBusyNs: 0,
    deliveryNs: 100,
    perDestNs: 360,
    clusterCollapseNs: 15,
    eoiNs: 20,
  }),
  haswell: Object.freeze({
    name: 'haswell',
    xapicIcrReadNs: 15,
    xapicIcr2WriteNs: 15,
    xapicIcrWriteNs: 35,
    x2apicIcrWriteNs: 40,
    icrBusyNs: 15,
    deliveryNs: 420,
    perDestNs: 0,
    clusterCollapseNs: 10,
    eoiNs: 10,
  }),
});

const KEYS = Object.keys(APIC_TIMING_PROFILES['kvm-skylake']).filter((k) => k !== 'name');

/**
 * The APIC timing of a machine: the built-in profile of the core profile's name, with the
 * numbers of `archOptions.apicTiming` (a partial {@link ApicTiming}) replacing the defaults.
 * @throws TypeError for an `apicTiming` that is not an object or has an unknown key; RangeError
 *   for a value that is not a non-negative safe integer (`xapicIcrReadNs` must be at least 1).
 */
export function resolveApicTiming(
  profile: string,
  archOptions: Readonly<Record<string, unknown>>,
): ApicTiming {
  const base = APIC_TIMING_PROFILES[profile] as ApicTiming | undefined;
  if (base === undefined) {
    throw new TypeError(
      `createMachine: the APIC driver has no timing for profile ${describeValue(profile)}; ` +
        `known: ${Object.keys(APIC_TIMING_PROFILES).join(', ')}`,
    );
  }
  const raw = archOptions.apicTiming;
  if (raw === undefined) return base;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TypeError(
      `createMachine: archOptions.apicTiming is ${describeValue(raw)}; expected an object of ns values`,
    );
  }
  const over = raw as Record<string, unknown>;
  for (const key of Object.keys(over)) {
    if (!KEYS.includes(key)) {
      throw new TypeError(
        `createMachine: archOptions.apicTiming.${key} is not an APIC timing parameter; known: ${KEYS.join(', ')}`,
      );
    }
    const v = over[key];
    const min = key === 'xapicIcrReadNs' ? 1 : 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new RangeError(
        `createMachine: archOptions.apicTiming.${key} is ${describeValue(v)}; expected an integer number of ns ≥ ${min}`,
      );
    }
  }
  return Object.freeze({ ...base, ...(over as Partial<ApicTiming>), name: base.name });
}
