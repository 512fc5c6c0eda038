import { describe, expect, it } from '@jest/globals';
import { simMachine } from '../helpers/sim.js';

describe('Sched.smpSendReschedule', () => {
  describe('having an online target', () => {
    it('should trace ipi_send_cpu with a null callback and run scheduler_ipi on the target', () => {
      const { m, arch, trace } = simMachine(4);
      m.sim.spawn(0, function* () {
        m.sched.smpSendReschedule(3);
        yield m.sim.delay(0);
      });
      m.run();
      expect(m.sched.schedulerIpis[3]).toBe(1);
      expect(arch.chip.calls).toEqual([expect.objectContaining({ op: 'ipiSendSingle', cpus: [3] })]);
      expect(trace.find((t) => t.name === 'ipi_send_cpu')?.fields).toEqual({
        cpu: 3,
        callsite: 'resched_curr',
        callback: null,
      });
    });
  });

  describe('having a CPU number outside the machine', () => {
    it('should throw a RangeError and send nothing', () => {
      const { m, arch } = simMachine(4);
      expect(() => { m.sched.smpSendReschedule(4); }).toThrow(RangeError);
      expect(() => { m.sched.smpSendReschedule(Number.NaN); }).toThrow(TypeError);
      expect(arch.chip.calls).toEqual([]);
    });
  });
});

describe('Sched.reschedCurr', () => {
  describe('having a polling-idle target', () => {
    it('should set need_resched without an IPI and wake the CPU', () => {
      const { m, arch, trace } = simMachine(2, { idle: 'poll' });
      m.sim.spawn(0, function* () {
        m.sched.reschedCurr(1);
        yield m.sim.delay(0);
      });
      m.run();
      expect(arch.chip.calls).toEqual([]);
      expect(trace.map((t) => t.name)).toContain('sched_wake_idle_without_ipi');
      expect(m.sim.cpu(1).needResched).toBe(false);
    });
  });

  describe('having a halted target', () => {
    it('should send a reschedule IPI', () => {
      const { m } = simMachine(2);
      m.sim.spawn(0, function* () {
        m.sched.reschedCurr(1);
        yield m.sim.delay(0);
      });
      m.run();
      expect(m.sched.schedulerIpis[1]).toBe(1);
    });
  });
});

describe('Sched.wakeUpTask', () => {
  describe('having an idle remote target', () => {
    it('should queue a TTWU entry with a call-function IPI and run the task there', () => {
      const { m, arch } = simMachine(4);
      let ranOn = -1;
      m.sim.spawn(0, function* () {
        m.sched.wakeUpTask(2, function* woken() {
          ranOn = m.sim.smpProcessorId();
          yield m.sim.delay(10);
        });
        yield m.sim.delay(0);
      });
      m.run();
      expect(ranOn).toBe(2);
      expect(arch.chip.calls).toHaveLength(1);
      expect(m.sched.schedulerIpis[2]).toBe(0);
    });
  });

  describe('having a busy remote target', () => {
    it('should enqueue there and send a reschedule IPI', () => {
      const { m } = simMachine(4);
      const order: string[] = [];
      m.sim.spawn(2, function* busy() {
        yield m.sim.delay(5000);
        order.push('busy done');
      });
      m.sim.spawn(
        0,
        function* () {
          m.sched.wakeUpTask(2, function* woken() {
            order.push('woken');
            yield m.sim.delay(0);
          });
          yield m.sim.delay(0);
        },
        { at: 100 },
      );
      m.run();
      expect(order).toEqual(['busy done', 'woken']);
      expect(m.sched.schedulerIpis[2]).toBe(1);
    });
  });
});
