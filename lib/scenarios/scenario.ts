/**
 * Scenarios: a workload to run on a machine, built in or from a scenario file. A scenario does
 * not create the machine (the caller does, from {@link Scenario.defaults} and its own
 * overrides); it spawns task code on it and runs it.
 *
 * @packageDocumentation
 */
import type { Machine, MachineOptions } from '../machine/machine.js';
import type { RunResult } from '../sim/engine.js';
import { Rng } from '../sim/rng.js';
import { Cpumask } from '../cpumask.js';
import { type MmStruct } from '../mm/tlb.js';
import type { SimTask } from '../sim/cpus.js';
import type { SmpCallFunc } from '../smp/csd.js';
import { formatDuration, type ScenarioSpec, type WorkloadSpec } from './spec.js';

/** Machine settings a scenario asks for; the caller may override each. */
export interface ScenarioDefaults {
  /** Architecture name; absent means "the default architecture". */
  readonly arch?: string;
  /** Number of CPUs. */
  readonly cpus: number;
  /** Simulated time the workload runs, ns. */
  readonly durationNs: number;
  /** Random seed; absent means 1. */
  readonly seed?: number;
  /** Timing profile name; absent means the default. */
  readonly timing?: string;
  /** How idle CPUs wait; absent means `halt`. */
  readonly idle?: 'halt' | 'poll';
}

/** What {@link Scenario.prepare} gets. */
export interface ScenarioContext {
  /** Simulated time the workload runs, ns. */
  readonly durationNs: number;
}

/** What a prepared scenario does beyond spawning tasks. */
export interface PreparedScenario {
  /** Runs the machine itself instead of the default run (see {@link runScenario}). */
  readonly run?: () => RunResult;
  /** Report lines to print after the run (e.g. the ipi_benchmark table). */
  readonly report?: () => string[];
  /** The run is expected to stall (the deadlock demo): say so instead of calling it a failure. */
  readonly expectStall?: boolean;
}

/** A runnable scenario. */
export interface Scenario {
  /** Name on the command line. */
  readonly name: string;
  /** One line for `genipi list`. */
  readonly title: string;
  /** The machine it runs on unless the caller says otherwise. */
  readonly defaults: ScenarioDefaults;
  /** Fewest CPUs it works with. */
  readonly minCpus: number;
  /**
   * The architecture the scenario is written for, when it cannot run on another (callers then
   * refuse a different one). Absent: any architecture.
   */
  readonly requiresArch?: string;
  /**
   * Machine options beyond architecture name, CPU count and seed, for `cpus` CPUs: an
   * architecture given as plugin modules, CPUs left offline.
   */
  machineOptions?(
    cpus: number,
  ): Partial<Pick<MachineOptions, 'arch' | 'onlineCpus' | 'archOptions'>>;
  /**
   * Spawns the workload on `m` (nothing has run yet).
   * @throws ScenarioError if the workload does not fit the machine (a CPU it names is missing).
   */
  prepare(m: Machine, ctx: ScenarioContext): PreparedScenario;
}

/** A scenario that cannot run on the given machine; the message names the field and the fix. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Result of {@link runScenario}. */
export interface ScenarioResult {
  /** How the run ended. */
  readonly run: RunResult;
  /** The scenario's own report lines (empty for most). */
  readonly report: readonly string[];
  /** The stall was the point of the scenario. */
  readonly expectStall: boolean;
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** Simulated time the workload runs, ns (default: the scenario's). */
  readonly durationNs?: number;
  /** Called after each slice of the run with the fraction of the duration simulated. */
  readonly onProgress?: (fraction: number) => void;
  /** Slices the run is cut into for progress reports (default 50); the result does not depend on it. */
  readonly slices?: number;
}

/**
 * Prepares `scenario` on `m` and runs it: in slices up to the duration (reporting progress),
 * then until the machine is idle, a stall, or 4x the duration plus 10 ms, whichever comes first.
 */
export function runScenario(
  m: Machine,
  scenario: Scenario,
  options: RunScenarioOptions = {},
): ScenarioResult {
  const durationNs = options.durationNs ?? scenario.defaults.durationNs;
  const prepared = scenario.prepare(m, { durationNs });
  let run: RunResult;
  if (prepared.run !== undefined) {
    run = prepared.run();
    options.onProgress?.(1);
  } else {
    const slices = options.slices ?? 50;
    run = { now: m.now, events: 0, reason: 'until', stall: null };
    for (let i = 1; i <= slices && run.reason === 'until'; i++) {
      run = m.run({ until: Math.floor((durationNs * i) / slices) });
      options.onProgress?.(i / slices);
    }
    if (run.reason === 'until' || run.reason === 'idle')
      run = m.run({ until: durationNs * 4 + 10_000_000 });
  }
  return { run, report: prepared.report?.() ?? [], expectStall: prepared.expectStall ?? false };
}

// ---------------------------------------------------------------------------- spec scenarios

function cpuList(sel: 'all' | readonly number[], nrCpus: number): number[] {
  return sel === 'all'
    ? Array.from({ length: nrCpus }, (_, i) => i)
    : [...new Set(sel)].sort((a, b) => a - b);
}

/** Names a function so traces show it (`func=call_single_work`). */
function named<T extends (...args: never[]) => unknown>(name: string, fn: T): T {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

/**
 * Spawns `workload` on `m`; entries refer to CPUs by number and are checked against the machine.
 *
 * Run queues are FIFO and tasks are not preempted, so nothing here runs as one long task: each
 * operation of a sender is a short task that, when done, spawns the next one at its due time
 * (in between, the CPU idles, as if a timer woke it); a busy CPU runs a chain of `chunk`-long
 * tasks, each queueing the next behind whatever else is queued.
 * @throws ScenarioError naming the entry and field when a CPU is missing or offline.
 */
export function spawnWorkload(
  m: Machine,
  workload: readonly WorkloadSpec[],
  durationNs: number,
): void {
  const nr = m.nrCpuIds;
  const rng = m.get<Rng>(Rng);
  const online = m.cpuOnlineMask;
  const check = (i: number, field: string, cpus: readonly number[]): void => {
    for (const cpu of cpus) {
      if (cpu >= nr) {
        throw new ScenarioError(
          `workload[${i}].${field} contains CPU ${cpu}, but the machine has ${nr} CPU${nr === 1 ? '' : 's'} (0-${nr - 1}); use CPUs below ${nr} or more CPUs (--cpus)`,
        );
      }
      if (!online.testCpu(cpu))
        throw new ScenarioError(
          `workload[${i}].${field} contains CPU ${cpu}, which is offline; pick an online CPU`,
        );
    }
  };
  const mms = new Map<number, MmStruct>();
  const spawns: (() => void)[] = [];
  workload.forEach((w, i) => {
    if (w.kind === 'busy') {
      const cpus = cpuList(w.cpus, nr);
      check(i, 'cpus', cpus);
      for (const cpu of cpus) {
        const chunk = function* busy(): SimTask<void> {
          const left = durationNs - m.sim.localNow();
          if (left <= 0) return;
          yield m.sim.delay(Math.min(w.chunk, left));
          if (m.sim.localNow() < durationNs)
            m.sim.spawn(cpu, chunk, { at: m.sim.localNow(), name: `busy/${cpu}` });
        };
        spawns.push(() => m.sim.spawn(cpu, chunk, { name: `busy/${cpu}` }));
      }
      return;
    }
    const from = cpuList(w.from, nr);
    check(i, 'from', from);
    const { interval, jitter, start, count } = w;
    // A sender: one task per operation, each spawning the next at its due time.
    const sender = (cpu: number, name: string, op: () => SimTask | undefined): void => {
      let n = 0;
      const step = function* sender(): SimTask<void> {
        const began = m.sim.localNow();
        const g = op();
        if (g !== undefined) yield* g;
        n++;
        const due = began + Math.max(0, interval + (jitter > 0 ? rng.int(-jitter, jitter) : 0));
        if (due < durationNs && (count === undefined || n < count)) {
          m.sim.spawn(cpu, step, { at: Math.max(due, m.sim.localNow()), name });
        }
      };
      spawns.push(() => {
        if (start < durationNs) m.sim.spawn(cpu, step, { at: start, name });
      });
    };
    if (w.kind === 'tlb-shootdown') {
      const sharers = cpuList(w.sharers, nr);
      check(i, 'sharers', sharers);
      check(i, 'lazy', w.lazy);
      for (const cpu of w.lazy) {
        if (!sharers.includes(cpu)) {
          throw new ScenarioError(
            `workload[${i}].lazy contains CPU ${cpu}, which is not in sharers; add it to sharers or remove it from lazy`,
          );
        }
      }
      let mm = mms.get(w.mm);
      if (mm === undefined) {
        mm = m.tlb.mmAlloc();
        mms.set(w.mm, mm);
      }
      const space = mm;
      for (const cpu of sharers) {
        // The address space's threads run once on each sharer, which keeps it loaded after.
        m.sim.spawn(
          cpu,
          // eslint-disable-next-line require-yield -- task code that runs to completion in one step
          function* mmUser() {
            m.tlb.switchMm(space);
            for (let p = 0; p < w.pages; p++) m.tlb.touch(p);
            if (w.lazy.includes(cpu)) m.tlb.enterLazyTlb();
          },
          { name: `mm${w.mm}/${cpu}` },
        );
      }
      for (const cpu of from) {
        sender(cpu, `tlb-shootdown/${cpu}`, () => {
          m.tlb.switchMm(space);
          for (let p = 0; p < w.pages; p++) m.tlb.touch(p);
          return m.tlb.flushTlbMmRange(space, 0, w.pages);
        });
      }
      return;
    }
    const to = cpuList(w.to, nr);
    check(i, 'to', to);
    for (const cpu of from) {
      const others = to.filter((c) => c !== cpu);
      if (others.length === 0) {
        throw new ScenarioError(
          `workload[${i}].to is ${JSON.stringify(w.to)}; sender CPU ${cpu} has no other CPU to target; add another CPU to "to" or remove ${cpu} from "from"`,
        );
      }
      const pick = (): number => others[rng.int(0, others.length - 1)];
      switch (w.kind) {
        case 'reschedule':
          sender(cpu, `reschedule/${cpu}`, () => {
            m.sched.reschedCurr(pick());
            return undefined;
          });
          break;
        case 'wakeup': {
          const taskNs = w.task;
          const wakee = function* worker(): SimTask<void> {
            yield m.sim.delay(taskNs);
          };
          sender(cpu, `wakeup/${cpu}`, () => {
            const target = pick();
            m.sched.wakeUpTask(target, wakee, `worker/${target}`);
            return undefined;
          });
          break;
        }
        case 'call-single': {
          const fn: SmpCallFunc = named('call_single_work', () => {
            m.sim.charge(w.work);
          });
          sender(cpu, `call-single/${cpu}`, () =>
            m.smp.smpCallFunctionSingle(pick(), fn, null, w.wait),
          );
          break;
        }
        case 'call-many': {
          const fn: SmpCallFunc = named('call_many_work', () => {
            m.sim.charge(w.work);
          });
          const mask = new Cpumask(nr);
          sender(cpu, `call-many/${cpu}`, () => {
            mask.clearAll();
            if (w.fanout === 'all' || w.fanout >= others.length) {
              for (const c of others) mask.setCpu(c);
            } else {
              const pool = [...others];
              for (let k = 0; k < w.fanout; k++)
                mask.setCpu(pool.splice(rng.int(0, pool.length - 1), 1)[0]);
            }
            return m.smp.smpCallFunctionMany(mask, fn, null, w.wait);
          });
          break;
        }
      }
    }
  });
  // Address-space threads first, so every sharer has the mm loaded before anything else runs.
  for (const spawn of spawns) spawn();
}

/** A scenario from a validated scenario file (or a built-in one written the same way). */
export function scenarioFromSpec(spec: ScenarioSpec, name = spec.name ?? 'custom'): Scenario {
  const maxCpu = Math.max(
    0,
    ...spec.workload.flatMap((w) => {
      const sets =
        w.kind === 'busy'
          ? [w.cpus]
          : w.kind === 'tlb-shootdown'
            ? [w.from, w.sharers, w.lazy]
            : [w.from, w.to];
      return sets.flatMap((s) => (s === 'all' ? [] : s));
    }),
  );
  return {
    name,
    title:
      spec.description ??
      `scenario file: ${spec.workload.map((w) => w.kind).join(', ')} for ${formatDuration(spec.duration)}`,
    defaults: {
      arch: spec.machine.arch,
      cpus: spec.machine.cpus ?? Math.max(2, maxCpu + 1),
      durationNs: spec.duration,
      seed: spec.machine.seed,
      timing: spec.machine.timing,
      idle: spec.machine.idle,
    },
    minCpus: Math.max(2, maxCpu + 1),
    prepare(m, ctx) {
      spawnWorkload(m, spec.workload, ctx.durationNs);
      return {};
    },
  };
}
