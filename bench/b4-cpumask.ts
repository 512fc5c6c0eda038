/**
 * B4: cpumask operations at 8192 bits, dense (50 %) and sparse (1/500), in ns per set bit,
 * against the kernel's find_bit_benchmark figures (perf-anchors §3.1: 3.64 ns per set bit dense,
 * 13.3 ns per found bit sparse on an EPYC 9654).
 */
import { Cpumask, cpumaskAnd } from '../lib/index.js';
import type { BenchResult } from './harness.js';
import { measure } from './harness.js';

const NR = 8192;

function randomMask(density: number, seed: number): Cpumask {
  const m = new Cpumask(NR);
  let x = seed >>> 0;
  for (let cpu = 0; cpu < NR; cpu++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    if (x / 4294967296 < density) m.setCpu(cpu);
  }
  return m;
}

export async function benchCpumask(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [label, density, kernelNsPerBit] of [
    ['dense', 0.5, 3.64],
    ['sparse', 1 / 500, 13.3],
  ] as const) {
    const a = randomMask(density, 1);
    const b = randomMask(density, 2);
    const bits = a.weight();
    const dst = new Cpumask(NR);
    let sink = 0;
    // Accumulate in locals: a captured variable written per bit would measure the closure.
    const forEachNs = await measure(() => {
      let s = 0;
      a.forEach((cpu) => {
        s += cpu;
      });
      sink += s;
    });
    const nextNs = await measure(() => {
      let s = 0;
      for (let cpu = a.first(); cpu < NR; cpu = a.next(cpu)) s += cpu;
      sink += s;
    });
    results.push(
      {
        name: `B4 for_each_cpu ${label} (${bits} bits set)`,
        value: forEachNs / bits,
        unit: 'ns/bit',
        baseline: kernelNsPerBit,
        ratio: forEachNs / bits / kernelNsPerBit,
      },
      {
        name: `B4 cpumask_next walk ${label}`,
        value: nextNs / bits,
        unit: 'ns/bit',
        baseline: kernelNsPerBit,
        ratio: nextNs / bits / kernelNsPerBit,
      },
      { name: `B4 cpumask_weight ${label}`, value: await measure(() => (sink += a.weight())), unit: 'ns', baseline: null, ratio: null },
      { name: `B4 cpumask_and ${label}`, value: await measure(() => (sink += cpumaskAnd(dst, a, b) ? 1 : 0)), unit: 'ns', baseline: null, ratio: null },
      { name: `B4 cpumask_subset ${label}`, value: await measure(() => (sink += a.subset(b) ? 1 : 0)), unit: 'ns', baseline: null, ratio: null },
    );
    if (sink === -1) results.push({ name: 'unreachable', value: 0, unit: '', baseline: null, ratio: null });
  }
  const empty = new Cpumask(NR);
  let s = 0;
  // The kernel scans an empty 8192-bit mask in about 220 ns (sparse find rate, §3.1 derived).
  const scanNs = await measure(() => (s += empty.first()));
  results.push({ name: 'B4 empty-mask scan (8192 bits)', value: scanNs, unit: 'ns', baseline: 220, ratio: scanNs / 220 });
  return s === -1 ? [] : results;
}
