/** Ad-hoc profiling of B3: `node --cpu-prof .build/bench/profile-b3.js`. */
import { TestArch } from '../arch/test/index.js';
import { createMachine } from '../lib/index.js';

const m = createMachine({ arch: 'test', nrCpus: 8192 });
const domain = m.get(TestArch).perCpuIpiDomain;
const all = m.cpuPossibleMask.copy();
const t0 = performance.now();
for (let i = 0; i < 200; i++) {
  const virq = m.ipi.irqReserveIpi(domain, all);
  m.ipi.ipiSendMask(virq, all);
  m.ipi.irqDestroyIpi(virq, all);
  m.get(TestArch).chip.calls.length = 0;
}
process.stdout.write(`${((performance.now() - t0) / 200).toFixed(2)} ms per cycle\n`);
