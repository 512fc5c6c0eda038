/**
 * The cross-call and reschedule workloads of x86 on both MIPS platforms, through the unchanged
 * kernel/smp.c layer: `smpCallFunctionMany`, `onEachCpu`, `smpCallFunctionSingle(wait)`,
 * `smpSendReschedule`, TLB shootdowns, offline CPUs and every CPU calling every other at once.
 */
import { describe, expect, it } from '@jest/globals';
import { Cpumask, type Machine, createMachine } from '../../../lib/index.js';
import { settle } from './helpers.js';

const NR = 6;

describe.each(['mips-mailbox', 'mips-gic'] as const)('the %s architecture', (arch) => {
  function boot(options: { onlineCpus?: number[] } = {}): Machine {
    return createMachine({ arch, nrCpus: NR, ...options });
  }

  describe('smpCallFunctionMany', () => {
    describe('having a mask with the caller and other CPUs', () => {
      it('should run the function once on each other online CPU of the mask, never on the caller', () => {
        const m = boot();
        const counts = new Array<number>(NR).fill(0);
        m.sim.spawn(1, function* () {
          yield* m.smp.smpCallFunctionMany(
            Cpumask.of(NR, [0, 1, 2, 4]),
            () => {
              counts[m.sim.smpProcessorId()]++;
            },
            null,
            true,
          );
        });
        settle(m);
        expect(counts).toEqual([1, 0, 1, 0, 1, 0]);
      });
    });

    describe('having offline CPUs in the mask', () => {
      it('should skip them', () => {
        const m = boot({ onlineCpus: [0, 1, 2, 3] });
        const counts = new Array<number>(NR).fill(0);
        m.sim.spawn(0, function* () {
          yield* m.smp.smpCallFunctionMany(
            Cpumask.full(NR),
            () => {
              counts[m.sim.smpProcessorId()]++;
            },
            null,
            true,
          );
        });
        settle(m);
        expect(counts).toEqual([0, 1, 1, 1, 0, 0]);
      });
    });
  });

  describe('onEachCpu', () => {
    describe('having wait = true', () => {
      it('should run on every online CPU, the caller included, and return after all ran', () => {
        const m = boot();
        const counts = new Array<number>(NR).fill(0);
        let doneAt = -1;
        let lastRun = -1;
        m.sim.spawn(3, function* () {
          yield* m.smp.onEachCpu(
            () => {
              counts[m.sim.smpProcessorId()]++;
              lastRun = Math.max(lastRun, m.sim.localNow());
            },
            null,
            true,
          );
          doneAt = m.sim.localNow();
        });
        settle(m);
        expect(counts).toEqual(new Array<number>(NR).fill(1));
        expect(doneAt).toBeGreaterThanOrEqual(lastRun);
      });
    });
  });

  describe('smpCallFunctionSingle', () => {
    describe('having wait = true', () => {
      it('should return 0 after the function ran on the target', () => {
        const m = boot();
        const log: string[] = [];
        m.sim.spawn(0, function* () {
          for (const t of [5, 2, 0]) {
            const rc = yield* m.smp.smpCallFunctionSingle(
              t,
              () => log.push(`ran@${m.sim.smpProcessorId()}`),
              null,
              true,
            );
            log.push(`rc=${rc}`);
          }
        });
        settle(m);
        expect(log).toEqual(['ran@5', 'rc=0', 'ran@2', 'rc=0', 'ran@0', 'rc=0']);
      });
    });
  });

  describe('smpSendReschedule', () => {
    describe('having targets sent from task code', () => {
      it('should give exactly those CPUs one scheduler_ipi() each', () => {
        const m = boot();
        m.sim.spawn(2, function* () {
          m.sched.smpSendReschedule(4);
          yield m.sim.delay(10_000);
          m.sched.smpSendReschedule(0);
        });
        settle(m);
        expect(Array.from(m.sched.schedulerIpis)).toEqual([1, 0, 0, 0, 1, 0]);
      });
    });
  });

  describe('flushTlbMmRange', () => {
    describe('having an address space loaded on several CPUs', () => {
      it('should shoot down the other CPUs through call-function IPIs', () => {
        const m = boot();
        const mm = m.tlb.mmAlloc();
        for (const c of [2, 5]) {
          m.sim.spawn(c, function* () {
            m.tlb.switchMm(mm);
            m.tlb.touch(7);
            yield m.sim.delay(0);
          });
        }
        m.sim.spawn(0, function* () {
          m.tlb.switchMm(mm);
          yield m.sim.delay(1_000);
          yield* m.tlb.flushTlbMmRange(mm, 7, 8, false);
        });
        settle(m);
        expect(Array.from(m.tlb.remoteFlushes)).toEqual([0, 0, 1, 0, 0, 1]);
        expect([2, 5].map((c) => m.tlb.cached(c, mm, 7))).toEqual([false, false]);
      });
    });
  });

  describe('every CPU calling every other at once', () => {
    it('should complete every call without a stall', () => {
      const m = boot();
      const counts = new Array<number>(NR * NR).fill(0);
      for (let s = 0; s < NR; s++) {
        m.sim.spawn(s, function* () {
          yield* m.smp.onEachCpu(
            () => {
              counts[s * NR + m.sim.smpProcessorId()]++;
            },
            null,
            true,
          );
          for (let t = 0; t < NR; t++) {
            yield* m.smp.smpCallFunctionSingle(
              t,
              () => {
                counts[s * NR + t] += 10;
              },
              null,
              false,
            );
          }
        });
      }
      settle(m);
      expect(counts).toEqual(new Array<number>(NR * NR).fill(11));
    });
  });
});
