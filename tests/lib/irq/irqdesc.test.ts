import { describe, expect, it } from '@jest/globals';
import {
  Errno,
  IRQ_NOPROBE,
  IRQ_NOREQUEST,
  IrqDescTable,
  type Machine,
  createMachine,
  noIrqChip,
} from '../../../lib/index.js';
import { expectRejected } from '../../helpers/state.js';

function setup(nrIrqs = 16): Machine {
  return createMachine({ arch: 'test', nrCpus: 4, nrIrqs });
}

describe(IrqDescTable.prototype.irqAllocDescs, () => {
  describe('having an "any number" request', () => {
    it('should return the lowest free run of cnt numbers at or above from', () => {
      const m = setup();
      expect(m.irq.irqAllocDescs(-1, 0, 3)).toBe(0);
      expect(m.irq.irqAllocDescs(-1, 5, 2)).toBe(5);
      expect(m.irq.irqAllocDescs(-1, 0, 2)).toBe(3);
      expect(m.irq.irqAllocDescs(-1, 0, 2)).toBe(7);
      expect(m.irq.irqAllocDescs(-1, 0, 1)).toBe(9);
      expect([...m.irq.descs.allocatedIrqs()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(m.irq.descs.allocatedCount).toBe(10);
    });

    it('should return -ENOMEM when no run fits below nr_irqs', () => {
      const m = setup(8);
      expect(m.irq.irqAllocDescs(-1, 1, 7)).toBe(1);
      expect(m.irq.irqAllocDescs(-1, 1, 1)).toBe(-Errno.ENOMEM);
      expect(m.irq.irqAllocDescs(-1, 0, 2)).toBe(-Errno.ENOMEM);
      expect(m.irq.irqAllocDescs(-1, 100, 1)).toBe(-Errno.ENOMEM);
      expect(m.irq.descs.allocatedCount).toBe(7);
    });
  });

  describe('having a specific number', () => {
    it('should allocate exactly [irq, irq + cnt) or return -EEXIST', () => {
      const m = setup();
      expect(m.irq.irqAllocDescs(4, 2, 2)).toBe(4);
      expect(m.irq.irqAllocDescs(5, 5, 1)).toBe(-Errno.EEXIST);
      expect(m.irq.irqAllocDescs(3, 3, 2)).toBe(-Errno.EEXIST);
      expect(m.irq.irqAllocDescs(6, 0, 1)).toBe(6);
      // Past nr_irqs without SPARSE_IRQ: the range cannot exist.
      expect(m.irq.irqAllocDescs(15, 15, 2)).toBe(-Errno.EEXIST);
      expect([...m.irq.descs.allocatedIrqs()]).toEqual([4, 5, 6]);
    });

    it('should return -EINVAL when from is above irq', () => {
      const m = setup();
      expect(m.irq.irqAllocDescs(3, 4, 1)).toBe(-Errno.EINVAL);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });
  });

  describe('having cnt 0', () => {
    it('should return -EINVAL', () => {
      const m = setup();
      expect(m.irq.irqAllocDescs(-1, 1, 0)).toBe(-Errno.EINVAL);
      expect(m.irq.irqAllocDescs(2, 2, 0)).toBe(-Errno.EINVAL);
    });
  });

  describe('having a fresh descriptor', () => {
    it('should start with no_irq_chip, no domain, depth 1, NOREQUEST|NOPROBE and all-possible affinity', () => {
      const m = setup();
      const virq = m.irq.irqAllocDescs(-1, 1, 1);
      const desc = m.irq.irqToDesc(virq);
      expect(desc?.irq).toBe(virq);
      expect(desc?.irqData.chip).toBe(noIrqChip);
      expect(desc?.irqData.domain).toBeNull();
      expect(desc?.irqData.parentData).toBeNull();
      expect(desc?.irqData.hwirq).toBe(0);
      expect(desc?.depth).toBe(1);
      expect(desc?.handleIrq).toBeNull();
      expect(desc?.irqCommonData.statusFlags).toBe(IRQ_NOREQUEST | IRQ_NOPROBE);
      expect(desc?.irqCommonData.affinity.equal(m.cpuPossibleMask)).toBe(true);
      expect(desc?.irqCommonData.ipiOffset).toBe(0);
      expect(m.irq.irqGetIrqData(virq)).toBe(desc?.irqData);
      expect(m.irq.descs.lookup(virq)).toBe(desc);
    });
  });

  describe('having malformed arguments', () => {
    it.each([
      ['irq', NaN, 0, 1, TypeError],
      ['irq', 1.5, 0, 1, TypeError],
      ['from', -1, -1, 1, RangeError],
      ['from', -1, null, 1, TypeError],
      ['cnt', -1, 0, -1, RangeError],
      ['cnt', -1, 0, undefined, TypeError],
      ['cnt', -1, 0, '2', TypeError],
    ])('should reject a bad %s naming it and allocate nothing', (name, irq, from, cnt, type) => {
      const m = setup();
      expectRejected(
        m,
        () => m.irq.irqAllocDescs(irq, from as never, cnt as never),
        type,
        new RegExp(`irqAllocDescs: ${name} is`),
      );
    });
  });
});

describe(IrqDescTable.prototype.irqFreeDescs, () => {
  describe('having a range within nr_irqs', () => {
    it('should free the allocated descriptors and release their numbers', () => {
      const m = setup();
      expect(m.irq.irqAllocDescs(-1, 1, 5)).toBe(1);
      m.irq.irqFreeDescs(2, 2);
      expect([...m.irq.descs.allocatedIrqs()]).toEqual([1, 4, 5]);
      expect(m.irq.descs.allocatedCount).toBe(3);
      expect(m.irq.irqToDesc(2)).toBeNull();
      expect(m.irq.irqAllocDescs(-1, 1, 2)).toBe(2);
    });

    it('should count only descriptors that existed when the range has gaps', () => {
      const m = setup();
      m.irq.irqAllocDescs(3, 3, 1);
      m.irq.irqAllocDescs(6, 6, 1);
      m.irq.irqFreeDescs(0, 10);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });
  });

  describe('having a bad range', () => {
    it.each([
      [16, 1],
      [100, 1],
      [14, 3],
      [0, 17],
      [-22, 3],
    ])('should silently do nothing for from %d, cnt %d (row 47)', (from, cnt) => {
      const m = setup();
      expect(m.irq.irqAllocDescs(-1, 0, 16)).toBe(0);
      m.irq.irqFreeDescs(from, cnt);
      expect(m.irq.descs.allocatedCount).toBe(16);
      expect(m.warnings).toHaveLength(0);
    });

    it('should free the last descriptors when from + cnt == nr_irqs exactly (row 47)', () => {
      const m = setup();
      expect(m.irq.irqAllocDescs(-1, 0, 16)).toBe(0);
      m.irq.irqFreeDescs(14, 2);
      expect(m.irq.descs.allocatedCount).toBe(14);
    });
  });

  describe('having malformed arguments', () => {
    it.each([
      ['from', NaN, 1],
      ['from', undefined, 1],
      ['cnt', 1, -1],
      ['cnt', 1, 0.5],
    ])('should reject a bad %s naming it and free nothing', (name, from, cnt) => {
      const m = setup();
      m.irq.irqAllocDescs(-1, 0, 4);
      expectRejected(
        m,
        () => {
          m.irq.irqFreeDescs(from as never, cnt);
        },
        cnt === -1 ? RangeError : TypeError,
        new RegExp(`irqFreeDescs: ${name} is`),
      );
    });
  });
});

describe(IrqDescTable.prototype.irqToDesc, () => {
  describe('having unknown numbers', () => {
    it('should return null', () => {
      const m = setup();
      expect(m.irq.irqToDesc(0)).toBeNull();
      expect(m.irq.irqToDesc(10 ** 9)).toBeNull();
      expect(m.irq.irqGetIrqData(3)).toBeNull();
    });
  });

  describe('having malformed arguments', () => {
    it.each([NaN, null, -1, 1.5])('should reject irq %p with an error naming irq', (bad) => {
      const m = setup();
      expectRejected(
        m,
        () => m.irq.irqToDesc(bad as never),
        bad === -1 ? RangeError : TypeError,
        /irqToDesc: irq is/,
      );
      expectRejected(
        m,
        () => m.irq.irqGetIrqData(bad as never),
        bad === -1 ? RangeError : TypeError,
        /irqGetIrqData: irq is/,
      );
    });
  });
});

describe(IrqDescTable, () => {
  describe('having nr_irqs from the machine', () => {
    it('should default nr_irqs to 256 + 64 * nrCpus', () => {
      expect(createMachine({ arch: 'test', nrCpus: 4 }).irq.nrIrqs).toBe(256 + 64 * 4);
      expect(setup(33).irq.nrIrqs).toBe(33);
    });
  });
});

describe('IrqDesc.prototype.kstatIncr', () => {
  describe('having interrupts counted on one CPU, then on others', () => {
    it('should count per CPU and total, in CPU order', () => {
      const m = setup();
      const desc = m.irq.irqToDesc(m.irq.irqAllocDescs(-1, 0, 1))!;
      expect([desc.kstatIrqsTotal(), desc.kstatEntries()]).toEqual([0, []]);
      desc.kstatIncr(2);
      desc.kstatIncr(2);
      expect([desc.kstatIrqsCpu(2), desc.kstatIrqsCpu(1), desc.kstatEntries()]).toEqual([2, 0, [[2, 2]]]);
      desc.kstatIncr(0);
      desc.kstatIncr(3);
      desc.kstatIncr(2);
      expect(desc.kstatEntries()).toEqual([[0, 1], [2, 3], [3, 1]]);
      expect(desc.kstatIrqsTotal()).toBe(5);
      expect(desc.kstatIrqsCpu(7)).toBe(0);
    });
  });
});

describe('IrqDesc.prototype.kstatIncr (bad input)', () => {
  describe('having a CPU outside the machine or not an integer', () => {
    it('should throw and count nothing', () => {
      const m = setup();
      const desc = m.irq.irqToDesc(m.irq.irqAllocDescs(-1, 0, 1))!;
      desc.kstatIncr(1);
      expect(() => {
        desc.kstatIncr(4);
      }).toThrow(RangeError);
      expect(() => {
        desc.kstatIncr(-1);
      }).toThrow(RangeError);
      expect(() => {
        desc.kstatIncr(1.5);
      }).toThrow(TypeError);
      expect(() => {
        desc.kstatIncr('2' as never);
      }).toThrow(TypeError);
      expect(desc.kstatEntries()).toEqual([[1, 1]]);
    });
  });
});
