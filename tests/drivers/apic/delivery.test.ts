/**
 * Interrupt delivery between local APICs, checked the way an APIC test suite for real hardware
 * (kvm-unit-tests x86/apic.c) does: program the ICR, let the machine run, count handler runs per
 * CPU.
 */
import { describe, expect, it } from '@jest/globals';
import {
  APIC_DEST_ALLBUT,
  APIC_DEST_ALLINC,
  APIC_DEST_LOGICAL,
  APIC_DEST_SELF,
  APIC_DFR,
  APIC_DM_INIT,
  APIC_DM_LOWEST,
  APIC_DM_NMI,
  APIC_DM_SMI,
  APIC_DM_STARTUP,
  APIC_ESR,
  APIC_ESR_SENDILL,
  APIC_ICR,
  APIC_ICR2,
  APIC_INT_ASSERT,
  APIC_INT_LEVELTRIG,
  APIC_LDR,
  APIC_TASKPRI,
  ApicBus,
  X2APIC_ICR_MSR,
} from '../../../drivers/apic/index.js';
import { acceptLog, apicOf, hit, probeVector, x86Machine } from './fixtures.js';
import type { Machine } from '../../../lib/index.js';

/** xAPIC: ICR2 then ICR low, from `cpu`'s APIC, host-side; then run unless `run` is false. */
function xapicSend(m: Machine, cpu: number, icr: number, dest = 0, run = true): void {
  const regs = apicOf(m).regs;
  regs.writeRegister(cpu, APIC_ICR2, (dest << 24) >>> 0);
  regs.writeRegister(cpu, APIC_ICR, icr);
  if (run) m.run();
}

/** x2APIC: one ICR MSR write from `cpu`'s APIC, host-side. */
function x2apicSend(m: Machine, cpu: number, icr: number, dest: number): void {
  apicOf(m).regs.wrmsr(cpu, X2APIC_ICR_MSR, icr, dest);
  m.run();
}

describe(ApicBus.prototype.send, () => {
  describe('having the self shorthand', () => {
    it('should interrupt only the sender', () => {
      const m = x86Machine(8);
      const p = probeVector(m, 0x40);
      xapicSend(m, 5, APIC_DEST_SELF | 0x40, 0x03);
      expect(hit(p.counts)).toEqual([5]);
    });
  });

  describe('having the all-including-self shorthand', () => {
    it('should interrupt every CPU once, the destination field ignored', () => {
      const m = x86Machine(8);
      const p = probeVector(m, 0x40);
      xapicSend(m, 2, APIC_DEST_ALLINC | 0x40, 0x03);
      expect(p.counts).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    });
  });

  describe('having the all-excluding-self shorthand', () => {
    it('should interrupt every CPU but the sender', () => {
      const m = x86Machine(8, { apicMode: 'x2apic-cluster' });
      const p = probeVector(m, 0x40);
      x2apicSend(m, 2, APIC_DEST_ALLBUT | 0x40, 0);
      expect(p.counts).toEqual([1, 1, 0, 1, 1, 1, 1, 1]);
    });
  });

  describe('having a physical destination', () => {
    it('should interrupt the CPU whose APIC ID it names (not the CPU of that number)', () => {
      const m = x86Machine(8);
      const p = probeVector(m, 0x40);
      xapicSend(m, 0, 0x40, 2);
      expect(hit(p.counts)).toEqual([1]);
      expect(apicOf(m).cpuOfApicId(2)).toBe(1);
    });

    it('should interrupt nobody for an APIC ID no CPU has', () => {
      const m = x86Machine(8);
      const p = probeVector(m, 0x40);
      xapicSend(m, 0, 0x40, 9);
      expect(hit(p.counts)).toEqual([]);
    });
  });

  describe('having the physical broadcast destination', () => {
    it('should take xAPIC 0xFF as a broadcast to every CPU, the sender included', () => {
      const m = x86Machine(8);
      const p = probeVector(m, 0x40);
      xapicSend(m, 3, 0x40, 0xff);
      expect(p.counts).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    });

    it('should take x2APIC 0xFFFFFFFF as the broadcast and 0xFF as APIC ID 255 only', () => {
      const m = x86Machine(300, { apicMode: 'x2apic-phys' });
      const p = probeVector(m, 0x40);
      x2apicSend(m, 0, 0x40, 0xff);
      const id255 = apicOf(m).cpuOfApicId(255);
      expect(id255).toBe(277);
      expect(hit(p.counts)).toEqual([id255]);
      x2apicSend(m, 0, 0x40, 0xffffffff);
      expect(p.counts.filter((n) => n >= 1)).toHaveLength(300);
      expect(p.counts[id255]).toBe(2);
    });

    it('should take x2APIC 0xFFFFFFFF as a broadcast in logical mode too', () => {
      const m = x86Machine(40, { apicMode: 'x2apic-cluster' });
      const p = probeVector(m, 0x40);
      x2apicSend(m, 0, APIC_DEST_LOGICAL | 0x40, 0xffffffff);
      expect(p.counts.every((n) => n === 1)).toBe(true);
    });
  });

  describe('having a logical flat destination', () => {
    it('should interrupt every CPU whose LDR bit is in the mask, with one message', () => {
      const m = x86Machine(8, { apicMode: 'xapic-logical-flat' });
      const p = probeVector(m, 0x40);
      const accepts = acceptLog(m);
      xapicSend(m, 0, APIC_DEST_LOGICAL | 0x40, 0b10100101);
      expect(hit(p.counts)).toEqual([0, 2, 5, 7]);
      expect(accepts.map((a) => a.cpu)).toEqual([0, 2, 5, 7]);
    });
  });

  describe('having a logical cluster destination (xAPIC, DFR cluster model)', () => {
    function clustered(): Machine {
      const m = x86Machine(8);
      const regs = apicOf(m).regs;
      for (let cpu = 0; cpu < 8; cpu++) {
        regs.writeRegister(cpu, APIC_DFR, 0x0fffffff);
        // Cluster cpu / 4, member bit cpu % 4.
        regs.writeRegister(cpu, APIC_LDR, (((cpu >> 2) << 4) | (1 << (cpu & 3))) << 24);
      }
      return m;
    }

    it('should interrupt the named members of the named cluster', () => {
      const m = clustered();
      const p = probeVector(m, 0x40);
      xapicSend(m, 0, APIC_DEST_LOGICAL | 0x40, 0x13);
      expect(hit(p.counts)).toEqual([4, 5]);
    });

    it('should take cluster 0xF as every cluster', () => {
      const m = clustered();
      const p = probeVector(m, 0x40);
      xapicSend(m, 0, APIC_DEST_LOGICAL | 0x40, 0xf5);
      expect(hit(p.counts)).toEqual([0, 2, 4, 6]);
    });

    it('should interrupt nobody in a cluster that does not exist', () => {
      const m = clustered();
      const p = probeVector(m, 0x40);
      xapicSend(m, 0, APIC_DEST_LOGICAL | 0x40, 0x2f);
      expect(hit(p.counts)).toEqual([]);
    });
  });

  describe('having an x2APIC cluster destination', () => {
    it('should interrupt the CPUs of the cluster whose member bits are set', () => {
      const m = x86Machine(64, { apicMode: 'x2apic-cluster' });
      const p = probeVector(m, 0x40);
      x2apicSend(m, 0, APIC_DEST_LOGICAL | 0x40, (1 << 16) | 0b11);
      // APIC IDs 16 and 17: core 8's two threads, CPUs 8 and 32 + 8.
      expect(hit(p.counts)).toEqual([8, 40]);
    });
  });

  describe('having delivery mode NMI', () => {
    it('should run the NMI handler without touching the in-service vector', () => {
      const m = x86Machine(4);
      const apic = apicOf(m);
      apic.lapic(1).setIrr(0x50);
      expect(apic.acknowledge(1)).toBe(0x50);
      xapicSend(m, 0, APIC_DM_NMI, 2);
      expect(m.irqStats.get('NMI')?.counts[1]).toBe(1);
      expect(apic.lapic(1).inService(0x50)).toBe(true);
    });

    it('should coalesce a second NMI while one is pending', () => {
      const m = x86Machine(4);
      const accepts = acceptLog(m);
      m.sim.spawn(1, function* () {
        m.sim.localIrqDisable();
        yield m.sim.delay(10_000);
        m.sim.localIrqEnable();
      });
      m.run({ until: 100 });
      xapicSend(m, 0, APIC_DM_NMI, 2, false);
      xapicSend(m, 3, APIC_DM_NMI, 2, false);
      m.run();
      expect(m.irqStats.get('NMI')?.counts[1]).toBe(1);
      expect(accepts.map((a) => a.coalesced)).toEqual([false, true]);
      expect(apicOf(m).lapic(1).coalesced).toBe(1);
    });
  });

  describe('having a fixed vector already pending', () => {
    it('should coalesce the second message into one interrupt and count it', () => {
      const m = x86Machine(4);
      const p = probeVector(m, 0x40);
      m.sim.spawn(1, function* () {
        m.sim.localIrqDisable();
        yield m.sim.delay(20_000);
        m.sim.localIrqEnable();
      });
      m.run({ until: 100 });
      xapicSend(m, 0, 0x40, 2, false);
      m.run({ until: 5000 });
      xapicSend(m, 3, 0x40, 2, false);
      m.run();
      expect(p.counts[1]).toBe(1);
      expect(apicOf(m).lapic(1).coalesced).toBe(1);
      expect(apicOf(m).lapic(1).received).toBe(1);
    });
  });

  describe('having a fixed vector at or below the target\'s task priority', () => {
    it('should leave it requested, take nothing, and take it once TPR is lowered', () => {
      const m = x86Machine(4);
      const p = probeVector(m, 0x40);
      const l = apicOf(m).lapic(2);
      apicOf(m).regs.writeRegister(2, APIC_TASKPRI, 0x40);
      xapicSend(m, 0, 0x40, l.apicId);
      // Delivered (IRR) but masked: the CPU was kicked, acknowledged nothing and entered nothing.
      expect(l.requested(0x40)).toBe(true);
      expect(l.highestIsr()).toBe(-1);
      expect(m.sim.cpu(2).irqCount).toBe(0);
      expect(p.counts[2]).toBe(0);
      expect(m.engine.pending).toBe(0);
      apicOf(m).regs.writeRegister(2, APIC_TASKPRI, 0);
      m.run();
      expect(p.counts[2]).toBe(1);
      expect(l.requested(0x40)).toBe(false);
      expect(m.sim.cpu(2).irqCount).toBe(1);
    });
  });

  describe('having delivery mode lowest priority', () => {
    it('should interrupt only the first APIC of the destination set (no arbitration, as QEMU)', () => {
      const m = x86Machine(8, { apicMode: 'xapic-logical-flat' });
      const p = probeVector(m, 0x40);
      xapicSend(m, 0, APIC_DM_LOWEST | APIC_DEST_LOGICAL | 0x40, 0b01101000);
      expect(hit(p.counts)).toEqual([3]);
    });
  });

  describe('having INIT and start-up messages', () => {
    it('should record them without interrupting the CPU', () => {
      const m = x86Machine(4);
      const apic = apicOf(m);
      xapicSend(m, 0, APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG, 2);
      xapicSend(m, 0, APIC_DM_INIT | APIC_INT_LEVELTRIG, 2);
      xapicSend(m, 0, APIC_DM_STARTUP | 0x9a, 2);
      expect(apic.lapic(1).initCount).toBe(1);
      expect(apic.lapic(1).sipiVector).toBe(0x9a);
      expect(m.sim.cpu(1).irqCount).toBe(0);
    });
  });

  describe('having a delivery mode the model does not implement', () => {
    it('should warn and deliver nothing', () => {
      const m = x86Machine(4);
      xapicSend(m, 0, APIC_DM_SMI, 2);
      expect(m.warnings.at(-1)?.message).toBe(
        'apic: delivery mode SMI is not modelled; message from APIC 0 dropped',
      );
      expect(apicOf(m).lapic(1).received).toBe(0);
    });
  });

  describe('having a fixed vector below 16', () => {
    it('should set "send illegal vector" in the sender ESR and deliver nothing', () => {
      const m = x86Machine(4);
      xapicSend(m, 0, 0x0f, 2);
      expect(apicOf(m).regs.readRegister(0, APIC_ESR) & APIC_ESR_SENDILL).toBe(APIC_ESR_SENDILL);
      expect(apicOf(m).lapic(1).received).toBe(0);
      apicOf(m).regs.writeRegister(0, APIC_ESR, 0);
      expect(apicOf(m).regs.readRegister(0, APIC_ESR)).toBe(0);
    });
  });

  describe('having several destinations under a hypervisor cost model', () => {
    it('should reach destination k at departure + (k + 1) * perDestNs + deliveryNs and charge the sender', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-phys' });
      const t = apicOf(m).timing;
      const accepts = acceptLog(m);
      let spent = 0;
      m.sim.spawn(0, function* () {
        const t0 = m.sim.localNow();
        apicOf(m).regs.wrmsr(0, X2APIC_ICR_MSR, APIC_DEST_ALLBUT | 0x40, 0);
        spent = m.sim.localNow() - t0;
        yield* [];
      });
      m.run();
      const depart = t.x2apicIcrWriteNs;
      expect(accepts.map((a) => [a.cpu, a.ts])).toEqual(
        [1, 2, 3].map((cpu, k) => [cpu, depart + (k + 1) * t.perDestNs + t.deliveryNs]),
      );
      expect(spent).toBe(t.x2apicIcrWriteNs + 3 * t.perDestNs);
    });
  });
});

describe('ApicBus delivery cursor', () => {
  describe('having a broadcast to many APICs', () => {
    it('should keep one event queued for all arrivals and deliver them one perDestNs apart', () => {
      const m = x86Machine(64, { apicMode: 'x2apic-cluster' });
      const p = probeVector(m, 0x40);
      const log = acceptLog(m);
      apicOf(m).regs.wrmsr(3, X2APIC_ICR_MSR, APIC_DEST_ALLBUT | 0x40, 0);
      expect(m.engine.pending).toBe(1);
      m.run();
      expect(p.counts.reduce((a, b) => a + b, 0)).toBe(63);
      expect(log.map((a) => a.cpu)).toEqual([...Array(64).keys()].filter((c) => c !== 3));
      const step = apicOf(m).timing.perDestNs;
      for (let k = 1; k < log.length; k++) expect(log[k].ts - log[k - 1].ts).toBe(step);
    });
  });

  describe('having two broadcasts in flight at once', () => {
    it('should deliver both completely, each on its own cursor', () => {
      const m = x86Machine(16, { apicMode: 'x2apic-cluster' });
      const p = probeVector(m, 0x40);
      const q = probeVector(m, 0x41);
      apicOf(m).regs.wrmsr(0, X2APIC_ICR_MSR, APIC_DEST_ALLINC | 0x40, 0);
      apicOf(m).regs.wrmsr(1, X2APIC_ICR_MSR, APIC_DEST_ALLINC | 0x41, 0);
      expect(m.engine.pending).toBe(2);
      m.run();
      expect(p.counts).toEqual(new Array(16).fill(1));
      expect(q.counts).toEqual(new Array(16).fill(1));
    });
  });
});
