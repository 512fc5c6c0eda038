/**
 * `npm run bench`: the benchmark suite (B1–B6, machine build) and the timing-model calibration
 * table. Prints a table for people, or `--json` for programs:
 * `{ "node": "...", "results": [ { "name", "value", "unit", "baseline", "ratio" } ] }`.
 * Select sections with `--only=b1,b4,…`.
 *
 * Each section runs in a fresh Node process of its own (`--section=NAME`, with `--expose-gc`),
 * as JMH forks a JVM per benchmark: V8 specialises code on what it has run, so a section that
 * ran other arches, timing profiles or the tracing exporter first would leave the shared code
 * paths polymorphic and slow the next section's stack but not its bare baseline. Every figure is
 * still measured beside its baseline in the same process. `--in-process` runs all sections in
 * this one process instead, in order, for comparison.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { builtinArchNames } from '../lib/index.js';
import { benchCpumask } from './b4-cpumask.js';
import { benchMachineBuild, benchReserve } from './b3-reserve.js';
import { benchB1, benchB2, benchB6 } from './b1-b2-b6.js';
import { benchStorm } from './b5-storm.js';
import { calibration } from './calibration.js';
import { formatIpiBenchmark, runIpiBenchmark } from '../lib/scenarios/ipi-benchmark.js';
import { createMachine } from '../lib/index.js';
import type { BenchResult } from './harness.js';

type Section = () => Promise<BenchResult[]>;

const archs = builtinArchNames();
const bigArch = archs.includes('x86') ? 'x86' : 'test';

const sections: Record<string, Section> = {
  calibration: () => Promise.resolve(calibration()),
  b1: benchB1,
  b2: benchB2,
  b3: benchReserve,
  b4: benchCpumask,
  b5: () => benchStorm(bigArch),
  b6: benchB6,
  build: () => benchMachineBuild(bigArch),
};

function fmt(n: number | null): string {
  if (n === null) return '-';
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toPrecision(3);
}

/** Runs one section in a child process and returns its results. */
function runIsolated(key: string): BenchResult[] {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), `--section=${key}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(out) as { results: BenchResult[] }).results;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sectionArg = args.find((a) => a.startsWith('--section='));
  if (sectionArg !== undefined) {
    // A child: one section, JSON on stdout.
    const key = sectionArg.slice('--section='.length);
    const section = sections[key] as Section | undefined;
    if (section === undefined) throw new Error(`unknown section ${key}; expected one of ${Object.keys(sections).join(', ')}`);
    process.stdout.write(JSON.stringify({ node: process.version, results: await section() }));
    return;
  }
  const json = args.includes('--json');
  const inProcess = args.includes('--in-process');
  const onlyArg = args.find((a) => a.startsWith('--only='));
  const only = onlyArg?.slice('--only='.length).split(',');
  const unknown = only?.filter((k) => !(k in sections)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: unknown section ${unknown.join(', ')}; expected some of ${Object.keys(sections).join(', ')}`);
  const results: BenchResult[] = [];
  for (const [key, section] of Object.entries(sections)) {
    if (only !== undefined && !only.includes(key)) continue;
    if (!json) process.stderr.write(`running ${key}…\n`);
    results.push(...(inProcess ? await section() : runIsolated(key)));
  }
  if (!json && (only === undefined || only.includes('calibration'))) {
    // The ipi_benchmark twin in the module's own two-column form (kvm-skylake, 2 vCPUs, x2APIC).
    const bm = runIpiBenchmark(createMachine({ arch: 'x86', nrCpus: 2, archOptions: { apicMode: 'x2apic-phys' } }), 100_000);
    process.stdout.write(`ipi_benchmark (simulated, kvm-skylake, 2 CPUs, 100000 iterations):\n${formatIpiBenchmark(bm)}\n\n`);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ node: process.version, results }, null, 2)}\n`);
    return;
  }
  const rows = results.map((r) => [r.name, `${fmt(r.value)}${r.spread === undefined ? '' : ` ±${fmt(r.spread)}`} ${r.unit}`, r.baseline === null ? '-' : `${fmt(r.baseline)} ${r.unit}`, fmt(r.ratio)]);
  const head = ['benchmark', 'value', 'baseline', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`node ${process.version}\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
