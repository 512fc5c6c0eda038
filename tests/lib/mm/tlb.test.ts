import { describe, expect, it } from '@jest/globals';
import { simMachine } from '../../helpers/sim.js';

describe('Tlb.flushTlbMmRange', () => {
  describe('having an mm used by several CPUs, one of them lazy', () => {
    it('should flush the initiator and the non-lazy CPUs, skip the lazy one, and wait', () => {
      const { m } = simMachine(4);
      const mm = m.tlb.mmAlloc();
      for (const cpu of [0, 1, 2, 3]) {
        m.sim.spawn(cpu, function* () {
          m.tlb.switchMm(mm);
          m.tlb.touch(7);
          m.tlb.touch(8);
          if (cpu === 3) m.tlb.enterLazyTlb();
          yield m.sim.delay(0);
        });
      }
      m.run();
      const task = m.sim.spawn(0, function* () {
        yield* m.tlb.flushTlbMmRange(mm, 7, 8);
        return [0, 1, 2, 3].map((c) => m.tlb.cached(c, mm, 7));
      });
      m.run();
      // All non-lazy CPUs dropped page 7 before the initiator returned; the lazy CPU was skipped.
      expect(task.result).toEqual([false, false, false, true]);
      expect([0, 1, 2, 3].map((c) => m.tlb.cached(c, mm, 8))).toEqual([true, true, true, true]);
      expect(Array.from(m.tlb.remoteFlushes)).toEqual([0, 1, 1, 0]);
    });
  });

  describe('having freed page tables', () => {
    it('should also flush lazy CPUs, which then leave the mm', () => {
      const { m } = simMachine(2);
      const mm = m.tlb.mmAlloc();
      for (const cpu of [0, 1]) {
        m.sim.spawn(cpu, function* () {
          m.tlb.switchMm(mm);
          m.tlb.touch(1);
          if (cpu === 1) m.tlb.enterLazyTlb();
          yield m.sim.delay(0);
        });
      }
      m.run();
      m.sim.spawn(0, function* () {
        yield* m.tlb.flushTlbMmRange(mm, 0, 4, true);
      });
      m.run();
      expect(m.tlb.cached(1, mm, 1)).toBe(false);
      expect(mm.cpumask.testCpu(1)).toBe(false);
      expect(m.tlb.isLazy(1)).toBe(false);
    });
  });

  describe('having only the initiator in the mm', () => {
    it('should flush locally without any IPI', () => {
      const { m, arch } = simMachine(2);
      const mm = m.tlb.mmAlloc();
      const task = m.sim.spawn(0, function* () {
        m.tlb.switchMm(mm);
        m.tlb.touch(3);
        yield* m.tlb.flushTlbMmRange(mm, 0, 100);
        return m.tlb.cached(0, mm, 3);
      });
      m.run();
      expect(task.result).toBe(false);
      expect(arch.chip.calls).toEqual([]);
    });
  });

  describe('having bad arguments', () => {
    it('should throw and flush nothing', () => {
      const { m } = simMachine(2);
      const mm = m.tlb.mmAlloc();
      const errors: string[] = [];
      m.sim.spawn(0, function* () {
        try {
          yield* m.tlb.flushTlbMmRange(mm, 5, 2);
        } catch (e) {
          errors.push((e as Error).name);
        }
        try {
          yield* m.tlb.flushTlbMmRange({} as never, 0, 1);
        } catch (e) {
          errors.push((e as Error).name);
        }
      });
      m.run();
      expect(errors).toEqual(['RangeError', 'TypeError']);
    });
  });
});
