/**
 * The timing-model calibration table: each published figure (../shared/spec/perf-anchors.md)
 * next to what the model produces, in simulated time.
 */
import { createMachine } from '../lib/index.js';
import { broadcastCost, runIpiBenchmark, runTlbShootdownBenchmark } from '../lib/scenarios/ipi-benchmark.js';
import type { BenchResult } from './harness.js';

export function calibration(ntimes = 20_000): BenchResult[] {
  const out: BenchResult[] = [];
  // ipi_benchmark on a 2-vCPU x2APIC guest (IPIv series, without IPIv): one-way 1452, round trip 1746.
  const bm = runIpiBenchmark(createMachine({ arch: 'x86', nrCpus: 2, archOptions: { apicMode: 'x2apic-phys' } }), ntimes);
  const line = (name: string): { ipi: number; total: number } => {
    const l = bm.lines.find((x) => x.name === name);
    if (l === undefined) throw new Error(name);
    return l;
  };
  const normal = line('Normal IPI');
  const self = line('Self-IPI');
  out.push(
    { name: 'cal kvm-skylake ipi_benchmark Normal IPI one-way (band 1200–1600)', value: normal.ipi / ntimes, unit: 'ns', baseline: 1452, ratio: normal.ipi / ntimes / 1452 },
    { name: 'cal kvm-skylake ipi_benchmark Normal IPI round trip', value: normal.total / ntimes, unit: 'ns', baseline: 1746, ratio: normal.total / ntimes / 1746 },
    { name: 'cal kvm-skylake ipi_benchmark Self-IPI round trip', value: self.total / ntimes, unit: 'ns', baseline: 150, ratio: self.total / ntimes / 150 },
  );
  // 80-vCPU broadcast, x2APIC physical vs cluster (Wanpeng Li, Linux 4.19): 198.5 vs 92.8 µs, ratio
  // 2.14. 4.19's x2APIC allbutself walked the mask (no shorthand): no_ipi_broadcast reproduces that.
  const phys = broadcastCost(createMachine({ arch: 'x86', nrCpus: 80, archOptions: { apicMode: 'x2apic-phys', noIpiBroadcast: true } }), 50);
  const clus = broadcastCost(createMachine({ arch: 'x86', nrCpus: 80, archOptions: { apicMode: 'x2apic-cluster', noIpiBroadcast: true } }), 50);
  out.push(
    { name: 'cal kvm-skylake broadcast to 79, x2APIC physical', value: phys / 1000, unit: 'µs', baseline: 198.5, ratio: phys / 1000 / 198.5 },
    { name: 'cal kvm-skylake broadcast to 79, x2APIC cluster', value: clus / 1000, unit: 'µs', baseline: 92.8, ratio: clus / 1000 / 92.8 },
    { name: 'cal kvm-skylake broadcast physical/cluster ratio', value: phys / clus, unit: '×', baseline: 198.5 / 92.8, ratio: phys / clus / (198.5 / 92.8) },
  );
  // Haswell TLB-flush microbenchmark (Amit, Linux 5.2-rc): 661 / 1436 / 1571 ns for 0 / 1 / 3
  // remote CPUs. 5.2's 64-bit physflat allbutself sent one ICR write per CPU (no shorthand
  // static key yet): no_ipi_broadcast reproduces that.
  const pts = runTlbShootdownBenchmark(
    () =>
      createMachine({
        arch: 'x86',
        nrCpus: 4,
        timing: 'haswell',
        archOptions: { apicMode: 'xapic-phys', noIpiBroadcast: true },
      }),
    [0, 1, 3],
    5_000,
  );
  const [p0, p1, p3] = pts.map((p) => p.nsPerIteration);
  out.push(
    { name: 'cal haswell TLB shootdown, 0 remote', value: p0, unit: 'ns', baseline: 661, ratio: p0 / 661 },
    { name: 'cal haswell TLB shootdown, 1 remote', value: p1, unit: 'ns', baseline: 1436, ratio: p1 / 1436 },
    { name: 'cal haswell TLB shootdown, 3 remote', value: p3, unit: 'ns', baseline: 1571, ratio: p3 / 1571 },
    { name: 'cal haswell first remote CPU adds (+775)', value: p1 - p0, unit: 'ns', baseline: 775, ratio: (p1 - p0) / 775 },
    { name: 'cal haswell next two remote CPUs add (+135)', value: p3 - p1, unit: 'ns', baseline: 135, ratio: (p3 - p1) / 135 },
  );
  return out;
}
