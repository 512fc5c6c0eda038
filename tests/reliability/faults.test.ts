/**
 * Faults: a chip IPI callback, an irq handler, a cross-call function or task code that throws,
 * and deliveries dropped or delayed by fault injection. Each is recorded (CPU, irq, call site,
 * stack); the machine stays consistent (interrupt depth and flags, csd locks, queues, counters)
 * and stops or continues according to `faultPolicy` (docs/reliability.md).
 */
import { describe, expect, it } from '@jest/globals';
import { TestArch } from '../../arch/test/index.js';
import {
  CallSingleData,
  Cpumask,
  createMachine,
  InjectedFault,
  type IrqChip,
  IrqReturn,
  type Machine,
  type MachineOptions,
  SoftIntc,
} from '../../lib/index.js';
import { snapshotMachine } from '../helpers/snapshot.js';

function machine(options: Partial<MachineOptions> = {}): { m: Machine; arch: TestArch; intc: SoftIntc } {
  const m = createMachine({ arch: 'test', nrCpus: 4, ...options });
  return { m, arch: m.get(TestArch), intc: m.get(SoftIntc) };
}

/** A single IPI on every CPU with a handler; returns its virq. */
function ipiWithHandler(m: Machine, handler: (irq: number) => IrqReturn): number {
  const arch = m.get(TestArch);
  const virq = m.ipi.irqReserveIpi(arch.ipiDomain, Cpumask.full(m.nrCpuIds));
  m.irq.irqSetChipAndHandlerName(virq, arch.chip, m.irq.flow.handlePercpuIrq, 'percpu');
  expect(m.irq.requestIrq(virq, handler, 0, 'victim', null)).toBe(0);
  return virq;
}

/** sent = delivered + coalesced + pending + dropped + in flight, on every CPU. */
function expectCountersAddUp(m: Machine, intc: SoftIntc): void {
  for (let c = 0; c < m.nrCpuIds; c++) {
    expect(intc.sent[c]).toBe(intc.delivered[c] + intc.coalesced[c] + intc.pendingCount(c) + intc.dropped[c] + intc.inFlight[c]);
  }
}

/** Every CPU out of hard-irq context with interrupts on, nothing queued. */
function expectQuiet(m: Machine): void {
  for (let c = 0; c < m.nrCpuIds; c++) {
    const cpu = m.sim.cpu(c);
    expect({ cpu: c, hardirq: cpu.hardirq, irqsEnabled: cpu.irqsEnabled, queued: m.smp.queueLength(c) }).toEqual({
      cpu: c,
      hardirq: 0,
      irqsEnabled: true,
      queued: 0,
    });
  }
}

describe('an irq handler that throws', () => {
  describe("with faultPolicy 'stop' (the default)", () => {
    it('should record an oops, finish the interrupt and rethrow from run(); the machine runs on afterwards', () => {
      const { m, intc } = machine();
      let calls = 0;
      const virq = ipiWithHandler(m, () => {
        calls++;
        if (calls === 1) throw new Error('handler bug');
        return IrqReturn.IRQ_HANDLED;
      });
      expect(m.ipi.ipiSendSingle(virq, 2)).toBe(0);
      expect(() => m.run()).toThrow('handler bug');
      expect(m.oopses).toHaveLength(1);
      const oops = m.oopses[0];
      expect(oops).toMatchObject({ kind: 'oops', site: 'handler', cpu: 2, irq: virq, callsite: 'irq handler "victim"', injected: false });
      expect(oops.message).toBe('Error: handler bug');
      expect(oops.stack).toContain('handler bug');
      expect(m.warnings.at(-1)?.message).toBe(`Oops: Error: handler bug [CPU2 irq ${virq}] in irq handler "victim"`);
      // Resume: the interrupt exits, the CPU is out of hard-irq context with interrupts on.
      m.run();
      expectQuiet(m);
      expect(m.irq.irqToDesc(virq)?.irqsUnhandled).toBe(1);
      // And it still works.
      expect(m.ipi.ipiSendSingle(virq, 2)).toBe(0);
      m.run();
      expect(calls).toBe(2);
      expectCountersAddUp(m, intc);
    });
  });

  describe("with faultPolicy 'continue'", () => {
    it('should record the oops and go on: the flow handler still EOIs, other CPUs still handle theirs', () => {
      const { m, arch } = machine({ faultPolicy: 'continue' });
      const eois: number[] = [];
      const chip: IrqChip = {
        name: 'eoi-chip',
        ipiSendMask: (d, dest) => {
          dest.forEach((c) => m.get(SoftIntc).raise(c, d.irq));
        },
        irqEoi: () => eois.push(m.sim.smpProcessorId()),
      };
      const virq = m.ipi.irqReserveIpi(arch.ipiDomain, Cpumask.full(4));
      m.irq.irqSetChipAndHandlerName(virq, chip, m.irq.flow.handlePercpuIrq, 'percpu');
      const ran: number[] = [];
      m.irq.requestIrq(
        virq,
        () => {
          const cpu = m.sim.smpProcessorId();
          if (cpu === 1) throw new TypeError('bad pointer');
          ran.push(cpu);
          return IrqReturn.IRQ_HANDLED;
        },
        0,
        'victim',
        null,
      );
      expect(m.ipi.ipiSendMask(virq, Cpumask.full(4))).toBe(0);
      expect(m.run().reason).toBe('idle');
      expect(ran.sort()).toEqual([0, 2, 3]);
      expect(eois.sort()).toEqual([0, 1, 2, 3]);
      expect(m.oopses.map((o) => [o.site, o.cpu, o.message])).toEqual([['handler', 1, 'TypeError: bad pointer']]);
      expectQuiet(m);
    });
  });
});

describe('a cross-call function that throws', () => {
  it('should be an oops; its csd is unlocked, the waiter released and the rest of the queue runs', () => {
    const { m } = machine({ faultPolicy: 'continue' });
    const ran: string[] = [];
    const task = m.sim.spawn(0, function* () {
      m.smp.smpCallFunctionSingleAsync(2, new CallSingleData(() => ran.push('async before'), null));
      const rc = yield* m.smp.smpCallFunctionSingle(
        2,
        function broken() {
          throw new Error('cross-call bug');
        },
        null,
        true,
      );
      m.smp.smpCallFunctionSingleAsync(2, new CallSingleData(() => ran.push('async after'), null));
      yield m.sim.delay(10_000);
      return rc;
    });
    expect(m.run().reason).toBe('idle');
    expect(task.done).toBe(true);
    expect(task.result).toBe(0);
    expect(ran).toEqual(['async before', 'async after']);
    expect(m.oopses).toHaveLength(1);
    expect(m.oopses[0]).toMatchObject({ site: 'csd', cpu: 2, callsite: 'csd function broken' });
    expect(m.warnings.some((w) => w.site === 'csd_unlock')).toBe(false);
    expectQuiet(m);
  });

  it('should leave the caller with interrupts restored when the function runs locally', () => {
    const { m } = machine({ faultPolicy: 'continue' });
    const task = m.sim.spawn(1, function* () {
      yield* m.smp.onEachCpu(
        () => {
          throw new Error('everywhere');
        },
        null,
        true,
      );
      return m.sim.irqsDisabled();
    });
    m.run();
    expect(task.result).toBe(false);
    expect(m.oopses.map((o) => o.cpu).sort()).toEqual([0, 1, 2, 3]);
    expectQuiet(m);
  });
});

describe('task code that throws', () => {
  it("should kill the task (with interrupts re-enabled), rethrow under 'stop', and let the CPU go on", () => {
    const { m } = machine();
    const bad = m.sim.spawn(1, function* () {
      m.sim.localIrqDisable();
      yield m.sim.delay(10);
      throw new RangeError('task bug');
    });
    const next = m.sim.spawn(1, function* () {
      yield m.sim.delay(5);
      return 'ran';
    });
    expect(() => m.run()).toThrow('task bug');
    expect(bad.done).toBe(true);
    expect(m.oopses[0]).toMatchObject({ site: 'task', cpu: 1 });
    expect(m.oopses[0].callsite).toMatch(/^task /);
    expect(m.warnings.some((w) => w.site === 'finish_task')).toBe(true);
    expect(m.sim.cpu(1).irqsEnabled).toBe(true);
    m.run();
    expect(next.result).toBe('ran');
    expectQuiet(m);
  });
});

describe('fault injection', () => {
  describe('a chip IPI callback that throws', () => {
    it('should lose that IPI (chip callbacks cannot fail), record an injected oops, and send the rest', () => {
      const { m, arch, intc } = machine({ faultPolicy: 'continue' });
      const virq = ipiWithHandler(m, () => IrqReturn.IRQ_HANDLED);
      m.faults.setPlan({ chip: (ctx) => ctx.irq === virq });
      const before = arch.chip.calls.length;
      expect(m.ipi.ipiSendSingle(virq, 3)).toBe(0);
      expect(arch.chip.calls.length).toBe(before);
      expect(m.oopses).toHaveLength(1);
      const oops = m.oopses[0];
      expect(oops).toMatchObject({ site: 'chip', irq: virq, cpu: -1, injected: true });
      expect(oops.callsite).toBe('__ipi_send_single: test-ipi.ipiSendSingle(CPU3)');
      expect(oops.error).toBeInstanceOf(InjectedFault);
      expect(intc.sent[3]).toBe(0);
      m.faults.setPlan(null);
      expect(m.ipi.ipiSendSingle(virq, 3)).toBe(0);
      m.run();
      expect(intc.delivered[3]).toBe(1);
      expectCountersAddUp(m, intc);
    });

    it("should rethrow a host-side send's oops at once under 'stop'", () => {
      const { m } = machine();
      const virq = ipiWithHandler(m, () => IrqReturn.IRQ_HANDLED);
      m.faults.setPlan({ chip: () => true });
      expect(() => m.ipi.ipiSendSingle(virq, 1)).toThrow(InjectedFault);
      expect(m.oopses).toHaveLength(1);
    });
  });

  describe('a handler that throws', () => {
    it('should leave the call-function IPI unhandled: the queued call is not lost, it is reported and runs at the next flush', () => {
      const { m } = machine({ faultPolicy: 'continue' });
      let injected = 0;
      m.faults.setPlan({ handler: (ctx) => ctx.callsite === 'irq handler "IPI call"' && injected++ === 0 });
      let ran = 0;
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionSingle(2, () => ran++, null, true);
      });
      const r = m.run();
      // The waiter spins on a csd nobody will run: reported, not hung.
      expect(r.reason).toBe('stalled');
      expect(r.stall?.message).toContain('queued to CPU2');
      expect(m.smp.queueLength(2)).toBe(1);
      expect(ran).toBe(0);
      // CPU 2 leaves idle for a task and flushes its queue: the call runs, the waiter goes on.
      m.sim.spawn(2, function* () {
        yield m.sim.delay(0);
      });
      expect(m.run().reason).toBe('idle');
      expect(ran).toBe(1);
      expect(m.oopses[0]).toMatchObject({ site: 'handler', cpu: 2, injected: true });
      expectQuiet(m);
    });
  });

  describe('a dropped delivery', () => {
    it('should be recorded and counted: sent = delivered + coalesced + pending + dropped + in flight', () => {
      const { m, intc } = machine();
      let handled = 0;
      const virq = ipiWithHandler(m, () => {
        handled++;
        return IrqReturn.IRQ_HANDLED;
      });
      m.faults.setPlan({ delivery: (ctx) => (ctx.cpu === 1 ? { kind: 'drop' } : null) });
      expect(m.ipi.ipiSendMask(virq, Cpumask.of(4, [1, 2]))).toBe(0);
      m.run();
      expect(handled).toBe(1);
      expect(intc.dropped[1]).toBe(1);
      expect(m.faults.records).toEqual([
        expect.objectContaining({ kind: 'dropped', site: 'delivery', cpu: 1, irq: virq, injected: true, callsite: 'soft-intc delivery' }),
      ]);
      expect(m.oopses).toEqual([]);
      expectCountersAddUp(m, intc);
    });
  });

  describe('a delayed delivery', () => {
    it('should arrive exactly N ns later, counted in flight meanwhile', () => {
      const timeOf = (delayNs: number): number => {
        const { m, intc } = machine();
        let at = -1;
        const virq = ipiWithHandler(m, () => {
          at = m.sim.localNow();
          return IrqReturn.IRQ_HANDLED;
        });
        if (delayNs > 0) m.faults.setPlan({ delivery: () => ({ kind: 'delay', ns: delayNs }) });
        m.ipi.ipiSendSingle(virq, 3);
        if (delayNs > 0) {
          expect(intc.inFlight[3]).toBe(1);
          expectCountersAddUp(m, intc);
        }
        m.run();
        expect(intc.inFlight[3]).toBe(0);
        expectCountersAddUp(m, intc);
        if (delayNs > 0) expect(m.faults.records[0]).toMatchObject({ kind: 'delayed', delayNs, cpu: 3, irq: virq });
        return at;
      };
      expect(timeOf(5000) - timeOf(0)).toBe(5000);
    });

    it('should reject a plan that answers with something else', () => {
      const { m } = machine();
      const virq = ipiWithHandler(m, () => IrqReturn.IRQ_HANDLED);
      m.faults.setPlan({ delivery: () => ({ kind: 'delay', ns: -5 }) });
      expect(() => m.ipi.ipiSendSingle(virq, 3)).toThrow(TypeError);
    });
  });

  describe('under random traffic', () => {
    it('should keep every CPU consistent and every queued call accounted for', () => {
      const { m, intc } = machine({ faultPolicy: 'continue', csdLockTimeoutMs: 1 });
      let n = 0;
      m.faults.setPlan({
        chip: () => ++n % 7 === 0,
        handler: () => n % 11 === 0,
        delivery: () => (n % 5 === 0 ? { kind: 'drop' } : n % 3 === 0 ? { kind: 'delay', ns: 700 } : null),
      });
      const runs = new Map<number, number>();
      for (let cpu = 0; cpu < 4; cpu++) {
        m.sim.spawn(cpu, function* () {
          for (let i = 0; i < 20; i++) {
            const id = cpu * 100 + i;
            m.smp.smpCallFunctionSingleAsync((cpu + 1 + (i % 3)) % 4, new CallSingleData(() => runs.set(id, (runs.get(id) ?? 0) + 1), id));
            yield m.sim.delay(300);
          }
        });
      }
      m.run({ maxEvents: 1_000_000 });
      // Nothing ran twice; whatever did not run is still queued (its IPI was lost), never dropped.
      for (const v of runs.values()) expect(v).toBe(1);
      let queued = 0;
      for (let c = 0; c < 4; c++) queued += m.smp.queueLength(c);
      expect(runs.size + queued).toBe(80);
      for (let c = 0; c < 4; c++) expect(m.sim.cpu(c).hardirq).toBe(0);
      expectCountersAddUp(m, intc);
      expect(m.oopses.every((o) => o.injected)).toBe(true);
      expect(m.faults.records.length).toBeGreaterThan(0);
      // A snapshot is still well-formed.
      expect(() => snapshotMachine(m)).not.toThrow();
    });
  });
});
