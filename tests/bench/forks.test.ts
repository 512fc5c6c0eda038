import { describe, expect, it } from '@jest/globals';
import { combineForks } from '../../bench/forks.js';
import type { BenchResult } from '../../bench/harness.js';

function row(name: string, value: number, baseline: number | null, ratio: number | null, spread?: number): BenchResult {
  return spread === undefined ? { name, value, unit: 'IPI/s', baseline, ratio } : { name, value, unit: 'IPI/s', baseline, ratio, spread };
}

describe('combineForks', () => {
  describe('having one fork', () => {
    it('should return its results unchanged, with no fork range', () => {
      const fork = [row('B1', 4e6, 1.2e7, 0.333, 1e4), row('B2', 2, null, null)];
      const out = combineForks([fork]);
      expect(out).toEqual(fork);
      expect(out[0].forks).toBeUndefined();
    });
  });

  describe('having three forks of a figure with a ratio', () => {
    it("should report the median fork's own value, baseline, ratio and spread, and the range", () => {
      // The median ratio (0.36) is the fork whose value is the lowest: the triple must stay that
      // fork's, not a mix of per-column medians.
      const out = combineForks([
        [row('B1', 4.4e6, 1.1e7, 0.4, 10)],
        [row('B1', 3.9e6, 1.08e7, 0.36, 20)],
        [row('B1', 4.1e6, 1.32e7, 0.31, 30)],
      ]);
      expect(out).toEqual([
        {
          ...row('B1', 3.9e6, 1.08e7, 0.36, 20),
          forks: { count: 3, valueMin: 3.9e6, valueMax: 4.4e6, ratioMin: 0.31, ratioMax: 0.4 },
        },
      ]);
    });
  });

  describe('having forks of a figure without a ratio', () => {
    it('should pick the median by value and give no ratio range', () => {
      const out = combineForks([[row('B2', 3, null, null)], [row('B2', 1, null, null)], [row('B2', 2, null, null)]]);
      expect(out[0].value).toBe(2);
      expect(out[0].forks).toEqual({ count: 3, valueMin: 1, valueMax: 3, ratioMin: null, ratioMax: null });
    });
  });

  describe('having an even number of forks', () => {
    it('should take the lower median', () => {
      const out = combineForks([[row('B1', 1, 1, 0.4)], [row('B1', 1, 1, 0.3)], [row('B1', 1, 1, 0.35)], [row('B1', 1, 1, 0.38)]]);
      expect(out[0].ratio).toBe(0.35);
    });
  });

  describe('having several figures', () => {
    it('should combine each figure over the forks on its own', () => {
      const out = combineForks([
        [row('a', 1, null, null), row('b', 10, 1, 10)],
        [row('a', 3, null, null), row('b', 30, 1, 30)],
        [row('a', 2, null, null), row('b', 20, 1, 20)],
      ]);
      expect(out.map((r) => [r.name, r.value])).toEqual([
        ['a', 2],
        ['b', 20],
      ]);
    });
  });

  describe('having forks that disagree', () => {
    it('should throw for no forks', () => {
      expect(() => combineForks([])).toThrow(/no forks/);
    });

    it('should throw for a fork with another number of figures', () => {
      expect(() => combineForks([[row('a', 1, null, null)], [row('a', 1, null, null), row('b', 1, null, null)]])).toThrow(/fork 1 reports 2 figures .*fork 0 reports 1/);
    });

    it('should throw for a fork with another figure at the same place', () => {
      expect(() => combineForks([[row('a', 1, null, null)], [row('b', 1, null, null)]])).toThrow(/fork 1 .*first mismatch at 0/);
    });
  });
});
