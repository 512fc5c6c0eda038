import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  bitmapClear,
  bitmapFindNextZeroArea,
  bitmapSet,
  bitsToWords,
  findNextBit,
  findNextZeroBit,
  popcount32,
} from '../../lib/bitmap.js';

/** A bitmap of `size` bits (size 1..200) with a random set of bits, plus the same as a boolean array. */
const bitmapArb = fc.integer({ min: 1, max: 200 }).chain((size) =>
  fc.record({
    size: fc.constant(size),
    bits: fc.array(fc.boolean(), { minLength: size, maxLength: size }),
  }),
);

function build(size: number, bits: readonly boolean[]): Uint32Array {
  const words = new Uint32Array(bitsToWords(size));
  bits.forEach((on, i) => {
    if (on) bitmapSet(words, i, 1);
  });
  return words;
}

describe(bitsToWords, () => {
  describe('having bit counts around word boundaries', () => {
    it.each([
      [0, 0],
      [1, 1],
      [32, 1],
      [33, 2],
      [64, 2],
      [300, 10],
    ])('should need %d bits → %d words', (bits, words) => {
      expect(bitsToWords(bits)).toBe(words);
    });
  });
});

describe(findNextBit, () => {
  describe('having random bitmaps', () => {
    it('should find the lowest set bit at or after start, or size', () => {
      fc.assert(
        fc.property(bitmapArb, fc.integer({ min: -2, max: 210 }), ({ size, bits }, start) => {
          const words = build(size, bits);
          let expected = size;
          for (let i = Math.max(0, start); i < size; i++) {
            if (bits[i]) {
              expected = i;
              break;
            }
          }
          if (start < 0) expected = size;
          expect(findNextBit(words, size, start)).toBe(expected);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('having stray bits past size in the last word', () => {
    it('should clamp the result to size', () => {
      const words = new Uint32Array([1 << 20]);
      expect(findNextBit(words, 10, 0)).toBe(10);
    });
  });
});

describe(findNextZeroBit, () => {
  describe('having random bitmaps', () => {
    it('should find the lowest clear bit at or after start, or size', () => {
      fc.assert(
        fc.property(bitmapArb, fc.integer({ min: -2, max: 210 }), ({ size, bits }, start) => {
          const words = build(size, bits);
          let expected = size;
          for (let i = Math.max(0, start); i < size; i++) {
            if (!bits[i]) {
              expected = i;
              break;
            }
          }
          if (start < 0) expected = size;
          expect(findNextZeroBit(words, size, start)).toBe(expected);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('having a negative start', () => {
    it('should return size, as the unsigned C offset is past the end', () => {
      expect(findNextZeroBit(new Uint32Array(2), 40, -4)).toBe(40);
      expect(findNextBit(new Uint32Array([~0, ~0]), 40, -4)).toBe(40);
    });
  });
});

describe(popcount32, () => {
  describe('having any 32-bit word', () => {
    it('should count its set bits', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
          let n = 0;
          for (let i = 0; i < 32; i++) if ((x >>> i) & 1) n++;
          expect(popcount32(x)).toBe(n);
        }),
        { numRuns: 300 },
      );
      expect(popcount32(0xffffffff)).toBe(32);
      expect(popcount32(0)).toBe(0);
    });
  });
});

describe(bitmapSet, () => {
  describe('having a range across a word boundary', () => {
    it('should set exactly that range, and bitmapClear should clear exactly it', () => {
      const words = new Uint32Array(3);
      bitmapSet(words, 30, 5);
      expect(Array.from(words)).toEqual([0xc0000000, 0x7, 0]);
      bitmapSet(words, 64, 1);
      bitmapClear(words, 31, 2);
      expect(Array.from(words)).toEqual([0x40000000, 0x6, 1]);
    });
  });
});

describe(bitmapFindNextZeroArea, () => {
  describe('having random bitmaps and run lengths', () => {
    it('should return the lowest start of a free run of nr bits at or after start, or size', () => {
      fc.assert(
        fc.property(
          bitmapArb,
          fc.integer({ min: 0, max: 210 }),
          fc.integer({ min: 1, max: 12 }),
          ({ size, bits }, start, nr) => {
            const words = build(size, bits);
            let expected = size;
            for (let s = start; s + nr <= size; s++) {
              if (bits.slice(s, s + nr).every((b) => !b)) {
                expected = s;
                break;
              }
            }
            expect(bitmapFindNextZeroArea(words, size, start, nr)).toBe(expected);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
