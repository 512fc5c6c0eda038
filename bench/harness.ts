/** Shared benchmark plumbing: the result shape and a tinybench-based timer. */
import { Bench } from 'tinybench';

/** One figure of the suite, as printed by `npm run bench -- --json`. */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The figure it is compared with (same unit), or null. */
  readonly baseline: number | null;
  /** `value / baseline` (or the reverse for throughputs, as named), or null. */
  readonly ratio: number | null;
  /** Spread of the samples (median absolute deviation), same unit as value. */
  readonly spread?: number;
  /** The range over the forks, when the section ran in more than one (see bench/forks.ts). */
  readonly forks?: ForkRange;
}

/** How a figure varied over the forks (fresh processes) its section ran in. */
export interface ForkRange {
  /** Forks run. */
  readonly count: number;
  /** Least and greatest value over the forks. */
  readonly valueMin: number;
  readonly valueMax: number;
  /** Least and greatest ratio over the forks, or null where the figure has no ratio. */
  readonly ratioMin: number | null;
  readonly ratioMax: number | null;
}

/**
 * Median time of `fn` in ns, over tinybench samples (warm-up included).
 * @param iterations - fixed sample count for slow functions; otherwise time-bounded sampling.
 */
export async function measure(fn: () => unknown, iterations?: number): Promise<number> {
  return (await measureWithSpread(fn, iterations)).median;
}

/**
 * Median and median absolute deviation of `fn` in ns.
 * @param iterations - fixed sample count for slow functions; otherwise time-bounded sampling.
 * @param warmupIterations - unsampled runs first, with a fixed sample count.
 */
export async function measureWithSpread(
  fn: () => unknown,
  iterations?: number,
  warmupIterations = 1,
): Promise<{ median: number; mad: number }> {
  const bench =
    iterations === undefined
      ? new Bench({ time: 200, warmupTime: 50 })
      : new Bench({ time: 0, iterations, warmupTime: 0, warmupIterations });
  bench.add('x', fn);
  await bench.run();
  const result = bench.tasks[0].result as { latency?: { p50: number; mad: number } };
  if (result.latency === undefined) throw new Error('benchmark task failed');
  return { median: result.latency.p50 * 1e6, mad: result.latency.mad * 1e6 };
}

/**
 * Warm-up runs before a self-timed figure is sampled, as JMH's default of five. Every run builds
 * a fresh machine, whose closures first deoptimize code specialised to the previous machine's;
 * on this class of host the large machines need about five runs to reach steady state, and one
 * warm-up run left the median of B1 and B2 at 8192 CPUs in that ramp (B2: 3–5 ms instead of 2).
 */
export const WARMUP_RUNS = 5;

/**
 * Median and median absolute deviation, in ms, of a run that times itself (`run` returns the
 * ms of its measured part, so that building a machine is not counted): tinybench drives the
 * iterations and the warm-up and aggregates the reported durations (`overriddenDuration`).
 */
export async function measureRuns(run: () => number, iterations: number, warmupIterations = WARMUP_RUNS): Promise<{ median: number; mad: number }> {
  const bench = new Bench({ time: 0, iterations, warmupTime: 0, warmupIterations });
  bench.add('run', () => ({ overriddenDuration: run() }));
  await bench.run();
  const result = bench.tasks[0].result as { latency?: { p50: number; mad: number } };
  if (result.latency === undefined) throw new Error('benchmark task failed');
  return { median: result.latency.p50, mad: result.latency.mad };
}

/** Median and median absolute deviation of `xs` (which must not be empty). */
export function medianAndMad(xs: readonly number[]): { median: number; mad: number } {
  if (xs.length === 0) throw new Error('medianAndMad: no samples');
  const mid = (v: readonly number[]): number => {
    const s = [...v].sort((a, b) => a - b);
    const h = s.length >> 1;
    return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
  };
  const median = mid(xs);
  return { median, mad: mid(xs.map((x) => Math.abs(x - median))) };
}

/**
 * A figure and its baseline measured in alternation, each a run that times itself (returns the
 * ms of its measured part): every iteration runs both, `run` first on even iterations and
 * `baseline` first on odd ones, so that both sample the same stretch of a host whose speed drifts
 * (on a shared VM it moves by ±10–20 % within minutes). tinybench drives the warm-up and the
 * iterations as one task; the warm-up runs are not sampled. Returns each side's median and
 * median absolute deviation in ms.
 */
export async function measurePairedRuns(
  run: () => number,
  baseline: () => number,
  iterations: number,
  warmupIterations = WARMUP_RUNS,
): Promise<{ run: { median: number; mad: number }; baseline: { median: number; mad: number } }> {
  const a: number[] = [];
  const b: number[] = [];
  let k = 0;
  const bench = new Bench({ time: 0, iterations, warmupTime: 0, warmupIterations });
  bench.add('pair', () => {
    let ra: number;
    let rb: number;
    if (k++ % 2 === 0) {
      ra = run();
      rb = baseline();
    } else {
      rb = baseline();
      ra = run();
    }
    a.push(ra);
    b.push(rb);
    return { overriddenDuration: ra + rb };
  });
  await bench.run();
  const task = bench.tasks[0].result as { latency?: unknown };
  if (task.latency === undefined || a.length < iterations) throw new Error('benchmark task failed');
  // tinybench runs the warm-up first: the last `iterations` pairs are the samples.
  return { run: medianAndMad(a.slice(-iterations)), baseline: medianAndMad(b.slice(-iterations)) };
}

/**
 * Heap in use after a full collection, once the current job has ended (needs `--expose-gc`).
 * The job has to end first: inversify's binding cache holds WeakRefs to the services it built,
 * and a WeakRef's target is kept alive until the end of the job that created or read it, so a
 * machine dropped in the same synchronous stretch survives `gc()` and is counted.
 */
export async function settledHeapBytes(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('heap figures need node --expose-gc');
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  return process.memoryUsage().heapUsed;
}
