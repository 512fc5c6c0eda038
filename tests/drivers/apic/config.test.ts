import { describe, expect, it } from '@jest/globals';
import { firmwareApicId, parseApicConfig } from '../../../drivers/apic/index.js';

describe(firmwareApicId, () => {
  describe('having 8 CPUs (two threads per core)', () => {
    it('should enumerate the first threads of every core, then the siblings', () => {
      expect(Array.from({ length: 8 }, (_, c) => firmwareApicId(c, 8))).toEqual([
        0, 2, 4, 6, 1, 3, 5, 7,
      ]);
    });
  });

  describe.each([1, 2, 3, 7, 64, 255, 256, 1000, 8192])('having %i CPUs', (nr) => {
    it('should give a permutation of [0, nrCpus)', () => {
      const ids = Array.from({ length: nr }, (_, c) => firmwareApicId(c, nr));
      expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: nr }, (_, i) => i));
    });
  });

  describe('having more than two CPUs', () => {
    it('should not be the identity', () => {
      expect(firmwareApicId(1, 64)).toBe(2);
      expect(firmwareApicId(32, 64)).toBe(1);
    });
  });

  describe('having 255 CPUs', () => {
    it('should stay below the xAPIC broadcast ID', () => {
      expect(Math.max(...Array.from({ length: 255 }, (_, c) => firmwareApicId(c, 255)))).toBe(0xfe);
    });
  });
});

describe(parseApicConfig, () => {
  describe('having no apicMode', () => {
    it('should pick xapic-phys up to 255 CPUs and x2apic-cluster above', () => {
      expect(parseApicConfig({}, 255)).toEqual({ mode: 'xapic-phys', x2apic: false });
      expect(parseApicConfig({}, 256)).toEqual({ mode: 'x2apic-cluster', x2apic: true });
    });
  });

  describe('having a mode the machine is too large for', () => {
    it('should reject logical flat above 8 CPUs with a RangeError naming apicMode', () => {
      expect(() => parseApicConfig({ apicMode: 'xapic-logical-flat' }, 9)).toThrow(RangeError);
      expect(() => parseApicConfig({ apicMode: 'xapic-logical-flat' }, 9)).toThrow(/apicMode/);
      expect(parseApicConfig({ apicMode: 'xapic-logical-flat' }, 8).mode).toBe(
        'xapic-logical-flat',
      );
    });

    it('should reject the xAPIC modes above 255 CPUs', () => {
      expect(() => parseApicConfig({ apicMode: 'xapic-phys' }, 256)).toThrow(RangeError);
      expect(() => parseApicConfig({ apicMode: 'xapic-phys' }, 256)).toThrow(/x2apic/);
    });
  });

  describe('having an unknown mode', () => {
    it('should throw a TypeError naming apicMode and the choices', () => {
      expect(() => parseApicConfig({ apicMode: 'x2apic' }, 4)).toThrow(TypeError);
      expect(() => parseApicConfig({ apicMode: 3 }, 4)).toThrow(
        /archOptions\.apicMode is 3; expected one of xapic-phys/,
      );
    });
  });
});
