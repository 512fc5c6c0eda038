/**
 * `npm run soak`: the model-based property of tests/reliability run long, outside CI.
 *
 * Default: 10^6 operations (commands, each followed by the invariant checks) on 256-CPU machines;
 * `npm run soak -- --ops N` for fewer, `--cpus N`, `--seed S` (default 1), `--max-commands N`
 * (per run, default 400). Runs rotate through the test arch (with reservations), the test arch
 * with fault injection, and every other built-in arch. A failing run is shrunk and printed with
 * its fast-check seed and replay path; the soak goes on. The last line is always
 * `<ops> operations, <n> violations`; the exit code is 1 if there were violations.
 */
import fc from 'fast-check';
import { builtinArchNames } from '../lib/index.js';
import { modelProperty, type ModelRunOptions } from '../tests/reliability/model/commands.js';

interface Args {
  ops: number;
  cpus: number;
  seed: number;
  maxCommands: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { ops: 1_000_000, cpus: 256, seed: 1, maxCommands: 400 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    const key = ({ '--ops': 'ops', '--cpus': 'cpus', '--seed': 'seed', '--max-commands': 'maxCommands' } as const)[flag as '--ops'] as keyof Args | undefined;
    if (key === undefined || !Number.isSafeInteger(value) || value < (key === 'seed' ? 0 : 1)) {
      process.stderr.write(`soak: bad argument ${flag} ${argv[i + 1]}; usage: npm run soak -- [--ops N] [--cpus N] [--seed S] [--max-commands N]\n`);
      process.exit(2);
    }
    args[key] = value;
    i++;
  }
  return args;
}

/** The run configurations, in rotation. */
function configs(args: Args): Omit<ModelRunOptions, 'onCommand'>[] {
  const base = { nrCpus: args.cpus, maxCommands: args.maxCommands, deepEvery: 64 };
  const out: Omit<ModelRunOptions, 'onCommand'>[] = [
    { ...base, arch: 'test' },
    { ...base, arch: 'test' },
    { ...base, arch: 'test', faults: true },
  ];
  for (const arch of builtinArchNames()) {
    if (arch === 'test') continue;
    // The MIPS GIC has at most 256 shared interrupts and reserves two per CPU for IPIs, so a
    // GIC machine has at most 64 CPUs here (the driver refuses more, as the hardware would).
    out.push({ ...base, arch, nrCpus: arch === 'mips-gic' ? Math.min(args.cpus, 64) : args.cpus });
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  let ops = 0;
  let violations = 0;
  let runs = 0;
  let lastReport = t0;
  const rotation = configs(args);
  const onCommand = (): void => {
    ops++;
  };
  process.stderr.write(`soak: ${args.ops} operations on ${args.cpus} CPUs, seed ${args.seed}, up to ${args.maxCommands} commands per run\n`);
  for (let batch = 0; ops < args.ops; batch++) {
    const config = rotation[batch % rotation.length];
    const seed = args.seed * 1_000_003 + batch;
    const details = fc.check(modelProperty({ ...config, onCommand }), { seed, numRuns: 5 });
    runs += details.numRuns;
    if (details.failed) {
      violations++;
      process.stderr.write(
        `\nsoak: VIOLATION in ${config.arch ?? 'test'}${config.faults === true ? ' (faults)' : ''} on ${args.cpus} CPUs\n` +
          `${fc.defaultReportMessage(details) ?? ''}\n${details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance)}\n\n`,
      );
    }
    // inversify keeps WeakRef targets (every machine's services) alive until the current
    // macrotask ends; a long synchronous loop would keep every machine ever built.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const now = performance.now();
    if (now - lastReport > 10_000) {
      lastReport = now;
      const heapMb = Math.round(process.memoryUsage().heapUsed / 1e6);
      process.stderr.write(`soak: ${ops} operations, ${violations} violations, ${runs} runs, ${((now - t0) / 1000).toFixed(1)} s, heap ${heapMb} MB\n`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(`soak: ${runs} runs in ${seconds.toFixed(1)} s\n`);
  process.stdout.write(`${ops} operations, ${violations} violations\n`);
  process.exitCode = violations > 0 ? 1 : 0;
}

await main();
