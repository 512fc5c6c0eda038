import { describe, expect, it } from '@jest/globals';
import { MIPS_CPU_HW_LINES, MipsCpuIntc } from '../../../drivers/mips-cpu-intc/index.js';
import { IrqReturn } from '../../../lib/index.js';
import { expectRejected, mailboxMachine, settle } from '../../arch/mips/helpers.js';

function setup(nrCpus = 2) {
  const { m } = mailboxMachine(nrCpus);
  return { m, intc: m.get(MipsCpuIntc) };
}

describe(MipsCpuIntc.prototype.irqCreateMapping, () => {
  describe('having a free line', () => {
    it('should map it to a virq with the MIPS chip and handle_percpu_irq, once', () => {
      const { m, intc } = setup();
      const virq = intc.irqCreateMapping(3);
      expect(virq).toBeGreaterThan(0);
      const data = m.irq.irqGetIrqData(virq)!;
      expect([data.domain, data.hwirq, data.chip]).toEqual([intc.domain, 3, intc.chip]);
      expect(m.irq.irqToDesc(virq)!.handleIrq).toBe(m.irq.flow.handlePercpuIrq);
      expect(intc.irqCreateMapping(3)).toBe(virq);
      expect(m.irq.irqFindMapping(intc.domain, 3)).toBe(virq);
    });
  });

  describe('having a bad line', () => {
    it.each([[-1], [8], [2.5]])(
      'should throw a RangeError for line %p and change nothing',
      (line) => {
        const { m, intc } = setup();
        expectRejected(
          m,
          () => intc.irqCreateMapping(line),
          RangeError,
          /irqCreateMapping: line is/,
        );
      },
    );
  });
});

describe(MipsCpuIntc.prototype.setLine, () => {
  describe('having a line enabled in Status.IM', () => {
    it("should make the CPU take it and run the line's handler through the domain", () => {
      const { m, intc } = setup();
      const virq = intc.irqCreateMapping(4);
      let seen = -1;
      m.irq.requestIrq(
        virq,
        () => {
          seen = m.sim.smpProcessorId();
          intc.setLine(1, 4, false);
          return IrqReturn.IRQ_HANDLED;
        },
        0,
        'dev',
        null,
      );
      intc.setLine(1, 4, true);
      expect(intc.causeIp(1) & 0x10).toBe(0x10);
      settle(m);
      expect(seen).toBe(1);
      expect(intc.causeIp(1) & 0x10).toBe(0);
      // handle_percpu_irq acked (masked) and EOIed (unmasked) the line on CPU 1.
      expect(intc.statusIm(1)).toBe(MIPS_CPU_HW_LINES);
    });
  });

  describe('having a line masked in Status.IM', () => {
    it('should leave it pending until the line is unmasked', () => {
      const { m, intc } = setup();
      const virq = intc.irqCreateMapping(5);
      let runs = 0;
      m.irq.requestIrq(
        virq,
        () => {
          runs++;
          intc.setLine(0, 5, false);
          return IrqReturn.IRQ_HANDLED;
        },
        0,
        'dev',
        null,
      );
      intc.changeC0StatusIm(0, MIPS_CPU_HW_LINES & ~0x20);
      intc.setLine(0, 5, true);
      expect(intc.pending(0)).toBe(false);
      settle(m);
      expect(runs).toBe(0);
      intc.changeC0StatusIm(0, MIPS_CPU_HW_LINES);
      settle(m);
      expect(runs).toBe(1);
    });
  });
});

describe(MipsCpuIntc.prototype.acknowledge, () => {
  describe('having several lines pending', () => {
    it('should pick the highest line first (fls(pending) - 1) without clearing it', () => {
      const { intc } = setup();
      intc.setLine(0, 2, true);
      intc.setLine(0, 7, true);
      expect(intc.acknowledge(0)).toBe(7);
      expect(intc.pendingCount(0)).toBe(2);
      intc.setLine(0, 7, false);
      expect(intc.acknowledge(0)).toBe(2);
      intc.setLine(0, 2, false);
      expect(intc.acknowledge(0)).toBe(-1);
    });
  });
});

describe(MipsCpuIntc.prototype.dispatch, () => {
  describe('having a line with no virq', () => {
    it('should count a spurious interrupt, warn and mask the line on that CPU only', () => {
      const { m, intc } = setup();
      intc.setLine(1, 3, true);
      settle(m);
      expect(intc.spurious[1]).toBe(1);
      expect(intc.statusIm(1) & 0x08).toBe(0);
      expect(intc.statusIm(0) & 0x08).toBe(0x08);
      expect(m.warnings.at(-1)?.message).toMatch(/spurious interrupt on CPU1 line IP3/);
    });
  });
});

describe(MipsCpuIntc.prototype.changeC0StatusIm, () => {
  describe('having bad input', () => {
    it.each([
      [
        (i: MipsCpuIntc) => {
          i.changeC0StatusIm(2, 0);
        },
        /changeC0StatusIm: cpu is 2/,
      ],
      [
        (i: MipsCpuIntc) => {
          i.changeC0StatusIm(0, 0x100);
        },
        /changeC0StatusIm: lines is 256/,
      ],
      [(i: MipsCpuIntc) => i.statusIm(-1), /statusIm: cpu is -1/],
      [(i: MipsCpuIntc) => i.causeIp(7), /causeIp: cpu is 7/],
    ])('should throw a RangeError naming the argument and change nothing', (call, message) => {
      const { m, intc } = setup();
      expectRejected(
        m,
        () => {
          call(intc);
        },
        RangeError,
        message,
      );
    });
  });
});
