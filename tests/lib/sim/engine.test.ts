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

describe('SimEngine timers', () => {
  describe('having a timer re-armed before it fires', () => {
    it('should fire once, at the new time, with the new kind and payload', () => {
      const e = new SimEngine();
      const seen: string[] = [];
      const a = e.registerKind('a', (x) => seen.push(`a${x}@${e.now}`));
      const b = e.registerKind('b', (x, y) => seen.push(`b${x},${y}@${e.now}`));
      const t = e.createTimer();
      e.arm(t, 100, a, 1, 0);
      e.arm(t, 50, b, 2, 3);
      expect(e.armed(t)).toBe(true);
      expect(e.pending).toBe(1);
      const r = e.run();
      expect(seen).toEqual(['b2,3@50']);
      expect(r.events).toBe(1);
      expect(e.armed(t)).toBe(false);
    });
  });

  describe('having a timer disarmed', () => {
    it('should not fire and may be armed again later', () => {
      const e = new SimEngine();
      const seen: number[] = [];
      const k = e.registerKind('k', () => seen.push(e.now));
      const t = e.createTimer();
      e.arm(t, 10, k, 0, 0);
      e.disarm(t);
      e.disarm(t);
      expect(e.run().events).toBe(0);
      e.arm(t, 20, k, 0, 0);
      e.run();
      expect(seen).toEqual([20]);
    });
  });

  describe('having a timer re-armed from its own handler', () => {
    it('should fire at each time it is armed for (a delivery cursor)', () => {
      const e = new SimEngine();
      const seen: number[] = [];
      const t = e.createTimer();
      const k = e.registerKind('k', (n) => {
        seen.push(e.now);
        if (n > 0) e.arm(t, e.now + 5, k, n - 1, 0);
      });
      e.arm(t, 1, k, 3, 0);
      expect(e.run()).toMatchObject({ now: 16, events: 4, reason: 'idle' });
      expect(seen).toEqual([1, 6, 11, 16]);
    });
  });

  describe('having bad timer arguments', () => {
    it('should throw and leave the queue as it was', () => {
      const e = new SimEngine();
      const k = e.registerKind('k', () => undefined);
      e.schedule(5, k, 0, 0);
      e.run();
      const t = e.createTimer();
      expect(() => {
        e.arm(t, 1, k, 0, 0);
      }).toThrow(RangeError);
      expect(() => {
        e.arm(t, 7.5, k, 0, 0);
      }).toThrow(/not an integer/);
      e.schedule(10, k, 0, 0);
      // A slot that is not a timer (never created by createTimer) is refused.
      expect(() => {
        e.arm(t + 500, 20, k, 0, 0);
      }).toThrow(/not a timer/);
      expect(e.armed(t)).toBe(false);
      expect(e.pending).toBe(1);
    });
  });
});

describe('SimEngine.addDrainHook', () => {
  describe('having a hook that schedules deferred work when the queue drains', () => {
    it('should run that work before the stall checks and end the run after it', () => {
      const e = new SimEngine();
      const order: string[] = [];
      const k = e.registerKind('k', () => order.push(`event@${e.now}`));
      let deferred = true;
      e.addDrainHook(() => {
        order.push(`drain@${e.now}`);
        if (deferred) {
          deferred = false;
          e.schedule(e.now + 40, k, 0, 0);
        }
      });
      e.addStallCheck(() => {
        order.push(`stall-check@${e.now}`);
        return null;
      });
      e.schedule(10, k, 0, 0);
      const r = e.run();
      expect(order).toEqual(['event@10', 'drain@10', 'event@50', 'drain@50', 'stall-check@50']);
      expect(r).toMatchObject({ now: 50, reason: 'idle' });
    });
  });
});

describe('SimEngine.disarm', () => {
  describe('having something that is not a timer', () => {
    it('should throw and leave the queue as it was', () => {
      const e = new SimEngine();
      const k = e.registerKind('k', () => undefined);
      const t = e.createTimer();
      e.arm(t, 10, k, 0, 0);
      e.schedule(20, k, 0, 0);
      for (const bad of [t + 1, -1, 1.5, 99_999, '0', null]) {
        expect(() => {
          e.disarm(bad as never);
        }).toThrow(/expected a number from createTimer/);
        expect(() => e.armed(bad as never)).toThrow(/expected a number from createTimer/);
      }
      expect([e.armed(t), e.pending]).toEqual([true, 2]);
      expect(e.run()).toMatchObject({ events: 2, now: 20 });
    });
  });
});

describe('SimEngine.schedule', () => {
  describe('having a kind that was never registered', () => {
    it('should throw at scheduling time, not when the event would run', () => {
      const e = new SimEngine();
      const k = e.registerKind('k', () => undefined);
      const t = e.createTimer();
      for (const bad of [k + 1, -1, 0.5, Number.NaN]) {
        expect(() => {
          e.schedule(5, bad, 0, 0);
        }).toThrow(/expected a number from registerKind/);
        expect(() => {
          e.arm(t, 5, bad, 0, 0);
        }).toThrow(/expected a number from registerKind/);
      }
      expect([e.pending, e.armed(t)]).toEqual([0, false]);
    });
  });
});

describe('SimEngine.addDrainHook', () => {
  describe('having a hook that is not a function', () => {
    it('should throw a TypeError', () => {
      expect(() => {
        new SimEngine().addDrainHook(5 as never);
      }).toThrow(TypeError);
    });
  });
});

describe('SimEngine.armTrusted', () => {
  describe('having a timer armed unchecked, then re-armed either way', () => {
    it('should keep at most one pending event, at the last time and payload given', () => {
      const e = new SimEngine();
      const seen: string[] = [];
      const k = e.registerKind('k', (x, y) => seen.push(`${x},${y}@${e.now}`));
      const t = e.createTimer();
      e.armTrusted(t, 100, k, 1, 0);
      e.armTrusted(t, 40, k, 2, 5);
      expect(e.pending).toBe(1);
      e.run();
      e.arm(t, 90, k, 3, 0);
      e.armTrusted(t, 70, k, 4, 6);
      e.run();
      expect(seen).toEqual(['2,5@40', '4,6@70']);
      expect(e.armed(t)).toBe(false);
    });
  });
});

describe('SimEngine.scheduleTrusted', () => {
  describe('having unchecked and checked events at one time', () => {
    it('should run them in the order they were queued, and recycle their slots', () => {
      const e = new SimEngine();
      const seen: number[] = [];
      const k = e.registerKind('k', (x) => seen.push(x));
      for (let round = 0; round < 3; round++) {
        e.scheduleTrusted(e.now + 10, k, 1, 0);
        e.schedule(e.now + 10, k, 2, 0);
        e.scheduleTrusted(e.now + 10, k, 3, 0);
        e.scheduleTrusted(e.now + 5, k, 0, 0);
        expect(e.run().events).toBe(4);
      }
      expect(seen).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
      expect(e.now).toBe(30);
      expect(e.pending).toBe(0);
    });
  });
});

describe('SimEngine.armTrusted and scheduleTrusted', () => {
  describe('having a time past 2^53 - 1 ns', () => {
    it('should throw a RangeError as arm and schedule do, and queue nothing', () => {
      const e = new SimEngine();
      const k = e.registerKind('k', () => undefined);
      const t = e.createTimer();
      e.schedule(5, k, 0, 0);
      e.run();
      const late = e.now + Number.MAX_SAFE_INTEGER;
      expect(() => { e.armTrusted(t, late, k, 0, 0); }).toThrow(RangeError);
      expect(() => { e.scheduleTrusted(late, k, 0, 0); }).toThrow(RangeError);
      expect(() => { e.arm(t, late, k, 0, 0); }).toThrow(RangeError);
      expect(e.armed(t)).toBe(false);
      expect(e.pending).toBe(0);
    });
  });
});
