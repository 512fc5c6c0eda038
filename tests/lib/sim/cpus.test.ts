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

describe('SimCpus interrupt exit', () => {
  /** An async cross call from CPU 0 to CPU 1 at `at`; records the function's local time. */
  function callAt(m: ReturnType<typeof simMachine>['m'], at: number, seen: number[], from = 0): void {
    m.sim.spawn(
      from,
      function* () {
        m.smp.smpCallFunctionSingleAsync(1, new CallSingleData(() => seen.push(m.sim.localNow()), null));
        yield m.sim.delay(0);
      },
      { at },
    );
  }

  describe('having an interrupt on a halted CPU as the last thing that happens', () => {
    it('should end the run when the interrupt exits and leave the CPU out of hard-irq context', () => {
      const { m } = simMachine(2);
      const seen: number[] = [];
      callAt(m, 1000, seen);
      const r = m.run();
      const t = m.timing;
      expect(r.reason).toBe('idle');
      // The function ran at handler entry; the body, then irq exit, follow.
      expect(r.now).toBe(seen[0] + t.callFuncNs + t.irqExitNs);
      expect(m.sim.cpu(1)).toMatchObject({ hardirq: 0, irqsEnabled: true, idle: true });
    });
  });

  describe('having a task queued on a CPU while its interrupt is still exiting', () => {
    it('should start the task when the interrupt exits, as with an exit event', () => {
      const probe = (spawnAt: number): { start: number; exit: number } => {
        const { m } = simMachine(2);
        const seen: number[] = [];
        callAt(m, 1000, seen);
        let start = -1;
        m.sim.spawn(1, function* probeTask() {
          start = m.sim.localNow();
          yield m.sim.delay(0);
        }, { at: spawnAt });
        m.run();
        return { start, exit: seen[0] + m.timing.callFuncNs + m.timing.irqExitNs };
      };
      const { exit } = probe(100_000);
      // Queued during the handler, during the exit window, exactly at the exit, and after it.
      for (const at of [exit - m0().timing.irqExitNs - 1, exit - 1, exit, exit + 7]) {
        expect(probe(at).start).toBe(Math.max(at, exit));
      }
    });
  });

  describe('having a second interrupt arrive while the first is being handled or exiting', () => {
    it('should take it when the first exits (or when it arrives, if later) and stretch the delay by both', () => {
      const t = m0().timing;
      const cost = t.irqEntryNs + t.callFuncNs + t.irqExitNs;
      // When the first call's handler flushes CPU 1's queue (the function runs then).
      const first: number[] = [];
      const solo = simMachine(3).m;
      solo.sim.spawn(1, function* () {
        yield solo.sim.delay(10_000);
      });
      callAt(solo, 1000, first, 0);
      solo.run();
      // Offsets that land the second arrival in the handler, in the exit window, and after the
      // exit; all queue after the first flush took the queue, so each call sends its own IPI.
      const from = first[0] - 1000 + 1;
      for (let d = from; d <= from + cost + 200; d += 23) {
        const { m } = simMachine(3);
        const a: number[] = [];
        const b: number[] = [];
        const task = m.sim.spawn(1, function* () {
          yield m.sim.delay(10_000);
          return m.sim.localNow();
        });
        callAt(m, 1000, a, 0);
        callAt(m, 1000 + d, b, 2);
        m.run();
        const arrivalB = a[0] - t.irqEntryNs + d;
        const exitA = a[0] + t.callFuncNs + t.irqExitNs;
        expect({ d, b: b[0] }).toEqual({ d, b: Math.max(arrivalB, exitA) + t.irqEntryNs });
        expect({ d, end: task.result }).toEqual({ d, end: 10_000 + 2 * cost });
      }
    });
  });

  describe('having another CPU look at a CPU during and after its interrupt', () => {
    it('should see hard-irq context until the exit time and not after', () => {
      const { m } = simMachine(3);
      const seen: number[] = [];
      callAt(m, 1000, seen);
      const states: [number, number, boolean][] = [];
      m.sim.spawn(2, function* watcher() {
        for (let i = 0; i < 80; i++) {
          const c = m.sim.cpu(1);
          states.push([m.sim.localNow(), c.hardirq, c.irqsEnabled]);
          yield m.sim.delay(50);
        }
      });
      m.run();
      const exit = seen[0] + m.timing.callFuncNs + m.timing.irqExitNs;
      for (const [now, hardirq, irqsEnabled] of states) {
        if (now >= exit) expect({ now, hardirq, irqsEnabled }).toEqual({ now, hardirq: 0, irqsEnabled: true });
        else if (now >= seen[0]) expect({ now, hardirq }).toEqual({ now, hardirq: 1 });
      }
      expect(states.some(([now]) => now >= seen[0] && now < exit)).toBe(true);
    });
  });
});

/** A machine only for reading the timing profile the others use. */
function m0(): ReturnType<typeof simMachine>['m'] {
  return simMachine(2).m;
}

describe('SimCpus.chargeTrusted', () => {
  describe('having task code charge model costs both ways', () => {
    it('should advance the local clock as charge does, and do nothing outside simulated code', () => {
      const { m } = simMachine(1);
      const seen: number[] = [];
      m.sim.chargeTrusted(5_000);
      expect(m.sim.localNow()).toBe(0);
      m.sim.spawn(0, function* () {
        const t0 = m.sim.localNow();
        m.sim.chargeTrusted(300);
        seen.push(m.sim.localNow() - t0);
        m.sim.charge(200);
        m.sim.chargeTrusted(0);
        seen.push(m.sim.localNow() - t0);
        yield m.sim.delay(0);
        seen.push(m.sim.localNow());
      });
      m.run();
      expect(seen).toEqual([300, 500, 500]);
    });
  });
});

describe('SimCpus.delay', () => {
  describe('having the same ns asked for again', () => {
    it('should hand back the same frozen descriptor, and a new one for another ns', () => {
      const { m } = simMachine(2);
      const a = m.sim.delay(2_000);
      expect(m.sim.delay(2_000)).toBe(a);
      expect(Object.isFrozen(a)).toBe(true);
      expect(a).toEqual({ kind: 'delay', ns: 2_000 });
      const b = m.sim.delay(300);
      expect(b).not.toBe(a);
      expect(b).toEqual({ kind: 'delay', ns: 300 });
    });
  });

  describe('having a bad ns after a good one', () => {
    it.each([NaN, -1, 1.5])('should throw for %p and keep handing out good descriptors', (ns) => {
      const { m } = simMachine(2);
      m.sim.delay(5);
      expect(() => m.sim.delay(ns)).toThrow(/ns/);
      expect(m.sim.delay(5)).toEqual({ kind: 'delay', ns: 5 });
    });
  });

  describe('having two machines', () => {
    it('should not share descriptors', () => {
      const a = simMachine(2).m;
      const b = simMachine(2).m;
      expect(a.sim.delay(7)).not.toBe(b.sim.delay(7));
    });
  });
});

describe('SimCpus.spawn', () => {
  describe('having many tasks from distinct generator closures', () => {
    it('should resume each one where it yielded and collect every result', () => {
      const { m } = simMachine(4);
      const tasks = [];
      for (let i = 0; i < 40; i++) {
        const k = i;
        tasks.push(
          m.sim.spawn(k % 4, function* () {
            let sum = 0;
            for (let j = 0; j < 3; j++) {
              yield m.sim.delay(10 + k);
              sum += j;
            }
            return k * 100 + sum;
          }),
        );
      }
      m.run();
      expect(tasks.map((t) => t.result)).toEqual(tasks.map((_, k) => k * 100 + 3));
    });
  });

  describe('having a task body that returns a hand-written iterator, not a generator', () => {
    it('should resume it through its own next method', () => {
      const { m } = simMachine(2);
      let calls = 0;
      const task = m.sim.spawn(1, () => {
        const it = {
          next(): IteratorResult<ReturnType<typeof m.sim.delay>, string> {
            calls++;
            return calls <= 2 ? { done: false, value: m.sim.delay(50) } : { done: true, value: `after ${m.sim.localNow()}` };
          },
          return: () => ({ done: true as const, value: '' }),
          throw: () => ({ done: true as const, value: '' }),
          [Symbol.iterator]() {
            return this;
          },
        };
        return it as unknown as Generator<ReturnType<typeof m.sim.delay>, string, undefined>;
      });
      m.run();
      expect(calls).toBe(3);
      expect(task.result).toBe('after 100');
    });
  });

  describe('having a generator whose prototype overrides next', () => {
    it('should call the override, as gen.next() would', () => {
      const { m } = simMachine(2);
      function* body(): Generator<ReturnType<typeof m.sim.delay>, number, undefined> {
        yield m.sim.delay(5);
        return 1;
      }
      const builtin = Object.getPrototypeOf(body.prototype as object) as { next: (this: unknown) => unknown };
      let overridden = 0;
      (body.prototype as { next: unknown }).next = function (this: unknown) {
        overridden++;
        return builtin.next.call(this);
      };
      const task = m.sim.spawn(0, body);
      m.run();
      expect(overridden).toBe(2);
      expect(task.result).toBe(1);
    });
  });
});

describe('SimCpus.delay', () => {
  describe('having a delay that would end past 2^53 - 1 ns', () => {
    it('should make run throw a RangeError rather than queue an inexact time', () => {
      const { m } = simMachine(1);
      let resumed = false;
      m.sim.spawn(0, function* () {
        yield m.sim.delay(10);
        yield m.sim.delay(Number.MAX_SAFE_INTEGER);
        resumed = true;
      });
      expect(() => m.run()).toThrow(RangeError);
      expect(resumed).toBe(false);
    });
  });
});
