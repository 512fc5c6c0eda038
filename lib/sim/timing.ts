/**
 * The core timing model: what interrupt entry and exit, spinning and idle wake-up cost in
 * simulated nanoseconds. Drivers add their own parameters (ICR writes, delivery latency) keyed by
 * the same profile name.
 *
 * Calibration sources are in docs/simulation.md and ../shared/spec/perf-anchors.md.
 *
 * @packageDocumentation
 */

/** Core (architecture-independent) costs, in ns. */
export interface CoreTiming {
  /** Profile name. */
  readonly name: string;
  /** Interrupt entry: from "taken" to the first instruction of the flow handler. */
  readonly irqEntryNs: number;
  /** Interrupt exit: from handler return to the interrupted code. */
  readonly irqExitNs: number;
  /** A spinning CPU observes a store by another CPU (cache-line transfer). */
  readonly coherenceNs: number;
  /** A polling-idle CPU notices `need_resched`. */
  readonly pollWakeNs: number;
  /** A halted CPU leaves `hlt` on an interrupt. */
  readonly haltWakeNs: number;
  /** Default run time of a cross-call function body. */
  readonly callFuncNs: number;
  /** Sender cost to lock, fill and queue one csd. */
  readonly csdQueueNs: number;
  /** Waiter cost to check one csd that is already unlocked. */
  readonly csdWaitNs: number;
  /** Local overhead of `smp_call_function_single()` on self (irq save, call, restore). */
  readonly localCallNs: number;
  /** Flushing one page from the local TLB (`invlpg`). */
  readonly tlbFlushPageNs: number;
  /** Fixed cost of a local TLB flush (fault/refill in the Haswell benchmark's loop). */
  readonly tlbFlushLocalNs: number;
}

/**
 * Built-in profiles.
 * - `kvm-skylake` (default): an x86 guest, calibrated to the `ipi_benchmark` tables of the
 *   IPI-virtualization and PV-IPI patch series (Normal IPI one-way ≈ 1.45 µs).
 * - `haswell`: bare-metal Haswell, calibrated to Nadav Amit's TLB-shootdown microbenchmark
 *   (661 / 1436 / 1571 ns for 0 / 1 / 3 remote CPUs).
 */
export const CORE_TIMING_PROFILES: Readonly<Record<string, CoreTiming>> = Object.freeze({
  'kvm-skylake': Object.freeze({
    name: 'kvm-skylake',
    irqEntryNs: 420,
    irqExitNs: 180,
    coherenceNs: 110,
    pollWakeNs: 60,
    haltWakeNs: 900,
    callFuncNs: 40,
    csdQueueNs: 25,
    csdWaitNs: 20,
    localCallNs: 111,
    tlbFlushPageNs: 120,
    tlbFlushLocalNs: 540,
  }),
  haswell: Object.freeze({
    name: 'haswell',
    irqEntryNs: 180,
    irqExitNs: 90,
    coherenceNs: 70,
    pollWakeNs: 40,
    haltWakeNs: 600,
    callFuncNs: 30,
    csdQueueNs: 12,
    csdWaitNs: 8,
    localCallNs: 60,
    tlbFlushPageNs: 120,
    tlbFlushLocalNs: 541,
  }),
});

/** The default timing profile name. */
export const DEFAULT_TIMING_PROFILE = 'kvm-skylake';

/** DI token for the machine's {@link CoreTiming}. */
export const CoreTiming: unique symbol = Symbol.for('genipi/CoreTiming');
