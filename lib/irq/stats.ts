/**
 * Per-CPU architecture interrupt statistics (`irq_stat` on x86, `ipi_types` counts on arm64):
 * the rows `/proc/interrupts` prints after the numbered ones (RES, CAL, TLB, IPI0, …).
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { MachineConfig } from '../machine/config.js';

/** One statistics row: a label, a description and a per-CPU counter. */
export interface IrqStatRow {
  /** Row label (`RES`, `IPI0`). */
  readonly label: string;
  /** Description printed after the counts. */
  readonly description: string;
  /** Per-CPU counts. */
  readonly counts: Uint32Array;
}

/** Architecture interrupt statistics of one machine. */
@injectable()
export class IrqStats {
  readonly #nrCpuIds: number;
  readonly #rows = new Map<string, IrqStatRow>();

  constructor(@inject(MachineConfig) config: MachineConfig) {
    this.#nrCpuIds = config.nrCpuIds;
  }

  /** Declares a row (idempotent); architectures call this while the machine is built. */
  define(label: string, description: string): IrqStatRow {
    let row = this.#rows.get(label);
    if (row === undefined) {
      row = { label, description, counts: new Uint32Array(this.#nrCpuIds) };
      this.#rows.set(label, row);
    }
    return row;
  }

  /** Increments `label` on `cpu` if the architecture declared that row (`inc_irq_stat`). */
  inc(label: string, cpu: number): void {
    const row = this.#rows.get(label);
    if (row !== undefined) row.counts[cpu]++;
  }

  /** The row `label`, or undefined. */
  get(label: string): IrqStatRow | undefined {
    return this.#rows.get(label);
  }

  /** Rows in declaration order. */
  rows(): IrqStatRow[] {
    return [...this.#rows.values()];
  }
}
