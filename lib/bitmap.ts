/**
 * Word-array bitmap primitives shared by {@link Cpumask} and the irq number allocator.
 * Mirrors the parts of `lib/find_bit.c` and `lib/bitmap.c` that the IPI code needs.
 *
 * Bits are stored little-endian in 32-bit words: bit `n` lives in `words[n >>> 5]` at position
 * `n & 31`. Nothing here allocates.
 *
 * @packageDocumentation
 */

/** Number of 32-bit words needed for `nbits` bits. */
export function bitsToWords(nbits: number): number {
  return (nbits + 31) >>> 5;
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/**
 * Lowest set bit at or after `start`, or `size` if there is none.
 * Mirrors `find_next_bit()` (lib/find_bit.c), with the result clamped to `size`.
 */
export function findNextBit(words: Uint32Array, size: number, start: number): number {
  // A negative start is a huge unsigned offset in C: nothing at or after it.
  if (start >= size || start < 0) return size;
  let w = start >>> 5;
  let word = words[w] & (0xffffffff << (start & 31));
  const last = (size - 1) >>> 5;
  for (;;) {
    if (word !== 0) {
      const bit = (w << 5) + lowestBit(word);
      return bit < size ? bit : size;
    }
    if (++w > last) return size;
    word = words[w];
  }
}

/**
 * Lowest clear bit at or after `start`, or `size` if there is none.
 * Mirrors `find_next_zero_bit()` (lib/find_bit.c).
 */
export function findNextZeroBit(words: Uint32Array, size: number, start: number): number {
  // A negative start is a huge unsigned offset in C: nothing at or after it.
  if (start >= size || start < 0) return size;
  let w = start >>> 5;
  let word = ~words[w] & (0xffffffff << (start & 31));
  const last = (size - 1) >>> 5;
  for (;;) {
    if (word !== 0) {
      const bit = (w << 5) + lowestBit(word);
      return bit < size ? bit : size;
    }
    if (++w > last) return size;
    word = ~words[w];
  }
}

/** Population count of a 32-bit word. */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Sets `len` bits from `start`. Mirrors `bitmap_set()`. */
export function bitmapSet(words: Uint32Array, start: number, len: number): void {
  for (let i = start; i < start + len; i++) words[i >>> 5] |= 1 << (i & 31);
}

/** Clears `len` bits from `start`. Mirrors `bitmap_clear()`. */
export function bitmapClear(words: Uint32Array, start: number, len: number): void {
  for (let i = start; i < start + len; i++) words[i >>> 5] &= ~(1 << (i & 31));
}

/**
 * Lowest start `s >= start` such that bits `[s, s + nr)` are all clear and `s + nr <= size`;
 * returns a value `> size - nr` (at least `size`) when no such run exists.
 * Mirrors `bitmap_find_next_zero_area()` with no alignment mask.
 */
export function bitmapFindNextZeroArea(
  words: Uint32Array,
  size: number,
  start: number,
  nr: number,
): number {
  let index = start;
  for (;;) {
    index = findNextZeroBit(words, size, index);
    const end = index + nr;
    if (end > size) return size;
    const busy = findNextBit(words, end, index);
    if (busy >= end) return index;
    index = busy + 1;
  }
}
