/**
 * `/proc/interrupts`: a snapshot of a machine's interrupt counters, and a renderer that prints
 * it the way Linux 6.10 does (kernel/irq/proc.c `show_interrupts`, then the architecture's
 * `arch_show_interrupts`).
 *
 * - Header: `%*s` of width `prec + 8`, then `CPU%-8d` per online CPU. `prec` is 3, plus one per
 *   decimal digit of `nr_irqs` beyond three.
 * - Numbered rows (descriptors with an action, not `IRQ_HIDDEN`): `%*d:` then ` %10u` per online
 *   CPU, a space, the chip name `%8s` (`None` without a chip, `-` for an empty name), ` %*lu`
 *   hwirq (blank without a domain), ` %-8s` `Level`/`Edge` on architectures with
 *   `CONFIG_GENERIC_IRQ_SHOW_LEVEL` (arm64, riscv), `-%-8s` the flow name if set, then two spaces
 *   and the action names joined by `, `.
 * - Architecture rows from `IrqStats`, in declaration order: `IPI<n>` rows in the arm64 /
 *   RISC-V shape (`%*s%u:%s` with `prec - 1, "IPI", n`, then `%10u ` per CPU and six spaces and
 *   the description); `ERR` / `MIS` as one total (`%*s: %10u`); every other row in the x86 shape
 *   (`%*s: ` then `%10u ` per CPU, two spaces and the description).
 * - x86 always ends with `ERR` and `MIS` totals (0 if the architecture keeps none); MIPS with
 *   `ERR`.
 *
 * Rendering is a pure function of the snapshot, so it can be golden-tested byte for byte.
 *
 * @packageDocumentation
 */
import { IRQ_HIDDEN, IRQ_LEVEL } from '../irq/irqdata.js';
import { IrqDescTable } from '../irq/irqdesc.js';
import type { Machine } from '../machine/machine.js';

/** One numbered row's data. */
export interface IrqRowSnapshot {
  /** Linux irq number. */
  readonly irq: number;
  /** Count per online CPU, in the order of {@link InterruptsSnapshot.cpus}. */
  readonly counts: readonly number[];
  /** `irq_chip.name`, or null when the descriptor has no chip. */
  readonly chip: string | null;
  /** hwirq, or null when the descriptor has no domain. */
  readonly hwirq: number | null;
  /** `irqd_is_level_type()`. */
  readonly level: boolean;
  /** Flow handler name (`irq_desc.name`), or null. */
  readonly flow: string | null;
  /** Action names, in registration order. */
  readonly actions: readonly string[];
  /** `IRQ_HIDDEN`. */
  readonly hidden: boolean;
}

/** One architecture statistics row's data. */
export interface StatRowSnapshot {
  /** Row label (`RES`, `IPI0`). */
  readonly label: string;
  /** Text after the counts. */
  readonly description: string;
  /** Count per online CPU, in the order of {@link InterruptsSnapshot.cpus}. */
  readonly counts: readonly number[];
}

/** Everything `/proc/interrupts` prints, captured at one instant. */
export interface InterruptsSnapshot {
  /** Architecture name (selects the trailer rows and the Level/Edge column). */
  readonly arch: string;
  /** `nr_irqs` (sets the width of the first column). */
  readonly nrIrqs: number;
  /** Online CPUs, ascending: one column each. */
  readonly cpus: readonly number[];
  /** Allocated descriptors, ascending. */
  readonly irqs: readonly IrqRowSnapshot[];
  /** Architecture rows in declaration order. */
  readonly stats: readonly StatRowSnapshot[];
}

/** Captures `machine`'s interrupt counters. */
export function snapshotInterrupts(machine: Machine): InterruptsSnapshot {
  const cpus = machine.cpuOnlineMask.toArray();
  const table = machine.get(IrqDescTable);
  const irqs: IrqRowSnapshot[] = [];
  for (const irq of table.allocatedIrqs()) {
    const desc = table.irqToDesc(irq);
    if (desc === null) continue;
    const data = desc.irqData;
    irqs.push({
      irq,
      counts: cpus.map((cpu) => desc.kstatIrqsCpu(cpu)),
      chip: data.chip === null ? null : data.chip.name,
      hwirq: data.domain === null ? null : data.hwirq,
      level: (desc.irqCommonData.statusFlags & IRQ_LEVEL) !== 0,
      flow: desc.name,
      actions: desc.actions.map((a) => a.name),
      hidden: (desc.irqCommonData.statusFlags & IRQ_HIDDEN) !== 0,
    });
  }
  const stats = machine.irqStats.rows().map((row) => ({
    label: row.label,
    description: row.description,
    counts: cpus.map((cpu) => row.counts[cpu]),
  }));
  return { arch: machine.arch, nrIrqs: table.nrIrqs, cpus, irqs, stats };
}

/** Per-architecture `/proc/interrupts` settings. */
interface ArchStyle {
  /** `CONFIG_GENERIC_IRQ_SHOW_LEVEL`. */
  readonly showLevel: boolean;
  /** Total rows `arch_show_interrupts` always ends with. */
  readonly trailer: readonly string[];
  /** What the arch prints between an `IPI<n>` row's counts and its name. */
  readonly ipiGap: string;
}

function archStyle(arch: string): ArchStyle {
  if (arch === 'x86' || arch.startsWith('x86-'))
    return { showLevel: false, trailer: ['ERR', 'MIS'], ipiGap: ARM64_IPI_GAP };
  if (arch.startsWith('mips')) return { showLevel: false, trailer: ['ERR'], ipiGap: ARM64_IPI_GAP };
  if (arch.startsWith('riscv')) return { showLevel: true, trailer: [], ipiGap: RISCV_IPI_GAP };
  if (arch.startsWith('arm64')) return { showLevel: true, trailer: [], ipiGap: ARM64_IPI_GAP };
  return { showLevel: false, trailer: [], ipiGap: ARM64_IPI_GAP };
}

/** What `show_ipi_list()` (arch/arm64/kernel/smp.c) prints before an IPI's name. */
export const ARM64_IPI_GAP = '      ';
/** What `show_ipi_stats()` (arch/riscv/kernel/smp.c) prints before an IPI's name. */
export const RISCV_IPI_GAP = ' ';

/**
 * One `IPI<n>:` row as arm64's `show_ipi_list()` and RISC-V's `show_ipi_stats()` print it:
 * `"%*s%u:%s"` with `prec - 1, "IPI", n, prec >= 4 ? " " : ""`, then `"%10u "` per CPU, then
 * `gap` and the name.
 */
export function formatIpiRow(
  n: number,
  counts: Iterable<number>,
  name: string,
  prec: number,
  gap: string,
): string {
  let line = `${'IPI'.padStart(prec - 1)}${n}:${prec >= 4 ? ' ' : ''}`;
  for (const c of counts) line += `${String(c).padStart(10)} `;
  return `${line}${gap}${name}`;
}

/** The first column's width: 3, growing with the digits of `nr_irqs`. */
export function procPrecision(nrIrqs: number): number {
  let prec = 3;
  for (let j = 1000; prec < 10 && j <= nrIrqs; prec++) j *= 10;
  return prec;
}

const TOTAL_ROWS = new Set(['ERR', 'MIS']);

/** Renders `/proc/interrupts` from a snapshot (see the module description for the layout). */
export function renderProcInterrupts(snapshot: InterruptsSnapshot): string {
  const prec = procPrecision(snapshot.nrIrqs);
  const style = archStyle(snapshot.arch);
  const lines: string[] = [];
  lines.push(
    ''.padStart(prec + 8) + snapshot.cpus.map((cpu) => `CPU${String(cpu).padEnd(8)}`).join(''),
  );
  for (const row of snapshot.irqs) {
    if (row.hidden || row.actions.length === 0) continue;
    let line = `${String(row.irq).padStart(prec)}:`;
    for (const n of row.counts) line += ` ${String(n).padStart(10)}`;
    line += ' ';
    line += (row.chip === null ? 'None' : row.chip === '' ? '-' : row.chip).padStart(8);
    line += ` ${row.hwirq === null ? ''.padStart(prec) : String(row.hwirq).padStart(prec)}`;
    if (style.showLevel) line += ` ${(row.level ? 'Level' : 'Edge').padEnd(8)}`;
    if (row.flow !== null) line += `-${row.flow.padEnd(8)}`;
    line += `  ${row.actions.join(', ')}`;
    lines.push(line);
  }
  const totals = new Map<string, number>();
  for (const row of snapshot.stats) {
    if (TOTAL_ROWS.has(row.label)) {
      totals.set(
        row.label,
        row.counts.reduce((a, b) => a + b, 0),
      );
      if (!style.trailer.includes(row.label))
        lines.push(`${row.label.padStart(prec)}: ${String(totals.get(row.label)).padStart(10)}`);
      continue;
    }
    const ipi = /^IPI(\d+)$/.exec(row.label);
    if (ipi !== null) {
      lines.push(formatIpiRow(Number(ipi[1]), row.counts, row.description, prec, style.ipiGap));
      continue;
    }
    let line = `${row.label.padStart(prec)}: `;
    for (const n of row.counts) line += `${String(n).padStart(10)} `;
    lines.push(`${line}  ${row.description}`);
  }
  for (const label of style.trailer)
    lines.push(`${label.padStart(prec)}: ${String(totals.get(label) ?? 0).padStart(10)}`);
  return `${lines.join('\n')}\n`;
}
