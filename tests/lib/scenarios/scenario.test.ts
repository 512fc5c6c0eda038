import { describe, expect, it } from '@jest/globals';
import {
  builtinScenarios,
  createMachine,
  DEFAULT_SCENARIO,
  type Machine,
  parseScenarioSpec,
  runScenario,
  type Scenario,
  ScenarioError,
  scenarioFromSpec,
  summarizeTrace,
  TraceBuffer,
} from '../../../lib/index.js';

function machineFor(s: Scenario, arch = 'test', cpus = s.defaults.cpus, seed = 1): Machine {
  const extra = s.machineOptions?.(cpus) ?? {};
  return createMachine({ arch: s.requiresArch ?? arch, nrCpus: cpus, seed, ...extra });
}

function run(
  s: Scenario,
  options: { arch?: string; cpus?: number; seed?: number; durationNs?: number } = {},
) {
  const m = machineFor(s, options.arch, options.cpus, options.seed);
  const buffer = new TraceBuffer();
  buffer.attach(m.tracer);
  const result = runScenario(m, s, { durationNs: options.durationNs });
  return { m, result, records: buffer.records() };
}

describe('built-in scenarios', () => {
  it('should list the default first and each with a title and sane defaults', () => {
    const names = [...builtinScenarios.keys()];
    expect(names[0]).toBe(DEFAULT_SCENARIO);
    expect(names).toEqual(
      expect.arrayContaining([
        'mixed',
        'reschedule-storm',
        'call-function-broadcast',
        'tlb-shootdown',
        'ipi-benchmark',
        'patchwork-overflow',
        'coproc-ping-pong',
        'deadlock',
      ]),
    );
    for (const s of builtinScenarios.values()) {
      expect(s.title.length).toBeGreaterThan(10);
      expect(s.defaults.cpus).toBeGreaterThanOrEqual(s.minCpus);
    }
  });

  it.each([
    ['mixed', ['reschedule', 'call-function-single', 'call-function']],
    ['reschedule-storm', ['reschedule']],
    ['call-function-broadcast', ['call-function']],
    ['tlb-shootdown', ['call-function']],
  ])('should run %s to completion and send the IPIs it is about', (name, kinds) => {
    const { result, records } = run(builtinScenarios.get(name)!, { durationNs: 200_000 });
    expect(result.run.reason).toBe('idle');
    const summary = summarizeTrace(records);
    for (const kind of kinds)
      expect(summary.kinds.find((k) => k.kind === kind)?.sent).toBeGreaterThan(0);
    expect(summary.kinds.every((k) => k.pending === 0)).toBe(true);
  });

  it('should flush TLBs remotely in the TLB shootdown scenario and skip the lazy CPUs', () => {
    const { m } = run(builtinScenarios.get('tlb-shootdown')!, { arch: 'x86', durationNs: 200_000 });
    const tlb = m.irqStats.get('TLB')!.counts;
    expect(tlb[2]).toBeGreaterThan(0);
    expect(tlb[6] + tlb[7]).toBeLessThanOrEqual(2);
  });

  it('should report the deadlock instead of hanging', () => {
    const { result } = run(builtinScenarios.get('deadlock')!);
    expect(result.expectStall).toBe(true);
    expect(result.run.reason).toBe('stalled');
    expect(result.run.stall?.message).toMatch(/^deadlock: wait-for cycle CPU0 -> CPU1 -> CPU0/);
  });

  it('should run the ipi_benchmark twin and report its four lines', () => {
    const { result } = run(builtinScenarios.get('ipi-benchmark')!, { arch: 'x86' });
    expect(result.run.reason).toBe('idle');
    expect(result.report.slice(1).map((l) => l.split(':')[0])).toEqual([
      'Dry-run',
      'Self-IPI',
      'Normal IPI',
      'Broadcast IPI',
    ]);
  });

  it("should overflow PatchworkOS's IPI queue after 15 entries", () => {
    const s = builtinScenarios.get('patchwork-overflow')!;
    const { m, result } = run(s);
    expect(m.arch).toBe('patchwork-x86');
    expect(result.report[0]).toBe(
      'ipi_send(cpu 1) x20 while CPU1 had interrupts off: 15 queued, 5 failed (EBUSY)',
    );
    expect(result.report[2]).toMatch(/^CPU1 ran 15 IPI functions/);
  });

  it('should ping-pong with the MIPS coprocessor on the last CPU', () => {
    const { m, result } = run(builtinScenarios.get('coproc-ping-pong')!);
    expect(m.cpuOnlineMask.toArray()).toEqual([0, 1, 2]);
    expect(result.run.reason).toBe('idle');
    expect(result.report[0]).toMatch(/^coprocessor on CPU3: .*; 100 replies$/);
  });

  it('should be deterministic: same seed, same trace; another seed, another trace', () => {
    const s = builtinScenarios.get('mixed')!;
    const a = run(s, { seed: 5, durationNs: 100_000 }).records;
    const b = run(s, { seed: 5, durationNs: 100_000 }).records;
    const c = run(s, { seed: 6, durationNs: 100_000 }).records;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('should not depend on how the run is sliced for progress reports', () => {
    const s = builtinScenarios.get('mixed')!;
    const go = (slices: number): string => {
      const m = machineFor(s, 'test', 8, 2);
      const buffer = new TraceBuffer();
      buffer.attach(m.tracer);
      const fractions: number[] = [];
      runScenario(m, s, { durationNs: 100_000, slices, onProgress: (f) => fractions.push(f) });
      expect(fractions.at(-1)).toBe(1);
      return JSON.stringify(buffer.records());
    };
    expect(go(1)).toBe(go(37));
  });
});

describe('scenarios from files', () => {
  const spec = (workload: unknown[], machine = {}) =>
    parseScenarioSpec({ duration: '100us', machine, workload });

  it('should take its defaults from the file', () => {
    const s = scenarioFromSpec(
      parseScenarioSpec({
        name: 'x',
        duration: '1ms',
        machine: { arch: 'x86', seed: 3 },
        workload: [{ kind: 'busy', cpus: [5] }],
      }),
    );
    expect(s.name).toBe('x');
    expect(s.defaults).toEqual({
      arch: 'x86',
      cpus: 6,
      durationNs: 1_000_000,
      seed: 3,
      timing: undefined,
      idle: undefined,
    });
    expect(s.minCpus).toBe(6);
  });

  it('should honour count, start and fanout', () => {
    const s = scenarioFromSpec(
      spec([
        {
          kind: 'call-many',
          from: [0],
          to: [1, 2, 3],
          fanout: 2,
          count: 3,
          start: '10us',
          interval: '5us',
        },
      ]),
    );
    const { records } = run(s, { cpus: 4 });
    const sends = records.filter((r) => r.name === 'ipi_send_cpumask' || r.name === 'ipi_send_cpu');
    expect(records.filter((r) => r.name === 'csd_queue_cpu')).toHaveLength(6);
    expect(sends.length).toBeGreaterThan(0);
    expect(Math.min(...records.map((r) => r.ts))).toBeGreaterThanOrEqual(10_000);
  });

  it.each<[string, unknown[], number, RegExp]>([
    [
      'a CPU beyond the machine',
      [{ kind: 'reschedule', from: [9], interval: 5 }],
      4,
      /^workload\[0\]\.from contains CPU 9, but the machine has 4 CPUs \(0-3\); use CPUs below 4 or more CPUs \(--cpus\)$/,
    ],
    [
      'no other target',
      [{ kind: 'call-single', from: [1], to: [1], interval: 5 }],
      4,
      /^workload\[0\]\.to is \[1\]; sender CPU 1 has no other CPU to target/,
    ],
    [
      'a lazy CPU that is no sharer',
      [{ kind: 'tlb-shootdown', from: [0], sharers: [0, 1], lazy: [2], interval: 5 }],
      4,
      /^workload\[0\]\.lazy contains CPU 2, which is not in sharers/,
    ],
  ])('should refuse %s with a ScenarioError naming the field', (_what, workload, cpus, message) => {
    const s = scenarioFromSpec(spec(workload));
    const m = createMachine({ arch: 'test', nrCpus: cpus });
    expect(() => runScenario(m, s)).toThrow(ScenarioError);
    expect(() => runScenario(createMachine({ arch: 'test', nrCpus: cpus }), s)).toThrow(message);
  });

  it('should refuse an offline CPU', () => {
    const s = scenarioFromSpec(spec([{ kind: 'busy', cpus: [2] }]));
    expect(() =>
      runScenario(createMachine({ arch: 'test', nrCpus: 4, onlineCpus: [0, 1, 3] }), s),
    ).toThrow('workload[0].cpus contains CPU 2, which is offline; pick an online CPU');
  });
});
