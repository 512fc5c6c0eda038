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
import { SimCpus } from './cpus.js';
import type { InterruptController } from './intc.js';

/** The generic per-CPU pending-virq controller. Attach it with {@link SoftIntc.attach}. */
@injectable()
export class SoftIntc implements InterruptController {
  readonly name = 'soft-intc';
  readonly #pending: (Set<number> | undefined)[];
  readonly #cpus: SimCpus;
  readonly #flow: IrqFlow;
  /** Raises that found the virq already pending, per CPU. */
  readonly coalesced: Uint32Array;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(IrqFlow) flow: IrqFlow,
  ) {
    this.#pending = new Array<Set<number> | undefined>(config.nrCpuIds);
    this.#cpus = cpus;
    this.#flow = flow;
    this.coalesced = new Uint32Array(config.nrCpuIds);
  }

  /** Connects this controller to the CPUs (once per machine). */
  attach(): void {
    this.#cpus.attachInterruptController(this);
  }

  /** Marks `virq` pending on `cpu` and lets the CPU take it. Returns false if it coalesced. */
  raise(cpu: number, virq: number): boolean {
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
    return min;
  }

  dispatch(_cpu: number, handle: number): void {
    this.#flow.genericHandleIrq(handle);
  }

  pendingCount(cpu: number): number {
    return this.#pending[cpu]?.size ?? 0;
  }
}
