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
 *
 * Where a figure sits near its target, its section runs in several forks ({@link FORKS}; all
 * sections with `--forks=N`) and the median fork is reported with the range over the forks
 * (bench/forks.ts): each process settles in its own JIT state, and processes differ by more
 * than one process's samples do.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { combineForks } from './forks.js';
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

/**
 * Forks per section by default (JMH runs five): B1's ratio at 64 CPUs moves by ±10–15 % from one
 * process to the next (0.295–0.413 in one run on the 2-vCPU VM of 2026-12-08) while one
 * process's samples agree within a few per cent, so one fork decides on which side of its
 * margin a run lands; seven forks make the median fork a steadier estimate of where processes
 * settle. B2 at 8192 CPUs settles in about one process of seven at nearly twice its usual time;
 * with five forks, the median fork is one of those only if three are. The other sections run
 * once.
 */
const FORKS: Readonly<Partial<Record<string, number>>> = { b1: 7, b2: 5 };

/** The largest `--forks` taken: each fork of B1 takes about 10 s. */
const MAX_FORKS = 15;

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

/** `--forks=N`: a whole number of forks, 1 to {@link MAX_FORKS}; undefined when not given. */
function parseForks(args: readonly string[]): number | undefined {
  const arg = args.find((a) => a.startsWith('--forks='));
  if (arg === undefined) return undefined;
  const text = arg.slice('--forks='.length);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_FORKS) throw new Error(`--forks: ${JSON.stringify(text)} is not a whole number from 1 to ${MAX_FORKS}`);
  return n;
}

/** The range over the forks, for the table: the ratio's where there is one, else the value's. */
function forkRange(r: BenchResult): string {
  const f = r.forks;
  if (f === undefined) return '-';
  return f.ratioMin !== null && f.ratioMax !== null ? `${fmt(f.ratioMin)}–${fmt(f.ratioMax)} (${f.count})` : `${fmt(f.valueMin)}–${fmt(f.valueMax)} ${r.unit} (${f.count})`;
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
  const stray = args.filter((a) => !['--json', '--in-process'].includes(a) && !a.startsWith('--only=') && !a.startsWith('--forks='));
  if (stray.length > 0) throw new Error(`unknown argument ${stray.join(' ')}; expected --json, --in-process, --only=SECTIONS, --forks=N`);
  const json = args.includes('--json');
  const inProcess = args.includes('--in-process');
  const forks = parseForks(args);
  if (inProcess && forks !== undefined) throw new Error('--forks: forks are separate processes; drop --in-process');
  const onlyArg = args.find((a) => a.startsWith('--only='));
  const only = onlyArg?.slice('--only='.length).split(',');
  const unknown = only?.filter((k) => !(k in sections)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: unknown section ${unknown.join(', ')}; expected some of ${Object.keys(sections).join(', ')}`);
  const results: BenchResult[] = [];
  for (const [key, section] of Object.entries(sections)) {
    if (only !== undefined && !only.includes(key)) continue;
    const n = inProcess ? 1 : (forks ?? FORKS[key] ?? 1);
    if (!json) process.stderr.write(`running ${key}${n > 1 ? ` in ${n} forks` : ''}…\n`);
    if (inProcess) {
      results.push(...(await section()));
      continue;
    }
    const runs: BenchResult[][] = [];
    for (let f = 0; f < n; f++) runs.push(runIsolated(key));
    results.push(...combineForks(runs));
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
  // Plain cli-table3 (no colours, no rule between rows): pasted into bench/RESULTS.md as it is.
  const table = new Table({
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    head: ['benchmark', 'value', 'baseline', 'ratio', 'over forks'],
    colAligns: ['left', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const r of results) {
    table.push([r.name, `${fmt(r.value)}${r.spread === undefined ? '' : ` ±${fmt(r.spread)}`} ${r.unit}`, r.baseline === null ? '-' : `${fmt(r.baseline)} ${r.unit}`, fmt(r.ratio), forkRange(r)]);
  }
  process.stdout.write(`node ${process.version}\n${table.toString()}\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
