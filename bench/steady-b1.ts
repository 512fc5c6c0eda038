/**
 * B1 in steady state, for comparing builds: `node .build/bench/steady-b1.js [nrCpus] [runs]`.
 * Runs the full stack and the bare baseline `runs` times each in this process and prints the
 * median of all but the first two runs (V8 is still optimising during those), and the ratio.
 */
import { baselineIpiLoop } from './baseline-engine.js';
import { fullStackRun } from './b1-b2-b6.js';
import { medianAndMad } from './harness.js';

const nrCpus = Number(process.argv[2] ?? 64);
const runs = Math.max(3, Number(process.argv[3] ?? 12));
const total = 300_000;

/** Median of all but the first two runs (V8 is still optimising during those). */
function median(xs: number[]): number {
  return medianAndMad(xs.slice(2)).median;
}

const full: number[] = [];
for (let i = 0; i < runs; i++) {
  const r = fullStackRun(nrCpus, total);
  full.push(r.handled / r.ms / 1e3);
}
const bare: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  baselineIpiLoop(nrCpus, total, (cpu) => (cpu + 1) % nrCpus);
  bare.push(total / (performance.now() - t0) / 1e3);
}
const f = median(full);
const b = median(bare);
process.stdout.write(`B1 ${nrCpus} CPUs, steady state: full stack ${f.toFixed(2)} M IPI/s, bare ${b.toFixed(2)} M IPI/s, ratio ${(f / b).toFixed(3)}\n`);
