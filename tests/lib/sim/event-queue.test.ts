import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { EventQueue, WHEEL_SPAN } from '../../../lib/sim/event-queue.js';

type Op = { op: 'set'; slot: number; key: number } | { op: 'remove'; slot: number } | { op: 'pop' };

/**
 * Keys that land in the wheel, right at its edge, far beyond it (the heap) and on a few shared
 * values of each, so equal keys meet in both parts and cross from the heap to the wheel.
 */
const keyArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 50 }),
  fc.integer({ min: WHEEL_SPAN - 3, max: WHEEL_SPAN + 3 }),
  fc.constantFrom(3 * WHEEL_SPAN, 3 * WHEEL_SPAN + 1, 7 * WHEEL_SPAN + 5),
  fc.integer({ min: 0, max: 10 * WHEEL_SPAN }),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), slot: fc.integer({ min: 0, max: 15 }), key: keyArb }),
  fc.record({ op: fc.constant('remove' as const), slot: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ op: fc.constant('pop' as const) }),
);

/** An empty queue with room for `slots` slots that has popped an event at time 0 (so its wheel covers [0, SPAN)). */
function queueAtTimeZero(slots: number): EventQueue {
  const q = new EventQueue(8);
  q.reserveSlots(slots);
  q.set(0, 0);
  expect(q.pop()).toBe(0);
  return q;
}

describe('EventQueue', () => {
  describe('having any sequence of set, remove and pop', () => {
    it('should behave like a map of slot to key that pops the earliest-set slot of the least key', () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 20, maxLength: 300, size: 'max' }), (ops) => {
          // Start small so that reserveSlots has to grow the arrays.
          const heap = new EventQueue(4);
          heap.reserveSlots(16);
          // slot → [key, when it was last set]
          const model = new Map<number, [number, number]>();
          let clock = 0;
          for (const o of ops) {
            if (o.op === 'set') {
              heap.set(o.slot, o.key);
              model.set(o.slot, [o.key, clock++]);
            } else if (o.op === 'remove') {
              heap.remove(o.slot);
              model.delete(o.slot);
            } else if (model.size > 0) {
              let first = -1;
              let best: [number, number] = [Infinity, Infinity];
              for (const [s, kv] of model) {
                if (kv[0] < best[0] || (kv[0] === best[0] && kv[1] < best[1])) {
                  best = kv;
                  first = s;
                }
              }
              // Plain checks in the loop (jest's expect costs microseconds a call); a failure
              // throws with what differed, and fast-check shrinks it.
              const key = heap.peekKey();
              const popped = heap.pop();
              if (key !== best[0] || popped !== first) {
                throw new Error(`popped slot ${popped} at ${key}; expected slot ${first} at ${best[0]}`);
              }
              model.delete(first);
            }
            if (heap.length !== model.size) throw new Error(`length ${heap.length}; expected ${model.size}`);
            for (let s = 0; s <= 15; s++) {
              if (heap.has(s) !== model.has(s)) throw new Error(`has(${s}) is ${heap.has(s)}; expected ${model.has(s)}`);
            }
          }
          // Draining yields keys in non-decreasing order.
          let last = -Infinity;
          while (heap.length > 0) {
            const k = heap.peekKey() as number;
            expect(k).toBeGreaterThanOrEqual(last);
            last = k;
            heap.pop();
          }
          expect(heap.peekKey()).toBeUndefined();
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('having keys only ever at or after the last popped key (as the engine queues)', () => {
    it('should pop them in key order, FIFO among equal keys, across the wheel and the heap', () => {
      const stepArb = fc.array(
        fc.record({ pops: fc.integer({ min: 0, max: 3 }), offset: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 4 * WHEEL_SPAN })) }),
        { minLength: 20, maxLength: 400, size: 'max' },
      );
      fc.assert(
        fc.property(stepArb, (steps) => {
          const q = new EventQueue(4);
          const model: [number, number, number][] = []; // [key, arrival, slot]
          let arrival = 0;
          let slot = 0;
          let last = 0;
          const popOne = (): void => {
            model.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
            const [key, , s] = model.shift() as [number, number, number];
            const peeked = q.peekKey();
            const popped = q.pop();
            if (peeked !== key || popped !== s || q.lastKey !== key) {
              throw new Error(`popped slot ${popped} at ${peeked} (lastKey ${q.lastKey}); expected slot ${s} at ${key}`);
            }
            last = key;
          };
          for (const step of steps) {
            for (let i = 0; i < step.pops && model.length > 0; i++) popOne();
            q.reserveSlots(slot + 1);
            q.insert(slot, last + step.offset);
            model.push([last + step.offset, arrival++, slot++]);
          }
          while (model.length > 0) popOne();
          expect(q.length).toBe(0);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('having a queued slot moved to a later key', () => {
    it('should pop it after the slots it now follows, once', () => {
      const heap = new EventQueue();
      heap.set(1, 10);
      heap.set(2, 20);
      heap.set(1, 30);
      expect([heap.pop(), heap.pop()]).toEqual([2, 1]);
      expect(heap.length).toBe(0);
    });
  });
});

describe('EventQueue.set', () => {
  describe('having many slots at the same key', () => {
    it('should pop them in the order they were set, with keys spread over the wheel and beyond it', () => {
      const q = new EventQueue(8);
      q.reserveSlots(5000);
      // 2500 distinct keys, most beyond the wheel's span from the start (so they wait in the
      // heap and move to the wheel as time advances); then slots alternate between a near key
      // and far keys that the first 2500 share.
      for (let s = 0; s < 2500; s++) q.set(s, 10_000 + s);
      const order: number[] = [];
      for (let s = 2500; s < 5000; s++) q.set(s, s % 2 === 0 ? 5 : 10_000 + (s % 7) * 1024);
      while (q.length > 0) order.push(q.pop());
      const expected = [...Array(5000).keys()].sort((x, y) => {
        const kx = x < 2500 ? 10_000 + x : x % 2 === 0 ? 5 : 10_000 + (x % 7) * 1024;
        const ky = y < 2500 ? 10_000 + y : y % 2 === 0 ? 5 : 10_000 + (y % 7) * 1024;
        return kx - ky || x - y;
      });
      expect(order).toEqual(expected);
    });
  });

  describe('having a queued slot set again at the same key', () => {
    it('should move it behind the others at that key', () => {
      const q = new EventQueue();
      q.set(1, 10);
      q.set(2, 10);
      q.set(3, 10);
      q.set(1, 10);
      expect([q.pop(), q.pop(), q.pop()]).toEqual([2, 3, 1]);
      expect(q.peekKey()).toBeUndefined();
    });
  });
});

describe('EventQueue.set', () => {
  describe('having a key before the last popped one', () => {
    it('should rewind: pop it first and keep the order of what was queued beyond the new window', () => {
      const q = new EventQueue(8);
      q.set(0, 2 * WHEEL_SPAN);
      expect(q.pop()).toBe(0);
      // Queued in the wheel relative to 2·SPAN: two at one key beyond the window of key 5.
      q.set(1, 2 * WHEEL_SPAN + 10);
      q.set(2, 2 * WHEEL_SPAN + 10);
      q.set(3, 2 * WHEEL_SPAN + 1);
      q.set(4, 5);
      q.set(5, 2 * WHEEL_SPAN + 10);
      expect([q.pop(), q.pop(), q.pop(), q.pop(), q.pop()]).toEqual([4, 3, 1, 2, 5]);
      expect(q.length).toBe(0);
    });
  });

  describe('having far-future slots at one key queued before and after that key enters the wheel', () => {
    it('should pop the earlier ones first', () => {
      const q = new EventQueue(8);
      const far = 5 * WHEEL_SPAN;
      q.set(0, 0);
      q.set(1, far);
      q.set(2, far);
      q.set(3, far - WHEEL_SPAN + 1);
      expect(q.pop()).toBe(0);
      // Popping key far - SPAN + 1 brings `far` into the window: 1 and 2 move to the wheel, then 4
      // is queued behind them.
      expect(q.pop()).toBe(3);
      q.set(4, far);
      q.set(1, far); // moved to the back
      expect([q.pop(), q.pop(), q.pop()]).toEqual([2, 4, 1]);
    });
  });
});

describe('EventQueue.remove', () => {
  describe('having far-future slots sharing a time (one bucket)', () => {
    it('should take out a follower, or the head with its followers moving up, and keep the rest in order', () => {
      const q = queueAtTimeZero(8);
      const far = 3 * WHEEL_SPAN;
      for (const s of [1, 2, 3, 4]) q.set(s, far);
      q.remove(3); // a follower
      q.remove(1); // the head: 2 takes its place
      q.set(5, far);
      expect(q.length).toBe(3);
      expect([q.pop(), q.pop(), q.pop()]).toEqual([2, 4, 5]);
      expect(q.peekKey()).toBeUndefined();
    });
  });

  describe('having two far buckets of one time (the cache entry taken by another time between them)', () => {
    it('should pop the first bucket before the second even after the first loses its head', () => {
      const q = queueAtTimeZero(3000);
      const far = 2 * WHEEL_SPAN;
      q.set(1, far);
      q.set(2, far);
      // Far times over the whole cache evict far's entry, so slot 4 starts a second bucket.
      for (let s = 10; s < 2058; s++) q.set(s, far + 1 + (s - 10));
      q.set(4, far);
      q.set(5, far);
      q.remove(1); // bucket 1's head leaves: 2 heads it, keeping its place before bucket 2
      const order: number[] = [];
      while (q.peekKey() === far) order.push(q.pop());
      expect(order).toEqual([2, 4, 5]);
    });
  });
});

describe('EventQueue.set', () => {
  describe('having many far buckets of one time (each started after the cache lost the last)', () => {
    it('should pop that time in arrival order across all its buckets', () => {
      const q = queueAtTimeZero(60_000);
      const far = 2 * WHEEL_SPAN;
      const atFar: number[] = [];
      let slot = 1;
      for (let round = 0; round < 24; round++) {
        for (let j = 0; j < 1 + (round % 3); j++) {
          atFar.push(slot);
          q.set(slot++, far);
        }
        // 2048 other far times, some before and some after `far`, evict far's cache entry.
        for (let t = 0; t < 2048; t++) q.set(slot++, far + (t % 2 === 0 ? -1 - t / 2 : 1 + t) + (round << 12));
      }
      const order: number[] = [];
      let last = -Infinity;
      while (q.length > 0) {
        const key = q.peekKey() as number;
        expect(key).toBeGreaterThanOrEqual(last);
        last = key;
        const s = q.pop();
        if (key === far) order.push(s);
      }
      expect(order).toEqual(atFar);
    });
  });
});

describe('EventQueue.popUntil', () => {
  describe('having a first key after the limit', () => {
    it('should return -1 and leave the queue as it was', () => {
      const q = new EventQueue(8);
      q.set(1, 100);
      q.set(2, 3 * WHEEL_SPAN);
      expect(q.popUntil(99)).toBe(-1);
      expect(q.length).toBe(2);
      expect(q.popUntil(100)).toBe(1);
      expect(q.popUntil(3 * WHEEL_SPAN - 1)).toBe(-1);
      expect(q.peekKey()).toBe(3 * WHEEL_SPAN);
      expect(q.popUntil(3 * WHEEL_SPAN)).toBe(2);
      expect(q.popUntil(Infinity)).toBe(-1);
    });
  });
});

describe('EventQueue.pop', () => {
  describe('having nothing queued', () => {
    it('should throw a clear error', () => {
      expect(() => new EventQueue().pop()).toThrow(/empty/);
    });
  });
});

describe('EventQueue.remove', () => {
  describe('having a slot id that was never queued or is out of range', () => {
    it.each([-1, 7, 5000])('should leave the queue as it was for slot %i', (slot) => {
      const q = new EventQueue(8);
      q.set(1, 10);
      q.set(2, 10);
      q.set(3, 5);
      q.remove(slot);
      expect(q.has(slot)).toBe(false);
      expect(q.length).toBe(3);
      expect([q.pop(), q.pop(), q.pop()]).toEqual([3, 1, 2]);
    });
  });
});
