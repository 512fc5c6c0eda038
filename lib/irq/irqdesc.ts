/**
 * The per-machine irq descriptor table, mirroring kernel/irq/irqdesc.c: virq number allocation
 * (first fit, lowest free contiguous run), descriptor lookup, and freeing.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { bitmapClear, bitmapFindNextZeroArea, bitmapSet, bitsToWords } from '../bitmap.js';
import { CpuMasks } from '../cpu.js';
import { Errno } from '../errno.js';
import { MachineConfig } from '../machine/config.js';
import { checkIrqNumber } from '../validate.js';
import { IRQ_NOPROBE, IRQ_NOREQUEST, IrqDesc, type IrqData } from './irqdata.js';

/**
 * Descriptor storage and virq allocation for one machine.
 *
 * @remarks
 * `nrIrqs` is a fixed cap here (the kernel without `SPARSE_IRQ`); with `SPARSE_IRQ` the kernel
 * grows `nr_irqs` on demand up to a larger cap. Allocation order is the same first-fit either way.
 */
@injectable()
export class IrqDescTable {
  /** `nr_irqs`: virqs are `[0, nrIrqs)`, and 0 is never handed out by the domain allocator. */
  readonly nrIrqs: number;
  readonly #allocated: Uint32Array;
  readonly #descs: (IrqDesc | undefined)[] = [];
  readonly #cpus: CpuMasks;
  #count = 0;

  constructor(@inject(MachineConfig) config: MachineConfig, @inject(CpuMasks) cpus: CpuMasks) {
    this.nrIrqs = config.nrIrqs;
    this.#allocated = new Uint32Array(bitsToWords(config.nrIrqs));
    this.#cpus = cpus;
  }

  /** Number of descriptors currently allocated. */
  get allocatedCount(): number {
    return this.#count;
  }

  /**
   * `irq_to_desc()`: the descriptor of `irq`, or null.
   * @throws TypeError if `irq` is not an integer.
   */
  irqToDesc(irq: number): IrqDesc | null {
    checkIrqNumber('irqToDesc', 'irq', irq);
    return this.#descs[irq] ?? null;
  }

  /** `irq_get_irq_data()`: the outermost {@link IrqData} of `irq`, or null. */
  irqGetIrqData(irq: number): IrqData | null {
    checkIrqNumber('irqGetIrqData', 'irq', irq);
    return this.#descs[irq]?.irqData ?? null;
  }

  /** Trusted lookup for hot paths: no argument checks. */
  lookup(irq: number): IrqDesc | undefined {
    return this.#descs[irq];
  }

  /**
   * `__irq_alloc_descs(irq, from, cnt, node, owner, affinity)` (kernel/irq/irqdesc.c).
   *
   * @param irq - a specific number to allocate, or a negative value for "any".
   * @param from - lowest number to consider.
   * @param cnt - how many consecutive descriptors.
   * @returns the first virq, `-EINVAL` for `cnt == 0` or `from > irq`, `-EEXIST` when the specific
   *   number is taken, `-ENOMEM` when no run fits under `nrIrqs`.
   */
  irqAllocDescs(irq: number, from: number, cnt: number): number {
    checkIrqNumber('irqAllocDescs', 'irq', irq, true);
    checkIrqNumber('irqAllocDescs', 'from', from);
    checkIrqNumber('irqAllocDescs', 'cnt', cnt);
    if (cnt === 0) return -Errno.EINVAL;
    if (irq >= 0) {
      if (from > irq) return -Errno.EINVAL;
      from = irq;
    }
    const start = bitmapFindNextZeroArea(this.#allocated, this.nrIrqs, from, cnt);
    if (irq >= 0 && start !== irq) return -Errno.EEXIST;
    if (start + cnt > this.nrIrqs) return -Errno.ENOMEM;
    bitmapSet(this.#allocated, start, cnt);
    const affinity = this.#cpus.possible;
    for (let i = 0; i < cnt; i++) {
      this.#descs[start + i] = new IrqDesc(start + i, affinity, IRQ_NOPROBE | IRQ_NOREQUEST);
    }
    this.#count += cnt;
    return start;
  }

  /**
   * `irq_free_descs(from, cnt)`: frees descriptors and releases their numbers. Like the kernel it
   * silently does nothing when `from >= nr_irqs` or `from + cnt > nr_irqs`.
   */
  irqFreeDescs(from: number, cnt: number): void {
    checkIrqNumber('irqFreeDescs', 'from', from, true);
    checkIrqNumber('irqFreeDescs', 'cnt', cnt);
    // The C arguments are unsigned: a negative start is a huge number and fails the range check.
    if (from < 0 || from >= this.nrIrqs || from + cnt > this.nrIrqs) return;
    for (let i = from; i < from + cnt; i++) {
      if (this.#descs[i] !== undefined) {
        this.#descs[i] = undefined;
        this.#count--;
      }
    }
    bitmapClear(this.#allocated, from, cnt);
  }

  /** Allocated virqs in ascending order (for `/proc/interrupts` and invariant checks). */
  *allocatedIrqs(): IterableIterator<number> {
    for (let i = 0; i < this.#descs.length; i++) if (this.#descs[i] !== undefined) yield i;
  }
}
