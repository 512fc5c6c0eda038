import { describe, expect, it } from '@jest/globals';
import {
  Apic,
  ApicIpiDomain,
  FIRST_DYNAMIC_IPI_VECTOR,
  SPURIOUS_APIC_VECTOR,
} from '../../../drivers/apic/index.js';
import {
  Cpumask,
  DOMAIN_BUS_IPI,
  Errno,
  IrqReturn,
  irqDomainIsIpiPerCpu,
  irqDomainIsIpiSingle,
} from '../../../lib/index.js';
import {
  apicOf,
  expectRejected,
  icrLog,
  onCpu,
  probeVector,
  x86Machine,
  x86Of,
} from './fixtures.js';

describe(ApicIpiDomain, () => {
  describe('having an x86 machine', () => {
    it('should be the machine IPI domain: single, DOMAIN_BUS_IPI, hwirq = vector', () => {
      const m = x86Machine(4);
      const d = apicOf(m).ipiDomain.domain;
      expect(m.ipiDomain).toBe(d);
      expect(irqDomainIsIpiSingle(d)).toBe(true);
      expect(irqDomainIsIpiPerCpu(d)).toBe(false);
      expect(d.busToken).toBe(DOMAIN_BUS_IPI);
      expect(d.name).toBe('VECTOR-6');
      expect(apicOf(m).ipiDomain.chip.name).toBe('APIC');
    });
  });
});

describe(ApicIpiDomain.prototype.reserveIpiVector, () => {
  describe('having a free vector', () => {
    it('should reserve one virq whose hwirq is the vector, over the given CPUs', () => {
      const m = x86Machine(4);
      const virq = apicOf(m).reserveIpiVector(0x61, Cpumask.of(4, [1, 3]));
      expect(virq).toBeGreaterThan(0);
      expect(m.irq.irqGetIrqData(virq)?.hwirq).toBe(0x61);
      expect(m.ipi.ipiGetHwirq(virq, 3)).toBe(0x61);
      expect(apicOf(m).ipiDomain.virqOfVector(0x61)).toBe(virq);
    });
  });

  describe('having a vector that is taken', () => {
    it('should return -EBUSY as irq_reserve_ipi reports a failed alloc', () => {
      const m = x86Machine(4);
      expect(apicOf(m).reserveIpiVector(0xfd, m.cpuPossibleMask)).toBe(-Errno.EBUSY);
    });
  });

  describe('having a bad vector', () => {
    it.each([
      [0x10, RangeError, /vector is 0x10; expected NMI_VECTOR \(2\) or 0x20\.\.0xff/],
      [0x100, RangeError, /vector is 0x100/],
      [1.5, TypeError, /vector is 1.5; expected an integer/],
    ])('should reject %p and change nothing', (vector, type, message) => {
      const m = x86Machine(4);
      expectRejected(m, () => apicOf(m).reserveIpiVector(vector, m.cpuPossibleMask), type, message);
    });

    it('should reject a bad mask as irqReserveIpi does', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => apicOf(m).reserveIpiVector(0x61, Cpumask.full(8)),
        RangeError,
        /dest is 8 bits wide/,
      );
    });
  });
});

describe(Apic.prototype.dispatch, () => {
  describe('having an IPI reserved with the plain generic API', () => {
    it('should map the lowest free dynamic vector and deliver ipiSendMask through the APIC', () => {
      const m = x86Machine(8);
      const virq = m.ipi.irqReserveIpi(m.ipiDomain, m.cpuPossibleMask);
      expect(m.irq.irqGetIrqData(virq)?.hwirq).toBe(FIRST_DYNAMIC_IPI_VECTOR);
      expect(m.irq.irqGetIrqData(m.ipi.irqReserveIpi(m.ipiDomain, m.cpuPossibleMask))?.hwirq).toBe(
        FIRST_DYNAMIC_IPI_VECTOR + 1,
      );
      m.irq.irqSetChipAndHandlerName(
        virq,
        apicOf(m).ipiDomain.chip,
        m.irq.flow.handlePercpuIrq,
        'percpu',
      );
      const ran: number[] = [];
      m.irq.requestIrq(
        virq,
        () => (ran.push(m.sim.smpProcessorId()), IrqReturn.IRQ_HANDLED),
        0,
        'test',
        null,
      );
      const log = icrLog(m);
      onCpu(m, 0, () => m.ipi.ipiSendMask(virq, Cpumask.of(8, [2, 7])));
      expect(ran).toEqual([2, 7]);
      expect(log.map((w) => [w.icr, w.dest])).toEqual([
        [FIRST_DYNAMIC_IPI_VECTOR, 4],
        [FIRST_DYNAMIC_IPI_VECTOR, 7],
      ]);
      // The flow handler's irq_ack was the EOI.
      expect(apicOf(m).lapic(2).highestIsr()).toBe(-1);
      expect(m.ipi.irqDestroyIpi(virq, m.cpuPossibleMask)).toBe(0);
      expect(apicOf(m).ipiDomain.virqOfVector(FIRST_DYNAMIC_IPI_VECTOR)).toBe(0);
    });
  });

  describe('having a vector nothing is mapped to', () => {
    it('should warn "No irq handler for vector" and EOI it', () => {
      const m = x86Machine(4);
      const l = apicOf(m).lapic(1);
      l.setIrr(0x77);
      m.sim.kick(1);
      m.run();
      expect(m.warnings.at(-1)?.message).toBe(
        '__common_interrupt: 1.119 No irq handler for vector',
      );
      expect(l.highestIsr()).toBe(-1);
    });
  });

  describe('having the spurious vector', () => {
    it('should count it in SPU and acknowledge it', () => {
      const m = x86Machine(4);
      const l = apicOf(m).lapic(2);
      l.setIrr(SPURIOUS_APIC_VECTOR);
      m.sim.kick(2);
      m.run();
      expect(m.irqStats.get('SPU')?.counts[2]).toBe(1);
      expect(l.highestIsr()).toBe(-1);
      expect(m.warnings.at(-1)?.message).toMatch(
        /Spurious APIC interrupt \(vector 0xFF\) on CPU#2/,
      );
    });
  });

  describe('having an NMI and fixed vectors pending together', () => {
    it('should take the NMI first, then the vectors by priority', () => {
      const m = x86Machine(4);
      const order: { cpu: number; vector: number; ts: number }[] = [];
      probeVector(m, 0x50, order);
      probeVector(m, 0xa0, order);
      x86Of(m).irqs.registerNmiHandler('probe', (cpu) => {
        order.push({ cpu, vector: 2, ts: m.sim.localNow() });
        return true;
      });
      const l = apicOf(m).lapic(3);
      l.setIrr(0x50);
      l.setIrr(0xa0);
      l.nmiPending = true;
      m.sim.kick(3);
      m.run();
      expect(order.map((o) => [o.cpu, o.vector])).toEqual([
        [3, 2],
        [3, 0xa0],
        [3, 0x50],
      ]);
      expect(m.irqStats.get('NMI')?.counts).toEqual(new Uint32Array([0, 0, 0, 1]));
    });
  });
});
