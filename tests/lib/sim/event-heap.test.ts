import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { EventHeap } from '../../../lib/sim/event-heap.js';

type Op = { op: 'set'; slot: number; key: number } | { op: 'remove'; slot: number } | { op: 'pop' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), slot: fc.integer({ min: 0, max: 40 }), key: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant('remove' as const), slot: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('pop' as const) }),
);

describe('EventHeap', () => {
  describe('having any sequence of set, remove and pop', () => {
    it('should behave like a map of slot to key that pops a slot of the least key', () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
          // Start small so that reserveSlots has to grow the arrays.
          const heap = new EventHeap(4);
          heap.reserveSlots(41);
          const model = new Map<number, number>();
          for (const o of ops) {
            if (o.op === 'set') {
              heap.set(o.slot, o.key);
              model.set(o.slot, o.key);
            } else if (o.op === 'remove') {
              heap.remove(o.slot);
              model.delete(o.slot);
            } else if (model.size > 0) {
              const least = Math.min(...model.values());
              expect(heap.peekKey()).toBe(least);
              const slot = heap.pop();
              expect(model.get(slot)).toBe(least);
              model.delete(slot);
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
      const heap = new EventHeap();
      heap.set(1, 10);
      heap.set(2, 20);
      heap.set(1, 30);
      expect([heap.pop(), heap.pop()]).toEqual([2, 1]);
      expect(heap.length).toBe(0);
    });
  });
});
