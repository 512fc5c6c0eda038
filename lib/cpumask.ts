/**
 * Fixed-width CPU bitmaps, mirroring `include/linux/cpumask.h`.
 *
 * A mask is `nrCpuIds` bits wide (the model sizes masks by `nr_cpu_ids`, never by `NR_CPUS`, so
 * small machines stay cheap). Bits at or above `nrCpuIds` are always clear, which lets weight,
 * subset and equality work a word at a time.
 *
 * @packageDocumentation
 */
import {
  bitsToWords,
  findNextBit,
  findNextZeroBit,
  popcount32,
} from './bitmap.js';
import { describeValue } from './validate.js';

/** The query half of a {@link Cpumask}: what code that must not change a mask may call. */
export interface ReadonlyCpumask extends Iterable<number> {
  /** Width in bits (`nr_cpu_ids` of the machine the mask belongs to). */
  readonly nrCpuIds: number;
  /** Backing words; bit `n` is `words[n >>> 5] & (1 << (n & 31))`. Do not write. */
  readonly words: Uint32Array;
  /** `cpumask_test_cpu()`: is `cpu` set? CPUs outside `[0, nrCpuIds)` are never set. */
  testCpu(cpu: number): boolean;
  /** `cpumask_weight()`: number of set CPUs. */
  weight(): number;
  /** `cpumask_first()`: lowest set CPU, or `nrCpuIds` if empty. */
  first(): number;
  /** `cpumask_next(n)`: lowest set CPU greater than `n`, or `nrCpuIds`. `n = -1` starts at 0. */
  next(n: number): number;
  /** `cpumask_next_zero(n)`: lowest clear CPU greater than `n`, or `nrCpuIds`. */
  nextZero(n: number): number;
  /** `cpumask_empty()`. */
  empty(): boolean;
  /** `cpumask_full()`: every CPU in `[0, nrCpuIds)` is set. */
  full(): boolean;
  /** `cpumask_equal()`. */
  equal(other: ReadonlyCpumask): boolean;
  /** `cpumask_subset(this, other)`: every CPU of this mask is in `other`. */
  subset(other: ReadonlyCpumask): boolean;
  /** `cpumask_intersects()`. */
  intersects(other: ReadonlyCpumask): boolean;
  /** A new, writable mask with the same bits. */
  copy(): Cpumask;
  /** Calls `fn` for each set CPU in ascending order (`for_each_cpu()`). */
  forEach(fn: (cpu: number) => void): void;
  /** The set CPUs in ascending order. */
  toArray(): number[];
  /** Linux list format (`"0-3,5"`, `%*pbl`); the empty mask prints as `""`. */
  toString(): string;
  /** Hex bitmap format (`%*pb`): 32-bit chunks, most significant first. */
  toHex(): string;
}

function checkCpu(fn: string, cpu: number, nrCpuIds: number): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= nrCpuIds) {
    throw new RangeError(
      `${fn}: cpu ${describeValue(cpu)} is not a CPU number; expected an integer in [0, ${nrCpuIds})`,
    );
  }
}

/** Throws unless `n` is an integer (a CPU number or a `cpumask_next()` cursor). */
function checkIndex(fn: string, arg: string, n: number): void {
  if (!Number.isInteger(n)) {
    throw new TypeError(`${fn}: ${arg} is ${describeValue(n)}; expected an integer`);
  }
}

/** Throws unless `b` (the argument named `arg`) is a cpumask as wide as `a`. */
function checkWidth(fn: string, arg: string, a: ReadonlyCpumask, b: ReadonlyCpumask): void {
  const words: unknown = typeof b === 'object' && (b as unknown) !== null ? b.words : undefined;
  if (!(words instanceof Uint32Array)) {
    throw new TypeError(`${fn}: ${arg} is ${describeValue(b)}; expected a Cpumask`);
  }
  if (a.nrCpuIds !== b.nrCpuIds) {
    throw new RangeError(
      `${fn}: ${arg} is ${b.nrCpuIds} bits wide but ${a.nrCpuIds} bits were expected; ` +
        'masks of one machine share its nr_cpu_ids',
    );
  }
}

/**
 * A set of CPU numbers in `[0, nrCpuIds)`, backed by a `Uint32Array`.
 *
 * Iteration (`for … of`, {@link Cpumask.forEach}) is in ascending CPU order, like
 * `for_each_cpu()`. A mask may be frozen ({@link Cpumask.freeze}); a frozen mask throws on any
 * write, which is how the model shares one affinity mask among all virqs of a reservation.
 */
export class Cpumask implements ReadonlyCpumask {
  readonly nrCpuIds: number;
  readonly words: Uint32Array;
  #frozen = false;

  /**
   * Creates an empty mask.
   * @param nrCpuIds - width in bits, a positive integer.
   * @throws RangeError if `nrCpuIds` is not a positive integer.
   */
  constructor(nrCpuIds: number) {
    if (!Number.isInteger(nrCpuIds) || nrCpuIds < 1) {
      throw new RangeError(
        `Cpumask: nrCpuIds ${describeValue(nrCpuIds)} is not a valid width; expected a positive integer`,
      );
    }
    this.nrCpuIds = nrCpuIds;
    this.words = new Uint32Array(bitsToWords(nrCpuIds));
  }

  /**
   * Builds a mask from a list of CPU numbers.
   * @example `Cpumask.of(8, [2, 3, 4]).toString() === '2-4'`
   */
  static of(nrCpuIds: number, cpus: Iterable<number>): Cpumask {
    const m = new Cpumask(nrCpuIds);
    if (typeof (cpus as Partial<Iterable<number>> | null)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`Cpumask.of: cpus is ${describeValue(cpus)}; expected an iterable of CPU numbers`);
    }
    for (const cpu of cpus) m.setCpu(cpu);
    return m;
  }

  /** A mask with every CPU in `[0, nrCpuIds)` set (`cpu_all_mask` of that width). */
  static full(nrCpuIds: number): Cpumask {
    return new Cpumask(nrCpuIds).setAll();
  }

  /**
   * Parses the Linux list format (`"0-3,5,8-15:2"` style ranges; `""` is empty).
   * Mirrors `cpulist_parse()` / `bitmap_parselist()`, including the `a-b:used/group` form.
   * @throws RangeError naming the bad token.
   */
  static parseList(nrCpuIds: number, list: string): Cpumask {
    if (typeof list !== 'string') {
      throw new TypeError(
        `Cpumask.parseList: list is ${describeValue(list)}; expected a string such as "0-3,5"`,
      );
    }
    const m = new Cpumask(nrCpuIds);
    const text = list.trim();
    if (text === '') return m;
    for (const token of text.split(',')) {
      const match = /^\s*(\d+)(?:-(\d+)(?::(\d+)\/(\d+))?)?\s*$/.exec(token);
      if (match === null) {
        throw new RangeError(
          `Cpumask.parseList: token "${token}" is not a CPU list element; expected N, N-M or N-M:used/group`,
        );
      }
      const [, loText, hiText, usedText, groupText] = match as (string | undefined)[];
      const lo = Number(loText);
      const hi = hiText === undefined ? lo : Number(hiText);
      const used = usedText === undefined ? 1 : Number(usedText);
      const group = groupText === undefined ? 1 : Number(groupText);
      if (hi < lo || used < 1 || group < 1 || used > group || hi >= nrCpuIds) {
        throw new RangeError(
          `Cpumask.parseList: range "${token.trim()}" is invalid for a ${nrCpuIds}-CPU mask`,
        );
      }
      for (let cpu = lo; cpu <= hi; cpu++) if ((cpu - lo) % group < used) m.setCpu(cpu);
    }
    return m;
  }

  /**
   * Parses the hex bitmap format (`"00000000,00000004"`): comma-separated 32-bit words, most
   * significant first. Mirrors `cpumask_parse()` / `bitmap_parse()`.
   * @throws RangeError on a non-hex chunk or a set bit beyond the mask width.
   */
  static parseHex(nrCpuIds: number, hex: string): Cpumask {
    if (typeof hex !== 'string') {
      throw new TypeError(
        `Cpumask.parseHex: hex is ${describeValue(hex)}; expected a string such as "00000004"`,
      );
    }
    const m = new Cpumask(nrCpuIds);
    const chunks = hex.trim().split(',').reverse();
    chunks.forEach((chunk, i) => {
      if (!/^[0-9a-fA-F]{1,8}$/.test(chunk)) {
        throw new RangeError(
          `Cpumask.parseHex: chunk "${chunk}" is not 1 to 8 hex digits; expected e.g. "00000000,00000004"`,
        );
      }
      const value = parseInt(chunk, 16) >>> 0;
      for (let b = 0; b < 32; b++) {
        if ((value & (1 << b)) !== 0) {
          const cpu = i * 32 + b;
          if (cpu >= nrCpuIds) {
            throw new RangeError(
              `Cpumask.parseHex: bit ${cpu} is set but the mask is ${nrCpuIds} bits wide`,
            );
          }
          m.setCpu(cpu);
        }
      }
    });
    return m;
  }

  /** True once {@link Cpumask.freeze} was called. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** Makes the mask read-only from now on and returns it. */
  freeze(): this {
    this.#frozen = true;
    return this;
  }

  #writable(fn: string): void {
    if (this.#frozen) {
      throw new TypeError(`${fn}: this cpumask is read-only (frozen); copy() it to change it`);
    }
  }

  /**
   * `cpumask_test_cpu()`: is `cpu` set? CPUs outside `[0, nrCpuIds)` are never set.
   * @throws TypeError if `cpu` is not an integer.
   */
  testCpu(cpu: number): boolean {
    checkIndex('Cpumask.testCpu', 'cpu', cpu);
    if (!(cpu >= 0 && cpu < this.nrCpuIds)) return false;
    return (this.words[cpu >>> 5] & (1 << (cpu & 31))) !== 0;
  }

  /** `cpumask_set_cpu()`. @throws RangeError for a CPU outside the mask. */
  setCpu(cpu: number): this {
    this.#writable('Cpumask.setCpu');
    checkCpu('Cpumask.setCpu', cpu, this.nrCpuIds);
    this.words[cpu >>> 5] |= 1 << (cpu & 31);
    return this;
  }

  /** `cpumask_clear_cpu()`. @throws RangeError for a CPU outside the mask. */
  clearCpu(cpu: number): this {
    this.#writable('Cpumask.clearCpu');
    checkCpu('Cpumask.clearCpu', cpu, this.nrCpuIds);
    this.words[cpu >>> 5] &= ~(1 << (cpu & 31));
    return this;
  }

  /** `cpumask_setall()`. */
  setAll(): this {
    this.#writable('Cpumask.setAll');
    this.words.fill(0xffffffff);
    const tail = this.nrCpuIds & 31;
    if (tail !== 0) this.words[this.words.length - 1] = (1 << tail) - 1;
    return this;
  }

  /** `cpumask_clear()`. */
  clearAll(): this {
    this.#writable('Cpumask.clearAll');
    this.words.fill(0);
    return this;
  }

  /** `cpumask_copy(this, src)`. */
  copyFrom(src: ReadonlyCpumask): this {
    this.#writable('Cpumask.copyFrom');
    checkWidth('Cpumask.copyFrom', 'src', this, src);
    this.words.set(src.words);
    return this;
  }

  /** A new, writable mask with the same bits. */
  copy(): Cpumask {
    const m = new Cpumask(this.nrCpuIds);
    m.words.set(this.words);
    return m;
  }

  /** `cpumask_weight()`: number of set CPUs. */
  weight(): number {
    let n = 0;
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) n += popcount32(w[i]);
    return n;
  }

  /** `cpumask_first()`: lowest set CPU, or `nrCpuIds` if empty. */
  first(): number {
    return findNextBit(this.words, this.nrCpuIds, 0);
  }

  /** `cpumask_next(n)`: lowest set CPU greater than `n`, or `nrCpuIds`. `n = -1` starts at 0. */
  next(n: number): number {
    checkIndex('Cpumask.next', 'n', n);
    return findNextBit(this.words, this.nrCpuIds, n + 1);
  }

  /** `cpumask_next_zero(n)`: lowest clear CPU greater than `n`, or `nrCpuIds`. */
  nextZero(n: number): number {
    checkIndex('Cpumask.nextZero', 'n', n);
    return findNextZeroBit(this.words, this.nrCpuIds, n + 1);
  }

  /** `cpumask_empty()`. */
  empty(): boolean {
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }

  /** `cpumask_full()`: every CPU in `[0, nrCpuIds)` is set. */
  full(): boolean {
    return this.weight() === this.nrCpuIds;
  }

  /** `cpumask_equal()`. */
  equal(other: ReadonlyCpumask): boolean {
    checkWidth('Cpumask.equal', 'other', this, other);
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** `cpumask_subset(this, other)`: every CPU of this mask is in `other`. */
  subset(other: ReadonlyCpumask): boolean {
    checkWidth('Cpumask.subset', 'other', this, other);
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if ((a[i] & ~b[i]) !== 0) return false;
    return true;
  }

  /** `cpumask_intersects()`. */
  intersects(other: ReadonlyCpumask): boolean {
    checkWidth('Cpumask.intersects', 'other', this, other);
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if ((a[i] & b[i]) !== 0) return true;
    return false;
  }

  /** A new mask `this ∩ other`. For the allocation-free form use {@link cpumaskAnd}. */
  and(other: ReadonlyCpumask): Cpumask {
    checkWidth('Cpumask.and', 'other', this, other);
    const m = new Cpumask(this.nrCpuIds);
    cpumaskAnd(m, this, other);
    return m;
  }

  /** A new mask `this ∪ other`. */
  or(other: ReadonlyCpumask): Cpumask {
    checkWidth('Cpumask.or', 'other', this, other);
    const m = new Cpumask(this.nrCpuIds);
    cpumaskOr(m, this, other);
    return m;
  }

  /** A new mask `this \ other`. */
  andnot(other: ReadonlyCpumask): Cpumask {
    checkWidth('Cpumask.andnot', 'other', this, other);
    const m = new Cpumask(this.nrCpuIds);
    cpumaskAndnot(m, this, other);
    return m;
  }

  /** Calls `fn` for each set CPU in ascending order (`for_each_cpu()`); allocation-free. */
  forEach(fn: (cpu: number) => void): void {
    if (typeof fn !== 'function') {
      throw new TypeError(`Cpumask.forEach: fn is ${describeValue(fn)}; expected a function`);
    }
    const w = this.words;
    const n = w.length;
    for (let i = 0; i < n; i++) {
      // Empty words two at a time (the kernel's for_each_cpu reads 64-bit words).
      if (i + 1 < n && (w[i] | w[i + 1]) === 0) {
        i++;
        continue;
      }
      let word = w[i];
      while (word !== 0) {
        const low = word & -word;
        fn((i << 5) + 31 - Math.clz32(low));
        word ^= low;
      }
    }
  }

  /** The set CPUs in ascending order, like `for_each_cpu()`. */
  *[Symbol.iterator](): IterableIterator<number> {
    const size = this.nrCpuIds;
    const words = this.words;
    for (let cpu = this.first(); cpu < size; cpu = findNextBit(words, size, cpu + 1)) yield cpu;
  }

  /** The set CPUs in ascending order. */
  toArray(): number[] {
    const out: number[] = [];
    this.forEach((cpu) => out.push(cpu));
    return out;
  }

  /** Linux list format (`"0-3,5"`, `%*pbl`); the empty mask prints as `""`. */
  toString(): string {
    const parts: string[] = [];
    let cpu = this.first();
    while (cpu < this.nrCpuIds) {
      const end = this.nextZero(cpu) - 1;
      parts.push(end === cpu ? String(cpu) : `${cpu}-${end}`);
      cpu = this.next(end);
    }
    return parts.join(',');
  }

  /**
   * Hex bitmap format (`%*pb`): 32-bit chunks, most significant first, separated by commas;
   * every chunk but the first has 8 digits, the first has just enough for the remaining bits.
   * @example 64 CPUs with CPU 0 set: `"00000000,00000001"`; 8 CPUs with {0,1}: `"03"`.
   */
  toHex(): string {
    const nwords = this.words.length;
    const topBits = this.nrCpuIds - (nwords - 1) * 32;
    const parts: string[] = [];
    for (let i = nwords - 1; i >= 0; i--) {
      const digits = i === nwords - 1 ? Math.ceil(topBits / 4) : 8;
      parts.push((this.words[i] >>> 0).toString(16).padStart(digits, '0'));
    }
    return parts.join(',');
  }
}

/** `cpumask_of(cpu)`: a new mask holding only `cpu`. */
export function cpumaskOf(nrCpuIds: number, cpu: number): Cpumask {
  return new Cpumask(nrCpuIds).setCpu(cpu);
}

/** Checks the arguments of the two-operand functions: `dst` a Cpumask, `a` and `b` as wide. */
function checkArgs(fn: string, dst: Cpumask, a: ReadonlyCpumask, b: ReadonlyCpumask): void {
  if (!((dst as unknown) instanceof Cpumask)) {
    throw new TypeError(`${fn}: dst is ${describeValue(dst)}; expected a Cpumask`);
  }
  checkWidth(fn, 'a', dst, a);
  checkWidth(fn, 'b', dst, b);
}

/** `cpumask_and(dst, a, b)`: `dst = a ∩ b`; returns whether the result is non-empty. */
export function cpumaskAnd(dst: Cpumask, a: ReadonlyCpumask, b: ReadonlyCpumask): boolean {
  checkArgs('cpumaskAnd', dst, a, b);
  dst.copyFrom(a);
  const d = dst.words;
  const bw = b.words;
  let any = 0;
  for (let i = 0; i < d.length; i++) any |= d[i] &= bw[i];
  return any !== 0;
}

/** `cpumask_or(dst, a, b)`: `dst = a ∪ b`. */
export function cpumaskOr(dst: Cpumask, a: ReadonlyCpumask, b: ReadonlyCpumask): void {
  checkArgs('cpumaskOr', dst, a, b);
  dst.copyFrom(a);
  const d = dst.words;
  const bw = b.words;
  for (let i = 0; i < d.length; i++) d[i] |= bw[i];
}

/** `cpumask_andnot(dst, a, b)`: `dst = a \ b`; returns whether the result is non-empty. */
export function cpumaskAndnot(dst: Cpumask, a: ReadonlyCpumask, b: ReadonlyCpumask): boolean {
  checkArgs('cpumaskAndnot', dst, a, b);
  dst.copyFrom(a);
  const d = dst.words;
  const bw = b.words;
  let any = 0;
  for (let i = 0; i < d.length; i++) any |= d[i] &= ~bw[i];
  return any !== 0;
}

/** True if `value` is a {@link Cpumask} (a real one, not a look-alike object). */
export function isCpumask(value: unknown): value is Cpumask {
  return value instanceof Cpumask;
}
