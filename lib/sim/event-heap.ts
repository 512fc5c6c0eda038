/**
 * The engine's priority queue: a binary min-heap of event slots keyed by time, in typed arrays,
 * that knows where each slot sits so a queued event can be moved to another time or removed in
 * O(log n) — the operation a CPU's timeline event needs when an interrupt preempts its delay.
 *
 * Why not a package: flatqueue (used before) and tinyqueue have no update or remove; the
 * packages that do (updatable-priority-queue, heap-js) keep one object per item and find items
 * by value, which allocates per event and costs O(n) per removal. The engine needs numeric
 * slots, no allocation per event, and update by slot.
 *
 * Equal times pop in an order fixed by the sequence of operations (deterministic, not FIFO).
 *
 * @packageDocumentation
 */

/** A min-heap of integer slot ids with numeric keys; a slot is queued at most once. */
export class EventHeap {
  /** Heap order → slot. */
  #slot: Int32Array;
  /** Heap order → key (kept beside the slot for locality while sifting). */
  #key: Float64Array;
  /** Slot → heap position, or -1 when the slot is not queued. */
  #pos: Int32Array;
  #length = 0;

  constructor(capacity = 1024) {
    this.#slot = new Int32Array(capacity);
    this.#key = new Float64Array(capacity);
    this.#pos = new Int32Array(capacity).fill(-1);
  }

  /** Number of queued slots. */
  get length(): number {
    return this.#length;
  }

  /** Key of the first slot (undefined when empty). */
  peekKey(): number | undefined {
    return this.#length > 0 ? this.#key[0] : undefined;
  }

  /** Is `slot` queued? */
  has(slot: number): boolean {
    return slot < this.#pos.length && this.#pos[slot] >= 0;
  }

  /** Makes room for slot ids below `n`. */
  reserveSlots(n: number): void {
    if (n <= this.#pos.length) return;
    let cap = this.#pos.length;
    while (cap < n) cap *= 2;
    const pos = new Int32Array(cap).fill(-1);
    pos.set(this.#pos);
    this.#pos = pos;
    const slot = new Int32Array(cap);
    slot.set(this.#slot);
    this.#slot = slot;
    const key = new Float64Array(cap);
    key.set(this.#key);
    this.#key = key;
  }

  /** Queues `slot` at `key`, or moves it there if it is queued already. */
  set(slot: number, key: number): void {
    const at = this.#pos[slot];
    if (at < 0) {
      this.#up(this.#length++, slot, key);
    } else if (key < this.#key[at]) {
      this.#up(at, slot, key);
    } else {
      this.#down(at, slot, key);
    }
  }

  /** Removes and returns the first slot (the heap must not be empty). */
  pop(): number {
    const top = this.#slot[0];
    this.#pos[top] = -1;
    const last = --this.#length;
    if (last > 0) this.#down(0, this.#slot[last], this.#key[last]);
    return top;
  }

  /** Removes `slot` if it is queued. */
  remove(slot: number): void {
    const at = this.#pos[slot];
    if (!(at >= 0)) return;
    this.#pos[slot] = -1;
    const last = --this.#length;
    if (at === last) return;
    const s = this.#slot[last];
    const k = this.#key[last];
    if (at > 0 && k < this.#key[(at - 1) >> 1]) this.#up(at, s, k);
    else this.#down(at, s, k);
  }

  /** Places `slot`/`key` at the hole `at`, moving it towards the root. */
  #up(at: number, slot: number, key: number): void {
    const slots = this.#slot;
    const keys = this.#key;
    const pos = this.#pos;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const pk = keys[parent];
      if (pk <= key) break;
      const ps = slots[parent];
      slots[at] = ps;
      keys[at] = pk;
      pos[ps] = at;
      at = parent;
    }
    slots[at] = slot;
    keys[at] = key;
    pos[slot] = at;
  }

  /** Places `slot`/`key` at the hole `at`, moving it towards the leaves. */
  #down(at: number, slot: number, key: number): void {
    const slots = this.#slot;
    const keys = this.#key;
    const pos = this.#pos;
    const n = this.#length;
    const half = n >> 1;
    while (at < half) {
      let child = 2 * at + 1;
      let ck = keys[child];
      const right = child + 1;
      if (right < n && keys[right] < ck) {
        child = right;
        ck = keys[right];
      }
      if (ck >= key) break;
      const cs = slots[child];
      slots[at] = cs;
      keys[at] = ck;
      pos[cs] = at;
      at = child;
    }
    slots[at] = slot;
    keys[at] = key;
    pos[slot] = at;
  }
}
