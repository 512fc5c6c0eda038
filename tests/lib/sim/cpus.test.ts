import { describe, expect, it } from '@jest/globals';
import { CallSingleData } from '../../../lib/index.js';
import { simMachine } from '../../helpers/sim.js';

describe('SimCpus', () => {
  describe('having an interrupt arrive during a delay with interrupts enabled', () => {
    it('should run the handler in the middle and finish the delay afterwards', () => {
      const { m } = simMachine(2);
      let handledAt = -1;
      const task = m.sim.spawn(1, function* () {
        yield m.sim.delay(10_000);
        return m.sim.localNow();
      });
      m.sim.spawn(
        0,
        function* () {
          m.smp.smpCallFunctionSingleAsync(1, new CallSingleData(() => (handledAt = m.sim.localNow()), null));
          yield m.sim.delay(0);
        },
        { at: 1000 },
      );
      m.run();
      const t = m.timing;
      expect(handledAt).toBeGreaterThan(1000);
      expect(handledAt).toBeLessThan(10_000);
      // The delay is stretched by exactly the interrupt's cost.
      expect(task.result).toBe(10_000 + t.irqEntryNs + t.callFuncNs + t.irqExitNs);
    });
  });

  describe('having interrupts disabled during the delay', () => {
    it('should take the pending interrupt only after they are re-enabled', () => {
      const { m } = simMachine(2);
      let handledAt = -1;
      m.sim.spawn(1, function* () {
        m.sim.localIrqDisable();
        yield m.sim.delay(10_000);
        m.sim.localIrqEnable();
        yield m.sim.delay(0);
      });
      m.sim.spawn(
        0,
        function* () {
          m.smp.smpCallFunctionSingleAsync(1, new CallSingleData(() => (handledAt = m.sim.localNow()), null));
          yield m.sim.delay(0);
        },
        { at: 1000 },
      );
      m.run();
      expect(handledAt).toBeGreaterThanOrEqual(10_000);
    });
  });

  describe('having a task that returns with interrupts disabled', () => {
    it('should WARN and re-enable them', () => {
      const { m } = simMachine(1);
      m.sim.spawn(0, function* leaky() {
        m.sim.localIrqDisable();
        yield m.sim.delay(1);
      });
      m.run();
      expect(m.sim.cpu(0).irqsEnabled).toBe(true);
      expect(m.warnings.map((w) => w.message)).toContain(
        'WARNING: at finish_task: task leaky on CPU0 returned with interrupts disabled',
      );
    });
  });

  describe('spawn with bad arguments', () => {
    it('should throw naming the argument and queue nothing', () => {
      const { m } = simMachine(2, { onlineCpus: [0] });
      expect(() => m.sim.spawn(1, function* () {})).toThrow(/cpu 1 is offline/);
      expect(() => m.sim.spawn(2, function* () {})).toThrow(RangeError);
      expect(() => m.sim.spawn(0, 'x' as never)).toThrow(TypeError);
      expect(() => m.sim.spawn(0, function* () {}, { at: -5 })).toThrow(/at is -5/);
      expect(m.engine.pending).toBe(0);
    });
  });

  describe('hot-plug', () => {
    it('should refuse to unplug the last online CPU or a CPU running tasks', () => {
      const { m } = simMachine(2);
      m.sim.cpuDown(1);
      m.run();
      expect(() => { m.sim.cpuDown(0); }).toThrow(/last online CPU/);
      expect(() => { m.sim.cpuDown(1); }).toThrow(/already offline/);
      m.sim.cpuUp(1);
      expect(m.cpuOnlineMask.testCpu(1)).toBe(true);
      m.sim.spawn(1, function* () {
        yield m.sim.delay(10);
      });
      m.run({ until: m.now + 1 });
      expect(() => { m.sim.cpuDown(1); }).toThrow(/still has task code/);
    });
  });

  describe('smpProcessorId outside simulated code', () => {
    it('should throw a clear error', () => {
      const { m } = simMachine(1);
      expect(() => m.sim.smpProcessorId()).toThrow(/no CPU is running/);
    });
  });
});

describe('determinism', () => {
  function workload(seed: number): string {
    const { m, trace } = simMachine(8, { seed });
    for (let cpu = 0; cpu < 8; cpu++) {
      m.sim.spawn(cpu, function* () {
        for (let i = 0; i < 5; i++) {
          const target = m.get<{ int(a: number, b: number): number }>(Symbol.for('genipi/Rng')).int(0, 7);
          yield* m.smp.smpCallFunctionSingle(target, () => undefined, i, i % 2 === 0);
          yield m.sim.delay(100 * cpu + 1);
        }
      });
    }
    m.run();
    return JSON.stringify(trace);
  }

  describe('having two runs with one seed', () => {
    it('should produce identical event logs', () => {
      expect(workload(42)).toBe(workload(42));
    });
  });

  describe('having two seeds', () => {
    it('should produce different event logs', () => {
      expect(workload(1)).not.toBe(workload(2));
    });
  });
});
