/**
 * The engine's priority queue of event slots keyed by time, first-in first-out among equal
 * times, that knows where each slot sits so a queued event can be moved to another time or
 * removed in place — the operation a CPU's timeline event needs when an interrupt preempts its
 * delay.
 *
 * Layout (all typed arrays, nothing allocated per event): events at the same time share a
 * *bucket*, a doubly linked list of slots in arrival order; the buckets sit in a binary min-heap
 * keyed by time. A simulated machine puts many events at the same nanosecond (every CPU's
 * delay ends on the same tick, a broadcast lands everywhere at once), so:
 * - popping the next event takes the head of the first bucket: O(1), where a heap of slots
 *   sifts through log n levels for every pop among equal keys;
 * - queueing at a time that has a bucket appends to it: O(1). A small direct-mapped cache finds
 *   the bucket of a time; a miss makes a new bucket (O(log buckets));
 * - same-time events run in the order they were queued, so CPUs whose delays end together run
 *   in the order they started them: a machine-wide sweep touches per-CPU state in address
 *   order, which the hardware prefetcher follows (docs/performance.md).
 *
 * FIFO holds exactly: a time gets a new bucket only when the cache has no live bucket for it,
 * and the cache always names the newest bucket of a time, so an older bucket of the same time
 * is never appended to again. Buckets of equal time pop in creation order.
 *
 * Why not a package: flatqueue and tinyqueue have no update or remove and are not FIFO among
 * equal keys; the packages that have update (updatable-priority-queue, heap-js) keep one object
 * per item and find items by value, which allocates per event and costs O(n) per removal.
 *
 * @packageDocumentation
 */

/** Direct-mapped cache entries (time → bucket); a power of two. */
const CACHE = 1024;

/** A FIFO priority queue of integer slot ids with numeric keys; a slot is queued at most once. */
export class EventQueue {
  // ---- per slot
  /** Next slot in its bucket, or -1. */
  #next: Int32Array;
  /** Previous slot in its bucket, or -1. */
  #prev: Int32Array;
  /** The slot's bucket, or -1 when the slot is not queued. */
  #bucketOf: Int32Array;
  // ---- per bucket (at most one per queued slot, so the same capacity)
  #bKey: Float64Array;
  /** Creation order, to order buckets of equal time (rare: after a cache eviction). */
  #bSeq: Float64Array;
  #bHead: Int32Array;
  #bTail: Int32Array;
  /** Heap position of a live bucket. */
  #bPos: Int32Array;
  /** Free bucket ids (a stack). */
  #bFree: Int32Array;
  #bFreeTop = 0;
  #bCount = 0;
  #bNextSeq = 0;
  // ---- the heap of buckets
  /** Heap order → bucket. */
  #heap: Int32Array;
  /** Heap order → key, kept beside the bucket for locality while sifting. */
  #heapKey: Float64Array;
  #heapLength = 0;
  /** Time → newest live bucket of that time, direct-mapped; -1 when empty. */
  readonly #cache = new Int32Array(CACHE).fill(-1);
  #length = 0;

  constructor(capacity = 1024) {
    const cap = Math.max(1, capacity);
    this.#next = new Int32Array(cap);
    this.#prev = new Int32Array(cap);
    this.#bucketOf = new Int32Array(cap).fill(-1);
    this.#bKey = new Float64Array(cap);
    this.#bSeq = new Float64Array(cap);
    this.#bHead = new Int32Array(cap);
    this.#bTail = new Int32Array(cap);
    this.#bPos = new Int32Array(cap);
    this.#bFree = new Int32Array(cap);
    this.#heap = new Int32Array(cap);
    this.#heapKey = new Float64Array(cap);
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
    return slot < this.#bucketOf.length && this.#bucketOf[slot] >= 0;
  }

  /** Makes room for slot ids below `n`. */
  reserveSlots(n: number): void {
    const old = this.#bucketOf.length;
    if (n <= old) return;
    let cap = old;
    while (cap < n) cap *= 2;
    const grow = <A extends Int32Array | Float64Array>(a: A, fill: number): A => {
      const b = new (a.constructor as new (n: number) => A)(cap);
      if (fill !== 0) b.fill(fill);
      b.set(a);
      return b;
    };
    this.#next = grow(this.#next, 0);
    this.#prev = grow(this.#prev, 0);
    this.#bucketOf = grow(this.#bucketOf, -1);
    this.#bKey = grow(this.#bKey, 0);
    this.#bSeq = grow(this.#bSeq, 0);
    this.#bHead = grow(this.#bHead, 0);
    this.#bTail = grow(this.#bTail, 0);
    this.#bPos = grow(this.#bPos, 0);
    this.#bFree = grow(this.#bFree, 0);
    this.#heap = grow(this.#heap, 0);
    this.#heapKey = grow(this.#heapKey, 0);
  }

  /**
   * Queues `slot` at `key` behind the slots already queued at that key; if it is queued already,
   * moves it there (to the back, even when the key is the same).
   */
  set(slot: number, key: number): void {
    if (this.#bucketOf[slot] >= 0) this.#unlink(slot);
    else this.#length++;
    const h = Math.imul(key | 0, 0x9e3779b1) >>> 22;
    let b = this.#cache[h];
    if (b < 0 || this.#bKey[b] !== key) {
      b = this.#newBucket(key);
      this.#cache[h] = b;
      this.#bHead[b] = slot;
      this.#prev[slot] = -1;
    } else {
      const tail = this.#bTail[b];
      this.#next[tail] = slot;
      this.#prev[slot] = tail;
    }
    this.#next[slot] = -1;
    this.#bTail[b] = slot;
    this.#bucketOf[slot] = b;
  }

  /** Removes and returns the first slot (the queue must not be empty). */
  pop(): number {
    const b = this.#heap[0];
    const slot = this.#bHead[b];
    const next = this.#next[slot];
    this.#bucketOf[slot] = -1;
    this.#length--;
    if (next >= 0) {
      this.#bHead[b] = next;
      this.#prev[next] = -1;
    } else {
      this.#freeBucket(b);
    }
    return slot;
  }

  /** Removes `slot` if it is queued. */
  remove(slot: number): void {
    if (!(this.#bucketOf[slot] >= 0)) return;
    this.#unlink(slot);
    this.#length--;
  }

  /** Takes a queued slot out of its bucket (freeing the bucket if it empties). */
  #unlink(slot: number): void {
    const b = this.#bucketOf[slot];
    const prev = this.#prev[slot];
    const next = this.#next[slot];
    this.#bucketOf[slot] = -1;
    if (prev >= 0) this.#next[prev] = next;
    else this.#bHead[b] = next;
    if (next >= 0) this.#prev[next] = prev;
    else this.#bTail[b] = prev;
    if (prev < 0 && next < 0) this.#freeBucket(b);
  }

  #newBucket(key: number): number {
    const b = this.#bFreeTop > 0 ? this.#bFree[--this.#bFreeTop] : this.#bCount++;
    this.#bKey[b] = key;
    const seq = this.#bNextSeq++;
    this.#bSeq[b] = seq;
    this.#up(this.#heapLength++, b, key, seq);
    return b;
  }

  /** Removes an empty bucket from the heap and the cache. */
  #freeBucket(b: number): void {
    const key = this.#bKey[b];
    const h = Math.imul(key | 0, 0x9e3779b1) >>> 22;
    if (this.#cache[h] === b) this.#cache[h] = -1;
    this.#bFree[this.#bFreeTop++] = b;
    const at = this.#bPos[b];
    const last = --this.#heapLength;
    if (at === last) return;
    const lb = this.#heap[last];
    const lk = this.#heapKey[last];
    const lq = this.#bSeq[lb];
    if (at > 0) {
      const p = this.#heap[(at - 1) >> 1];
      const pk = this.#heapKey[(at - 1) >> 1];
      if (lk < pk || (lk === pk && lq < this.#bSeq[p])) {
        this.#up(at, lb, lk, lq);
        return;
      }
    }
    this.#down(at, lb, lk, lq);
  }

  /** Places bucket `b` (key, seq) at the hole `at`, moving it towards the root. */
  #up(at: number, b: number, key: number, seq: number): void {
    const heap = this.#heap;
    const keys = this.#heapKey;
    const seqs = this.#bSeq;
    const pos = this.#bPos;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const pk = keys[parent];
      const pb = heap[parent];
      if (pk < key || (pk === key && seqs[pb] < seq)) break;
      heap[at] = pb;
      keys[at] = pk;
      pos[pb] = at;
      at = parent;
    }
    heap[at] = b;
    keys[at] = key;
    pos[b] = at;
  }

  /** Places bucket `b` (key, seq) at the hole `at`, moving it towards the leaves. */
  #down(at: number, b: number, key: number, seq: number): void {
    const heap = this.#heap;
    const keys = this.#heapKey;
    const seqs = this.#bSeq;
    const pos = this.#bPos;
    const n = this.#heapLength;
    const half = n >> 1;
    while (at < half) {
      let child = 2 * at + 1;
      let cb = heap[child];
      let ck = keys[child];
      const right = child + 1;
      if (right < n) {
        const rk = keys[right];
        const rb = heap[right];
        if (rk < ck || (rk === ck && seqs[rb] < seqs[cb])) {
          child = right;
          cb = rb;
          ck = rk;
        }
      }
      if (ck > key || (ck === key && seqs[cb] > seq)) break;
      heap[at] = cb;
      keys[at] = ck;
      pos[cb] = at;
      at = child;
    }
    heap[at] = b;
    keys[at] = key;
    pos[b] = at;
  }
}
