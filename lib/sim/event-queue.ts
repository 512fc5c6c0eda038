/**
 * The engine's priority queue of event slots keyed by integer time, first-in first-out among
 * equal times, that knows where each slot sits so a queued event can be moved to another time or
 * removed in place — the operation a CPU's timeline event needs when an interrupt preempts its
 * delay.
 *
 * Layout: a *timing wheel* for the near future and a binary heap for the rest, all in typed
 * arrays, nothing allocated per event (the same split Linux's timer wheel makes between near and
 * far expiries, kernel/time/timer.c, with one nanosecond per wheel slot and no cascading levels).
 * - The wheel has {@link WHEEL_SPAN} slots, one per nanosecond of the window
 *   `[cur, cur + WHEEL_SPAN)`, where `cur` is the key last popped. The events of one time form a
 *   circular doubly linked list in arrival order behind the wheel slot of `time mod SPAN`; a
 *   two-level bitmap (one bit per wheel slot, one summary bit per bitmap word) finds the next
 *   occupied slot with a few `Math.clz32`s. Queueing, popping, moving and removing are O(1).
 *   Almost every event a simulated machine queues lands there: delays, interrupt latencies and
 *   handler costs are nanoseconds to microseconds ahead, and a machine-wide tick (every CPU's
 *   delay ending on one nanosecond) is one list, popped in order.
 * - Events further ahead (watchdogs, long delays) wait in a binary min-heap ordered by
 *   `(time, arrival)`. Whenever `cur` advances, the heap's events that the window now covers move
 *   to the wheel, in heap order. So no time is ever split between the two parts, and FIFO among
 *   equal times holds exactly: the heap keeps arrival order among its equal keys, and a time
 *   enters the wheel from the heap before anything can be queued at it in the wheel.
 * - A key before `cur` (never from the engine, which queues nothing in the past) *rewinds* the
 *   window: the wheel's events beyond the new window move to the heap first. O(SPAN / 32 + n),
 *   for generality rather than speed.
 *
 * Why not a package: flatqueue and tinyqueue have no update or remove and are not FIFO among
 * equal keys; the packages that have update (updatable-priority-queue, heap-js) keep one object
 * per item and find items by value, which allocates per event and costs O(n) per removal.
 *
 * @packageDocumentation
 */

/** log2 of the wheel's span. */
const WHEEL_BITS = 12;
/** Nanoseconds the wheel covers ahead of the last popped key: 4.096 µs. */
export const WHEEL_SPAN = 1 << WHEEL_BITS;
const MASK = WHEEL_SPAN - 1;
/** Bitmap words (32 wheel slots each). */
const WORDS = WHEEL_SPAN >> 5;
/** Summary words (32 bitmap words each). */
const SUMMARY = WORDS >> 5;
/** `#pos` of a slot queued in the wheel. */
const IN_WHEEL = -2;

/** Index of the lowest set bit of a non-zero 32-bit integer. */
function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** A FIFO priority queue of integer slot ids with integer keys; a slot is queued at most once. */
export class EventQueue {
  /** Slot → heap position, `IN_WHEEL`, or -1 when not queued. */
  #pos: Int32Array;
  /** Slot → key while queued. */
  #key: Float64Array;
  /** Slot → next slot of its wheel list (a circular list from the wheel slot's head). */
  #next: Int32Array;
  /** Slot → previous slot of its wheel list (the head's is the list's tail). */
  #prev: Int32Array;
  /** Slot → arrival order, for equal keys in the heap. */
  #seq: Float64Array;
  #nextSeq = 0;
  /** Wheel slot (`time & MASK`) → head of that time's list, or -1. */
  readonly #wheel = new Int32Array(WHEEL_SPAN).fill(-1);
  /** Bit per wheel slot: occupied. */
  readonly #occ = new Uint32Array(WORDS);
  /** Bit per `#occ` word: non-zero. */
  readonly #sum = new Uint32Array(SUMMARY);
  #wheelCount = 0;
  /** A lower bound of the wheel's keys; meaningless when it is empty. */
  #lo = 0;
  /** `#lo` is the wheel's least key (its list is not empty): no search needed. */
  #loExact = false;
  /** The last key popped: the wheel covers `[cur, cur + WHEEL_SPAN)`. */
  #cur = -Infinity;
  /** Heap order → slot, for the far future. */
  #heap: Int32Array;
  /** Heap order → key, beside the slot for locality while sifting. */
  #heapKey: Float64Array;
  #heapLength = 0;

  constructor(capacity = 1024) {
    const cap = Math.max(1, capacity);
    this.#heap = new Int32Array(cap);
    this.#heapKey = new Float64Array(cap);
    this.#pos = new Int32Array(cap).fill(-1);
    this.#key = new Float64Array(cap);
    this.#next = new Int32Array(cap);
    this.#prev = new Int32Array(cap);
    this.#seq = new Float64Array(cap);
  }

  /** Number of queued slots. */
  get length(): number {
    return this.#wheelCount + this.#heapLength;
  }

  /** Key of the first slot (undefined when empty). */
  peekKey(): number | undefined {
    if (this.#wheelCount > 0) return this.#loExact ? this.#lo : this.#findMin();
    return this.#heapLength > 0 ? this.#heapKey[0] : undefined;
  }

  /** Is `slot` queued? */
  has(slot: number): boolean {
    const p = this.#pos[slot] as number | undefined;
    return p !== undefined && p !== -1;
  }

  /** Makes room for slot ids below `n`. */
  reserveSlots(n: number): void {
    const old = this.#pos.length;
    if (n <= old) return;
    let cap = old;
    while (cap < n) cap *= 2;
    const grow = <A extends Int32Array | Float64Array>(a: A, fill: number): A => {
      const b = new (a.constructor as new (n: number) => A)(cap);
      if (fill !== 0) b.fill(fill);
      b.set(a);
      return b;
    };
    this.#heap = grow(this.#heap, 0);
    this.#heapKey = grow(this.#heapKey, 0);
    this.#pos = grow(this.#pos, -1);
    this.#key = grow(this.#key, 0);
    this.#next = grow(this.#next, 0);
    this.#prev = grow(this.#prev, 0);
    this.#seq = grow(this.#seq, 0);
  }

  /**
   * Queues `slot` at `key` behind the slots already queued at that key; if it is queued already,
   * moves it there (to the back, even when the key is the same). `key` must be a safe integer
   * (the engine checks every time it is given).
   */
  set(slot: number, key: number): void {
    if (this.#pos[slot] !== -1) this.#detach(slot);
    this.insert(slot, key);
  }

  /** {@link EventQueue.set} for a slot known not to be queued (a fresh event): no move check. */
  insert(slot: number, key: number): void {
    this.#key[slot] = key;
    const d = key - this.#cur;
    if (d < WHEEL_SPAN) {
      if (d < 0) this.#rewind(key);
      this.#wheelInsert(slot, key);
    } else {
      this.#heapInsert(slot, key);
    }
  }

  /**
   * Removes and returns the first slot.
   * @throws Error when the queue is empty.
   */
  pop(): number {
    if (this.#wheelCount + this.#heapLength === 0) throw new Error('EventQueue.pop: the queue is empty');
    return this.popUntil(Infinity);
  }

  /** The key of the slot popped last (every queued key is at least this). */
  get lastKey(): number {
    return this.#cur;
  }

  /**
   * Removes and returns the first slot if its key is at most `limit`, else returns -1 and
   * changes nothing: the engine's peek-and-pop in one call.
   */
  popUntil(limit: number): number {
    if (this.#wheelCount === 0) {
      if (this.#heapLength === 0 || this.#heapKey[0] > limit) return -1;
      this.#cur = this.#heapKey[0];
      this.#migrate();
    }
    const key = this.#loExact ? this.#lo : this.#findMin();
    if (key > limit) return -1;
    const idx = key & MASK;
    const wheel = this.#wheel;
    const slot = wheel[idx];
    this.#pos[slot] = -1;
    this.#wheelCount--;
    // #unlink of a list's head, by hand: this is the engine's hottest path.
    const n = this.#next[slot];
    if (n === slot) {
      wheel[idx] = -1;
      const w = idx >> 5;
      const bits = this.#occ[w] & ~(1 << (idx & 31));
      this.#occ[w] = bits;
      if (bits === 0) this.#sum[w >> 5] &= ~(1 << (w & 31));
      this.#loExact = false;
    } else {
      const p = this.#prev[slot];
      this.#next[p] = n;
      this.#prev[n] = p;
      wheel[idx] = n;
    }
    if (key > this.#cur) {
      this.#cur = key;
      if (this.#heapLength > 0 && this.#heapKey[0] - key < WHEEL_SPAN) this.#migrate();
    }
    return slot;
  }

  /** Removes `slot` if it is queued. */
  remove(slot: number): void {
    if (this.has(slot)) this.#detach(slot);
  }

  #detach(slot: number): void {
    const p = this.#pos[slot];
    this.#pos[slot] = -1;
    if (p === IN_WHEEL) this.#unlink(slot, this.#key[slot] & MASK);
    else this.#heapRemoveAt(p);
  }

  // ------------------------------------------------------------------ the wheel

  #wheelInsert(slot: number, key: number): void {
    const idx = key & MASK;
    const wheel = this.#wheel;
    const head = wheel[idx];
    if (head < 0) {
      wheel[idx] = slot;
      this.#next[slot] = slot;
      this.#prev[slot] = slot;
      const w = idx >> 5;
      if (this.#occ[w] === 0) this.#sum[w >> 5] |= 1 << (w & 31);
      this.#occ[w] |= 1 << (idx & 31);
    } else {
      // Append: the head's prev is the tail.
      const next = this.#next;
      const prev = this.#prev;
      const tail = prev[head];
      next[tail] = slot;
      prev[slot] = tail;
      next[slot] = head;
      prev[head] = slot;
    }
    this.#pos[slot] = IN_WHEEL;
    if (this.#wheelCount++ === 0 || key < this.#lo) {
      this.#lo = key;
      this.#loExact = true;
    }
  }

  /** Takes `slot` out of the list of wheel slot `idx` (its `#pos` is cleared by the caller). */
  #unlink(slot: number, idx: number): void {
    this.#wheelCount--;
    const n = this.#next[slot];
    if (n === slot) {
      this.#wheel[idx] = -1;
      const w = idx >> 5;
      const bits = this.#occ[w] & ~(1 << (idx & 31));
      this.#occ[w] = bits;
      if (bits === 0) this.#sum[w >> 5] &= ~(1 << (w & 31));
      // The least time's list emptied: the next peek searches from it.
      if (idx === (this.#lo & MASK)) this.#loExact = false;
      return;
    }
    const p = this.#prev[slot];
    this.#next[p] = n;
    this.#prev[n] = p;
    if (this.#wheel[idx] === slot) this.#wheel[idx] = n;
  }

  /**
   * The least key in the wheel (which must not be empty): the first occupied wheel slot from
   * `#lo` on, circularly. Leaves `#lo` exact.
   */
  #findMin(): number {
    const lo = this.#lo;
    const start = lo & MASK;
    const w = start >> 5;
    const bits = this.#occ[w] & (-1 << (start & 31));
    const idx = bits !== 0 ? (w << 5) | ctz(bits) : this.#findAfter(w);
    const key = lo + ((idx - start) & MASK);
    this.#lo = key;
    this.#loExact = true;
    return key;
  }

  /**
   * The first occupied wheel slot in a word after `w`, circularly: first in w's own summary word
   * (the next 1024 ns, where nearly every search ends), else past it, else (wrapping) from 0 —
   * which may be w itself, for keys whose slots lie below the search's start.
   */
  #findAfter(w: number): number {
    const s = w >> 5;
    const m = this.#sum[s] & (-2 << (w & 31));
    let nw: number;
    if (m !== 0) nw = (s << 5) | ctz(m);
    else {
      nw = this.#firstWord((s + 1) << 5, WORDS);
      if (nw < 0) nw = this.#firstWord(0, w + 1);
    }
    return (nw << 5) | ctz(this.#occ[nw]);
  }

  /** The first `#occ` word index in `[from, to)` that is non-zero, or -1. */
  #firstWord(from: number, to: number): number {
    if (from >= to) return -1;
    const sum = this.#sum;
    const last = (to - 1) >> 5;
    for (let s = from >> 5; s <= last; s++) {
      let m = sum[s];
      if (s === from >> 5) m &= -1 << (from & 31);
      if (s === last && (to & 31) !== 0) m &= (1 << (to & 31)) - 1;
      if (m !== 0) return (s << 5) | ctz(m);
    }
    return -1;
  }

  /** Moves the heap's events that the window `[cur, cur + SPAN)` covers into the wheel. */
  #migrate(): void {
    const limit = this.#cur + WHEEL_SPAN;
    while (this.#heapLength > 0 && this.#heapKey[0] < limit) {
      const slot = this.#heap[0];
      this.#heapRemoveAt(0);
      this.#wheelInsert(slot, this.#key[slot]);
    }
  }

  /**
   * A key before `cur`: the window moves back to start at `key`; the wheel's events beyond the
   * new window go to the heap (in list order, so FIFO holds among them).
   */
  #rewind(key: number): void {
    this.#cur = key;
    if (this.#wheelCount === 0) return;
    const limit = key + WHEEL_SPAN;
    for (let w = 0; w < WORDS; w++) {
      let bits = this.#occ[w];
      while (bits !== 0) {
        const b = ctz(bits);
        bits &= bits - 1;
        const idx = (w << 5) | b;
        const head = this.#wheel[idx];
        if (this.#key[head] < limit) continue;
        // Detach the whole list in order, then queue each in the heap.
        let s = head;
        do {
          const n = this.#next[s];
          this.#pos[s] = -1;
          this.#unlink(s, idx);
          this.#heapInsert(s, this.#key[s]);
          s = n;
        } while (this.#wheel[idx] >= 0);
      }
    }
  }

  // ------------------------------------------------------------------ the heap

  #heapInsert(slot: number, key: number): void {
    const seq = this.#nextSeq++;
    this.#seq[slot] = seq;
    this.#up(this.#heapLength++, slot, key, seq);
  }

  #heapRemoveAt(at: number): void {
    const last = --this.#heapLength;
    if (at === last) return;
    const ls = this.#heap[last];
    const lk = this.#heapKey[last];
    const lq = this.#seq[ls];
    if (at > 0) {
      const parent = (at - 1) >> 1;
      const pk = this.#heapKey[parent];
      if (lk < pk || (lk === pk && lq < this.#seq[this.#heap[parent]])) {
        this.#up(at, ls, lk, lq);
        return;
      }
    }
    this.#down(at, ls, lk, lq);
  }

  /** Places `slot` (key, seq) at the hole `at`, moving it towards the root. */
  #up(at: number, slot: number, key: number, seq: number): void {
    const heap = this.#heap;
    const keys = this.#heapKey;
    const seqs = this.#seq;
    const pos = this.#pos;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const pk = keys[parent];
      if (pk < key || (pk === key && seqs[heap[parent]] < seq)) break;
      const ps = heap[parent];
      heap[at] = ps;
      keys[at] = pk;
      pos[ps] = at;
      at = parent;
    }
    heap[at] = slot;
    keys[at] = key;
    pos[slot] = at;
  }

  /** Places `slot` (key, seq) at the hole `at`, moving it towards the leaves. */
  #down(at: number, slot: number, key: number, seq: number): void {
    const heap = this.#heap;
    const keys = this.#heapKey;
    const seqs = this.#seq;
    const pos = this.#pos;
    const n = this.#heapLength;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n) {
        const lk = keys[left];
        const rk = keys[right];
        if (rk < lk || (rk === lk && seqs[heap[right]] < seqs[heap[left]])) child = right;
      }
      const ck = keys[child];
      if (ck > key || (ck === key && seqs[heap[child]] > seq)) break;
      const cs = heap[child];
      heap[at] = cs;
      keys[at] = ck;
      pos[cs] = at;
      at = child;
    }
    heap[at] = slot;
    keys[at] = key;
    pos[slot] = at;
  }
}
