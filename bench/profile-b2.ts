/** Ad-hoc profiling entry for B2: `node --cpu-prof --cpu-prof-interval 200 .build/bench/profile-b2.js [nrCpus] [iterations] [count]`. */
import { countEventKinds } from './profile-count.js';
import { broadcastHostMs } from './b1-b2-b6.js';

const nrCpus = Number(process.argv[2] ?? 8192);
const iterations = Number(process.argv[3] ?? 5);
const counts = process.argv[4] === 'count' ? countEventKinds() : new Map<string, number>();
const runs = Number(process.env.RUNS ?? 4);
for (let i = 0; i < runs; i++) {
  const ms = broadcastHostMs(nrCpus, iterations);
  process.stdout.write(`${nrCpus} CPUs: ${ms.toFixed(2)} ms per broadcast, ${((ms * 1e6) / (nrCpus - 1)).toFixed(0)} ns per target\n`);
}
for (const [k, v] of counts) process.stdout.write(`${k}: ${(v / runs / iterations / (nrCpus - 1)).toFixed(2)} per target\n`);
