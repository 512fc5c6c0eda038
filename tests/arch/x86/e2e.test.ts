/**
 * Whole workloads on x86 machines: the generic layers (scheduler, kernel/smp.c, TLB shootdown)
 * sending through the x86 senders, the generic IPI API, the APIC chip, the ICR and delivery.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { CALL_FUNCTION_VECTOR } from '../../../arch/x86/index.js';
import { APIC_DEST_ALLBUT, APIC_DEST_LOGICAL } from '../../../drivers/apic/index.js';
import { Cpumask, createMachine, type Machine } from '../../../lib/index.js';
import { apicOf, icrLog } from '../../drivers/apic/fixtures.js';

function counts(m: Machine, row: string): number[] {
  return [...(m.irqStats.get(row)?.counts ?? [])];
}

describe(createMachine, () => {
  describe('having a 64-CPU x86 machine running a reschedule ring', () => {
    it('should deliver one RESCHEDULE_VECTOR IPI to every CPU through __ipiSendSingle', () => {
      const m = createMachine({ arch: 'x86', nrCpus: 64 });
      const spy = jest.spyOn(m.ipi, '__ipiSendSingle');
      for (let cpu = 0; cpu < 64; cpu++) {
        m.sim.spawn(cpu, function* ring() {
          m.sched.smpSendReschedule((cpu + 1) % 64);
          yield m.sim.delay(10);
        });
      }
      expect(m.run().reason).toBe('idle');
      expect(spy).toHaveBeenCalledTimes(64);
      expect(counts(m, 'RES')).toEqual(Array.from({ length: 64 }, () => 1));
      expect([...m.sched.schedulerIpis]).toEqual(Array.from({ length: 64 }, () => 1));
      expect(apicOf(m).lapic(17).received).toBe(1);
    });
  });

  describe('having a 64-CPU x86 machine running cross calls', () => {
    it('should run smpCallFunctionMany on exactly the masked CPUs, one mask IPI through __ipiSendMask', () => {
      const m = createMachine({ arch: 'x86', nrCpus: 64 });
      const spy = jest.spyOn(m.ipi, '__ipiSendMask');
      const log = icrLog(m);
      const ran: number[] = [];
      const mask = Cpumask.of(
        64,
        Array.from({ length: 32 }, (_, i) => 2 * i),
      );
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionMany(mask, () => ran.push(m.sim.smpProcessorId()), null, true);
      });
      m.run();
      expect(ran.sort((a, b) => a - b)).toEqual(mask.toArray().slice(1));
      expect(spy).toHaveBeenCalledTimes(1);
      // Physical flat: one ICR write per target, CALL_FUNCTION_VECTOR.
      expect(log).toHaveLength(31);
      expect(log.every((w) => w.icr === CALL_FUNCTION_VECTOR)).toBe(true);
      expect(counts(m, 'CAL')).toEqual(
        Array.from({ length: 64 }, (_, cpu) => (cpu > 0 && cpu % 2 === 0 ? 1 : 0)),
      );
    });

    it('should run onEachCpu everywhere, the other CPUs through one all-but-self shorthand', () => {
      const m = createMachine({ arch: 'x86', nrCpus: 64 });
      const log = icrLog(m);
      const ran = Array.from({ length: 64 }, () => 0);
      m.sim.spawn(5, function* () {
        yield* m.smp.onEachCpu(() => ran[m.sim.smpProcessorId()]++, null, true);
      });
      m.run();
      expect(ran).toEqual(Array.from({ length: 64 }, () => 1));
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_ALLBUT | CALL_FUNCTION_VECTOR]);
      expect(counts(m, 'CAL')).toEqual(Array.from({ length: 64 }, (_, cpu) => (cpu === 5 ? 0 : 1)));
    });

    it('should run onEachCpu through the mask IPI when shorthands are off', () => {
      const m = createMachine({ arch: 'x86', nrCpus: 64, archOptions: { noIpiBroadcast: true } });
      const spy = jest.spyOn(m.ipi, '__ipiSendMask');
      const ran = Array.from({ length: 64 }, () => 0);
      m.sim.spawn(5, function* () {
        yield* m.smp.onEachCpu(() => ran[m.sim.smpProcessorId()]++, null, true);
      });
      m.run();
      expect(ran).toEqual(Array.from({ length: 64 }, () => 1));
      expect(spy).toHaveBeenCalledTimes(1);
    });
  });

  describe('having a 64-CPU x86 machine shooting down a TLB range', () => {
    it('should flush every CPU of the mm through the call-function IPI and count TLB on the remote ones', () => {
      const m = createMachine({ arch: 'x86', nrCpus: 64 });
      const spy = jest.spyOn(m.ipi, '__ipiSendMask');
      const mm = m.tlb.mmAlloc();
      const users = Array.from({ length: 16 }, (_, i) => 4 * i);
      for (const cpu of users) {
        m.sim.spawn(cpu, function* () {
          m.tlb.switchMm(mm);
          for (let page = 0; page < 8; page++) m.tlb.touch(page);
          if (cpu === 0) {
            yield m.sim.delay(5000);
            yield* m.tlb.flushTlbMmRange(mm, 2, 5);
          } else {
            yield m.sim.delay(20_000);
          }
        });
      }
      m.run();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][1].toString()).toBe(users.slice(1).join(','));
      for (const cpu of users) {
        expect([2, 3, 4].some((p) => m.tlb.cached(cpu, mm, p))).toBe(false);
        expect(m.tlb.cached(cpu, mm, 5)).toBe(true);
      }
      expect(counts(m, 'TLB')).toEqual(
        Array.from({ length: 64 }, (_, cpu) => (cpu > 0 && cpu % 4 === 0 ? 1 : 0)),
      );
      expect(counts(m, 'CAL')).toEqual(counts(m, 'TLB'));
    });
  });

  describe('having 8192 CPUs in x2APIC cluster mode', () => {
    it('should collapse a cross call to all other CPUs into one ICR write per cluster', () => {
      const m = createMachine({ arch: 'x86', nrCpus: 8192, archOptions: { noIpiBroadcast: true } });
      expect(apicOf(m).config.mode).toBe('x2apic-cluster');
      const log = icrLog(m);
      const ran = new Uint8Array(8192);
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionMany(
          m.cpuOnlineMask,
          () => ran[m.sim.smpProcessorId()]++,
          null,
          true,
        );
        m.sched.smpSendReschedule(8191);
      });
      expect(m.run().reason).toBe('idle');
      expect(ran[0]).toBe(0);
      expect(ran.subarray(1).every((n) => n === 1)).toBe(true);
      const calls = log.filter((w) => (w.icr & 0xff) === CALL_FUNCTION_VECTOR);
      expect(calls).toHaveLength(512);
      expect(calls.every((w) => (w.icr & APIC_DEST_LOGICAL) !== 0)).toBe(true);
      // Cluster 0 without CPU 0 (APIC ID 0), every other cluster full.
      expect(calls[0].dest).toBe(0xfffe);
      expect(calls[511].dest).toBe((511 << 16) | 0xffff);
      expect(counts(m, 'CAL').reduce((a, b) => a + b, 0)).toBe(8191);
      expect(counts(m, 'RES')[8191]).toBe(1);
    });
  });
});
