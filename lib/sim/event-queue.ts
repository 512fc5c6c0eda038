/**
 * The engine's priority queue of event slots keyed by time, first-in first-out among equal
 * times, that knows where each slot sits so a queued event can be moved to another time or
 * removed in place — the operation a CPU's timeline event needs when an interrupt preempts its
 * delay.
 *
 * Layout (all typed arrays, nothing allocated per event): the events of one time form a
 * *bucket*, a circular doubly linked list of slots in arrival order. Only a bucket's head sits
 * in a binary min-heap keyed by time; the others follow it. A simulated machine puts many events
 * on one nanosecond (every CPU's delay ends on the same tick, a broadcast lands everywhere at
 * once), so:
 * - popping takes the heap's top; if its bucket has a follower, that follower takes the head's
 *   place in the heap without sifting: O(1), where a heap of slots sifts through log n levels
 *   for most pops among equal keys;
 * - queueing at a time that has a bucket appends to it: O(1). A small direct-mapped cache finds
 *   the head of a time; a miss starts a new bucket, a heap insert;
 * - same-time events run in the order they were queued, so CPUs whose delays end together run
 *   in the order they started them: a machine-wide sweep touches per-CPU state in address
 *   order, which the hardware prefetcher follows (docs/performance.md).
 * The sift picks the smaller child without a branch, as flatqueue does: with random keys a
 * branch there is mispredicted half the time.
 *
 * FIFO holds exactly: the cache always names the newest bucket of a time (it is set when a
 * bucket starts, handed to the follower that becomes head, cleared when a bucket empties), so
 * an older bucket of the same time, left behind by a cache eviction, is never appended to
 * again; buckets of equal time pop in the order they started.
 *
 * Why not a package: flatqueue and tinyqueue have no update or remove and are not FIFO among
 * equal keys; the packages that have update (updatable-priority-queue, heap-js) keep one object
 * per item and find items by value, which allocates per event and costs O(n) per removal.
 *
 * @packageDocumentation
 */

/** Direct-mapped cache entries (time → bucket); a power of two. */
const CACHE = 1024;
/** `#pos` of a queued slot that follows the head of its bucket. */
const FOLLOWER = -2;

/** Cache index of a time. */
function hash(key: number): number {
  return Math.imul(key | 0, 0x9e3779b1) >>> 22;
}

/** A FIFO priority queue of integer slot ids with numeric keys; a slot is queued at most once. */
export class EventQueue {
  /** Heap order → the head slot of a bucket. */
  #heap: Int32Array;
  /** Heap order → key, kept beside the slot for locality while sifting. */
  #heapKey: Float64Array;
  /** Slot → heap position (a bucket's head), `FOLLOWER`, or -1 when not queued. */
  #pos: Int32Array;
  /** Slot → key while queued. */
  #key: Float64Array;
  /** Slot → next slot of its bucket; a bucket is a circular list from its head. */
  #next: Int32Array;
  /** Slot → previous slot of its bucket (the head's is the bucket's tail). */
  #prev: Int32Array;
  /** Head slot → order among buckets of equal time (rare: after a cache eviction). */
  #seq: Float64Array;
  #nextSeq = 0;
  #heapLength = 0;
  /** Time → head of the newest bucket of that time, direct-mapped; -1 when empty. */
  readonly #cache = new Int32Array(CACHE).fill(-1);
  #length = 0;

  constructor(capacity = 1024) {
    const cap = Math.max(1, capacity);
    // One spare entry past the last so the sift can read a missing right child.
    this.#heap = new Int32Array(cap + 1);
    this.#heapKey = new Float64Array(cap + 1);
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
    return this.#heapLength > 0 ? this.#heapKey[0] : undefined;
  }

  /** Is `slot` queued? */
  has(slot: number): boolean {
    return slot >= 0 && slot < this.#pos.length && this.#pos[slot] !== -1;
  }

  /** Makes room for slot ids below `n`. */
  reserveSlots(n: number): void {
    const old = this.#pos.length;
    if (n <= old) return;
    let cap = old;
    while (cap < n) cap *= 2;
    const grow = <A extends Int32Array | Float64Array>(a: A, fill: number, spare = 0): A => {
      const b = new (a.constructor as new (n: number) => A)(cap + spare);
      if (fill !== 0) b.fill(fill);
      b.set(a);
      return b;
    };
    this.#heap = grow(this.#heap, 0, 1);
    this.#heapKey = grow(this.#heapKey, 0, 1);
    this.#pos = grow(this.#pos, -1);
    this.#key = grow(this.#key, 0);
    this.#next = grow(this.#next, 0);
    this.#prev = grow(this.#prev, 0);
    this.#seq = grow(this.#seq, 0);
  }

  /**
   * Queues `slot` at `key` behind the slots already queued at that key; if it is queued already,
   * moves it there (to the back, even when the key is the same).
   */
  set(slot: number, key: number): void {
    if (this.#pos[slot] !== -1) this.#detach(slot);
    else this.#length++;
    this.#key[slot] = key;
    const h = hash(key);
    const head = this.#cache[h];
    if (head >= 0 && this.#key[head] === key) {
      // Append to the bucket: the head's prev is the tail.
      const next = this.#next;
      const prev = this.#prev;
      const tail = prev[head];
      next[tail] = slot;
      prev[slot] = tail;
      next[slot] = head;
      prev[head] = slot;
      this.#pos[slot] = FOLLOWER;
      return;
    }
    this.#next[slot] = slot;
    this.#prev[slot] = slot;
    const seq = this.#nextSeq++;
    this.#seq[slot] = seq;
    this.#cache[h] = slot;
    this.#up(this.#heapLength++, slot, key, seq);
  }

  /** Removes and returns the first slot (the queue must not be empty). */
  pop(): number {
    const top = this.#heap[0];
    this.#detach(top);
    this.#length--;
    return top;
  }

  /** Removes `slot` if it is queued. */
  remove(slot: number): void {
    if (!this.has(slot)) return;
    this.#detach(slot);
    this.#length--;
  }

  /** Takes a queued slot out of its bucket; a head hands its place in the heap to its follower. */
  #detach(slot: number): void {
    const pos = this.#pos;
    const at = pos[slot];
    pos[slot] = -1;
    const next = this.#next;
    const prev = this.#prev;
    const n = next[slot];
    if (at === FOLLOWER) {
      const p = prev[slot];
      next[p] = n;
      prev[n] = p;
      return;
    }
    const h = hash(this.#key[slot]);
    if (n !== slot) {
      // The follower becomes the head, in the same heap place, with the bucket's order.
      const p = prev[slot];
      next[p] = n;
      prev[n] = p;
      this.#heap[at] = n;
      pos[n] = at;
      this.#seq[n] = this.#seq[slot];
      if (this.#cache[h] === slot) this.#cache[h] = n;
      return;
    }
    if (this.#cache[h] === slot) this.#cache[h] = -1;
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
    const half = n >> 1;
    while (at < half) {
      const left = 2 * at + 1;
      const right = left + 1;
      const lk = keys[left];
      const rk = keys[right];
      // Branch-free choice of the smaller child (random keys defeat the branch predictor);
      // keys[right] past the end is the spare entry and is masked by `right < n`.
      let child = left + (+(right < n) & +(rk < lk));
      // Equal times are ordered by bucket (rare: buckets of one time after a cache eviction).
      if (rk === lk && right < n && seqs[heap[right]] < seqs[heap[left]]) child = right;
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
