/**
 * B3: irqReserveIpi + ipiSendMask + irqDestroyIpi on a per-CPU IPI domain over 8192 CPUs, and
 * heap bytes per reserved virq. Uses the `test` arch's per-CPU domain (hwirq per CPU, a chip
 * with a mask hook), so the figure is the generic core's cost.
 */
import { TestArch } from '../arch/test/index.js';
import { createMachine } from '../lib/index.js';
import type { BenchResult } from './harness.js';
import { measureWithSpread, settledHeapBytes, WARMUP_RUNS } from './harness.js';

export async function benchReserve(): Promise<BenchResult[]> {
  const nr = 8192;
  const m = createMachine({ arch: 'test', nrCpus: nr });
  const domain = m.get(TestArch).perCpuIpiDomain;
  const all = m.cpuPossibleMask.copy();
  // The test chip records every call; keep the log from growing during the measurement.
  const calls = m.get(TestArch).chip.calls;
  const cycle = (): void => {
    const virq = m.ipi.irqReserveIpi(domain, all);
    if (virq <= 0) throw new Error(`reserve failed: ${virq}`);
    m.ipi.ipiSendMask(virq, all);
    if (m.ipi.irqDestroyIpi(virq, all) !== 0) throw new Error('destroy failed');
    calls.length = 0;
  };
  // The first cycles compile the reserve and destroy paths: 3–40 ms each for about ten cycles
  // on the 2-vCPU VM, then 2.5–4 ms. Two sets of WARMUP_RUNS keep that ramp out of the samples
  // (one warm-up run left up to a quarter of them in it).
  const t = await measureWithSpread(cycle, 40, 2 * WARMUP_RUNS);
  // Heap per reserved virq: reserve a whole 8192-CPU range and look at the heap.
  const m2 = createMachine({ arch: 'test', nrCpus: nr });
  const d2 = m2.get(TestArch).perCpuIpiDomain;
  const before = await settledHeapBytes();
  const virq = m2.ipi.irqReserveIpi(d2, m2.cpuPossibleMask.copy());
  const after = await settledHeapBytes();
  if (virq <= 0) throw new Error('reserve failed');
  const perVirq = (after - before) / nr;
  return [
    { name: 'B3 reserve+sendMask+destroy, per-CPU domain, 8192 CPUs', value: t.median / 1e6, unit: 'ms', baseline: 5, ratio: t.median / 1e6 / 5, spread: t.mad / 1e6 },
    { name: 'B3 heap per reserved virq', value: Math.round(perVirq), unit: 'bytes', baseline: 512, ratio: perVirq / 512 },
  ];
}

/** Machine build at 8192 CPUs: time and heap. */
export async function benchMachineBuild(arch: string): Promise<BenchResult[]> {
  const t = await measureWithSpread(() => createMachine({ arch, nrCpus: 8192 }), 5);
  const before = await settledHeapBytes();
  const keep = createMachine({ arch, nrCpus: 8192 });
  const after = await settledHeapBytes();
  const mb = (after - before) / 2 ** 20;
  return keep.nrCpuIds === 8192
    ? [
        { name: `build a ${arch} machine of 8192 CPUs`, value: t.median / 1e6, unit: 'ms', baseline: 200, ratio: t.median / 1e6 / 200, spread: t.mad / 1e6 },
        { name: `heap of a ${arch} machine of 8192 CPUs`, value: mb, unit: 'MB', baseline: 64, ratio: mb / 64 },
      ]
    : [];
}
