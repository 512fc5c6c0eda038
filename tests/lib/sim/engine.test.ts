import { describe, expect, it } from '@jest/globals';
import { SimEngine } from '../../../lib/index.js';

describe('SimEngine', () => {
  describe('having events scheduled out of order', () => {
    it('should run them in time order and advance the clock', () => {
      const e = new SimEngine();
      const seen: [number, number][] = [];
      const k = e.registerKind('t', (a) => seen.push([e.now, a]));
      e.schedule(30, k, 3, 0);
      e.schedule(10, k, 1, 0);
      e.schedule(20, k, 2, 0);
      const r = e.run();
      expect(seen).toEqual([[10, 1], [20, 2], [30, 3]]);
      expect(r).toEqual({ now: 30, events: 3, reason: 'idle', stall: null });
    });
  });

  describe('having a time limit', () => {
    it('should stop before later events and leave them queued', () => {
      const e = new SimEngine();
      const k = e.registerKind('t', () => undefined);
      e.schedule(10, k, 0, 0);
      e.schedule(100, k, 0, 0);
      expect(e.run(50).reason).toBe('until');
      expect(e.now).toBe(50);
      expect(e.pending).toBe(1);
    });
  });

  describe('having many events (slot recycling)', () => {
    it('should handle more events than its initial arrays', () => {
      const e = new SimEngine();
      let n = 0;
      const k = e.registerKind('t', (a) => {
        n++;
        if (a > 0) e.schedule(e.now + 1, k, a - 1, 0);
      });
      for (let i = 0; i < 3000; i++) e.schedule(i, k, 2, 0);
      e.run();
      expect(n).toBe(9000);
    });
  });

  describe('having only daemon events left', () => {
    it('should consult the stall checks instead of running the daemons forever', () => {
      const e = new SimEngine();
      const k = e.registerKind('watchdog', () => { e.scheduleDaemon(e.now + 10, k, 0, 0); });
      e.scheduleDaemon(5, k, 0, 0);
      e.addStallCheck(() => ({ kind: 'test', message: 'stuck' }));
      expect(e.run().reason).toBe('stalled');
    });
  });

  describe('having a time in the past', () => {
    it('should throw a RangeError', () => {
      const e = new SimEngine();
      const k = e.registerKind('t', () => undefined);
      e.schedule(10, k, 0, 0);
      e.run();
      expect(() => { e.schedule(5, k, 0, 0); }).toThrow(RangeError);
      expect(() => { e.schedule(10.5, k, 0, 0); }).toThrow(RangeError);
    });
  });
});
