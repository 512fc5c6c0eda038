/**
 * The built-in scenarios. Most are written as scenario-file data (the same format users write,
 * see `spec.ts`); the deadlock demo, the `ipi_benchmark` twin, the PatchworkOS queue overflow and
 * the coprocessor ping-pong are code.
 *
 * @packageDocumentation
 */
import { MipsRproc } from '../../drivers/coproc/index.js';
import {
  ERR,
  IPI_QUEUE_SIZE,
  IPI_SINGLE,
  PatchworkApicChip,
  PatchworkIpi,
  patchworkX86Modules,
} from '../../drivers/patchwork-ipi/index.js';
import { errnoName } from '../errno.js';
import { latencyStats } from '../trace/summary.js';
import { formatIpiBenchmark, runIpiBenchmark, type IpiBenchmarkResult } from './ipi-benchmark.js';
import { type Scenario, scenarioFromSpec } from './scenario.js';
import { parseScenarioSpec } from './spec.js';

/** Name of the scenario `genipi run` runs when none is given. */
export const DEFAULT_SCENARIO = 'mixed';

function fromData(name: string, data: unknown): Scenario {
  return scenarioFromSpec(parseScenarioSpec(data, `built-in scenario ${name}`), name);
}

const mixed = fromData('mixed', {
  description:
    'wake-ups, cross calls to one and to many CPUs, and TLB shootdowns on a half-busy machine',
  machine: { cpus: 8 },
  duration: '2ms',
  workload: [
    { kind: 'busy', cpus: [4, 5, 6, 7] },
    { kind: 'wakeup', from: [0, 1], interval: '20us', jitter: '10us', task: '5us' },
    {
      kind: 'reschedule',
      from: [1],
      to: [4, 5, 6, 7],
      interval: '40us',
      jitter: '10us',
      start: '5us',
    },
    { kind: 'call-single', from: [2], interval: '25us', jitter: '5us', work: '300ns' },
    {
      kind: 'call-many',
      from: [3],
      interval: '100us',
      jitter: '20us',
      work: '200ns',
      start: '50us',
    },
    {
      kind: 'tlb-shootdown',
      from: [0],
      sharers: [0, 1, 2, 4, 5],
      lazy: [2],
      pages: 4,
      interval: '150us',
      start: '30us',
    },
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
  description:
    'CPU0 runs smp_call_function_many() on all other CPUs (halted idle) and waits, every 20 us',
  machine: { cpus: 8 },
  duration: '1ms',
  workload: [
    { kind: 'call-many', from: [0], to: 'all', interval: '20us', work: '200ns', wait: true },
  ],
});

const tlbShootdown = fromData('tlb-shootdown', {
  description:
    'two threads flushing a shared address space (1 page and 64 pages), CPUs 6-7 in lazy-TLB mode',
  machine: { cpus: 8 },
  duration: '1ms',
  workload: [
    { kind: 'busy', cpus: [2, 3, 4, 5] },
    {
      kind: 'tlb-shootdown',
      from: [0],
      sharers: 'all',
      lazy: [6, 7],
      pages: 1,
      interval: '30us',
      jitter: '5us',
    },
    {
      kind: 'tlb-shootdown',
      from: [1],
      sharers: 'all',
      lazy: [6, 7],
      pages: 64,
      interval: '90us',
      jitter: '10us',
      start: '15us',
    },
  ],
});

/** Two CPUs call each other with interrupts disabled and wait: the classic cross-call deadlock. */
const deadlock: Scenario = {
  name: 'deadlock',
  title:
    'CPU0 and CPU1 cross-call each other with interrupts off and wait: detected and reported, never hangs',
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
          yield* m.smp.smpCallFunctionSingle(
            other,
            function crossCall() {
              // never runs: both CPUs spin with interrupts off
            },
            me,
            true,
          );
          m.sim.localIrqEnable();
        },
        { name: `caller/${me}` },
      );
    }
    return { expectStall: true };
  },
};

/** Iterations of the ipi_benchmark twin per line (the module uses 100000). */
export const IPI_BENCHMARK_NTIMES = 500;

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
      report: () =>
        result === null
          ? []
          : [
              'ipi_benchmark (ns, summed over the iterations):',
              ...formatIpiBenchmark(result).split('\n'),
            ],
    };
  },
};

/** IPIs CPU0 sends to CPU1 in the PatchworkOS overflow scenario. */
const PATCHWORK_SENDS = 20;

/**
 * PatchworkOS's per-CPU IPI ring (16 slots, one always empty) overflowing: CPU1 keeps interrupts
 * off while CPU0 sends it 20 IPIs; the 16th and later fail with EBUSY and are dropped.
 */
const patchworkOverflow: Scenario = {
  name: 'patchwork-overflow',
  title: `PatchworkOS's IPI queue (IPI_QUEUE_SIZE ${IPI_QUEUE_SIZE}) overflows: ${PATCHWORK_SENDS} IPIs to a CPU with interrupts off, the rest fail with EBUSY`,
  defaults: { cpus: 2, durationNs: 100_000 },
  minCpus: 2,
  requiresArch: 'patchwork-x86',
  machineOptions: () => ({ arch: patchworkX86Modules }),
  prepare(m) {
    const pw = m.get(PatchworkIpi);
    const rc = m.get(PatchworkApicChip).moduleInit(pw);
    if (rc !== 0)
      throw new Error(`patchwork-overflow: ipi_chip_register failed (${errnoName(pw.errno)})`);
    const results: string[] = [];
    let ran = 0;
    m.sim.spawn(
      1,
      function* irqsOff() {
        m.sim.localIrqDisable();
        yield m.sim.delay(50_000);
        m.sim.localIrqEnable();
      },
      { name: 'irqs-off/1' },
    );
    m.sim.spawn(
      0,
      function* sender() {
        yield m.sim.delay(1_000);
        for (let i = 1; i <= PATCHWORK_SENDS; i++) {
          const r = pw.ipiSend(
            pw.cpu(1),
            IPI_SINGLE,
            () => {
              ran++;
            },
            i,
          );
          results.push(r === ERR ? errnoName(pw.errno) : '0');
          yield m.sim.delay(200);
        }
      },
      { name: 'sender/0' },
    );
    return {
      report: () => {
        const ok = results.filter((r) => r === '0').length;
        return [
          `ipi_send(cpu 1) x${PATCHWORK_SENDS} while CPU1 had interrupts off: ${ok} queued, ${results.length - ok} failed (${[...new Set(results.filter((r) => r !== '0'))].join(', ') || 'none'})`,
          `  results in order: ${results.join(' ')}`,
          `CPU1 ran ${ran} IPI functions after re-enabling interrupts (the ring holds ${IPI_QUEUE_SIZE - 1}: one slot stays empty)`,
        ];
      },
    };
  },
};

/** Ping-pong rounds between Linux CPU 0 and the coprocessor. */
const PING_PONG_ROUNDS = 100;

/** A MIPS coprocessor (the last CPU, kept offline) answering Linux's IPIs through the GIC IPI domain. */
const coprocPingPong: Scenario = {
  name: 'coproc-ping-pong',
  title: `a MIPS coprocessor (the last CPU, not online) and Linux CPU0 exchange ${PING_PONG_ROUNDS} messages over two generic IPIs`,
  defaults: { cpus: 4, durationNs: 0 },
  minCpus: 2,
  requiresArch: 'mips-gic',
  machineOptions: (cpus) => ({ onlineCpus: Array.from({ length: cpus - 1 }, (_, i) => i) }),
  prepare(m) {
    const rproc = m.get(MipsRproc);
    const coproc = m.nrCpuIds - 1;
    return {
      run() {
        const rc = rproc.mipsRprocOpStart(coproc);
        if (rc !== 0)
          throw new Error(
            `coproc-ping-pong: mips_rproc_op_start(${coproc}) returned ${errnoName(rc)}`,
          );
        const boot = m.run();
        if (boot.reason !== 'idle') return boot;
        rproc.pingPong(PING_PONG_ROUNDS);
        return m.run();
      },
      report: () => {
        const rt = latencyStats([...rproc.roundTrips]);
        return [
          `coprocessor on CPU${coproc}: ipi_remote virq ${rproc.ipiRemote}, ipi_linux virq ${rproc.ipiLinux}; ${rproc.received} replies`,
          rt === null
            ? '  no round trips completed'
            : `  round trip (message written to reply handled): p50 ${(rt.p50 / 1000).toFixed(2)} µs, p99 ${(rt.p99 / 1000).toFixed(2)} µs, max ${(rt.max / 1000).toFixed(2)} µs`,
        ];
      },
    };
  },
};

/** Built-in scenarios by name, in the order `genipi list` shows them. */
export const builtinScenarios: ReadonlyMap<string, Scenario> = new Map(
  [
    mixed,
    rescheduleStorm,
    broadcast,
    tlbShootdown,
    ipiBenchmark,
    patchworkOverflow,
    coprocPingPong,
    deadlock,
  ].map((s) => [s.name, s]),
);
