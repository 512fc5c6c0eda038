import { describe, expect, it } from '@jest/globals';
import {
  createMachine,
  type InterruptsSnapshot,
  procPrecision,
  renderProcInterrupts,
  snapshotInterrupts,
} from '../../../lib/index.js';
import { expectGolden } from '../../helpers/golden.js';
import { traceFixture } from '../../helpers/trace-fixture.js';

const row = (
  irq: number,
  counts: number[],
  over: Partial<InterruptsSnapshot['irqs'][number]> = {},
): InterruptsSnapshot['irqs'][number] => ({
  irq,
  counts,
  chip: 'IO-APIC',
  hwirq: irq,
  level: false,
  flow: 'edge',
  actions: ['timer'],
  hidden: false,
  ...over,
});

describe('/proc/interrupts', () => {
  it.each([
    [2, 3],
    [999, 3],
    [1000, 4],
    [9999, 4],
    [10000, 5],
    [768, 3],
  ])('should make the first column %i wide for nr_irqs %i', (nrIrqs, prec) => {
    expect(procPrecision(nrIrqs)).toBe(prec);
  });

  it('should print the x86 layout of Linux 6.10 (the spec §D.5 sample) byte for byte', () => {
    const snapshot: InterruptsSnapshot = {
      arch: 'x86',
      nrIrqs: 256,
      cpus: [0, 1, 2, 3],
      irqs: [
        row(0, [46, 0, 0, 0], { hwirq: 2 }),
        row(24, [0, 812, 0, 3], { chip: 'MIPS GIC', hwirq: 40, actions: ['IPI call'] }),
        row(25, [1, 2, 3, 4], { chip: null, hwirq: null, flow: null, actions: ['a', 'b'] }),
        row(26, [0, 0, 0, 0], { chip: '', actions: ['nameless chip'] }),
        row(28, [0, 0, 0, 0], { actions: [] }),
        row(27, [5, 5, 5, 5], { hidden: true }),
      ],
      stats: [
        { label: 'NMI', description: 'Non-maskable interrupts', counts: [0, 0, 0, 0] },
        { label: 'LOC', description: 'Local timer interrupts', counts: [10234, 9876, 9911, 10020] },
        { label: 'RES', description: 'Rescheduling interrupts', counts: [512, 498, 620, 401] },
        { label: 'CAL', description: 'Function call interrupts', counts: [1201, 1188, 1302, 1250] },
        { label: 'TLB', description: 'TLB shootdowns', counts: [33, 41, 29, 30] },
        { label: 'ERR', description: '', counts: [1, 1, 0, 0] },
      ],
    };
    const text = renderProcInterrupts(snapshot);
    expect(text.split('\n').slice(0, 3)).toEqual([
      '           CPU0       CPU1       CPU2       CPU3       ',
      '  0:         46          0          0          0  IO-APIC   2-edge      timer',
      ' 24:          0        812          0          3 MIPS GIC  40-edge      IPI call',
    ]);
    expect(text).toContain(
      '\nRES:        512        498        620        401   Rescheduling interrupts\n',
    );
    expect(text.endsWith('ERR:          2\nMIS:          0\n')).toBe(true);
    expectGolden('proc-interrupts-x86.txt', text);
  });

  it('should print arm64 IPIn rows and the Level/Edge column, with a space after the colon from prec 4', () => {
    const snapshot: InterruptsSnapshot = {
      arch: 'arm64',
      nrIrqs: 64,
      cpus: [0, 1],
      irqs: [
        row(11, [100, 90], {
          chip: 'GICv3',
          hwirq: 27,
          level: true,
          flow: null,
          actions: ['arch_timer'],
        }),
      ],
      stats: [
        { label: 'IPI0', description: 'Rescheduling interrupts', counts: [512, 498] },
        { label: 'IPI1', description: 'Function call interrupts', counts: [1201, 1188] },
      ],
    };
    const text = renderProcInterrupts(snapshot);
    expect(text).toBe(
      [
        '           CPU0       CPU1       ',
        ' 11:        100         90    GICv3  27 Level     arch_timer',
        'IPI0:       512        498       Rescheduling interrupts',
        'IPI1:      1201       1188       Function call interrupts',
        '',
      ].join('\n'),
    );
    const wide = renderProcInterrupts({ ...snapshot, nrIrqs: 4096 });
    // "%*s%u:%s" with width prec - 1 = 3 for "IPI", then a space because prec >= 4.
    expect(wide.split('\n').slice(0, 3)).toEqual([
      '            CPU0       CPU1       ',
      '  11:        100         90    GICv3   27 Level     arch_timer',
      'IPI0:        512        498       Rescheduling interrupts',
    ]);
    expectGolden('proc-interrupts-arm64.txt', wide);
  });

  it('should end MIPS with ERR only and print nothing after the rows elsewhere', () => {
    const base: InterruptsSnapshot = {
      arch: 'mips-gic',
      nrIrqs: 64,
      cpus: [0],
      irqs: [],
      stats: [],
    };
    expect(renderProcInterrupts(base)).toBe('           CPU0       \nERR:          0\n');
    expect(renderProcInterrupts({ ...base, arch: 'test' })).toBe('           CPU0       \n');
  });

  it('should snapshot the test arch machine after the fixture run (golden)', () => {
    const { m } = traceFixture();
    const snapshot = snapshotInterrupts(m);
    expect(snapshot.cpus).toEqual([0, 1, 2, 3]);
    expect(snapshot.irqs.map((r) => [r.irq, r.chip, r.flow, r.actions])).toEqual([
      [1, 'test-ipi', 'percpu', ['IPI call']],
      [2, 'test-ipi', 'percpu', ['IPI resched']],
    ]);
    expectGolden('proc-interrupts-test-arch.txt', renderProcInterrupts(snapshot));
  });

  it('should show only online CPUs and the per-CPU counts of each arch row', () => {
    const m = createMachine({ arch: 'x86', nrCpus: 4, onlineCpus: [0, 1, 3] });
    m.sim.spawn(0, function* t() {
      m.sched.reschedCurr(3);
      yield* m.smp.smpCallFunctionSingle(1, function f() {}, null, true);
    });
    m.run();
    const snapshot = snapshotInterrupts(m);
    expect(snapshot.cpus).toEqual([0, 1, 3]);
    const stat = (label: string): readonly number[] | undefined =>
      snapshot.stats.find((s) => s.label === label)?.counts;
    expect(stat('RES')).toEqual([0, 0, 1]);
    expect(stat('CAL')).toEqual([0, 1, 0]);
    const text = renderProcInterrupts(snapshot);
    expect(text.split('\n')[0]).toBe('           CPU0       CPU1       CPU3       ');
    expect(text).toMatch(/\nRES: {10}0 {10}0 {10}1 {3}Rescheduling interrupts\n/);
  });
});
