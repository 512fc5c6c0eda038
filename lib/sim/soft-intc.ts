/**
 * A generic per-CPU interrupt controller for architectures without one of their own: each CPU
 * has a set of pending virqs (a second raise of a pending virq coalesces); the CPU takes the
 * lowest pending virq first and runs its flow handler through `generic_handle_irq()`.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { IrqFlow } from '../irq/handle.js';
import { MachineConfig } from '../machine/config.js';
import { Printk } from '../printk.js';
import { SimCpus } from './cpus.js';
import { SimEngine } from './engine.js';
import { FaultInjector } from './faults.js';
import { checkInteger } from '../validate.js';
import type { InterruptController } from './intc.js';

/** The generic per-CPU pending-virq controller. Attach it with {@link SoftIntc.attach}. */
@injectable()
export class SoftIntc implements InterruptController {
  readonly name = 'soft-intc';
  readonly #pending: (Set<number> | undefined)[];
  readonly #cpus: SimCpus;
  readonly #flow: IrqFlow;
  readonly #engine: SimEngine;
  readonly #evRaise: number;
  readonly #faults: FaultInjector;
  readonly #printk: Printk;
  readonly #nrCpuIds: number;
  #spuriousWarned = false;
  /**
   * Per-CPU delivery accounting. At any time, for every CPU:
   * `sent = delivered + coalesced + pending + dropped + inFlight` (docs/reliability.md).
   */
  /** Raises, per target CPU. */
  readonly sent: Uint32Array;
  /** Raises that found the virq already pending, per CPU. */
  readonly coalesced: Uint32Array;
  /** Interrupts the CPU acknowledged (took), per CPU. */
  readonly delivered: Uint32Array;
  /** Raises dropped by fault injection, per CPU. */
  readonly dropped: Uint32Array;
  /** Raises still on their way (sent at a later local time, or delayed by fault injection), per CPU. */
  readonly inFlight: Uint32Array;
  /** Delivered interrupts whose virq had no descriptor any more (freed while pending), per CPU. */
  readonly spurious: Uint32Array;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(IrqFlow) flow: IrqFlow,
    @inject(SimEngine) engine: SimEngine,
    @inject(FaultInjector) faults: FaultInjector,
    @inject(Printk) printk: Printk,
  ) {
    const n = config.nrCpuIds;
    this.#nrCpuIds = n;
    this.#pending = new Array<Set<number> | undefined>(n);
    this.#cpus = cpus;
    this.#flow = flow;
    this.#engine = engine;
    this.#faults = faults;
    this.#printk = printk;
    this.sent = new Uint32Array(n);
    this.coalesced = new Uint32Array(n);
    this.delivered = new Uint32Array(n);
    this.dropped = new Uint32Array(n);
    this.inFlight = new Uint32Array(n);
    this.spurious = new Uint32Array(n);
    this.#evRaise = engine.registerKind('soft_intc_raise', (cpu, virq) => {
      this.inFlight[cpu]--;
      this.#raise(cpu, virq);
    });
  }

  /** Connects this controller to the CPUs (once per machine). */
  attach(): void {
    this.#cpus.attachInterruptController(this);
  }

  /**
   * Marks `virq` pending on `cpu` and lets the CPU take it. Returns false if it coalesced.
   * Raised from code that has charged time, the interrupt arrives at the sender's local time
   * (then the result is known only on arrival, and this returns true).
   */
  raise(cpu: number, virq: number): boolean {
    checkInteger('SoftIntc.raise', 'cpu', cpu);
    checkInteger('SoftIntc.raise', 'virq', virq);
    if (cpu < 0 || cpu >= this.#nrCpuIds) {
      throw new RangeError(`SoftIntc.raise: cpu is ${cpu}; expected a CPU number in [0, ${this.#nrCpuIds})`);
    }
    if (virq < 0) throw new RangeError(`SoftIntc.raise: virq is ${virq}; expected a non-negative integer`);
    this.sent[cpu]++;
    let at = this.#cpus.localNow();
    const fault = this.#faults.delivery(cpu, virq, 'soft-intc delivery');
    if (fault !== null) {
      if (fault.kind === 'drop') {
        this.dropped[cpu]++;
        return false;
      }
      at += fault.ns;
    }
    if (at > this.#engine.now) {
      this.inFlight[cpu]++;
      this.#engine.schedule(at, this.#evRaise, cpu, virq);
      return true;
    }
    return this.#raise(cpu, virq);
  }

  #raise(cpu: number, virq: number): boolean {
    const set = (this.#pending[cpu] ??= new Set());
    if (set.has(virq)) {
      this.coalesced[cpu]++;
      return false;
    }
    set.add(virq);
    this.#cpus.kick(cpu);
    return true;
  }

  pending(cpu: number): boolean {
    const set = this.#pending[cpu];
    return set !== undefined && set.size > 0;
  }

  acknowledge(cpu: number): number {
    const set = this.#pending[cpu];
    if (set === undefined || set.size === 0) return -1;
    let min = Infinity;
    for (const v of set) if (v < min) min = v;
    set.delete(min);
    this.delivered[cpu]++;
    return min;
  }

  dispatch(cpu: number, handle: number): void {
    if (this.#flow.genericHandleIrq(handle) < 0) {
      // The virq was freed while pending (x86: "No irq handler for vector"): counted, said once.
      this.spurious[cpu]++;
      if (!this.#spuriousWarned) {
        this.#spuriousWarned = true;
        this.#printk.prWarn('', `soft-intc: CPU${cpu}: no irq handler for virq ${handle}`);
      }
    }
  }

  pendingCount(cpu: number): number {
    return this.#pending[cpu]?.size ?? 0;
  }
}
