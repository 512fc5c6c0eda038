import { describe, expect, it } from '@jest/globals';
import { CallSingleData, Cpumask, Errno, type SmpCallFunc } from '../../../lib/index.js';
import { busyIrqsOff, simMachine, warnSites } from '../../helpers/sim.js';

describe('smpCallFunctionSingle', () => {
  describe('having the caller as target (row 54)', () => {
    it('should run the function right here with interrupts off, even with wait=false, and send no IPI', () => {
      const { m, arch } = simMachine(4);
      const seen: { cpu: number; irqsOff: boolean }[] = [];
      const task = m.sim.spawn(1, function* () {
        return yield* m.smp.smpCallFunctionSingle(
          1,
          () => seen.push({ cpu: m.sim.smpProcessorId(), irqsOff: m.sim.irqsDisabled() }),
          null,
          false,
        );
      });
      m.run();
      expect(task.result).toBe(0);
      expect(seen).toEqual([{ cpu: 1, irqsOff: true }]);
      expect(arch.chip.calls).toEqual([]);
    });
  });

  describe('having an offline or out-of-range target (row 55)', () => {
    it.each([[3], [4], [-1], [1000]])('should return -ENXIO for cpu %i and queue nothing', (target) => {
      const { m, arch } = simMachine(4, { onlineCpus: [0, 1, 2] });
      let ran = false;
      const task = m.sim.spawn(0, function* () {
        return yield* m.smp.smpCallFunctionSingle(target, () => (ran = true), null, true);
      });
      m.run();
      expect(task.result).toBe(-Errno.ENXIO);
      expect(ran).toBe(false);
      expect(arch.chip.calls).toEqual([]);
      for (let c = 0; c < 4; c++) expect(m.smp.queueLength(c)).toBe(0);
    });
  });

  describe('having interrupts disabled on an online CPU (row 56)', () => {
    it('should WARN once and still run the call', () => {
      const { m } = simMachine(4);
      let runs = 0;
      m.sim.spawn(0, function* () {
        m.sim.localIrqDisable();
        yield* m.smp.smpCallFunctionSingle(2, () => runs++, null, false);
        yield* m.smp.smpCallFunctionSingle(3, () => runs++, null, false);
        m.sim.localIrqEnable();
      });
      m.run();
      expect(runs).toBe(2);
      expect(warnSites(m).filter((s) => s === 'smp_call_function_single:irqs_disabled')).toHaveLength(1);
    });
  });

  describe('having an interrupt handler as caller (row 57)', () => {
    it('should WARN once (!in_task)', () => {
      const { m } = simMachine(4);
      let nested = 0;
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionSingle(
          1,
          () => {
            // Runs in the call-function IPI handler on CPU 1.
            m.smp.smpCallFunctionSingle(1, () => nested++, null, false).next();
          },
          null,
          true,
        );
      });
      m.run();
      expect(nested).toBe(1);
      expect(warnSites(m)).toContain('smp_call_function_single:!in_task');
    });
  });

  describe('having wait=true (row 58)', () => {
    it('should return only after the remote function completed', () => {
      const { m } = simMachine(4);
      let ranAt = -1;
      const task = m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionSingle(3, () => (ranAt = m.sim.localNow()), null, true);
        return m.sim.localNow();
      });
      m.run();
      expect(ranAt).toBeGreaterThan(0);
      expect(task.result).toBeGreaterThan(ranAt);
    });

    it('should return immediately with wait=false, before the remote function ran', () => {
      const { m } = simMachine(4);
      let ranAt = -1;
      const task = m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionSingle(3, () => (ranAt = m.sim.localNow()), null, false);
        return m.sim.localNow();
      });
      m.run();
      expect(ranAt).toBeGreaterThan(task.result as number);
    });
  });

  describe('having bad arguments', () => {
    it('should throw a TypeError naming the argument and queue nothing', () => {
      const { m, arch } = simMachine(4);
      const errors: string[] = [];
      m.sim.spawn(0, function* () {
        for (const [cpu, func, wait] of [
          [1.5, () => undefined, true],
          [1, 'f', true],
          [1, () => undefined, 1],
        ] as [number, SmpCallFunc, boolean][]) {
          try {
            yield* m.smp.smpCallFunctionSingle(cpu, func, null, wait);
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
      });
      m.run();
      expect(errors).toEqual([
        expect.stringContaining('cpu is 1.5'),
        expect.stringContaining('func is "f"'),
        expect.stringContaining('wait is 1'),
      ]);
      expect(arch.chip.calls).toEqual([]);
    });

    it('should throw when called outside simulated code', () => {
      const { m } = simMachine(2);
      expect(() => m.smp.smpCallFunctionSingle(1, () => undefined, null, true).next()).toThrow(
        /must run on a simulated CPU/,
      );
    });
  });
});

describe('smpCallFunctionSingleAsync', () => {
  describe('having a csd that is still locked (row 59)', () => {
    it('should return -EBUSY and not queue it twice', () => {
      const { m } = simMachine(4);
      busyIrqsOff(m, 2, 10_000);
      let runs = 0;
      const csd = new CallSingleData(() => runs++, null);
      const rcs: number[] = [];
      m.sim.spawn(
        0,
        function* () {
          rcs.push(m.smp.smpCallFunctionSingleAsync(2, csd));
          rcs.push(m.smp.smpCallFunctionSingleAsync(2, csd));
          yield m.sim.delay(0);
        },
        { at: 10 },
      );
      m.run();
      expect(rcs).toEqual([0, -Errno.EBUSY]);
      expect(runs).toBe(1);
      expect(csd.satisfied).toBe(true);
    });
  });

  describe('having an offline target', () => {
    it('should return -ENXIO and unlock the csd', () => {
      const { m } = simMachine(4, { onlineCpus: [0, 1] });
      const csd = new CallSingleData(() => undefined, null);
      let rc = 0;
      m.sim.spawn(0, function* () {
        rc = m.smp.smpCallFunctionSingleAsync(3, csd);
        yield m.sim.delay(0);
      });
      m.run();
      expect(rc).toBe(-Errno.ENXIO);
      expect(csd.satisfied).toBe(true);
    });
  });
});

describe('__smpCallSingleQueue', () => {
  describe('having a second enqueue before the target drains (row 60)', () => {
    it('should send only one IPI and run both functions', () => {
      const { m, arch } = simMachine(4);
      busyIrqsOff(m, 2, 10_000);
      const order: string[] = [];
      m.sim.spawn(
        0,
        function* () {
          m.smp.smpCallFunctionSingleAsync(2, new CallSingleData(() => order.push('a'), null));
          m.smp.smpCallFunctionSingleAsync(2, new CallSingleData(() => order.push('b'), null));
          yield m.sim.delay(0);
        },
        { at: 10 },
      );
      m.run();
      expect(order).toEqual(['a', 'b']);
      expect(arch.chip.calls.filter((c) => c.cpus.includes(2))).toHaveLength(1);
    });
  });
});

describe('send_call_function_single_ipi', () => {
  describe('having a polling-idle target (row 61)', () => {
    it('should set need_resched, trace sched_wake_idle_without_ipi and send no IPI', () => {
      const { m, arch, trace } = simMachine(4, { idle: 'poll' });
      let ranOn = -1;
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionSingle(3, () => (ranOn = m.sim.smpProcessorId()), null, true);
      });
      const r = m.run();
      expect(r.reason).toBe('idle');
      expect(ranOn).toBe(3);
      expect(arch.chip.calls).toEqual([]);
      expect(trace.filter((t) => t.name === 'sched_wake_idle_without_ipi')).toEqual([
        expect.objectContaining({ cpu: 0, fields: { cpu: 3 } }),
      ]);
    });
  });
});

describe('smpCallFunctionMany', () => {
  describe('having the caller in the mask (row 62)', () => {
    it('should never run the function on the caller', () => {
      const { m } = simMachine(4);
      const ran: number[] = [];
      m.sim.spawn(1, function* () {
        yield* m.smp.smpCallFunctionMany(Cpumask.full(4), () => ran.push(m.sim.smpProcessorId()), null, true);
      });
      m.run();
      expect(ran.sort()).toEqual([0, 2, 3]);
    });
  });

  describe('having exactly one remote target (row 63)', () => {
    it('should use the single-CPU IPI path', () => {
      const { m, arch, trace } = simMachine(4);
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionMany(Cpumask.of(4, [0, 2]), () => undefined, null, true);
      });
      m.run();
      expect(arch.chip.calls.map((c) => [c.op, c.cpus])).toEqual([['ipiSendSingle', [2]]]);
      expect(trace.filter((t) => t.name.startsWith('ipi_send')).map((t) => t.name)).toEqual(['ipi_send_cpu']);
    });
  });

  describe('having several remote targets (row 64)', () => {
    it('should send one mask IPI to the CPUs whose queues were empty', () => {
      const { m, arch, trace } = simMachine(6);
      busyIrqsOff(m, 4, 10_000);
      const ran: number[] = [];
      m.sim.spawn(
        0,
        function* () {
          // CPU 4's queue is made non-empty first; the broadcast must not IPI it again.
          m.smp.smpCallFunctionSingleAsync(4, new CallSingleData(() => undefined, null));
          yield* m.smp.smpCallFunctionMany(Cpumask.of(6, [1, 2, 4, 5]), () => ran.push(m.sim.smpProcessorId()), null, true);
        },
        { at: 10 },
      );
      m.run();
      expect(ran.sort()).toEqual([1, 2, 4, 5]);
      const masks = arch.chip.calls.filter((c) => c.op === 'ipiSendMask');
      expect(masks.map((c) => c.cpus)).toEqual([[1, 2, 5]]);
      expect(trace.find((t) => t.name === 'ipi_send_cpumask')?.fields.cpumask).toBe('26');
    });
  });

  describe('having only offline CPUs in the mask', () => {
    it('should send nothing and return', () => {
      const { m, arch } = simMachine(4, { onlineCpus: [0, 1] });
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionMany(Cpumask.of(4, [2, 3]), () => undefined, null, true);
      });
      expect(m.run().reason).toBe('idle');
      expect(arch.chip.calls).toEqual([]);
    });
  });
});

describe('onEachCpu', () => {
  describe('having several online CPUs (row 65)', () => {
    it('should include the caller and run it locally after the remote IPIs were sent', () => {
      const { m, arch } = simMachine(4);
      const events: string[] = [];
      const chipCallsAtLocalRun: number[] = [];
      m.sim.spawn(2, function* () {
        yield* m.smp.onEachCpu(
          () => {
            const cpu = m.sim.smpProcessorId();
            events.push(`cpu${cpu}`);
            if (cpu === 2) chipCallsAtLocalRun.push(arch.chip.calls.length);
          },
          null,
          true,
        );
      });
      m.run();
      expect([...events].sort()).toEqual(['cpu0', 'cpu1', 'cpu2', 'cpu3']);
      expect(events[0]).toBe('cpu2');
      expect(chipCallsAtLocalRun).toEqual([1]);
    });
  });
});

describe('onEachCpuCondMask', () => {
  describe('having a condition that rejects some CPUs (row 66)', () => {
    it('should skip them and not wait for them', () => {
      const { m } = simMachine(6);
      busyIrqsOff(m, 5, 1_000_000);
      const ran: number[] = [];
      const task = m.sim.spawn(
        0,
        function* () {
          yield* m.smp.onEachCpuCondMask((cpu) => cpu % 2 === 0, () => ran.push(m.sim.smpProcessorId()), null, true, Cpumask.full(6));
          return m.sim.localNow();
        },
        { at: 10 },
      );
      m.run();
      expect(ran.sort()).toEqual([0, 2, 4]);
      // CPU 5 has interrupts off for 1 ms; the caller did not wait for it.
      expect(task.result).toBeLessThan(100_000);
    });
  });
});

describe('smpCallFunctionAny', () => {
  describe('having the caller in the mask (row 67)', () => {
    it('should prefer the caller', () => {
      const { m } = simMachine(4);
      let ranOn = -1;
      const task = m.sim.spawn(2, function* () {
        return yield* m.smp.smpCallFunctionAny(Cpumask.of(4, [1, 2]), () => (ranOn = m.sim.smpProcessorId()), null, true);
      });
      m.run();
      expect([task.result, ranOn]).toEqual([0, 2]);
    });
  });

  describe('having only other CPUs, some offline', () => {
    it('should pick the first online CPU of the mask', () => {
      const { m } = simMachine(4, { onlineCpus: [0, 2, 3] });
      let ranOn = -1;
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionAny(Cpumask.of(4, [1, 3]), () => (ranOn = m.sim.smpProcessorId()), null, true);
      });
      m.run();
      expect(ranOn).toBe(3);
    });
  });

  describe('having no online CPU in the mask', () => {
    it('should return -ENXIO', () => {
      const { m } = simMachine(4, { onlineCpus: [0, 2] });
      const task = m.sim.spawn(0, function* () {
        return yield* m.smp.smpCallFunctionAny(Cpumask.of(4, [1, 3]), () => undefined, null, true);
      });
      m.run();
      expect(task.result).toBe(-Errno.ENXIO);
    });
  });
});

describe('genericSmpCallFunctionSingleInterrupt', () => {
  describe('having SYNC, ASYNC and TTWU entries queued (row 68)', () => {
    it('should run SYNC first, then ASYNC, then the wake-ups', () => {
      const { m } = simMachine(4);
      busyIrqsOff(m, 3, 20_000);
      const order: string[] = [];
      m.sim.spawn(
        0,
        function* () {
          m.smp.smpCallFunctionSingleAsync(3, new CallSingleData(() => order.push('async-1'), null));
          m.sched.wakeUpTask(3, function* woken() {
            order.push('ttwu');
            yield m.sim.delay(0);
          });
          yield* m.smp.smpCallFunctionSingle(3, () => order.push('sync'), null, true);
        },
        { at: 10 },
      );
      m.sim.spawn(
        1,
        function* () {
          m.smp.smpCallFunctionSingleAsync(3, new CallSingleData(() => order.push('async-2'), null));
          yield m.sim.delay(0);
        },
        { at: 20 },
      );
      m.run();
      expect(order).toEqual(['sync', 'async-1', 'async-2', 'ttwu']);
    });
  });

  describe('having entries on a CPU that went offline (row 69)', () => {
    it('should WARN "IPI on offline CPU" once, print a line per entry, and still run them', () => {
      const { m } = simMachine(4);
      let ran = 0;
      function lateCall(): void {
        ran++;
      }
      m.sim.spawn(0, function* () {
        m.smp.smpCallFunctionSingleAsync(2, new CallSingleData(lateCall, null));
        yield m.sim.delay(0);
      });
      m.run({ until: 100 });
      // CPU 2 has taken the IPI but not run its handler yet; unplug it with a long teardown.
      m.sim.cpuDown(2, 100_000);
      m.run();
      expect(ran).toBe(1);
      const w = m.warnings.map((x) => x.message);
      expect(w).toContain('WARNING: at __flush_smp_call_function_queue: IPI on offline CPU 2');
      expect(w).toContain('smp: IPI callback lateCall sent to offline CPU');
    });
  });

  describe('having a CPU that dies with entries queued (row 70)', () => {
    it('should flush them without the offline warning', () => {
      const { m } = simMachine(4);
      let ran = 0;
      m.sim.spawn(0, function* () {
        m.smp.smpCallFunctionSingleAsync(2, new CallSingleData(() => ran++, null));
        yield m.sim.delay(0);
      });
      // The csd is queued and its IPI still on its way: CPU 2 dies before taking it. (A CPU that
      // has already taken the IPI finishes the handler before its dying step, as under
      // stop_machine(); see the row 69 test for the offline-window warning.)
      m.run({ until: 0 });
      m.sim.cpuDown(2, 0);
      m.run();
      expect(ran).toBe(1);
      expect(m.warnings.some((x) => x.message.includes('IPI on offline CPU'))).toBe(false);
      expect(m.sim.cpu(2).alive).toBe(false);
      expect(m.smp.queueLength(2)).toBe(0);
    });
  });
});

describe('csd_lock_wait debug', () => {
  describe('having a target with interrupts off for 6 s and a 5000 ms timeout (row 71)', () => {
    it('should report after 5 s, re-send the IPI, and report when it gets unstuck', () => {
      const { m, arch } = simMachine(2, { csdLockTimeoutMs: 5000 });
      busyIrqsOff(m, 1, 6_000_000_000);
      let ran = false;
      m.sim.spawn(
        0,
        function* () {
          yield* m.smp.smpCallFunctionSingle(1, function stuckFunc() { ran = true; }, 7, true);
        },
        { at: 1000 },
      );
      const r = m.run();
      expect(r.reason).toBe('idle');
      expect(ran).toBe(true);
      expect(m.smp.csdReports).toHaveLength(1);
      const [report] = m.smp.csdReports;
      expect(report.waitedNs).toBeGreaterThanOrEqual(5_000_000_000);
      expect(report.waitedNs).toBeLessThan(5_000_010_000);
      expect(report.message).toContain('Detected non-responsive CSD lock (#1) on CPU#0');
      expect(report.message).toContain('stuckFunc(7)');
      expect(report.resentIpi).toBe(true);
      expect(arch.chip.calls.filter((c) => c.cpus.includes(1)).length).toBe(2);
      expect(m.warnings.some((w) => w.message.includes('got unstuck'))).toBe(true);
    });
  });

  describe('having the debug timeout disabled (the default)', () => {
    it('should never report', () => {
      const { m } = simMachine(2);
      busyIrqsOff(m, 1, 6_000_000_000);
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionSingle(1, () => undefined, null, true);
      }, { at: 1000 });
      m.run();
      expect(m.smp.csdReports).toEqual([]);
    });
  });
});

describe('deadlock detection', () => {
  describe('having two CPUs each in smpCallFunctionSingle(other, wait=true) with interrupts off', () => {
    it('should stop and report the wait-for cycle with CPUs, functions and call sites', () => {
      const { m } = simMachine(2);
      for (const [me, other] of [[0, 1], [1, 0]]) {
        m.sim.spawn(me, function* () {
          m.sim.localIrqDisable();
          yield m.sim.delay(100);
          yield* m.smp.smpCallFunctionSingle(other, function crossCall() {}, me, true);
          m.sim.localIrqEnable();
        });
      }
      const r = m.run();
      expect(r.reason).toBe('stalled');
      expect(r.stall?.kind).toBe('deadlock');
      expect(r.stall?.message).toContain('wait-for cycle CPU0 -> CPU1 -> CPU0');
      expect(r.stall?.message).toContain('CPU0 (irqs off) spinning since');
      expect(r.stall?.message).toContain('in smp_call_function_single: csd lock of crossCall(0) queued to CPU1');
      expect(r.stall?.message).toContain('crossCall(1) queued to CPU0');
    });
  });

  describe('having the same calls with interrupts enabled', () => {
    it('should complete: each CPU answers the other while it spins', () => {
      const { m } = simMachine(2);
      let done = 0;
      for (const [me, other] of [[0, 1], [1, 0]]) {
        m.sim.spawn(me, function* () {
          yield m.sim.delay(100);
          yield* m.smp.smpCallFunctionSingle(other, () => undefined, null, true);
          done++;
        });
      }
      expect(m.run().reason).toBe('idle');
      expect(done).toBe(2);
    });
  });
});

describe('__smpCallSingleQueue (already queued)', () => {
  describe('having a csd that is still on a call queue', () => {
    it('should throw a clear error and leave both queues as they were', () => {
      const { m } = simMachine(4);
      busyIrqsOff(m, 2, 10_000);
      const csd = new CallSingleData(() => undefined, null);
      let error: unknown = null;
      m.sim.spawn(
        0,
        function* () {
          m.smp.__smpCallSingleQueue(2, csd);
          try {
            m.smp.__smpCallSingleQueue(3, csd);
          } catch (e) {
            error = e;
          }
          yield m.sim.delay(0);
        },
        { at: 10 },
      );
      m.run({ until: 100 });
      expect(String(error)).toMatch(/already queued \(on CPU2\)/);
      expect([m.smp.queueLength(2), m.smp.queueLength(3)]).toEqual([1, 0]);
      expect(m.smp.callQueue(2)).toEqual([csd]);
      m.run();
      expect(m.smp.queueLength(2)).toBe(0);
    });
  });
});
