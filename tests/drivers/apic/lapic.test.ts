import { describe, expect, it } from '@jest/globals';
import { LocalApic } from '../../../drivers/apic/index.js';

function lapic(): LocalApic {
  return new LocalApic(0, 0, false);
}

describe(LocalApic.prototype.setIrr, () => {
  describe('having a vector already requested', () => {
    it('should coalesce: return false and keep one IRR bit', () => {
      const l = lapic();
      expect(l.setIrr(0x40)).toBe(true);
      expect(l.setIrr(0x40)).toBe(false);
      expect(l.pendingCount()).toBe(1);
    });
  });

  describe('having the vector in service', () => {
    it('should accept one more request of it', () => {
      const l = lapic();
      l.setIrr(0x40);
      expect(l.acknowledge()).toBe(0x40);
      expect(l.setIrr(0x40)).toBe(true);
      expect(l.requested(0x40) && l.inService(0x40)).toBe(true);
    });
  });
});

describe(LocalApic.prototype.acknowledge, () => {
  describe('having several requested vectors', () => {
    it('should deliver the highest first and block lower classes while it is in service', () => {
      const l = lapic();
      l.setIrr(0x41);
      l.setIrr(0x81);
      l.setIrr(0x85);
      expect(l.acknowledge()).toBe(0x85);
      // 0x81 is in the same priority class as 0x85: it waits for the EOI.
      expect(l.acknowledge()).toBe(-1);
      expect(l.eoi()).toBe(0x85);
      expect(l.acknowledge()).toBe(0x81);
    });
  });

  describe('having a TPR', () => {
    it('should deliver only classes above the TPR class', () => {
      const l = lapic();
      l.tpr = 0x80;
      l.setIrr(0x8f);
      expect(l.deliverable()).toBe(-1);
      l.setIrr(0x90);
      expect(l.acknowledge()).toBe(0x90);
      l.tpr = 0;
      l.eoi();
      expect(l.acknowledge()).toBe(0x8f);
    });
  });
});

describe(LocalApic.prototype.ppr, () => {
  describe('having a vector in service of a higher class than TPR', () => {
    it('should be that class', () => {
      const l = lapic();
      l.tpr = 0x35;
      expect(l.ppr()).toBe(0x35);
      l.setIrr(0x61);
      l.acknowledge();
      expect(l.ppr()).toBe(0x60);
    });
  });
});

describe(LocalApic.prototype.eoi, () => {
  describe('having nested vectors in service', () => {
    it('should retire the highest first', () => {
      const l = lapic();
      l.setIrr(0x50);
      l.acknowledge();
      l.setIrr(0xf0);
      l.acknowledge();
      expect([l.eoi(), l.eoi(), l.eoi()]).toEqual([0xf0, 0x50, -1]);
    });
  });
});

describe(LocalApic.prototype.matchLogical, () => {
  describe('having xAPIC flat model', () => {
    it('should match any common LDR bit', () => {
      const l = lapic();
      l.ldr = 0x04000000;
      expect(l.matchLogical(0x06, false)).toBe(true);
      expect(l.matchLogical(0x03, false)).toBe(false);
    });
  });

  describe('having xAPIC cluster model', () => {
    it('should match the cluster nibble (or 0xF for all) and a member bit', () => {
      const l = lapic();
      l.dfr = 0x0fffffff;
      l.ldr = 0x32000000;
      expect(l.matchLogical(0x32, false)).toBe(true);
      expect(l.matchLogical(0x3d, false)).toBe(false);
      expect(l.matchLogical(0x22, false)).toBe(false);
      expect(l.matchLogical(0xf2, false)).toBe(true);
    });
  });

  describe('having x2APIC', () => {
    it('should match the 16-bit cluster and a member bit', () => {
      const l = new LocalApic(0, 0x23, true);
      expect(l.ldr).toBe(0x20008);
      expect(l.matchLogical(0x2000c, true)).toBe(true);
      expect(l.matchLogical(0x30008, true)).toBe(false);
      expect(l.matchLogical(0x20004, true)).toBe(false);
    });
  });
});
