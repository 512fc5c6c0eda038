import { describe, expect, it } from '@jest/globals';
import {
  GIC_SHARED_HWIRQ_BASE,
  GIC_TRIG_EDGE,
  IRQ_TYPE_EDGE_RISING,
  MipsGic,
  gicHwirqToShared,
  gicSharedToHwirq,
} from '../../../drivers/mips-gic/index.js';
import {
  Cpumask,
  DOMAIN_BUS_ANY,
  DOMAIN_BUS_IPI,
  DOMAIN_BUS_WIRED,
  Errno,
  IrqReturn,
  irqDomainAllocNamedFwnode,
} from '../../../lib/index.js';
import { gicMachine, settle } from '../../arch/mips/helpers.js';

/** A GIC machine with headroom in its IPI pool (mti,reserved-ipi-vectors = 16 at the top). */
function setup(nrCpus = 4) {
  const { m, arch } = gicMachine(nrCpus, { archOptions: { gicReservedIpiVectors: [240, 16] } });
  return { m, gic: m.get(MipsGic), arch };
}

describe(gicSharedToHwirq, () => {
  describe('having the 7 local interrupts first', () => {
    it('should offset shared interrupts by GIC_SHARED_HWIRQ_BASE and back', () => {
      expect(GIC_SHARED_HWIRQ_BASE).toBe(7);
      expect(gicSharedToHwirq(0)).toBe(7);
      expect(gicHwirqToShared(262)).toBe(255);
    });
  });
});

describe(MipsGic.prototype.gicIpiDomainAlloc, () => {
  describe('having a per-CPU reservation', () => {
    it('should set hwirq and the edge chip at both levels, edge trigger, handle_edge_irq, routed per CPU', () => {
      const { m, gic } = setup();
      const virq = m.ipi.irqReserveIpi(gic.gicIpiDomain, Cpumask.of(4, [1, 2]));
      expect(virq).toBeGreaterThan(0);
      for (const [i, cpu] of [1, 2].entries()) {
        const intr = 248 + i;
        const top = m.irq.irqGetIrqData(virq + i)!;
        const parent = m.irq.irqDomainGetIrqData(gic.gicIrqDomain, virq + i)!;
        expect([top.domain, top.hwirq, top.chip]).toEqual([
          gic.gicIpiDomain,
          gicSharedToHwirq(intr),
          gic.gicEdgeIrqController,
        ]);
        expect([parent.hwirq, parent.chip]).toEqual([
          gicSharedToHwirq(intr),
          gic.gicEdgeIrqController,
        ]);
        expect(m.irq.irqToDesc(virq + i)!.handleIrq).toBe(m.irq.flow.handleEdgeIrq);
        expect(gic.hw.readGicTrig(intr)).toBe(GIC_TRIG_EDGE);
        expect(gic.hw.readGicMapVp(intr)).toBe(cpu);
        // Both domains map the hwirq to the virq (the chained handler resolves through the root).
        expect(m.irq.irqFindMapping(gic.gicIrqDomain, gicSharedToHwirq(intr))).toBe(virq + i);
        expect(m.irq.irqFindMapping(gic.gicIpiDomain, gicSharedToHwirq(intr))).toBe(virq + i);
      }
      // Nobody requested them: still masked.
      expect(gic.hw.readGicMask(248)).toBe(false);
      expect(gic.ipiAvailable()).toEqual([250, 251, 252, 253, 254, 255]);
    });
  });

  describe('having an argument that is not a cpumask', () => {
    it('should fail the allocation with -EINVAL and claim nothing', () => {
      const { m, gic } = setup();
      const before = gic.ipiAvailable();
      expect(m.irq.irqDomainAllocIrqs(gic.gicIpiDomain, 1, { fwnode: null, param: [0] })).toBe(-Errno.EINVAL);
      expect(gic.ipiAvailable()).toEqual(before);
    });
  });

  describe('having an empty pool', () => {
    it('should return -ENOMEM, which irq_reserve_ipi reports as -EBUSY', () => {
      const { m, arch } = gicMachine(2);
      expect(arch.gic.ipiAvailable()).toEqual([]);
      expect(arch.gic.gicIpiDomainAlloc(arch.gic.gicIpiDomain, 1, 1, Cpumask.of(2, [0]))).toBe(
        -Errno.ENOMEM,
      );
      expect(m.ipi.irqReserveIpi(m.ipiDomain, Cpumask.of(2, [0]))).toBe(-Errno.EBUSY);
    });
  });
});

describe(MipsGic.prototype.gicIpiDomainFree, () => {
  describe('having destroyed a reservation', () => {
    it('should give its interrupts back to the pool, one virq at a time', () => {
      const { m, gic } = setup();
      const virq = m.ipi.irqReserveIpi(gic.gicIpiDomain, Cpumask.of(4, [0, 1, 2]));
      expect(gic.ipiAvailable()).toEqual([251, 252, 253, 254, 255]);
      expect(m.ipi.irqDestroyIpi(virq, Cpumask.of(4, [1, 2]))).toBe(0);
      expect(gic.ipiAvailable()).toEqual([249, 250, 251, 252, 253, 254, 255]);
      expect(m.ipi.irqDestroyIpi(virq, Cpumask.of(4, [0]))).toBe(0);
      expect(gic.ipiAvailable()).toHaveLength(8);
    });
  });
});

describe(MipsGic.prototype.gicIpiDomainMatch, () => {
  describe('having lookups by node and bus token', () => {
    it("should accept DOMAIN_BUS_IPI with a null node or the GIC's own node only", () => {
      const { gic } = setup();
      const d = gic.gicIpiDomain;
      expect(gic.gicIpiDomainMatch(d, null, DOMAIN_BUS_IPI)).toBe(true);
      expect(gic.gicIpiDomainMatch(d, gic.fwnode, DOMAIN_BUS_IPI)).toBe(true);
      expect(gic.gicIpiDomainMatch(d, irqDomainAllocNamedFwnode('other'), DOMAIN_BUS_IPI)).toBe(
        false,
      );
      expect(gic.gicIpiDomainMatch(d, null, DOMAIN_BUS_ANY)).toBe(false);
      expect(gic.gicIpiDomainMatch(d, gic.fwnode, DOMAIN_BUS_WIRED)).toBe(false);
    });

    it('should make irq_find_matching_host find the IPI domain, not the root', () => {
      const { m, gic } = setup();
      expect(m.irq.irqFindMatchingHost(null, DOMAIN_BUS_IPI)).toBe(gic.gicIpiDomain);
      expect(m.irq.irqFindMatchingHost(gic.fwnode, DOMAIN_BUS_IPI)).toBe(gic.gicIpiDomain);
      expect(m.irq.irqFindMatchingHost(gic.fwnode, DOMAIN_BUS_ANY)).toBe(gic.gicIrqDomain);
    });
  });
});

describe(MipsGic.prototype.gicSetType, () => {
  describe('having an unknown type or a non-GIC interrupt', () => {
    it('should return -EINVAL', () => {
      const { m, gic, arch } = setup();
      const d = m.irq.irqGetIrqData(arch.smpIpi.callVirq)!;
      expect(gic.gicSetType(d, 3)).toBe(-Errno.EINVAL);
      expect(gic.gicSetType(m.irq.irqGetIrqData(gic.cascadeVirq)!, IRQ_TYPE_EDGE_RISING)).toBe(
        -Errno.EINVAL,
      );
    });
  });
});

describe(MipsGic.prototype.gicUnmaskIrq, () => {
  describe('having an IPI routed to CPU 2', () => {
    it("should unmask it and put it in CPU 2's pcpu mask only; gicMaskIrq undoes both", () => {
      const { m, gic } = setup();
      const virq = m.ipi.irqReserveIpi(gic.gicIpiDomain, Cpumask.of(4, [2]));
      const d = m.irq.irqGetIrqData(virq)!;
      gic.gicUnmaskIrq(d);
      expect(gic.hw.readGicMask(248)).toBe(true);
      expect([0, 1, 2, 3].map((c) => gic.pcpuMask(c).includes(248))).toEqual([
        false,
        false,
        true,
        false,
      ]);
      gic.gicMaskIrq(d);
      expect(gic.hw.readGicMask(248)).toBe(false);
      expect(gic.pcpuMask(2).includes(248)).toBe(false);
    });
  });
});

describe('gicIrqDispatch', () => {
  describe('having two IPIs pending for one CPU', () => {
    it('should handle them in ascending shared-interrupt order, each acked by handle_edge_irq', () => {
      const { m, gic } = setup();
      const order: number[] = [];
      const a = m.ipi.irqReserveIpi(gic.gicIpiDomain, Cpumask.of(4, [1]));
      const b = m.ipi.irqReserveIpi(gic.gicIpiDomain, Cpumask.of(4, [1]));
      for (const virq of [b, a]) {
        m.irq.requestIrq(
          virq,
          (irq) => {
            order.push(irq);
            return IrqReturn.IRQ_HANDLED;
          },
          0,
          `ipi${virq}`,
          null,
        );
      }
      m.sim.spawn(1, function* () {
        const flags = m.sim.localIrqSave();
        yield m.sim.delay(2_000);
        m.sim.localIrqRestore(flags);
        yield m.sim.delay(0);
      });
      m.sim.spawn(0, function* () {
        m.ipi.ipiSendSingle(b, 1);
        m.ipi.ipiSendSingle(a, 1);
        yield m.sim.delay(0);
      });
      settle(m);
      expect(order).toEqual([a, b]);
      expect(gic.hw.readGicPend(248)).toBe(false);
      expect(gic.hw.readGicPend(249)).toBe(false);
      expect(m.sim.cpu(1).irqCount).toBe(1);
    });
  });
});
