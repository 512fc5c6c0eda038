/**
 * The built-in scenarios. Most are written as scenario-file data (the same format users write,
 * see `spec.ts`); the deadlock demo and the `ipi_benchmark` twin are code.
 *
 * Scenarios that need a later driver (PatchworkOS queue overflow, coprocessor ping-pong) are
 * added here when their modules land.
 *
 * @packageDocumentation
 */
import { formatIpiBenchmark, runIpiBenchmark, type IpiBenchmarkResult } from './ipi-benchmark.js';
import { type Scenario, scenarioFromSpec } from './scenario.js';
import { parseScenarioSpec } from './spec.js';

/** Name of the scenario `genipi run` runs when none is given. */
export const DEFAULT_SCENARIO = 'mixed';

function fromData(name: string, data: unknown): Scenario {
  return scenarioFromSpec(parseScenarioSpec(data, `built-in scenario ${name}`), name);
}

const mixed = fromData('mixed', {
  description: 'wake-ups, cross calls to one and to many CPUs, and TLB shootdowns on a half-busy machine',
  machine: { cpus: 8 },
  duration: '2ms',
  workload: [
    { kind: 'busy', cpus: [4, 5, 6, 7] },
    { kind: 'wakeup', from: [0, 1], interval: '20us', jitter: '10us', task: '5us' },
    { kind: 'reschedule', from: [1], to: [4, 5, 6, 7], interval: '40us', jitter: '10us', start: '5us' },
    { kind: 'call-single', from: [2], interval: '25us', jitter: '5us', work: '300ns' },
    { kind: 'call-many', from: [3], interval: '100us', jitter: '20us', work: '200ns', start: '50us' },
    { kind: 'tlb-shootdown', from: [0], sharers: [0, 1, 2, 4, 5], lazy: [2], pages: 4, interval: '150us', start: '30us' },
  ],
});

const rescheduleStorm = fromData('reschedule-storm', {
  description: 'every CPU busy, every CPU sending reschedule IPIs to random others every ~5 us',
  machine: { cpus: 8 },
  duration: '1ms',
  workload: [
    { kind: 'busy', cpus: 'all' },
    { kind: 'reschedule', from: 'all', to: 'all', interval: '5us', jitter: '2us' },
  ],
});

const broadcast = fromData('call-function-broadcast', {
  description: 'CPU0 runs smp_call_function_many() on all other CPUs (halted idle) and waits, every 20 us',
  machine: { cpus: 8 },
  duration: '1ms',
  workload: [{ kind: 'call-many', from: [0], to: 'all', interval: '20us', work: '200ns', wait: true }],
});

const tlbShootdown = fromData('tlb-shootdown', {
  description: 'two threads flushing a shared address space (1 page and 64 pages), CPUs 6-7 in lazy-TLB mode',
  machine: { cpus: 8 },
  duration: '1ms',
  workload: [
    { kind: 'busy', cpus: [2, 3, 4, 5] },
    { kind: 'tlb-shootdown', from: [0], sharers: 'all', lazy: [6, 7], pages: 1, interval: '30us', jitter: '5us' },
    { kind: 'tlb-shootdown', from: [1], sharers: 'all', lazy: [6, 7], pages: 64, interval: '90us', jitter: '10us', start: '15us' },
  ],
});

/** Two CPUs call each other with interrupts disabled and wait: the classic cross-call deadlock. */
const deadlock: Scenario = {
  name: 'deadlock',
  title: 'CPU0 and CPU1 cross-call each other with interrupts off and wait: detected and reported, never hangs',
  defaults: { cpus: 2, durationNs: 100_000 },
  minCpus: 2,
  prepare(m) {
    for (const [me, other] of [
      [0, 1],
      [1, 0],
    ] as const) {
      m.sim.spawn(
        me,
        function* crossCall() {
          yield m.sim.delay(1_000);
          m.sim.localIrqDisable();
          yield* m.smp.smpCallFunctionSingle(other, function crossCall() {}, me, true);
          m.sim.localIrqEnable();
        },
        { name: `caller/${me}` },
      );
    }
    return { expectStall: true };
  },
};

/** Iterations of the ipi_benchmark twin per line (the module uses 100000). */
export const IPI_BENCHMARK_NTIMES = 1000;

const ipiBenchmark: Scenario = {
  name: 'ipi-benchmark',
  title: `the ipi_benchmark module's twin: Dry-run, Self-IPI, Normal IPI, Broadcast IPI (${IPI_BENCHMARK_NTIMES} iterations each)`,
  defaults: { cpus: 4, durationNs: 0 },
  minCpus: 2,
  prepare(m) {
    let result: IpiBenchmarkResult | null = null;
    return {
      run() {
        result = runIpiBenchmark(m, IPI_BENCHMARK_NTIMES);
        return { now: m.now, events: m.engine.eventsHandled, reason: 'idle', stall: null };
      },
      report: () => (result === null ? [] : ['ipi_benchmark (ns, summed over the iterations):', ...formatIpiBenchmark(result).split('\n')]),
    };
  },
};

/** Built-in scenarios by name, in the order `genipi list` shows them. */
export const builtinScenarios: ReadonlyMap<string, Scenario> = new Map(
  [mixed, rescheduleStorm, broadcast, tlbShootdown, ipiBenchmark, deadlock].map((s) => [s.name, s]),
);
