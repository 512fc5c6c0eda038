import { describe, expect, it } from '@jest/globals';
import { NMI_VECTOR, REBOOT_VECTOR, X86Stop } from '../../../arch/x86/index.js';
import { APIC_DEST_ALLBUT, APIC_DM_NMI } from '../../../drivers/apic/index.js';
import type { Machine } from '../../../lib/index.js';
import {
  apicOf,
  expectRejected,
  icrLog,
  onCpu,
  x86Machine,
  x86Of,
} from '../../drivers/apic/fixtures.js';

function stopFrom(m: Machine, cpu: number, wait = false): { done: number } {
  const out = { done: -1 };
  m.sim.spawn(cpu, function* () {
    yield* x86Of(m).stop.nativeStopOtherCpus(wait);
    out.done = m.sim.localNow();
  });
  return out;
}

describe(X86Stop.prototype.nativeStopOtherCpus, () => {
  describe('having idle CPUs', () => {
    it('should stop them all with one REBOOT_VECTOR all-but-self shorthand', () => {
      const m = x86Machine(8);
      const log = icrLog(m);
      const out = stopFrom(m, 3);
      m.run();
      expect(m.cpuOnlineMask.toString()).toBe('3');
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_ALLBUT | REBOOT_VECTOR]);
      expect(x86Of(m).stop.stoppingCpu).toBe(3);
      expect(out.done).toBeGreaterThan(0);
      expect(m.warnings).toEqual([]);
      for (const cpu of [0, 1, 2, 4, 5, 6, 7]) expect(m.sim.cpu(cpu).state).toBe('dead');
    });

    it('should leave a second vector that arrived during the stop pending on the dead CPU', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-phys' }, { timing: 'haswell' });
      onCpu(m, 0, () => {
        x86Of(m).ipi.sendIPI(2, REBOOT_VECTOR);
        x86Of(m).ipi.sendIPI(2, 0xf6);
      });
      const l = apicOf(m).lapic(2);
      expect(m.cpuOnlineMask.toString()).toBe('0-1,3');
      expect(m.sim.cpu(2).irqCount).toBe(1);
      expect(l.requested(0xf6)).toBe(true);
      expect(l.highestIsr()).toBe(-1);
    });
  });

  describe('having a CPU busy in task code', () => {
    it('should WARN for it, fall back to an NMI, and give up after the NMI timeout', () => {
      const m = x86Machine(4, {}, { timing: 'haswell' });
      const log = icrLog(m);
      m.sim.spawn(2, function* () {
        yield m.sim.delay(2_000_000_000);
      });
      const out = stopFrom(m, 0);
      m.run({ until: 1_100_000_000 });
      expect(out.done).toBeGreaterThanOrEqual(1_010_000_000);
      expect(m.cpuOnlineMask.toString()).toBe('0,2');
      expect(log.map((w) => w.icr)).toEqual([
        APIC_DEST_ALLBUT | REBOOT_VECTOR,
        APIC_DEST_ALLBUT | APIC_DM_NMI,
      ]);
      expect(m.warnings.map((w) => w.site ?? w.message)).toEqual([
        'stop_this_cpu',
        'Shutting down cpus with NMI',
        'stop_this_cpu',
      ]);
      expect(m.irqStats.get('NMI')?.counts).toEqual(new Uint32Array([0, 0, 1, 0]));
    });

    it('should not send the NMI with nonmiIpi', () => {
      const m = x86Machine(4, { nonmiIpi: true }, { timing: 'haswell' });
      const log = icrLog(m);
      m.sim.spawn(1, function* () {
        yield m.sim.delay(2_000_000_000);
      });
      stopFrom(m, 0);
      m.run({ until: 1_100_000_000 });
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_ALLBUT | REBOOT_VECTOR]);
      expect(NMI_VECTOR).toBe(2);
    });
  });

  describe('having another CPU stopping already', () => {
    it('should return at once without sending', () => {
      const m = x86Machine(4);
      const log = icrLog(m);
      const out = { done: -1 };
      m.sim.spawn(1, function* () {
        // Busy when REBOOT arrives (so it cannot be stopped), then tries to stop the others itself.
        yield m.sim.delay(50_000);
        const t0 = m.sim.localNow();
        yield* x86Of(m).stop.nativeStopOtherCpus(false);
        out.done = m.sim.localNow() - t0;
      });
      stopFrom(m, 0);
      m.run({ until: 100_000 });
      expect(out.done).toBe(0);
      expect(log).toHaveLength(1);
      expect(x86Of(m).stop.stoppingCpu).toBe(0);
    });
  });

  describe('having a bad wait argument', () => {
    it('should throw a TypeError naming wait', () => {
      const m = x86Machine(4);
      let err: unknown = null;
      onCpu(m, 0, () => {
        try {
          x86Of(m)
            .stop.nativeStopOtherCpus(1 as never)
            .next();
        } catch (e) {
          err = e;
        }
      });
      expect(String(err)).toMatch(/TypeError: nativeStopOtherCpus: wait is 1; expected a boolean/);
      expect(m.cpuOnlineMask.toString()).toBe('0-3');
    });
  });
});

describe(X86Stop.prototype.stopThisCpu, () => {
  describe('having no running CPU', () => {
    it('should throw an Error and change nothing', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => {
          x86Of(m).stop.stopThisCpu();
        },
        Error,
        /no CPU is running/,
      );
    });
  });
});
