import { describe, expect, it } from '@jest/globals';
import { baselineIpiLoop, lcgPicker as picker } from '../../bench/baseline-engine.js';
import { engineStorm } from '../../bench/engine-storm.js';

describe('engineStorm', () => {
  describe('having the same CPUs, IPI count and peer picker as the bare baseline loop', () => {
    it.each([4, 64])('should handle exactly as many events as the baseline at %i CPUs', (n) => {
      // B5 compares events per second, so the engine row must do the baseline's workload:
      // the same sends, the same coalesced deliveries, the same handles.
      const events = engineStorm(n, 20_000, picker(n));
      expect(events).toBe(baselineIpiLoop(n, 20_000, picker(n)));
      expect(events).toBeGreaterThan(2 * 20_000);
    });

    it('should handle as many events as the baseline within 0.1 % at 512 CPUs', () => {
      // With 512 staggered CPUs, events of different CPUs fall on the same nanosecond; the
      // engine runs them first-in first-out and flatqueue in heap order, so the picker is
      // called in another CPU order and a few deliveries coalesce differently.
      const events = engineStorm(512, 20_000, picker(512));
      const base = baselineIpiLoop(512, 20_000, picker(512));
      expect(Math.abs(events - base) / base).toBeLessThan(0.001);
    });
  });
});
