/**
 * Bad input at the cross-call layer (`machine.smp`), the scheduler (`machine.sched`), the TLB
 * (`machine.tlb`), the simulated CPUs (`machine.sim`: spawn, hot-plug, interrupt flags, time),
 * `machine.run`, the fault injector and the soft interrupt controller. Same contract as the irq
 * suite: the documented result, and no change to either machine.
 */
import { describe, expect, it } from '@jest/globals';
import {
  CallSingleData,
  Cpumask,
  createMachine,
  Errno,
  type MmStruct,
  SoftIntc,
} from '../../../lib/index.js';
import { type BaseCtx, badCases, type Entry, expectCase, type Outcome, type Param } from './harness.js';

interface Ctx extends BaseCtx {
  readonly mm: MmStruct;
  readonly otherMm: MmStruct;
}

function makeCtx(): Ctx {
  const m = createMachine({ arch: 'test', nrCpus: 4 });
  const other = createMachine({ arch: 'test', nrCpus: 4 });
  return { m, other, mm: m.tlb.mmAlloc(), otherMm: other.tlb.mmAlloc() };
}

const ENXIO: Outcome = { returns: -Errno.ENXIO };
const TYPE: Outcome = { throws: TypeError };
const RANGE: Outcome = { throws: RangeError };
const noop = (): void => undefined;

const int = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'int', ...more });
const uint = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'uint', ...more });
const mask = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'mask', ...more });
const fn = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'fn', ...more });
const obj = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'object', ...more });
const bool = (name: string): Param => ({ name, kind: 'bool' });
const cpu = (name = 'cpu'): Param => int(name, { negative: RANGE, outOfRange: [4, RANGE] });

const smpEntries: Entry<Ctx>[] = [
  {
    name: 'machine.smp.smpCallFunctionSingle',
    inTask: true,
    good: () => [0, noop, null, true],
    params: [int('cpu', { negative: ENXIO, outOfRange: [4, ENXIO] }), fn('func'), { name: 'wait', kind: 'bool', at: 3 }],
    call: (c, [cpu, f, info, wait]) => c.m.smp.smpCallFunctionSingle(cpu as never, f as never, info, wait as never),
  },
  {
    name: 'machine.smp.smpCallFunctionSingleAsync',
    inTask: true,
    good: () => [4, new CallSingleData(noop, null)],
    params: [
      int('cpu', { negative: ENXIO }),
      obj('csd', { extra: [['a csd without a function', new CallSingleData(null, null), TYPE]] }),
    ],
    call: (c, [cpu, csd]) => c.m.smp.smpCallFunctionSingleAsync(cpu as never, csd as never),
  },
  {
    name: 'machine.smp.smpCallFunctionAny',
    inTask: true,
    good: () => [new Cpumask(4), noop, null, true],
    params: [mask('mask'), fn('func', { at: 1 }), { name: 'wait', kind: 'bool', at: 3 }],
    call: (c, [mk, f, info, wait]) => c.m.smp.smpCallFunctionAny(mk as never, f as never, info, wait as never),
  },
  {
    name: 'machine.smp.smpCallFunctionManyCond',
    inTask: true,
    good: () => [new Cpumask(4), noop, null, 0, null],
    params: [mask('mask'), fn('func'), { name: 'scfFlags', kind: 'int', at: 3, negative: 'valid' }, fn('cond', { at: 4, nullResult: { returns: undefined } })],
    call: (c, [mk, f, info, flags, cond]) => c.m.smp.smpCallFunctionManyCond(mk as never, f as never, info, flags as never, cond as never),
  },
  {
    name: 'machine.smp.smpCallFunctionMany',
    inTask: true,
    good: () => [new Cpumask(4), noop, null, true],
    params: [mask('mask'), fn('func'), { name: 'wait', kind: 'bool', at: 3 }],
    call: (c, [mk, f, info, wait]) => c.m.smp.smpCallFunctionMany(mk as never, f as never, info, wait as never),
  },
  {
    name: 'machine.smp.smpCallFunction',
    inTask: true,
    good: () => [noop, null, true],
    params: [fn('func'), { name: 'wait', kind: 'bool', at: 2 }],
    call: (c, [f, info, wait]) => c.m.smp.smpCallFunction(f as never, info, wait as never),
  },
  {
    name: 'machine.smp.onEachCpuCondMask',
    inTask: true,
    good: () => [null, noop, null, true, new Cpumask(4)],
    params: [fn('cond', { nullResult: { returns: undefined } }), fn('func'), { name: 'wait', kind: 'bool', at: 3 }, mask('mask', { at: 4 })],
    call: (c, [cond, f, info, wait, mk]) => c.m.smp.onEachCpuCondMask(cond as never, f as never, info, wait as never, mk as never),
  },
  {
    name: 'machine.smp.onEachCpu',
    inTask: true,
    good: () => [noop, null, true],
    params: [fn('func'), { name: 'wait', kind: 'bool', at: 2 }],
    call: (c, [f, info, wait]) => c.m.smp.onEachCpu(f as never, info, wait as never),
  },
  {
    name: 'machine.smp.onEachCpuMask',
    inTask: true,
    good: () => [new Cpumask(4), noop, null, true],
    params: [mask('mask'), fn('func'), { name: 'wait', kind: 'bool', at: 3 }],
    call: (c, [mk, f, info, wait]) => c.m.smp.onEachCpuMask(mk as never, f as never, info, wait as never),
  },
  {
    name: 'machine.smp.onEachCpuCond',
    inTask: true,
    good: () => [() => false, noop, null, true],
    // A null cond means "every CPU", as in C.
    params: [{ name: 'cond', kind: 'extra', extra: [['5', 5, TYPE], ['"f"', 'f', TYPE], ['{}', {}, TYPE]] }, fn('func'), { name: 'wait', kind: 'bool', at: 3 }],
    call: (c, [cond, f, info, wait]) => c.m.smp.onEachCpuCond(cond as never, f as never, info, wait as never),
  },
  {
    name: 'machine.smp.__smpCallSingleQueue',
    inTask: true,
    good: () => [1, new CallSingleData(noop, null), 'x'],
    params: [cpu(), obj('csd')],
    call: (c, [cpu, csd, site]) => { c.m.smp.__smpCallSingleQueue(cpu as never, csd as never, site as never); },
  },
  { name: 'machine.smp.queueLength', good: () => [1], params: [cpu()], call: (c, [cpu]) => c.m.smp.queueLength(cpu as never) },
  { name: 'machine.smp.callQueue', good: () => [1], params: [cpu()], call: (c, [cpu]) => c.m.smp.callQueue(cpu as never) },
  { name: 'machine.smp.setTtwuHandler', good: () => [noop], params: [fn('handler')], call: (c, [h]) => { c.m.smp.setTtwuHandler(h as never); } },
];

const schedEntries: Entry<Ctx>[] = [
  { name: 'machine.sched.smpSendReschedule', inTask: true, good: () => [0], params: [cpu()], call: (c, [cpu]) => { c.m.sched.smpSendReschedule(cpu as never); } },
  { name: 'machine.sched.reschedCurr', inTask: true, good: () => [0], params: [cpu()], call: (c, [cpu]) => { c.m.sched.reschedCurr(cpu as never); } },
  {
    name: 'machine.sched.wakeUpTask',
    inTask: true,
    good: () => [3, function* () {}, 'x'],
    params: [cpu(), fn('fn'), { name: 'name', kind: 'extra', extra: [['5', 5, TYPE], ['{}', {}, TYPE]] }],
    call: (c, [cpu, f, n]) => { c.m.sched.wakeUpTask(cpu as never, f as never, n as never); },
  },
];

const tlbEntries: Entry<Ctx>[] = [
  {
    name: 'machine.tlb.switchMm',
    inTask: true,
    good: (c) => [c.mm],
    params: [obj('mm')],
    call: (c, [mm]) => { c.m.tlb.switchMm(mm as never); },
  },
  { name: 'machine.tlb.isLazy', good: () => [1], params: [cpu()], call: (c, [cpu]) => c.m.tlb.isLazy(cpu as never) },
  { name: 'machine.tlb.touch', inTask: true, good: () => [1], params: [int('page', { negative: 'valid' })], call: (c, [p]) => { c.m.tlb.touch(p as never); } },
  {
    name: 'machine.tlb.cached',
    good: (c) => [1, c.mm, 3],
    params: [cpu(), obj('mm'), int('page', { negative: { returns: false } })],
    call: (c, [cpu, mm, p]) => c.m.tlb.cached(cpu as never, mm as never, p as never),
  },
  {
    name: 'machine.tlb.flushTlbMmRange',
    inTask: true,
    good: (c) => [c.mm, 0, 4, false],
    // freedTables may be omitted (undefined means false).
    params: [obj('mm'), int('start', { negative: 'valid' }), int('end', { negative: RANGE }), { name: 'freedTables', kind: 'extra', extra: [['1', 1, TYPE], ['"true"', 'true', TYPE], ['null', null, TYPE]] }],
    call: (c, [mm, s, e, f]) => c.m.tlb.flushTlbMmRange(mm as never, s as never, e as never, f as never),
  },
  { name: 'machine.tlb.flushTlbFunc', inTask: true, good: (c) => [{ mm: c.mm, start: 0, end: 1, initiatingCpu: 0, freedTables: false }], params: [obj('info')], call: (c, [i]) => { c.m.tlb.flushTlbFunc(i); } },
];

/** A waitable that is never satisfied (only used in argument checks). */
const never = { satisfied: false, waitsForCpu: -1, describe: () => 'never', addWaiter: noop };

const simEntries: Entry<Ctx>[] = [
  { name: 'machine.sim.cpu', good: () => [1], params: [cpu()], call: (c, [cpu]) => c.m.sim.cpu(cpu as never) },
  {
    name: 'machine.sim.spawn',
    good: () => [1, function* () {}, {}],
    params: [
      cpu(),
      fn('fn'),
      {
        name: 'options',
        kind: 'extra',
        extra: [
          ['null', null, TYPE],
          ['5', 5, TYPE],
          ['{ at: -5 }', { at: -5 }, { throws: RangeError, names: 'options.at' }],
          ['{ at: 1.5 }', { at: 1.5 }, { throws: TypeError, names: 'options.at' }],
          ['{ at: NaN }', { at: Number.NaN }, { throws: TypeError, names: 'options.at' }],
          ['{ name: 5 }', { name: 5 }, { throws: TypeError, names: 'options.name' }],
        ],
      },
    ],
    call: (c, [cpu, f, o]) => c.m.sim.spawn(cpu as never, f as never, o as never),
  },
  {
    name: 'machine.sim.cpuDown',
    good: () => [2, 0],
    // teardownNs may be omitted (0).
    params: [
      cpu(),
      {
        name: 'teardownNs',
        kind: 'extra',
        extra: [['1.5', 1.5, TYPE], ['NaN', Number.NaN, TYPE], ['"1"', '1', TYPE], ['null', null, TYPE], ['-1', -1, RANGE]],
      },
    ],
    call: (c, [cpu, t]) => { c.m.sim.cpuDown(cpu as never, t as never); },
  },
  { name: 'machine.sim.cpuUp', good: () => [2], params: [cpu()], call: (c, [cpu]) => { c.m.sim.cpuUp(cpu as never); } },
  {
    name: 'machine.sim.setIdleMode',
    good: () => [1, 'poll'],
    params: [cpu(), { name: 'mode', kind: 'extra', extra: [['"spin"', 'spin', TYPE], ['null', null, TYPE], ['undefined', undefined, TYPE]] }],
    call: (c, [cpu, mode]) => { c.m.sim.setIdleMode(cpu as never, mode as never); },
  },
  { name: 'machine.sim.kick', good: () => [1], params: [cpu()], call: (c, [cpu]) => { c.m.sim.kick(cpu as never); } },
  { name: 'machine.sim.setNeedResched', good: () => [1], params: [cpu()], call: (c, [cpu]) => { c.m.sim.setNeedResched(cpu as never); } },
  { name: 'machine.sim.setNrIfPolling', good: () => [1], params: [cpu()], call: (c, [cpu]) => c.m.sim.setNrIfPolling(cpu as never) },
  { name: 'machine.sim.delay', inTask: true, good: () => [5], params: [uint('ns')], call: (c, [ns]) => c.m.sim.delay(ns as never) },
  { name: 'machine.sim.charge', inTask: true, good: () => [0], params: [uint('ns')], call: (c, [ns]) => { c.m.sim.charge(ns as never); } },
  {
    name: 'machine.sim.waitFor',
    inTask: true,
    good: () => [never, 'x'],
    params: [obj('on'), { name: 'site', kind: 'extra', extra: [['5', 5, TYPE]] }],
    call: (c, [on, site]) => c.m.sim.waitFor(on as never, site as never),
  },
  { name: 'machine.sim.localIrqRestore', inTask: true, good: () => [true], params: [bool('flags')], call: (c, [f]) => { c.m.sim.localIrqRestore(f as never); } },
  {
    name: 'machine.sim.withCurrent',
    good: () => [1, () => 0],
    params: [cpu(), fn('fn')],
    call: (c, [cpu, f]) => c.m.sim.withCurrent(cpu as never, f as never),
  },
  {
    name: 'machine.sim.attachInterruptController',
    good: () => [{}],
    params: [{ name: 'intc', kind: 'extra', extra: [['{}', {}, TYPE], ['null', null, TYPE], ['5', 5, TYPE]] }],
    call: (c, [i]) => { c.m.sim.attachInterruptController(i as never); },
  },
  {
    name: 'machine.run',
    good: () => [{}],
    params: [
      {
        name: 'options',
        kind: 'extra',
        extra: [
          ['null', null, TYPE],
          ['5', 5, TYPE],
          ['{ until: NaN }', { until: Number.NaN }, { throws: RangeError, names: 'until' }],
          ['{ until: -1 }', { until: -1 }, { throws: RangeError, names: 'until' }],
          ['{ until: 1.5 }', { until: 1.5 }, { throws: RangeError, names: 'until' }],
          ['{ until: "10" }', { until: '10' }, { throws: RangeError, names: 'until' }],
          ['{ maxEvents: -1 }', { maxEvents: -1 }, { throws: RangeError, names: 'maxEvents' }],
          ['{ maxEvents: 0.5 }', { maxEvents: 0.5 }, { throws: RangeError, names: 'maxEvents' }],
        ],
      },
    ],
    call: (c, [o]) => c.m.run(o as never),
  },
  {
    name: 'machine.faults.setPlan',
    good: () => [null],
    params: [
      {
        name: 'plan',
        kind: 'extra',
        extra: [
          ['5', 5, TYPE],
          ['"plan"', 'plan', TYPE],
          ['{ chip: 5 }', { chip: 5 }, TYPE],
          ['{ delivery: "drop" }', { delivery: 'drop' }, TYPE],
        ],
      },
    ],
    call: (c, [p]) => { c.m.faults.setPlan(p as never); },
  },
  {
    name: 'SoftIntc.raise',
    good: () => [1, 1],
    params: [cpu(), uint('virq')],
    call: (c, [cpu, v]) => c.m.get(SoftIntc).raise(cpu as never, v as never),
  },
  { name: 'machine.tracer.attach', good: () => [noop], params: [fn('sink')], call: (c, [s]) => c.m.tracer.attach(s as never) },
];

function run(entries: readonly Entry<Ctx>[]): void {
  for (const entry of entries) {
    describe(entry.name, () => {
      it.each(badCases(entry).map((c) => [c.label, c] as const))('should reject %s with its documented result and change nothing', (_label, c) => {
        expectCase(makeCtx, c);
      });
    });
  }
}

describe('bad input: cross calls', () => {
  run(smpEntries);
});

describe('bad input: the scheduler', () => {
  run(schedEntries);
});

describe('bad input: the TLB', () => {
  run(tlbEntries);
  it("machine.tlb.switchMm(another machine's mm) should throw a TypeError and change nothing", () => {
    expectCase(makeCtx, {
      entry: tlbEntries[0],
      label: "mm = another machine's mm",
      index: 0,
      value: (c) => c.otherMm,
      outcome: { throws: TypeError, names: 'mm' },
    });
  });
});

describe('bad input: CPUs, hot-plug, time, faults and the soft controller', () => {
  run(simEntries);
});

describe('bad input: time never goes back', () => {
  it('should refuse machine.run({ until }) before now, and the engine should not rewind its clock', () => {
    const { m } = makeCtx();
    m.sim.spawn(0, function* () {
      yield m.sim.delay(500);
    });
    m.run();
    const now = m.now;
    expect(now).toBeGreaterThan(0);
    expect(() => m.run({ until: now - 1 })).toThrow(RangeError);
    expect(m.now).toBe(now);
    m.sim.spawn(0, function* () {
      yield m.sim.delay(500);
    });
    expect(m.engine.run(now - 100).now).toBe(now);
    expect(m.now).toBe(now);
  });
});
