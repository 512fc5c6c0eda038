import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { EventQueue } from '../../../lib/sim/event-queue.js';

type Op = { op: 'set'; slot: number; key: number } | { op: 'remove'; slot: number } | { op: 'pop' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), slot: fc.integer({ min: 0, max: 40 }), key: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant('remove' as const), slot: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('pop' as const) }),
);

describe('EventQueue', () => {
  describe('having any sequence of set, remove and pop', () => {
    it('should behave like a map of slot to key that pops the earliest-set slot of the least key', () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
          // Start small so that reserveSlots has to grow the arrays.
          const heap = new EventQueue(4);
          heap.reserveSlots(41);
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
              expect(heap.peekKey()).toBe(best[0]);
              expect(heap.pop()).toBe(first);
              model.delete(first);
            }
            expect(heap.length).toBe(model.size);
            for (let s = 0; s <= 40; s++) expect(heap.has(s)).toBe(model.has(s));
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
    it('should pop them in the order they were set, even past cache collisions', () => {
      const q = new EventQueue(8);
      q.reserveSlots(5000);
      // 2500 distinct keys fill the 1024-entry time cache past collisions; then slots alternate
      // between two keys so buckets are evicted from the cache and made again.
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
