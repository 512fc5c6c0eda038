import { describe, expect, it } from '@jest/globals';
import {
  APIC_DEST_ALLBUT,
  APIC_DEST_ALLINC,
  APIC_DEST_LOGICAL,
  APIC_DEST_PHYSICAL,
  APIC_DEST_SELF,
  APIC_DM_FIXED,
  APIC_DM_MASK,
  APIC_DM_NMI,
  APIC_ICR_BUSY,
  APIC_SHORT_MASK,
  APIC_VECTOR_MASK,
  NMI_VECTOR,
  SET_APIC_DEST_FIELD,
  __prepareICR,
  __prepareICR2,
  x2apicLogicalId,
  x2apicMsr,
  APIC_ICR,
  APIC_SELF_IPI,
} from '../../../drivers/apic/index.js';

describe(__prepareICR, () => {
  describe('having a destination shorthand (row 76)', () => {
    it('should encode SELF as 0x40000, ALL-including-self as 0x80000 and ALL-but-self as 0xC0000', () => {
      expect(APIC_DEST_SELF).toBe(0x40000);
      expect(APIC_DEST_ALLINC).toBe(0x80000);
      expect(APIC_DEST_ALLBUT).toBe(0xc0000);
      expect(__prepareICR(APIC_DEST_SELF, 0xf6, 0)).toBe(0x400f6);
      expect(__prepareICR(APIC_DEST_ALLINC, 0xfc, 0)).toBe(0x800fc);
      expect(__prepareICR(APIC_DEST_ALLBUT, 0xfc, 0)).toBe(0xc00fc);
    });

    it('should keep the shorthand in bits 18-19 only', () => {
      expect(__prepareICR(APIC_DEST_ALLBUT, 0xfd, 0) & APIC_SHORT_MASK).toBe(APIC_DEST_ALLBUT);
      expect(__prepareICR(APIC_DEST_ALLBUT, 0xfd, 0) & ~APIC_SHORT_MASK).toBe(0xfd);
    });
  });

  describe('having NMI_VECTOR (row 76)', () => {
    it('should use delivery mode NMI (0x400) with an empty vector field', () => {
      const icr = __prepareICR(APIC_DEST_ALLBUT, NMI_VECTOR, 0);
      expect(icr).toBe(0xc0400);
      expect(icr & APIC_DM_MASK).toBe(APIC_DM_NMI);
      expect(icr & APIC_VECTOR_MASK).toBe(0);
    });
  });

  describe('having an ordinary vector and a destination mode', () => {
    it('should send it fixed with the vector in bits 0-7 and the mode in bit 11', () => {
      expect(__prepareICR(0, 0xfd, APIC_DEST_PHYSICAL)).toBe(0xfd);
      expect(__prepareICR(0, 0xfd, APIC_DEST_LOGICAL)).toBe(0x8fd);
      expect(__prepareICR(0, 0xfd, APIC_DEST_LOGICAL) & APIC_DM_MASK).toBe(APIC_DM_FIXED);
    });

    it('should never set the delivery-status bit', () => {
      expect(__prepareICR(APIC_DEST_ALLINC, 0xff, APIC_DEST_LOGICAL) & APIC_ICR_BUSY).toBe(0);
    });
  });
});

describe(__prepareICR2, () => {
  describe('having an 8-bit destination', () => {
    it('should place it in bits 24-31 of ICR2', () => {
      expect(__prepareICR2(0x0f)).toBe(0x0f000000);
      expect(__prepareICR2(0xff)).toBe(0xff000000);
      expect(SET_APIC_DEST_FIELD(0x12)).toBe(0x12000000);
    });
  });
});

describe(x2apicLogicalId, () => {
  describe('having an x2APIC ID', () => {
    it('should be (cluster << 16) | 1 << (id & 15) with cluster = id >> 4', () => {
      expect(x2apicLogicalId(0)).toBe(0x00001);
      expect(x2apicLogicalId(15)).toBe(0x08000);
      expect(x2apicLogicalId(16)).toBe(0x10001);
      expect(x2apicLogicalId(0x35)).toBe(0x30020);
      expect(x2apicLogicalId(8191)).toBe(0x1ff8000);
    });
  });
});

describe(x2apicMsr, () => {
  describe('having a register offset', () => {
    it('should map it to MSR 0x800 + (offset >> 4)', () => {
      expect(x2apicMsr(APIC_ICR)).toBe(0x830);
      expect(x2apicMsr(APIC_SELF_IPI)).toBe(0x83f);
    });
  });
});
