/**
 * The same cross-call and reschedule workloads on every built-in architecture, end to end from
 * task code: `smpCallFunctionMany`, `onEachCpu`, `smpCallFunctionSingle(wait)` and
 * `smpSendReschedule`, with per-CPU counts.
 */
import { describe, expect, it } from '@jest/globals';
import { Cpumask, type Machine, builtinArchNames, createMachine } from '../../lib/index.js';

const NR = 6;

function boot(arch: string): Machine {
  return createMachine({ arch, nrCpus: NR });
}

function settle(m: Machine): void {
  const r = m.run({ maxEvents: 1_000_000 });
  expect(r.stall?.message ?? r.reason).toBe('idle');
}

describe.each(builtinArchNames().filter((a) => ['test', 'arm64', 'riscv', 'x86'].includes(a)))(
  'the %s architecture',
  (arch) => {
    it('should run onEachCpu(wait) from task code on every online CPU, the caller included', () => {
      const m = boot(arch);
      const counts = new Array<number>(NR).fill(0);
      m.sim.spawn(3, function* () {
        yield* m.smp.onEachCpu(
          () => {
            counts[m.sim.smpProcessorId()]++;
          },
          null,
          true,
        );
      });
      settle(m);
      expect(counts).toEqual([1, 1, 1, 1, 1, 1]);
    });

    it('should run smpCallFunctionMany on the other CPUs of the mask only', () => {
      const m = boot(arch);
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

    it('should return from smpCallFunctionSingle(wait) after the function ran on the target', () => {
      const m = boot(arch);
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

    it('should deliver smpSendReschedule from task code to exactly its target', () => {
      const m = boot(arch);
      m.sim.spawn(2, function* () {
        m.sched.smpSendReschedule(4);
        yield m.sim.delay(10_000);
        m.sched.smpSendReschedule(0);
      });
      settle(m);
      expect(Array.from(m.sched.schedulerIpis)).toEqual([1, 0, 0, 0, 1, 0]);
    });

    it('should survive every CPU calling every other CPU at once', () => {
      const m = boot(arch);
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
          for (let t = 0; t < NR; t++)
            yield* m.smp.smpCallFunctionSingle(
              t,
              () => {
                counts[s * NR + t] += 10;
              },
              null,
              false,
            );
        });
      }
      settle(m);
      expect(counts).toEqual(new Array<number>(NR * NR).fill(11));
    });
  },
);

it('should cover arm64 and riscv', () => {
  expect(builtinArchNames()).toEqual(expect.arrayContaining(['arm64', 'riscv']));
});
