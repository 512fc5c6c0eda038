/**
 * What `genipi run`, `genipi list` and `genipi bench` do, as services with their I/O injected.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import cliProgress from 'cli-progress';
import { builtinArchNames, createMachine } from '../index.js';
import type { Machine } from '../machine/machine.js';
import { renderProcInterrupts, snapshotInterrupts } from '../proc/interrupts.js';
import { DEFAULT_SCENARIO } from '../scenarios/builtin.js';
import {
  runScenario,
  type Scenario,
  ScenarioError,
  scenarioFromSpec,
} from '../scenarios/scenario.js';
import {
  closest,
  formatDuration,
  parseScenarioSpec,
  ScenarioSpecError,
} from '../scenarios/spec.js';
import { DEFAULT_TIMING_PROFILE } from '../sim/timing.js';
import { TraceBuffer } from '../trace/buffer.js';
import { serializeChromeTrace, toChromeTrace } from '../trace/chrome.js';
import { serializeEventLog, toEventLog } from '../trace/eventlog.js';
import { renderFtrace } from '../trace/ftrace.js';
import { TraceStats } from '../trace/summary.js';
import { activityLines, ipiTable, listTable } from './render.js';
import { CliFiles, CliHost, CliIo, CliScenarios } from './services.js';

/** A failure the CLI reports with an exit code: 2 for usage errors, 1 for runtime failures. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    readonly code: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Options of `genipi run` after parsing. */
export interface RunOptions {
  readonly arch?: string;
  readonly cpus?: number;
  readonly seed?: number;
  readonly duration?: number;
  readonly timing?: string;
  readonly trace?: string;
  readonly ftrace?: string;
  readonly events?: string;
  readonly json?: boolean;
}

/** Records kept for the output files; older ones are overwritten (and counted) past this. */
export const TRACE_BUFFER_RECORDS = 1_000_000;

/** The architecture used when neither the command line nor the scenario names one: x86 once built in. */
export function defaultArch(): string {
  const names = builtinArchNames();
  return names.includes('x86') ? 'x86' : names.includes('test') ? 'test' : names[0];
}

/** Plain tables (no colours) unless stdout is a terminal and `NO_COLOR` is unset. */
function plainOutput(io: CliIo): boolean {
  return !io.stdoutIsTTY || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '');
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: unknown } | null)?.code as string | undefined;
}

/** `genipi run`. */
@injectable()
export class RunCommand {
  readonly #io: CliIo;
  readonly #files: CliFiles;
  readonly #host: CliHost;
  readonly #scenarios: CliScenarios;

  constructor(
    @inject(CliIo) io: CliIo,
    @inject(CliFiles) files: CliFiles,
    @inject(CliHost) host: CliHost,
    @inject(CliScenarios) scenarios: CliScenarios,
  ) {
    this.#io = io;
    this.#files = files;
    this.#host = host;
    this.#scenarios = scenarios;
  }

  /** Loads a built-in scenario by name, or a scenario file (an argument ending in `.json` or containing `/`). */
  resolveScenario(arg: string | undefined): Scenario {
    const name = arg ?? DEFAULT_SCENARIO;
    if (name.endsWith('.json') || name.includes('/') || name.includes('\\'))
      return this.#loadFile(name);
    const s = this.#scenarios.get(name);
    if (s === undefined) {
      const names = [...this.#scenarios.keys()];
      const hint = closest(name, names);
      throw new CliError(
        `unknown scenario "${name}"; ${hint !== null ? `did you mean "${hint}"? ` : ''}built-in scenarios: ${names.join(', ')} (or give a scenario file ending in .json)`,
        2,
        'genipi.unknownScenario',
      );
    }
    return s;
  }

  #loadFile(path: string): Scenario {
    let text: string;
    try {
      text = this.#files.readText(path);
    } catch (error) {
      const code = errorCode(error);
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'it is a directory'
            : code === 'EACCES'
              ? 'permission denied'
              : (error as Error).message;
      throw new CliError(
        `cannot read scenario file ${path}: ${why}; check the path`,
        2,
        'genipi.scenarioFile',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new CliError(
        `${path} is not valid JSON (${(error as Error).message}); fix the syntax (a scenario file is one JSON object)`,
        2,
        'genipi.scenarioJson',
      );
    }
    try {
      const spec = parseScenarioSpec(json, path);
      return scenarioFromSpec(spec, spec.name ?? path);
    } catch (error) {
      if (error instanceof ScenarioSpecError)
        throw new CliError(error.message, 2, 'genipi.scenarioInvalid');
      throw error;
    }
  }

  /** Runs; returns the exit code. @throws CliError for usage errors (exit code 2). */
  execute(scenarioArg: string | undefined, opts: RunOptions): number {
    const io = this.#io;
    const scenario = this.resolveScenario(scenarioArg);
    const d = scenario.defaults;
    if (
      scenario.requiresArch !== undefined &&
      opts.arch !== undefined &&
      opts.arch !== scenario.requiresArch
    ) {
      throw new CliError(
        `scenario ${scenario.name} runs on ${scenario.requiresArch} only; drop --arch ${opts.arch} (or pass --arch ${scenario.requiresArch})`,
        2,
        'genipi.archMismatch',
      );
    }
    const arch = scenario.requiresArch ?? opts.arch ?? d.arch ?? defaultArch();
    const cpus = opts.cpus ?? d.cpus;
    const extra = scenario.machineOptions?.(cpus) ?? {};
    const arches = builtinArchNames();
    if (extra.arch === undefined && !arches.includes(arch)) {
      const hint = closest(arch, arches);
      throw new CliError(
        `architecture "${arch}"${opts.arch === undefined ? ` (from scenario ${scenario.name})` : ''} is not built in; ${hint !== null ? `did you mean "${hint}"? ` : ''}use one of: ${arches.join(', ')}`,
        2,
        'genipi.unknownArch',
      );
    }
    if (cpus < scenario.minCpus) {
      throw new CliError(
        `scenario ${scenario.name} needs at least ${scenario.minCpus} CPUs; --cpus is ${cpus}`,
        2,
        'genipi.tooFewCpus',
      );
    }
    const seed = opts.seed ?? d.seed ?? 1;
    const durationNs = opts.duration ?? d.durationNs;
    const timing = opts.timing ?? d.timing ?? DEFAULT_TIMING_PROFILE;
    const outputs: [string, string][] = [];
    for (const [flag, path] of [
      ['--trace', opts.trace],
      ['--ftrace', opts.ftrace],
      ['--events', opts.events],
    ] as const) {
      if (path === undefined) continue;
      const other = outputs.find(([, p]) => p === path);
      if (other !== undefined)
        throw new CliError(
          `${flag} and ${other[0]} both write ${path}; give them different files`,
          2,
          'genipi.sameOutput',
        );
      const why = this.#files.cannotWrite(path);
      if (why !== null)
        throw new CliError(
          `cannot write ${flag} ${path}: ${why}; choose another path`,
          2,
          'genipi.outputPath',
        );
      outputs.push([flag, path]);
    }

    let m: Machine;
    try {
      m = createMachine({ arch, nrCpus: cpus, seed, timing, idle: d.idle, ...extra });
    } catch (error) {
      // Everything the machine is built from came from the user: a usage error.
      throw new CliError(
        `cannot build the machine: ${(error as Error).message}`,
        2,
        'genipi.machine',
      );
    }
    const stats = new TraceStats();
    m.tracer.attach(stats.sink);
    const buffer = outputs.length > 0 ? new TraceBuffer({ capacity: TRACE_BUFFER_RECORDS }) : null;
    buffer?.attach(m.tracer);

    const progress = this.#progress(opts.json === true, durationNs);
    let result: ReturnType<typeof runScenario>;
    try {
      result = runScenario(m, scenario, { durationNs, onProgress: progress.update });
    } catch (error) {
      if (error instanceof ScenarioError)
        throw new CliError(error.message, 2, 'genipi.scenarioMachine');
      throw new CliError(
        `the simulation failed: ${(error as Error).message}`,
        1,
        'genipi.simulation',
      );
    } finally {
      progress.stop();
    }

    const summary = stats.summary();
    const warnings = m.warnings.map((w) => w.message);
    const snapshot = snapshotInterrupts(m);
    const run = result.run;
    const header = {
      scenario: scenario.name,
      arch,
      cpus,
      seed,
      durationNs,
      timing,
    };
    if (opts.json === true) {
      io.out(
        `${JSON.stringify(
          {
            ...header,
            run: {
              reason: run.reason,
              now: run.now,
              lastEventNs: summary.lastTs,
              events: m.engine.eventsHandled,
              stall:
                run.stall === null ? null : { kind: run.stall.kind, message: run.stall.message },
            },
            report: result.report,
            summary,
            warnings,
            interrupts: snapshot,
            files: Object.fromEntries(outputs.map(([flag, path]) => [flag.slice(2), path])),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const style = { plain: plainOutput(io) };
      const lines = [
        `genipi run ${scenario.name}: ${arch}, ${cpus} CPUs, seed ${seed}, ${durationNs > 0 ? `${formatDuration(durationNs)} of workload` : 'runs to completion'}, ${timing} timing`,
        scenario.title,
        `run ended: ${run.reason === 'idle' ? `idle (all work done), last trace event at ${formatDuration(summary.lastTs)}` : `${run.reason} at ${formatDuration(run.now)}`}; ${m.engine.eventsHandled} simulation events, ${summary.records} trace events`,
        '',
      ];
      if (result.report.length > 0) lines.push(...result.report, '');
      lines.push(
        ipiTable(summary, style),
        ...activityLines(summary, warnings),
        '',
        '/proc/interrupts:',
        renderProcInterrupts(snapshot),
      );
      io.out(lines.join('\n'));
    }

    if (buffer !== null) this.#write(outputs, buffer, m, header);

    if (run.reason === 'stalled' || run.reason === 'stopped') {
      const why = run.stall?.message ?? run.reason;
      io.err(`genipi: the run stalled at ${formatDuration(run.now)}: ${why}\n`);
      if (result.expectStall)
        io.err(
          `genipi: (scenario ${scenario.name} demonstrates this: it was detected and reported instead of hanging)\n`,
        );
      return 1;
    }
    if (run.reason !== 'idle') {
      io.err(
        `genipi: the workload was still running at ${formatDuration(run.now)} (${run.reason}); shorten --duration or check the scenario\n`,
      );
      return 1;
    }
    return 0;
  }

  #write(
    outputs: readonly [string, string][],
    buffer: TraceBuffer,
    m: Machine,
    header: Readonly<Record<string, string | number>>,
  ): void {
    const records = buffer.records();
    const online = m.cpuOnlineMask.weight();
    for (const [flag, path] of outputs) {
      let text: string;
      let what: string;
      if (flag === '--trace') {
        text = serializeChromeTrace(
          toChromeTrace(records, {
            nrCpus: m.nrCpuIds,
            processName: `genipi ${m.arch} (${m.nrCpuIds} CPUs)`,
            otherData: header,
          }),
        );
        what = 'Chrome trace';
      } else if (flag === '--ftrace') {
        text = renderFtrace(records, { nrCpus: online, entriesWritten: buffer.written });
        what = 'ftrace text';
      } else {
        text = serializeEventLog(toEventLog(records, header));
        what = 'event log';
      }
      try {
        this.#files.writeText(path, text);
      } catch (error) {
        throw new CliError(
          `cannot write ${flag} ${path}: ${(error as Error).message}`,
          1,
          'genipi.write',
        );
      }
      this.#io.err(
        `wrote ${what} (${records.length} records${buffer.written > records.length ? ` of ${buffer.written}` : ''}): ${path}\n`,
      );
      if (flag === '--trace')
        this.#io.err(
          'open it in Perfetto: https://ui.perfetto.dev → "Open trace file" (or chrome://tracing → Load)\n',
        );
    }
  }

  /** A progress bar on stderr for runs that take a while, only on a terminal and never under CI. */
  #progress(
    json: boolean,
    durationNs: number,
  ): { update: (fraction: number) => void; stop: () => void } {
    const io = this.#io;
    const ci = io.env.CI !== undefined && io.env.CI !== '' && io.env.CI !== 'false';
    if (json || ci || !io.stderrIsTTY || io.progressStream === undefined)
      return { update: () => undefined, stop: () => undefined };
    const t0 = this.#host.now();
    const totalUs = Math.round(durationNs / 1000);
    let bar: cliProgress.SingleBar | null = null;
    return {
      update: (fraction) => {
        if (bar === null) {
          if (this.#host.now() - t0 < 300 || fraction >= 1) return;
          bar = new cliProgress.SingleBar(
            {
              stream: io.progressStream,
              clearOnComplete: true,
              hideCursor: true,
              format: 'simulating [{bar}] {percentage}% | {value}/{total} µs',
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(totalUs, 0);
        }
        bar.update(Math.round(fraction * totalUs));
      },
      stop: () => {
        bar?.stop();
      },
    };
  }
}

/** `genipi list`. */
@injectable()
export class ListCommand {
  readonly #io: CliIo;

  readonly #scenarios: CliScenarios;

  constructor(@inject(CliIo) io: CliIo, @inject(CliScenarios) scenarios: CliScenarios) {
    this.#io = io;
    this.#scenarios = scenarios;
  }

  execute(opts: { json?: boolean }): number {
    const scenarios = [...this.#scenarios.values()];
    const arches = builtinArchNames();
    const def = defaultArch();
    if (opts.json === true) {
      this.#io.out(
        `${JSON.stringify(
          {
            defaultScenario: DEFAULT_SCENARIO,
            defaultArch: def,
            scenarios: scenarios.map((s) => ({
              name: s.name,
              title: s.title,
              cpus: s.defaults.cpus,
              durationNs: s.defaults.durationNs,
              minCpus: s.minCpus,
            })),
            arches,
          },
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    const style = { plain: plainOutput(this.#io) };
    const out = [
      'Scenarios (genipi run <name>):',
      listTable(
        ['name', 'machine', 'what it does'],
        scenarios.map((s) => [
          s.name + (s.name === DEFAULT_SCENARIO ? ' (default)' : ''),
          `${s.defaults.cpus} CPUs${s.defaults.durationNs > 0 ? `, ${formatDuration(s.defaults.durationNs)}` : ''}`,
          s.title,
        ]),
        style,
      ),
      '',
      `Architectures (--arch; default ${def}): ${arches.join(', ')}`,
      '',
    ];
    this.#io.out(out.join('\n'));
    return 0;
  }
}

/** `genipi bench`: the package's benchmark suite (`npm run bench`). */
@injectable()
export class BenchCommand {
  readonly #io: CliIo;
  readonly #host: CliHost;

  constructor(@inject(CliIo) io: CliIo, @inject(CliHost) host: CliHost) {
    this.#io = io;
    this.#host = host;
  }

  async execute(args: readonly string[]): Promise<number> {
    const scripts = this.#host.packageScripts();
    if (scripts?.bench === undefined) {
      throw new CliError(
        'this installation has no benchmark suite (genipi\'s package.json has no "bench" script); in a clone of the repository run `npm run bench`, or try `genipi run ipi-benchmark` for the ipi_benchmark twin',
        1,
        'genipi.noBench',
      );
    }
    this.#io.err(`genipi bench: npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\n`);
    return this.#host.runScript('bench', args);
  }
}
