/**
 * The mips-gic platform: `mips_smp_ipi_allocate()` and friends on the GIC IPI domain (spec
 * §9.2.3, rows 79–80, quirks §12.5–§12.6).
 */
import { describe, expect, it, jest } from '@jest/globals';
import {
  MipsSmpIpi,
  SMP_CALL_FUNCTION,
  SMP_RESCHEDULE_YOURSELF,
} from '../../../arch/mips/index.js';
import {
  GIC_SHARED,
  IRQ_TYPE_LEVEL_HIGH,
  MipsGic,
  gicSharedToHwirq,
} from '../../../drivers/mips-gic/index.js';
import {
  Cpumask,
  DOMAIN_BUS_IPI,
  Errno,
  IRQF_PERCPU,
  IRQ_DOMAIN_FLAG_IPI_PER_CPU,
  IRQ_NO_BALANCING,
  createMachine,
  irqDomainIsIpiPerCpu,
} from '../../../lib/index.js';
import { expectRejected, gicMachine, settle } from './helpers.js';

describe(MipsSmpIpi.prototype.mipsSmpIpiAllocate, () => {
  describe('having the possible CPUs at boot (mips_smp_ipi_init)', () => {
    it('should reserve the call IPI, then the resched IPI, per CPU over the possible mask (row 79)', () => {
      // CPUs 2 and 3 are possible but offline: they get IPIs too (possible, not online).
      const { m, arch } = gicMachine(4, { onlineCpus: [0, 1] });
      const ipi = arch.smpIpi;
      // virq 1 is the GIC cascade on CPU line IP2; the call IPI comes first, then resched.
      expect(arch.gic.cascadeVirq).toBe(1);
      expect(ipi.callVirq).toBe(2);
      expect(ipi.schedVirq).toBe(6);
      for (let cpu = 0; cpu < 4; cpu++) {
        for (const [base, name] of [
          [ipi.callVirq, 'IPI call'],
          [ipi.schedVirq, 'IPI resched'],
        ] as const) {
          const desc = m.irq.irqToDesc(base + cpu)!;
          expect(desc.irqData.domain).toBe(m.ipiDomain);
          expect(desc.irqCommonData.affinity.toString()).toBe('0-3');
          expect(desc.irqCommonData.ipiOffset).toBe(0);
          expect(desc.irqCommonData.statusFlags & IRQ_NO_BALANCING).toBe(IRQ_NO_BALANCING);
          expect(desc.handleIrq).toBe(m.irq.flow.handlePercpuIrq);
          expect(desc.actions.map((a) => [a.name, a.flags])).toEqual([[name, IRQF_PERCPU]]);
        }
      }
      // Call IPIs took the lowest reserved shared interrupts, resched the next ones.
      const hw = (virq: number): number => m.irq.irqGetIrqData(virq)!.hwirq;
      expect([0, 1, 2, 3].map((c) => hw(ipi.callVirq + c))).toEqual(
        [248, 249, 250, 251].map(gicSharedToHwirq),
      );
      expect([0, 1, 2, 3].map((c) => hw(ipi.schedVirq + c))).toEqual(
        [252, 253, 254, 255].map(gicSharedToHwirq),
      );
      expect(ipi.callDesc).toBe(m.irq.irqToDesc(ipi.callVirq));
      expect(ipi.schedDesc).toBe(m.irq.irqToDesc(ipi.schedVirq));
      expect(m.warnings).toEqual([]);
    });

    it('should return 0 and reserve through irq_reserve_ipi on the domain found by bus token (row 79)', () => {
      const { m, arch } = gicMachine(4);
      const spy = jest.spyOn(m.ipi, 'irqReserveIpi');
      arch.smpIpi.mipsSmpIpiFree(Cpumask.of(4, [2, 3]));
      expect(arch.smpIpi.mipsSmpIpiAllocate(Cpumask.of(4, [2, 3]))).toBe(0);
      expect(spy.mock.calls.map(([d, dest]) => [d, dest.toString()])).toEqual([
        [m.ipiDomain, '2-3'],
        [m.ipiDomain, '2-3'],
      ]);
      expect(m.irq.irqFindMatchingHost(null, DOMAIN_BUS_IPI)).toBe(m.ipiDomain);
    });

    it('should unmask each IPI towards its own CPU only (request_irq starts it up)', () => {
      const { arch } = gicMachine(4);
      const { callVirq, schedVirq } = arch.smpIpi;
      for (let cpu = 0; cpu < 4; cpu++) {
        expect(arch.gic.pcpuMask(cpu)).toEqual([248 + cpu, 252 + cpu]);
        expect(arch.gic.hw.readGicMapVp(248 + cpu)).toBe(cpu);
      }
      expect([callVirq, schedVirq]).toEqual([2, 6]);
    });
  });

  describe('having one possible CPU', () => {
    it('should set up no IPIs at all', () => {
      const { m, arch } = gicMachine(1);
      expect(arch.smpIpi.callVirq).toBe(0);
      expect(arch.smpIpi.callDesc).toBeNull();
      expect(m.irq.descs.allocatedCount).toBe(1);
      expect(() => {
        arch.smpIpi.sendIpiSingle(0, SMP_CALL_FUNCTION);
      }).toThrow(/not allocated/);
    });
  });

  describe('having an irq_reserve_ipi() error (quirk §12.6)', () => {
    it('should let the negative error through BUG_ON(!virq) and BUG in smp_ipi_init_one instead', () => {
      // A pool of 4 holds the call IPIs of 4 CPUs; the resched reservation gets -EBUSY (-16).
      expect(() =>
        createMachine({
          arch: 'mips-gic',
          nrCpus: 4,
          archOptions: { gicReservedIpiVectors: [248, 4] },
        }),
      ).toThrow(
        /kernel BUG at arch\/mips\/kernel\/smp.c \(smp_ipi_init_one\): request_irq\(-16, "IPI resched"\) returned -EINVAL/,
      );
    });
  });

  describe('having a reservation that does not start at CPU 0 (quirk §12.6)', () => {
    it("should still take CPU c's virq as call_virq + c, which is not the new reservation", () => {
      const { m, arch } = gicMachine(4);
      const ipi = arch.smpIpi;
      expect(ipi.mipsSmpIpiFree(Cpumask.of(4, [2, 3]))).toBe(0);
      // Occupy the freed virq of CPU 2's call IPI, so the new reservation lands elsewhere.
      expect(m.irq.irqAllocDescs(4, 4, 1)).toBe(4);
      expect(() => ipi.mipsSmpIpiAllocate(Cpumask.of(4, [2, 3]))).toThrow(
        /smp_ipi_init_one\): request_irq\(4, "IPI call"\) returned -EINVAL/,
      );
      // call_virq kept its first value; the reservation for {2,3} is at 8 (offset 2).
      expect(ipi.callVirq).toBe(2);
      expect(m.irq.irqToDesc(8)!.irqCommonData.ipiOffset).toBe(2);
    });
  });

  describe('having bad input', () => {
    it.each([
      ['a mask that is not a Cpumask', () => [1], TypeError, /mipsSmpIpiAllocate: mask/],
      [
        'a mask of another width',
        () => Cpumask.of(8, [1]),
        RangeError,
        /mipsSmpIpiAllocate: mask is 8 bits/,
      ],
    ])('should reject %s and change nothing', (_what, mask, type, message) => {
      const { m, arch } = gicMachine(4);
      expectRejected(
        m,
        () => arch.smpIpi.mipsSmpIpiAllocate(mask() as unknown as Cpumask),
        type,
        message,
      );
    });
  });
});

describe(MipsSmpIpi.prototype.mipsSmpIpiFree, () => {
  describe('having the IPIs of CPU 3', () => {
    it('should free its handlers, destroy its two virqs and return its interrupts to the pool', () => {
      const { m, arch } = gicMachine(4);
      expect(arch.gic.ipiAvailable()).toEqual([]);
      expect(arch.smpIpi.mipsSmpIpiFree(Cpumask.of(4, [3]))).toBe(0);
      expect(m.irq.irqToDesc(5)).toBeNull();
      expect(m.irq.irqToDesc(9)).toBeNull();
      expect(arch.gic.ipiAvailable()).toEqual([251, 255]);
      // free_irq() shut the interrupts down: masked and out of CPU 3's pcpu mask.
      expect(arch.gic.pcpuMask(3)).toEqual([]);
      expect(arch.gic.hw.readGicMask(251)).toBe(false);
    });
  });

  describe('having allocated again what was freed', () => {
    it('should find the same virqs first-fit and deliver IPIs to that CPU again', () => {
      const { m, arch } = gicMachine(4);
      arch.smpIpi.mipsSmpIpiFree(Cpumask.of(4, [3]));
      expect(arch.smpIpi.mipsSmpIpiAllocate(Cpumask.of(4, [3]))).toBe(0);
      expect(m.irq.irqToDesc(5)!.actions[0].name).toBe('IPI call');
      expect(m.irq.irqToDesc(9)!.actions[0].name).toBe('IPI resched');
      let ran = 0;
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionSingle(3, () => ran++, null, true);
        m.sched.smpSendReschedule(3);
      });
      settle(m);
      expect(ran).toBe(1);
      expect(m.sched.schedulerIpis[3]).toBe(1);
    });
  });

  describe('having a bad mask', () => {
    it('should throw a TypeError and change nothing', () => {
      const { m, arch } = gicMachine(4);
      expectRejected(
        m,
        () => arch.smpIpi.mipsSmpIpiFree('3' as unknown as Cpumask),
        TypeError,
        /mipsSmpIpiFree: mask/,
      );
    });
  });
});

describe(MipsSmpIpi.prototype.sendIpiMask, () => {
  describe('having a chip with only ipi_send_single', () => {
    it("should go through the core mask fallback: one chip call per CPU with that CPU's own irq_data", () => {
      const { m, arch } = gicMachine(4);
      const gic = m.get(MipsGic);
      expect(gic.gicEdgeIrqController.ipiSendMask).toBeUndefined();
      const sent: [number, number][] = [];
      const send = gic.gicSendIpi.bind(gic);
      jest.spyOn(gic, 'gicSendIpi').mockImplementation((d) => {
        sent.push([d.irq, d.hwirq]);
        send(d);
      });
      m.sim.spawn(0, function* () {
        arch.smpIpi.sendIpiMask(Cpumask.of(4, [1, 3]), SMP_CALL_FUNCTION);
        arch.smpIpi.sendIpiMask(Cpumask.of(4, [2]), SMP_RESCHEDULE_YOURSELF);
        yield m.sim.delay(0);
      });
      settle(m);
      expect(sent).toEqual([
        [3, gicSharedToHwirq(249)],
        [5, gicSharedToHwirq(251)],
        [8, gicSharedToHwirq(254)],
      ]);
      expect(m.sched.schedulerIpis[2]).toBe(1);
      // Every delivered IPI ran its handler through handle_percpu_irq on its own CPU.
      expect(m.irq.irqToDesc(3)!.kstatIrqsCpu(1)).toBe(1);
      expect(m.irq.irqToDesc(5)!.kstatIrqsCpu(3)).toBe(1);
    });
  });

  describe('having a sender with interrupts enabled', () => {
    it('should send with local interrupts off and restore them', () => {
      const { m, arch } = gicMachine(4);
      const states: boolean[] = [];
      const gic = m.get(MipsGic);
      const send = gic.gicSendIpi.bind(gic);
      jest.spyOn(gic, 'gicSendIpi').mockImplementation((d) => {
        states.push(m.sim.irqsDisabled());
        send(d);
      });
      let after = false;
      m.sim.spawn(0, function* () {
        arch.smpIpi.sendIpiSingle(2, SMP_CALL_FUNCTION);
        after = m.sim.irqsDisabled();
        yield m.sim.delay(0);
      });
      settle(m);
      expect(states).toEqual([true]);
      expect(after).toBe(false);
    });
  });
});

describe('the GIC IPI domain of mips-gic', () => {
  describe('having the default pool', () => {
    it('should reserve the top 2 × possible-CPU shared interrupts (row 80)', () => {
      const { arch } = gicMachine(4);
      expect(arch.gic.ipiReserved()).toEqual([248, 249, 250, 251, 252, 253, 254, 255]);
      const { arch: arch8 } = gicMachine(8, { archOptions: { gicSharedIntrs: 64 } });
      expect(arch8.gic.ipiReserved()).toEqual(Array.from({ length: 16 }, (_, i) => 48 + i));
    });

    it('should count possible CPUs, not online ones (row 80)', () => {
      const { arch } = gicMachine(4, { onlineCpus: [0] });
      expect(arch.gic.ipiReserved()).toHaveLength(8);
    });

    it('should refuse a device mapping of a reserved shared interrupt with -EBUSY (row 80)', () => {
      const { m, arch } = gicMachine(4);
      const fw = (intr: number) => ({
        fwnode: arch.gic.fwnode,
        param: [GIC_SHARED, intr, IRQ_TYPE_LEVEL_HIGH],
      });
      expect(m.irq.irqDomainAllocIrqs(arch.gic.gicIrqDomain, 1, fw(250))).toBe(-Errno.EBUSY);
      const virq = m.irq.irqDomainAllocIrqs(arch.gic.gicIrqDomain, 1, fw(10));
      expect(virq).toBeGreaterThan(0);
      expect(m.irq.irqGetIrqData(virq)!.hwirq).toBe(gicSharedToHwirq(10));
      expect(m.irq.irqGetIrqData(virq)!.chip).toBe(arch.gic.gicLevelIrqController);
    });

    it('should be a per-CPU IPI child of the GIC root, found by bus token with a null node (row 80)', () => {
      const { m, arch } = gicMachine(4);
      const d = m.ipiDomain!;
      expect(d.parent).toBe(arch.gic.gicIrqDomain);
      expect(d.flags & IRQ_DOMAIN_FLAG_IPI_PER_CPU).toBe(IRQ_DOMAIN_FLAG_IPI_PER_CPU);
      expect(irqDomainIsIpiPerCpu(d)).toBe(true);
      expect(d.busToken).toBe(DOMAIN_BUS_IPI);
      expect(d.name).toBe('mips-gic-6');
      expect(d.revmapSize).toBe(7 + 256);
    });
  });

  describe('having mti,reserved-ipi-vectors', () => {
    it('should take the pool from it instead', () => {
      const { arch } = gicMachine(4, { archOptions: { gicReservedIpiVectors: [16, 12] } });
      expect(arch.gic.ipiReserved()).toEqual(Array.from({ length: 12 }, (_, i) => 16 + i));
      expect(arch.gic.ipiAvailable()).toEqual([24, 25, 26, 27]);
    });
  });

  describe('having a fragmented pool (quirk §12.5)', () => {
    it('should check for space only when the first free interrupt is below nr_irqs', () => {
      // Pool 0-7; boot takes 0-1 (call) and 2-3 (resched); freeing CPU 0 leaves {0, 2, 4-7}.
      const { m, arch } = gicMachine(2, { archOptions: { gicReservedIpiVectors: [0, 8] } });
      arch.smpIpi.mipsSmpIpiFree(Cpumask.of(2, [0]));
      expect(arch.gic.ipiAvailable()).toEqual([0, 2, 4, 5, 6, 7]);
      // base 0 < nr 2: the loop sees that 1 is taken → -EBUSY (reported as -EBUSY).
      expect(m.ipi.irqReserveIpi(m.ipiDomain, Cpumask.of(2, [0, 1]))).toBe(-Errno.EBUSY);
      expect(arch.gic.ipiAvailable()).toEqual([0, 2, 4, 5, 6, 7]);
    });

    it('should otherwise claim nr_irqs interrupts from the base, taken or not', () => {
      // Pool 240-255; boot takes 240-247; freeing CPU 3 leaves {243, 247, 248-255}.
      const { m, arch } = gicMachine(4, { archOptions: { gicReservedIpiVectors: [240, 16] } });
      arch.smpIpi.mipsSmpIpiFree(Cpumask.of(4, [3]));
      expect(arch.gic.ipiAvailable().slice(0, 2)).toEqual([243, 247]);
      const virq = m.ipi.irqReserveIpi(m.ipiDomain, Cpumask.of(4, [2, 3]));
      expect(virq).toBeGreaterThan(0);
      // CPU 3's new IPI got shared interrupt 244: CPU 0's resched IPI, still in use.
      expect(m.ipi.ipiGetHwirq(virq, 3)).toBe(gicSharedToHwirq(244));
      expect(m.irq.irqGetIrqData(arch.smpIpi.schedVirq)!.hwirq).toBe(gicSharedToHwirq(244));
    });
  });
});

describe('mips-gic machine options', () => {
  describe('having too many CPUs for the default pool', () => {
    it('should refuse the machine with a RangeError', () => {
      expect(() => createMachine({ arch: 'mips-gic', nrCpus: 129 })).toThrow(
        /129 possible CPUs need 258 IPI interrupts/,
      );
    });
  });

  describe('having bad GIC options', () => {
    it.each([
      [{ gicSharedIntrs: 12 }, /gicSharedIntrs is 12/],
      [{ gicSharedIntrs: 512 }, /gicSharedIntrs is 512/],
      [{ gicSharedIntrs: 'x' }, /gicSharedIntrs is "x"/],
      [{ gicReservedIpiVectors: [250, 10] }, /gicReservedIpiVectors is \[250,10\]/],
      [{ gicReservedIpiVectors: [1] }, /gicReservedIpiVectors is \[1\]/],
      [{ gicReservedIpiVectors: 'top' }, /gicReservedIpiVectors is "top"/],
    ])('should refuse %j with a RangeError naming the option', (archOptions, message) => {
      expect(() => createMachine({ arch: 'mips-gic', nrCpus: 2, archOptions })).toThrow(RangeError);
      expect(() => createMachine({ arch: 'mips-gic', nrCpus: 2, archOptions })).toThrow(message);
    });
  });
});
