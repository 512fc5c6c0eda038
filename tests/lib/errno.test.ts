import { describe, expect, it } from '@jest/globals';
import { Errno, INVALID_HWIRQ, errnoName } from '../../lib/index.js';

describe(errnoName, () => {
  describe('having known errno values', () => {
    it.each([
      [-22, '-EINVAL'],
      [22, 'EINVAL'],
      [-Errno.EBUSY, '-EBUSY'],
      [-Errno.ENOMEM, '-ENOMEM'],
      [-Errno.ENOSYS, '-ENOSYS'],
      [-Errno.ENOENT, '-ENOENT'],
      [-Errno.EEXIST, '-EEXIST'],
    ])('should name %d as %s', (value, name) => {
      expect(errnoName(value)).toBe(name);
    });
  });

  describe('having an unknown value', () => {
    it('should fall back to the number', () => {
      expect(errnoName(-9999)).toBe('-9999');
      expect(errnoName(0)).toBe('0');
    });
  });
});

describe('Errno', () => {
  describe('having the Linux numbering', () => {
    it('should use the values of errno-base.h and errno.h', () => {
      expect([
        Errno.ENOENT,
        Errno.ENXIO,
        Errno.ENOMEM,
        Errno.EBUSY,
        Errno.EEXIST,
        Errno.ENODEV,
      ]).toEqual([2, 6, 12, 16, 17, 19]);
      expect([Errno.EINVAL, Errno.ENOSPC, Errno.ENOSYS, Errno.ENOTCONN]).toEqual([22, 28, 38, 107]);
    });
  });

  describe('having INVALID_HWIRQ', () => {
    it('should be ~0UL rounded to a double, never -1', () => {
      expect(INVALID_HWIRQ).toBe(2 ** 64);
      expect(INVALID_HWIRQ).not.toBe(-1);
    });
  });
});
