import { describe, expect, it } from '@jest/globals';
import { measurePairedRuns, medianAndMad } from '../../bench/harness.js';

describe('medianAndMad', () => {
  describe('having an odd and an even number of samples', () => {
    it('should take the middle sample, or the mean of the two middle ones, and the same of the deviations', () => {
      expect(medianAndMad([5, 1, 3])).toEqual({ median: 3, mad: 2 });
      expect(medianAndMad([4, 1, 3, 10])).toEqual({ median: 3.5, mad: 1.5 });
    });
  });

  describe('having no samples', () => {
    it('should throw', () => {
      expect(() => medianAndMad([])).toThrow('no samples');
    });
  });
});

describe('measurePairedRuns', () => {
  describe('having a run and a baseline that report their own times', () => {
    it('should alternate which goes first and sample only the last pairs, not the warm-up', async () => {
      const order: string[] = [];
      let runs = 0;
      let bases = 0;
      // The n-th call of each reports n × 10 ms (run) or n ms (baseline); tinybench calls the
      // task for the warm-up (and may probe it once) before the sampled iterations.
      const warmup = 3;
      const iterations = 5;
      const m = await measurePairedRuns(
        () => {
          order.push('run');
          return 10 * ++runs;
        },
        () => {
          order.push('base');
          return ++bases;
        },
        iterations,
        warmup,
      );
      expect(runs).toBeGreaterThanOrEqual(warmup + iterations);
      // The sampled calls are the last five: n - 4 … n, whose median is n - 2 and MAD 1.
      expect(m.run).toEqual({ median: 10 * (runs - 2), mad: 10 });
      expect(m.baseline).toEqual({ median: bases - 2, mad: 1 });
      expect(runs).toBe(bases);
      // Pairs alternate their order: run first, then baseline first, and so on.
      const pairs = [];
      for (let i = 0; i < order.length; i += 2) pairs.push(order[i]);
      expect(pairs.slice(-iterations)).toEqual(
        Array.from({ length: iterations }, (_, i) => ((runs - iterations + i) % 2 === 0 ? 'run' : 'base')),
      );
      expect(new Set(pairs)).toEqual(new Set(['run', 'base']));
    });
  });
});
