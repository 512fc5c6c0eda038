/**
 * The engine's priority queue of event slots keyed by integer time, first-in first-out among
 * equal times, that knows where each slot sits so a queued event can be moved to another time or
 * removed in place — the operation a CPU's timeline event needs when an interrupt preempts its
 * delay.
 *
 * Layout: a *timing wheel* for the near future and heap-ordered buckets for the rest, all in
 * typed arrays, nothing allocated per event (the same split Linux's timer wheel makes between
 * near and far expiries, kernel/time/timer.c, with one nanosecond per wheel slot and no
 * cascading levels).
 * - The wheel has {@link WHEEL_SPAN} slots, one per nanosecond of the window
 *   `[cur, cur + WHEEL_SPAN)`, where `cur` is the key last popped. The events of one time form a
 *   circular doubly linked list in arrival order behind the wheel slot of `time mod SPAN`; a
 *   two-level bitmap (one bit per wheel slot, one summary bit per bitmap word) finds the next
 *   occupied slot with a few `Math.clz32`s, as soon as a pop empties a slot (so the search
 *   overlaps the popped event's handler instead of delaying the next pop). Queueing, popping,
 *   moving and removing are O(1).
 *   Almost every event a simulated machine queues lands there: delays, interrupt latencies and
 *   handler costs are nanoseconds to microseconds ahead, and a machine-wide tick (every CPU's
 *   delay ending on one nanosecond) is one list, popped in order.
 * - Events further ahead (watchdogs, long delays) wait in *buckets*: the events of one far time
 *   form the same kind of FIFO list, whose head sits in a binary min-heap ordered by
 *   `(time, bucket order)`; a direct-mapped cache (time → newest bucket of that time) lets a
 *   later event of a pending far time join its bucket in O(1), so a machine-wide tick 20 µs
 *   ahead costs one heap entry, not one per CPU (joining or leaving a bucket is O(1), starting
 *   or ending one O(log buckets)). Whenever `cur` advances, the buckets that the
 *   window now covers move to the wheel whole: a list is spliced behind its wheel slot in O(1)
 *   (a time's second bucket, left by a cache eviction, is spliced behind the first).
 * - So no time is ever split between the two parts, and FIFO among equal times holds exactly:
 *   buckets of one time leave the heap in the order they were started, and a time enters the
 *   wheel from the heap before anything can be queued at it in the wheel. Whether a listed slot
 *   is in the wheel or in a far bucket follows from its key: the wheel holds exactly the keys in
 *   `[cur, cur + SPAN)`.
 * - A key before `cur` (never from the engine, which queues nothing in the past) *rewinds* the
 *   window: the wheel's events beyond the new window move to the far buckets first.
 *   O(SPAN / 32 + n), for generality rather than speed.
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
/** `#pos` of a slot in a list that is not a far bucket's head: a wheel list, or a far follower. */
const LISTED = -2;
/** Far-bucket cache entries (time → newest bucket); a power of two. */
const CACHE = 1024;

/** Index of the lowest set bit of a non-zero 32-bit integer. */
function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Cache index of a far time. */
function hash(key: number): number {
  return Math.imul(key | 0, 0x9e3779b1) >>> 22;
}

/** A FIFO priority queue of integer slot ids with integer keys; a slot is queued at most once. */
export class EventQueue {
  /** Slot → heap position (a far bucket's head), `LISTED`, or -1 when not queued. */
  #pos: Int32Array;
  /** Slot → key while queued. */
  #key: Float64Array;
  /** Slot → next slot of its list (circular, from the wheel slot's or the bucket's head). */
  #next: Int32Array;
  /** Slot → previous slot of its list (the head's is the list's tail). */
  #prev: Int32Array;
  /** Far head slot → bucket order, for buckets of equal time. */
  #seq: Float64Array;
  #nextSeq = 0;
  #length = 0;
  /** Wheel slot (`time & MASK`) → head of that time's list, or -1. */
  readonly #wheel = new Int32Array(WHEEL_SPAN).fill(-1);
  /** Bit per wheel slot: occupied. */
  readonly #occ = new Uint32Array(WORDS);
  /** Bit per `#occ` word: non-zero. */
  readonly #sum = new Uint32Array(SUMMARY);
  /** Occupied wheel slots (lists, not events). */
  #lists = 0;
  /** A lower bound of the wheel's keys; meaningless when it is empty. */
  #lo = 0;
  /** `#lo` is the wheel's least key (its list is not empty): no search needed. */
  #loExact = false;
  /** The last key popped: the wheel covers `[cur, cur + WHEEL_SPAN)`. */
  #cur = -Infinity;
  /** Heap order → head slot of a far bucket. */
  #heap: Int32Array;
  /** Heap order → key, beside the slot for locality while sifting. */
  #heapKey: Float64Array;
  #heapLength = 0;
  /** Far time → head of the newest bucket of that time, direct-mapped; -1 when empty. */
  readonly #cache = new Int32Array(CACHE).fill(-1);

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
    return this.#length;
  }

  /** Key of the first slot (undefined when empty). */
  peekKey(): number | undefined {
    if (this.#lists > 0) return this.#loExact ? this.#lo : this.#findMin();
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
    this.#length++;
    this.#key[slot] = key;
    const d = key - this.#cur;
    if (d < WHEEL_SPAN) {
      if (d < 0) this.#rewind(key);
      this.#wheelInsert(slot, key);
    } else {
      this.#farInsert(slot, key);
    }
  }

  /**
   * Removes and returns the first slot.
   * @throws Error when the queue is empty.
   */
  pop(): number {
    if (this.#length === 0) throw new Error('EventQueue.pop: the queue is empty');
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
    if (this.#lists === 0) {
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
    this.#length--;
    // The wheel half of #detach, for a list's head, by hand: this is the engine's hottest path.
    const n = this.#next[slot];
    if (n === slot) {
      wheel[idx] = -1;
      this.#clearBit(idx);
      // Find the next least time now rather than at the next peek: the search then overlaps
      // the handler's work instead of standing between the next pop and its event record.
      if (this.#lists > 0) this.#findMin();
      else this.#loExact = false;
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
    this.#length--;
    const n = this.#next[slot];
    const key = this.#key[slot];
    if (p === LISTED && key - this.#cur < WHEEL_SPAN) {
      // In the wheel (a timer moved before it fires): maybe its slot's head, maybe alone there.
      const idx = key & MASK;
      if (n === slot) {
        this.#wheel[idx] = -1;
        this.#clearBit(idx);
        if (idx === (this.#lo & MASK)) this.#loExact = false;
        return;
      }
      if (this.#wheel[idx] === slot) this.#wheel[idx] = n;
      this.#unlink(slot, n);
      return;
    }
    this.#detachFar(slot, p, n);
  }

  /**
   * {@link EventQueue.#detach} of a slot in a far bucket (out of line: moves of timers stay in
   * the wheel): a follower leaves its list; a head hands its heap place to its follower, or
   * leaves the heap.
   */
  #detachFar(slot: number, p: number, n: number): void {
    if (p === LISTED) {
      this.#unlink(slot, n);
      return;
    }
    // A far bucket's head, at heap position p.
    const h = hash(this.#key[slot]);
    if (n !== slot) {
      // The follower becomes the head, in the same heap place, with the bucket's order.
      this.#unlink(slot, n);
      this.#heap[p] = n;
      this.#pos[n] = p;
      this.#seq[n] = this.#seq[slot];
      if (this.#cache[h] === slot) this.#cache[h] = n;
      return;
    }
    if (this.#cache[h] === slot) this.#cache[h] = -1;
    this.#heapRemoveAt(p);
  }

  // ------------------------------------------------------------------ the wheel

  #wheelInsert(slot: number, key: number): void {
    this.#pos[slot] = LISTED;
    const idx = key & MASK;
    const head = this.#wheel[idx];
    if (head < 0) {
      this.#next[slot] = slot;
      this.#prev[slot] = slot;
      this.#startList(idx, slot, key);
      return;
    }
    this.#append(head, slot);
  }

  /** Takes `slot` out of its circular list, `n` being its next (the list keeps other slots). */
  #unlink(slot: number, n: number): void {
    const pr = this.#prev[slot];
    this.#next[pr] = n;
    this.#prev[n] = pr;
  }

  /** Puts `slot` at the back of the circular list headed by `head` (the head's prev is the tail). */
  #append(head: number, slot: number): void {
    const next = this.#next;
    const prev = this.#prev;
    const tail = prev[head];
    next[tail] = slot;
    prev[slot] = tail;
    next[slot] = head;
    prev[head] = slot;
  }

  /** Makes the list headed by `head` (time `key`) the list of the empty wheel slot `idx`. */
  #startList(idx: number, head: number, key: number): void {
    this.#wheel[idx] = head;
    const w = idx >> 5;
    if (this.#occ[w] === 0) this.#sum[w >> 5] |= 1 << (w & 31);
    this.#occ[w] |= 1 << (idx & 31);
    if (this.#lists++ === 0 || key < this.#lo) {
      this.#lo = key;
      this.#loExact = true;
    }
  }

  /** Marks wheel slot `idx` empty in the bitmaps. */
  #clearBit(idx: number): void {
    this.#lists--;
    const w = idx >> 5;
    const bits = this.#occ[w] & ~(1 << (idx & 31));
    this.#occ[w] = bits;
    if (bits === 0) this.#sum[w >> 5] &= ~(1 << (w & 31));
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

  /** Moves the far buckets that the window `[cur, cur + SPAN)` covers into the wheel, whole. */
  #migrate(): void {
    const limit = this.#cur + WHEEL_SPAN;
    const next = this.#next;
    const prev = this.#prev;
    while (this.#heapLength > 0 && this.#heapKey[0] < limit) {
      const head = this.#heap[0];
      const key = this.#key[head];
      this.#heapRemoveAt(0);
      const h = hash(key);
      if (this.#cache[h] === head) this.#cache[h] = -1;
      this.#pos[head] = LISTED;
      const idx = key & MASK;
      const first = this.#wheel[idx];
      if (first < 0) {
        this.#startList(idx, head, key);
      } else {
        // A second bucket of this time (after a cache eviction): splice it behind the first.
        const tail = prev[first];
        const bt = prev[head];
        next[tail] = head;
        prev[head] = tail;
        next[bt] = first;
        prev[first] = bt;
      }
    }
  }

  /**
   * A key before `cur`: the window moves back to start at `key`; the wheel's events beyond the
   * new window go to far buckets (in list order, so FIFO holds among them).
   */
  #rewind(key: number): void {
    this.#cur = key;
    if (this.#lists === 0) return;
    const limit = key + WHEEL_SPAN;
    for (let w = 0; w < WORDS; w++) {
      let bits = this.#occ[w];
      while (bits !== 0) {
        const idx = (w << 5) | ctz(bits);
        bits &= bits - 1;
        const head = this.#wheel[idx];
        const k = this.#key[head];
        if (k < limit) continue;
        // The whole list leaves the wheel; each of its slots joins one far bucket, in order.
        this.#wheel[idx] = -1;
        this.#clearBit(idx);
        let s = head;
        const tail = this.#prev[head];
        for (;;) {
          const n = this.#next[s];
          this.#farInsert(s, k);
          if (s === tail) break;
          s = n;
        }
      }
    }
    this.#loExact = false;
  }

  // ------------------------------------------------------------------ far buckets

  #farInsert(slot: number, key: number): void {
    const h = hash(key);
    const head = this.#cache[h];
    if (head >= 0 && this.#pos[head] >= 0 && this.#key[head] === key) {
      // Join the newest bucket of this time.
      this.#append(head, slot);
      this.#pos[slot] = LISTED;
      return;
    }
    this.#next[slot] = slot;
    this.#prev[slot] = slot;
    const seq = this.#nextSeq++;
    this.#seq[slot] = seq;
    this.#cache[h] = slot;
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

  /** Places head `slot` (key, seq) at the hole `at`, moving it towards the root. */
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

  /** Places head `slot` (key, seq) at the hole `at`, moving it towards the leaves. */
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
