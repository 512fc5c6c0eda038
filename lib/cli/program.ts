/**
 * The `genipi` command line (commander 14): `run`, `list`, `bench`.
 *
 * {@link buildCli} builds the program from a container that provides {@link CliIo},
 * {@link CliFiles} and {@link CliHost}; {@link runCli} parses argv and returns the exit code
 * (0 success, 1 runtime failure, 2 usage error) without calling `process.exit`, so tests run
 * commands in-process.
 *
 * @packageDocumentation
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Container } from 'inversify';
import { NR_CPUS_MAX } from '../machine/machine.js';
import { parseDuration } from '../scenarios/spec.js';
import { CORE_TIMING_PROFILES } from '../sim/timing.js';
import { BenchCommand, CliError, ListCommand, RunCommand, type RunOptions } from './commands.js';
import { CliFiles, CliHost, CliIo, CliScenarios } from './services.js';
import { builtinScenarios } from '../scenarios/builtin.js';

function parseCpus(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > NR_CPUS_MAX) {
    throw new InvalidArgumentError(
      `expected the number of CPUs, an integer from 1 to ${NR_CPUS_MAX} (e.g. --cpus 8)`,
    );
  }
  return n;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('expected an integer seed (e.g. --seed 42)');
  }
  return n;
}

function parseDurationOption(value: string): number {
  const ns = parseDuration(value);
  if (ns === null || ns < 1)
    throw new InvalidArgumentError(
      'expected a duration such as 500us, 2ms or 1s (a bare number is ns)',
    );
  return ns;
}

const RUN_EXAMPLES = `
Scenario: a built-in name (see "genipi list") or a scenario file ending in .json.

Examples:
  $ genipi run                                  # the default scenario (mixed workload)
  $ genipi run reschedule-storm --cpus 16 --seed 7
  $ genipi run --trace trace.json               # then open trace.json in ui.perfetto.dev
  $ genipi run tlb-shootdown --ftrace trace.txt # the kernel's /sys/kernel/tracing/trace layout
  $ genipi run my-scenario.json --duration 5ms --json > result.json
  $ genipi run deadlock                         # detected and reported, exit code 1

Exit codes: 0 success, 1 the run failed or stalled, 2 usage error (bad option or scenario file).`;

/**
 * Builds the program; services come from `container` (it must bind {@link CliIo},
 * {@link CliFiles} and {@link CliHost}; {@link CliScenarios} defaults to the built-in scenarios,
 * and the command services are bound here if it does not bind them).
 * @param setExitCode - receives the exit code a command finished with (see {@link runCli}).
 */
export function buildCli(
  container: Container,
  setExitCode: (code: number) => void = () => undefined,
): Command {
  if (!container.isBound(CliScenarios))
    container.bind<CliScenarios>(CliScenarios).toConstantValue(builtinScenarios);
  if (!container.isBound(RunCommand)) container.bind(RunCommand).toSelf().inSingletonScope();
  if (!container.isBound(ListCommand)) container.bind(ListCommand).toSelf().inSingletonScope();
  if (!container.isBound(BenchCommand)) container.bind(BenchCommand).toSelf().inSingletonScope();
  const io = container.get<CliIo>(CliIo);
  const host = container.get<CliHost>(CliHost);
  const program = new Command();
  program
    .name('genipi')
    .description(
      'Simulate the Linux generic IPI framework on a deterministic multi-CPU machine: IPI statistics, /proc/interrupts, Perfetto and ftrace traces.',
    )
    .version(host.version)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        io.out(s);
      },
      writeErr: (s) => {
        io.err(s);
      },
    })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Examples:
  $ genipi run                  # run the default scenario and print the summary
  $ genipi run --help           # options of run
  $ genipi list                 # built-in scenarios and architectures
  $ genipi bench                # the benchmark suite (npm run bench)`,
    );

  program
    .command('run')
    .description('run a scenario and print IPI statistics and /proc/interrupts')
    .argument('[scenario]', 'built-in scenario name or scenario file (.json)')
    .option('-a, --arch <name>', 'architecture (see genipi list)')
    .option('-c, --cpus <n>', 'number of CPUs', parseCpus)
    .option('-s, --seed <n>', 'random seed (same seed, same output)', parseSeed)
    .option(
      '-d, --duration <time>',
      'simulated time the workload runs, e.g. 500us, 2ms',
      parseDurationOption,
    )
    .addOption(
      new Option('--timing <profile>', 'timing profile').choices(Object.keys(CORE_TIMING_PROFILES)),
    )
    .option('--trace <file.json>', 'write a Chrome trace (Perfetto UI, chrome://tracing)')
    .option('--ftrace <file.txt>', 'write ftrace text (the /sys/kernel/tracing/trace layout)')
    .option('--events <file.json>', 'write the compact JSON event log')
    .option('--json', 'print machine-readable JSON instead of tables')
    .addHelpText('after', RUN_EXAMPLES)
    .action((scenario: string | undefined, opts: RunOptions, cmd: Command) => {
      setExitCode(invoke(cmd, () => container.get(RunCommand).execute(scenario, opts)));
    });

  program
    .command('list')
    .description('list the built-in scenarios and architectures')
    .option('--json', 'print machine-readable JSON')
    .addHelpText('after', '\nExamples:\n  $ genipi list\n  $ genipi list --json')
    .action((opts: { json?: boolean }, cmd: Command) => {
      setExitCode(invoke(cmd, () => container.get(ListCommand).execute(opts)));
    });

  program
    .command('bench')
    .description('run the benchmark suite (npm run bench) of a genipi clone')
    .argument('[args...]', 'arguments passed to the suite')
    .allowUnknownOption()
    .addHelpText(
      'after',
      '\nExamples:\n  $ genipi bench\n  $ genipi run ipi-benchmark   # the ipi_benchmark twin alone',
    )
    .action(async (args: string[], _opts: unknown, cmd: Command) => {
      let code: number;
      try {
        code = await container.get(BenchCommand).execute(args);
      } catch (error) {
        code = invoke(cmd, () => {
          throw error;
        });
      }
      setExitCode(code);
    });

  return program;
}

/** Runs `fn`; a CliError becomes `cmd.error()` (which throws a CommanderError under exitOverride). */
function invoke(cmd: Command, fn: () => number): number {
  try {
    return fn();
  } catch (error) {
    if (error instanceof CliError)
      cmd.error(`error: ${error.message}`, { exitCode: error.exitCode, code: error.code });
    throw error;
  }
}

/** Exit codes of commander's own errors: help and version are success, the rest are usage errors. */
function commanderExitCode(error: CommanderError): number {
  // Help and version exit 0; help shown because a command is missing exits non-zero: usage.
  if (
    error.code === 'commander.helpDisplayed' ||
    error.code === 'commander.version' ||
    error.code === 'commander.help'
  ) {
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error.code.startsWith('commander.')) return 2;
  return error.exitCode;
}

/**
 * Parses `argv` (as `process.argv`: node and script first) and runs the command.
 * @returns the exit code.
 */
export async function runCli(argv: readonly string[], container: Container): Promise<number> {
  let exitCode = 0;
  const program = buildCli(container, (code) => {
    exitCode = code;
  });
  const io = container.get<CliIo>(CliIo);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    io.err(`genipi: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
  return exitCode;
}

export { CliFiles, CliHost, CliIo, CliScenarios };
