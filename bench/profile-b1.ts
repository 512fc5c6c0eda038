/** Ad-hoc profiling entry for B1: `node --cpu-prof --cpu-prof-interval 200 .build/bench/profile-b1.js [nrCpus] [total] [count]`. */
import { countEventKinds } from './profile-count.js';
import { fullStackRun } from './b1-b2-b6.js';

const nrCpus = Number(process.argv[2] ?? 64);
const total = Number(process.argv[3] ?? 300_000);
const counts = process.argv[4] === 'count' ? countEventKinds() : new Map<string, number>();
for (let i = 0; i < Number(process.env.RUNS ?? 3); i++) {
  const r = fullStackRun(nrCpus, total);
  process.stdout.write(`${nrCpus} CPUs: ${r.handled} IPIs, ${r.events} events in ${r.ms.toFixed(1)} ms = ${((r.handled / r.ms) * 1000 / 1e6).toFixed(2)} M IPI/s\n`);
}
for (const [k, v] of counts) process.stdout.write(`${k}: ${(v / 3 / total).toFixed(2)} per IPI\n`);
