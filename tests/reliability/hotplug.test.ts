/**
 * CPU hot-plug under traffic, with Linux semantics (spec §7.8): a dying CPU flushes its call
 * queue; sends to offline CPUs fail as Linux fails; interrupts pending on an offlined CPU are
 * accounted for and taken when it is back; a CPU is never taken down in the middle of a
 * cross-call section or an interrupt (stop_machine()).
 */
import { describe, expect, it } from '@jest/globals';
import { TestArch } from '../../arch/test/index.js';
import {
  builtinArchNames,
  CallSingleData,
  Cpumask,
  createMachine,
  Errno,
  IrqReturn,
  type Machine,
  SoftIntc,
} from '../../lib/index.js';

function testMachine(nrCpus = 4): Machine {
  return createMachine({ arch: 'test', nrCpus });
}

describe('a dying CPU', () => {
  it('should run every call queued on it exactly once, without the offline warning', () => {
    const m = testMachine();
    const runs: number[] = [];
    m.sim.spawn(0, function* () {
      // Interrupts off on the target: the calls queue up and the IPI stays pending.
      for (let i = 0; i < 5; i++) m.smp.smpCallFunctionSingleAsync(2, new CallSingleData(() => runs.push(i), i));
      yield m.sim.delay(0);
    });
    m.run({ until: 0 });
    expect(m.smp.queueLength(2)).toBe(5);
    m.sim.cpuDown(2, 0);
    m.run();
    expect(runs).toEqual([0, 1, 2, 3, 4]);
    expect(m.smp.queueLength(2)).toBe(0);
    expect(m.warnings.some((w) => w.message.includes('IPI on offline CPU'))).toBe(false);
    expect(m.sim.cpu(2).alive).toBe(false);
  });

  it('should finish an interrupt it has taken before it dies, and come back out of hard-irq context', () => {
    const m = testMachine();
    let ran = 0;
    m.sim.spawn(0, function* () {
      m.smp.smpCallFunctionSingleAsync(2, new CallSingleData(() => ran++, null));
      yield m.sim.delay(0);
    });
    m.run({ until: 100 });
    expect(m.sim.cpu(2).hardirq).toBe(1);
    m.sim.cpuDown(2, 0);
    m.run();
    expect(ran).toBe(1);
    expect(m.sim.droppedOnDeath).toBe(0);
    const cpu = m.sim.cpu(2);
    expect([cpu.alive, cpu.hardirq]).toEqual([false, 0]);
    m.sim.cpuUp(2);
    expect([cpu.hardirq, cpu.irqsEnabled]).toEqual([0, true]);
    const t = m.sim.spawn(2, function* () {
      yield m.sim.delay(10);
      return 'back';
    });
    m.run();
    expect(t.result).toBe('back');
  });

  it('should wait for a cross call that was already spinning on it (stop_machine), so the call still runs once', () => {
    const m = testMachine();
    const runs: string[] = [];
    m.sim.spawn(1, function* () {
      yield* m.smp.onEachCpu(() => runs.push(`a${m.sim.smpProcessorId()}`), null, false);
      // The (1 -> 0) csd is still locked: this call spins in csd_lock for it.
      yield* m.smp.onEachCpu(() => runs.push(`b${m.sim.smpProcessorId()}`), null, false);
    });
    m.run({ until: 115 });
    m.sim.cpuDown(0, 0);
    m.run();
    expect(runs.filter((r) => r === 'a0')).toHaveLength(1);
    expect(runs.filter((r) => r === 'b0')).toHaveLength(1);
    expect(m.sim.cpu(0).alive).toBe(false);
    expect(m.smp.queueLength(0)).toBe(0);
  });
});

describe('sending to an offline CPU', () => {
  it('should fail as Linux fails: -ENXIO for single calls, skipped by many/each-CPU calls', () => {
    const m = testMachine();
    m.sim.cpuDown(3, 0);
    m.run();
    const seen: number[] = [];
    const task = m.sim.spawn(0, function* () {
      const rc = yield* m.smp.smpCallFunctionSingle(3, () => seen.push(3), null, true);
      yield* m.smp.onEachCpu(() => seen.push(m.sim.smpProcessorId()), null, true);
      yield* m.smp.smpCallFunctionMany(Cpumask.full(4), () => seen.push(10 + m.sim.smpProcessorId()), null, true);
      return rc;
    });
    m.run();
    expect(task.result).toBe(-Errno.ENXIO);
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 11, 12]);
    expect(() => m.sim.spawn(3, function* () {})).toThrow(/offline/);
    m.sim.spawn(0, function* () {
      expect(() => {
        m.sched.wakeUpTask(3, function* () {});
      }).toThrow(RangeError);
      yield m.sim.delay(0);
    });
    m.run();
  });

  it('should keep a reserved IPI sent to an offline CPU pending (Linux does not check), and deliver it once the CPU is back', () => {
    const m = testMachine();
    const arch = m.get(TestArch);
    const intc = m.get(SoftIntc);
    const virq = m.ipi.irqReserveIpi(arch.ipiDomain, Cpumask.full(4));
    m.irq.irqSetChipAndHandlerName(virq, arch.chip, m.irq.flow.handlePercpuIrq, 'percpu');
    const handled: number[] = [];
    m.irq.requestIrq(
      virq,
      () => {
        handled.push(m.sim.smpProcessorId());
        return IrqReturn.IRQ_HANDLED;
      },
      0,
      'pending-test',
      null,
    );
    m.sim.cpuDown(1, 0);
    m.run();
    expect(m.ipi.ipiSendSingle(virq, 1)).toBe(0);
    m.run();
    expect(handled).toEqual([]);
    expect(intc.pendingCount(1)).toBe(1);
    m.sim.cpuUp(1);
    m.run();
    expect(handled).toEqual([1]);
    expect(intc.sent[1]).toBe(intc.delivered[1]);
  });
});

describe('interrupts pending when a CPU goes offline', () => {
  it('should be warned and counted pending at the dying step, and taken when the CPU is back', () => {
    const m = testMachine();
    const arch = m.get(TestArch);
    const intc = m.get(SoftIntc);
    const mk = (name: string, handler: () => void): number => {
      const virq = m.ipi.irqReserveIpi(arch.ipiDomain, Cpumask.full(4));
      m.irq.irqSetChipAndHandlerName(virq, arch.chip, m.irq.flow.handlePercpuIrq, 'percpu');
      m.irq.requestIrq(
        virq,
        () => {
          handler();
          return IrqReturn.IRQ_HANDLED;
        },
        0,
        name,
        null,
      );
      return virq;
    };
    let lateRuns = 0;
    const late = mk('late', () => lateRuns++);
    // CPU 1's handler raises another IPI on itself and unplugs itself (as x86's stop_this_cpu()
    // does): the dying step waits for the handler's exit and the new IPI is still pending then.
    const first = mk('first', () => {
      m.ipi.ipiSendSingle(late, 1);
      m.sim.cpuDown(1, 0);
    });
    m.ipi.ipiSendSingle(first, 1);
    m.run();
    expect(m.sim.cpu(1).alive).toBe(false);
    expect(m.sim.cpu(1).hardirq).toBe(0);
    expect(lateRuns).toBe(0);
    expect(intc.pendingCount(1)).toBe(1);
    expect(m.warnings.map((w) => w.message)).toContain('smpboot: CPU1 went offline with 1 pending interrupt(s); they stay pending until it is back');
    expect(intc.sent[1]).toBe(intc.delivered[1] + intc.coalesced[1] + intc.pendingCount(1));
    m.sim.cpuUp(1);
    m.run();
    expect(lateRuns).toBe(1);
    expect(intc.pendingCount(1)).toBe(0);
    expect(intc.sent[1]).toBe(intc.delivered[1] + intc.coalesced[1]);
  });
});

describe('tasks and wake-ups around hot-plug', () => {
  it('should move a task spawned for later on a CPU that is offline by then', () => {
    const m = testMachine();
    const t = m.sim.spawn(2, function* () {
      yield m.sim.delay(1);
      return m.sim.smpProcessorId();
    }, { at: 5000 });
    m.sim.cpuDown(2, 10_000);
    m.run();
    expect(t.done).toBe(true);
    expect(t.result).not.toBe(2);
    expect(m.sim.cpu(2).alive).toBe(false);
  });

  it('should run a task woken on a CPU that goes down before it takes the wake-up IPI, on another CPU', () => {
    const m = testMachine();
    let ranOn = -1;
    m.sim.spawn(0, function* () {
      m.sched.wakeUpTask(2, function* woken() {
        ranOn = m.sim.smpProcessorId();
        yield m.sim.delay(0);
      });
      yield m.sim.delay(0);
    });
    m.run({ until: 0 });
    m.sim.cpuDown(2, 0);
    m.run();
    expect(ranOn).toBeGreaterThanOrEqual(0);
    expect(ranOn).not.toBe(2);
  });
});

describe.each(builtinArchNames())('hot-plug during traffic on %s', (arch) => {
  it('should run every cross call exactly once or return -ENXIO, with CPUs going down and up meanwhile', () => {
    const m = createMachine({ arch, nrCpus: 6 });
    const runs = new Map<string, number>();
    const results: { id: string; rc: number; target: number; onlineAtCall: boolean }[] = [];
    for (let cpu = 0; cpu < 2; cpu++) {
      m.sim.spawn(cpu, function* () {
        for (let i = 0; i < 30; i++) {
          const target = 2 + ((i + cpu) % 4);
          const id = `${cpu}:${i}`;
          const wait = i % 2 === 0;
          const before = m.cpuOnlineMask.testCpu(target);
          const rc = yield* m.smp.smpCallFunctionSingle(target, () => runs.set(id, (runs.get(id) ?? 0) + 1), id, wait);
          // A waiting call queues at once; an async one may first spin on this CPU's csd, and
          // queues right before it returns.
          const onlineAtCall = wait ? before : m.cpuOnlineMask.testCpu(target);
          results.push({ id, rc, target, onlineAtCall });
          yield m.sim.delay(500);
        }
      });
    }
    // Unplug and replug CPUs 2..5 while that runs.
    for (let step = 0; step < 12; step++) {
      m.run({ until: m.now + 1200 });
      const cpu = 2 + (step % 4);
      const c = m.sim.cpu(cpu);
      if (m.cpuOnlineMask.testCpu(cpu)) {
        if (c.task === null && c.runQueue.length === 0) m.sim.cpuDown(cpu, step % 3 === 0 ? 0 : 300);
      } else if (!c.alive) {
        m.sim.cpuUp(cpu);
      }
    }
    expect(m.run({ maxEvents: 5_000_000 }).reason).toBe('idle');
    expect(results).toHaveLength(60);
    for (const r of results) {
      expect({ id: r.id, rc: r.rc }).toEqual({ id: r.id, rc: r.onlineAtCall ? 0 : -Errno.ENXIO });
      expect({ id: r.id, runs: runs.get(r.id) ?? 0 }).toEqual({ id: r.id, runs: r.rc === 0 ? 1 : 0 });
    }
    for (let c = 0; c < 6; c++) {
      expect(m.smp.queueLength(c)).toBe(0);
      expect(m.sim.cpu(c).hardirq).toBe(0);
    }
    expect(m.oopses).toEqual([]);
  });
});
