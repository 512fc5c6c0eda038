/**
 * Combining one section's results over several forks (fresh Node processes), as JMH reports a
 * benchmark over its forks. On V8 the steady state a process reaches depends on what its JIT
 * decided during warm-up (which calls it inlined, in which order code was optimised), so one
 * process's median can sit 10 % above or below the next one's while its own samples agree
 * within 1–2 %. A single fork then measures that process, not the code.
 */
import type { BenchResult } from './harness.js';

/** Whether `a` and `b` are the same figure of two forks (same name and unit). */
function sameFigure(a: BenchResult, b: BenchResult): boolean {
  return a.name === b.name && a.unit === b.unit;
}

/**
 * One result per figure: the fork whose figure is the median (by ratio where every fork has
 * one, else by value; the lower median for an even count), with the range over the forks in
 * {@link BenchResult.forks}. Value, baseline and ratio are therefore one fork's own, measured
 * in the same process, never a mix of medians from different processes.
 * @param forks - each fork's results, in the section's order; one fork is returned unchanged.
 * @throws Error for no forks, or forks that do not report the same figures in the same order.
 */
export function combineForks(forks: readonly (readonly BenchResult[])[]): BenchResult[] {
  if (forks.length === 0) throw new Error('combineForks: no forks; expected the results of at least one');
  const first = forks[0];
  for (let f = 1; f < forks.length; f++) {
    const rows = forks[f];
    const bad = rows.length !== first.length ? 0 : rows.findIndex((r, i) => !sameFigure(r, first[i]));
    if (rows.length !== first.length || bad >= 0) {
      throw new Error(
        `combineForks: fork ${f} reports ${rows.length} figures (first mismatch at ${bad < 0 ? first.length : bad}); fork 0 reports ${first.length}: every fork must run the same section`,
      );
    }
  }
  if (forks.length === 1) return [...first];
  return first.map((_, i) => {
    const rows = forks.map((fork) => fork[i]);
    const byRatio = rows.every((r) => r.ratio !== null);
    const key = (r: BenchResult): number => (byRatio ? (r.ratio as number) : r.value);
    const sorted = [...rows].sort((a, b) => key(a) - key(b));
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    const values = rows.map((r) => r.value);
    const ratios = rows.map((r) => r.ratio).filter((r): r is number => r !== null);
    return {
      ...median,
      forks: {
        count: rows.length,
        valueMin: Math.min(...values),
        valueMax: Math.max(...values),
        ratioMin: byRatio ? Math.min(...ratios) : null,
        ratioMax: byRatio ? Math.max(...ratios) : null,
      },
    };
  });
}
