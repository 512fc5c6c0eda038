import { describe, expect, it } from '@jest/globals';
import { TestArch, TestIpiChip } from '../../../arch/test/index.js';
import {
  Cpumask,
  DOMAIN_BUS_IPI,
  Errno,
  IrqCommonData,
  IrqData,
  type Machine,
  createMachine,
  irqDomainIsHierarchy,
  irqDomainIsIpiPerCpu,
  irqDomainIsIpiSingle,
} from '../../../lib/index.js';

function setup(): { m: Machine; arch: TestArch } {
  const m = createMachine({ arch: 'test', nrCpus: 8 });
  return { m, arch: m.get(TestArch) };
}

describe(TestArch, () => {
  describe('having a fresh test machine', () => {
    it('should provide a SINGLE and a PER_CPU IPI domain on the IPI bus, renamed by the token', () => {
      const { m, arch } = setup();
      expect(m.ipiDomain).toBe(arch.ipiDomain);
      expect(irqDomainIsIpiSingle(arch.ipiDomain)).toBe(true);
      expect(irqDomainIsIpiPerCpu(arch.perCpuIpiDomain)).toBe(true);
      for (const d of [arch.ipiDomain, arch.perCpuIpiDomain]) {
        expect(d.busToken).toBe(DOMAIN_BUS_IPI);
        expect(irqDomainIsHierarchy(d)).toBe(true);
        expect(m.irq.irqFindMatchingFwnode(d.fwnode, DOMAIN_BUS_IPI)).toBe(d);
      }
      expect([arch.ipiDomain.name, arch.perCpuIpiDomain.name]).toEqual([
        'test-ipi-single-6',
        'test-ipi-percpu-6',
      ]);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });
  });

  describe('having reservations on the single domain', () => {
    it('should number hwirqs 0, 1, 2, … per reservation and record sends', () => {
      const { m, arch } = setup();
      const a = m.ipi.irqReserveIpi(arch.ipiDomain, Cpumask.of(8, [0, 5]));
      const b = m.ipi.irqReserveIpi(arch.ipiDomain, Cpumask.of(8, [1]));
      expect([m.ipi.ipiGetHwirq(a, 5), m.ipi.ipiGetHwirq(b, 1)]).toEqual([0, 1]);
      expect(m.ipi.ipiSendMask(a, Cpumask.of(8, [0, 5]))).toBe(0);
      expect(m.ipi.ipiSendSingle(b, 1)).toBe(0);
      expect(arch.chip.calls).toEqual([
        { op: 'ipiSendMask', irq: a, hwirq: 0, cpus: [0, 5] },
        { op: 'ipiSendSingle', irq: b, hwirq: 1, cpus: [1] },
      ]);
    });
  });

  describe('having reservations on the per-CPU domain', () => {
    it('should give CPU c of the reservation in slot n hwirq 16 * n + c on small machines', () => {
      const { m, arch } = setup();
      const a = m.ipi.irqReserveIpi(arch.perCpuIpiDomain, Cpumask.of(8, [0, 1]));
      const b = m.ipi.irqReserveIpi(arch.perCpuIpiDomain, Cpumask.of(8, [2, 3, 4]));
      expect([0, 1].map((c) => m.ipi.ipiGetHwirq(a, c))).toEqual([0, 1]);
      expect([2, 3, 4].map((c) => m.ipi.ipiGetHwirq(b, c))).toEqual([18, 19, 20]);
      expect(m.irq.irqFindMapping(arch.perCpuIpiDomain, 19)).toBe(b + 1);
      expect(m.ipi.irqDestroyIpi(b, Cpumask.of(8, [2, 3, 4]))).toBe(0);
      expect(m.irq.irqFindMapping(arch.perCpuIpiDomain, 19)).toBe(0);
      expect(m.irq.descs.allocatedCount).toBe(2);
    });

    it('should reuse the lowest free slot once every CPU of it is destroyed', () => {
      const { m, arch } = setup();
      const a = m.ipi.irqReserveIpi(arch.perCpuIpiDomain, Cpumask.of(8, [0, 1]));
      const b = m.ipi.irqReserveIpi(arch.perCpuIpiDomain, Cpumask.of(8, [5]));
      expect(m.ipi.irqDestroyIpi(a, Cpumask.of(8, [1]))).toBe(0);
      // Slot 0 still has CPU 0 alive: a new reservation takes slot 2.
      const c = m.ipi.irqReserveIpi(arch.perCpuIpiDomain, Cpumask.of(8, [3]));
      expect(m.ipi.ipiGetHwirq(c, 3)).toBe(35);
      expect(m.ipi.irqDestroyIpi(a, Cpumask.of(8, [0]))).toBe(0);
      const d = m.ipi.irqReserveIpi(arch.perCpuIpiDomain, Cpumask.of(8, [6, 7]));
      expect([m.ipi.ipiGetHwirq(d, 6), m.ipi.ipiGetHwirq(d, 7), m.ipi.ipiGetHwirq(b, 5)]).toEqual([
        6, 7, 21,
      ]);
      // The first slots live in the linear reverse map.
      expect(arch.perCpuIpiDomain.revmap[6]?.irq).toBe(d);
    });

    it('should keep hwirqs unique on machines larger than 16 CPUs', () => {
      const m = createMachine({ arch: 'test', nrCpus: 40 });
      const arch = m.get(TestArch);
      const all = Cpumask.full(40);
      const bases = [0, 1, 2, 3, 4, 5].map(() => m.ipi.irqReserveIpi(arch.perCpuIpiDomain, all));
      const hwirqs = bases.flatMap((base) =>
        all.toArray().map((cpu) => m.ipi.ipiGetHwirq(base, cpu)),
      );
      expect(new Set(hwirqs).size).toBe(6 * 40);
      expect(hwirqs.slice(40, 42)).toEqual([40, 41]);
      for (const [i, base] of bases.entries()) {
        expect(m.irq.irqFindMapping(arch.perCpuIpiDomain, 40 * i + 39)).toBe(base + 39);
      }
    });

    it('should refuse an alloc whose mask weight differs from the count', () => {
      const { m, arch } = setup();
      expect(m.irq.irqDomainAllocIrqs(arch.perCpuIpiDomain, 3, Cpumask.of(8, [0]))).toBe(
        -Errno.EINVAL,
      );
      expect(m.irq.descs.allocatedCount).toBe(0);
    });
  });
});

describe(TestIpiChip, () => {
  describe('having no interrupt controller', () => {
    it('should only record calls, with CPUs ascending', () => {
      const chip = new TestIpiChip();
      const data = new IrqData(4, new IrqCommonData(Cpumask.full(8), 0), null, null);
      data.hwirq = 9;
      chip.ipiSendMask(data, Cpumask.of(8, [7, 2]));
      chip.ipiSendSingle(data, 3);
      expect(chip.name).toBe('test-ipi');
      expect(chip.calls).toEqual([
        { op: 'ipiSendMask', irq: 4, hwirq: 9, cpus: [2, 7] },
        { op: 'ipiSendSingle', irq: 4, hwirq: 9, cpus: [3] },
      ]);
    });
  });
});
