/** Ad-hoc profiling entry: `node --cpu-prof .build/bench/profile-ipi.js [arch] [ntimes]`. */
import { createMachine } from '../lib/index.js';
import { formatIpiBenchmark, runIpiBenchmark } from '../lib/scenarios/ipi-benchmark.js';

const arch = process.argv[2] ?? 'test';
const ntimes = Number(process.argv[3] ?? 100_000);
const m = createMachine({ arch, nrCpus: 4 });
const t0 = performance.now();
const r = runIpiBenchmark(m, ntimes);
const ms = performance.now() - t0;
process.stdout.write(`${formatIpiBenchmark(r)}\n${m.engine.eventsHandled} events in ${ms.toFixed(0)} ms = ${((m.engine.eventsHandled / ms) * 1000 / 1e6).toFixed(2)} M events/s\n`);
