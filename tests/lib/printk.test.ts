import { describe, expect, it } from '@jest/globals';
import { type LogLevel, Printk, silentLogger } from '../../lib/index.js';

function setup(): { printk: Printk; lines: [LogLevel, string][] } {
  const lines: [LogLevel, string][] = [];
  return { printk: new Printk({ log: (level, message) => lines.push([level, message]) }), lines };
}

describe(Printk.prototype.prWarn, () => {
  describe('having a prefix and a message', () => {
    it('should record and log "prefix + message" at warn level with increasing seq', () => {
      const { printk, lines } = setup();
      printk.prWarn('genirq/ipi: ', 'one');
      printk.prWarn('irq: ', 'two');
      expect(printk.records).toEqual([
        { kind: 'pr_warn', message: 'genirq/ipi: one', seq: 0 },
        { kind: 'pr_warn', message: 'irq: two', seq: 1 },
      ]);
      expect(lines).toEqual([
        ['warn', 'genirq/ipi: one'],
        ['warn', 'irq: two'],
      ]);
    });
  });
});

describe(Printk.prototype.prInfo, () => {
  describe('having info and debug lines', () => {
    it('should log them at their level without recording them', () => {
      const { printk, lines } = setup();
      printk.prInfo('a: ', 'info');
      printk.prDebug('b: ', 'debug');
      expect(lines).toEqual([
        ['info', 'a: info'],
        ['debug', 'b: debug'],
      ]);
      expect(printk.records).toHaveLength(0);
    });
  });
});

describe(Printk.prototype.warnOn, () => {
  describe('having a condition', () => {
    it('should return it and record a WARN splat every time it is true', () => {
      const { printk, lines } = setup();
      expect(printk.warnOn(false, 'site')).toBe(false);
      expect(printk.warnOn(true, 'site')).toBe(true);
      expect(printk.warnOn(true, 'site', 'why')).toBe(true);
      expect(printk.records).toEqual([
        { kind: 'WARN', message: 'WARNING: at site', site: 'site', seq: 0 },
        { kind: 'WARN', message: 'WARNING: at site: why', site: 'site', seq: 1 },
      ]);
      expect(lines.map(([level]) => level)).toEqual(['warn', 'warn']);
    });
  });
});

describe(Printk.prototype.warnOnOnce, () => {
  describe('having one call site firing repeatedly', () => {
    it('should record only the first splat per site but return the condition every time', () => {
      const { printk } = setup();
      expect(printk.warnOnOnce(false, 'a')).toBe(false);
      expect(printk.warnOnOnce(true, 'a')).toBe(true);
      expect(printk.warnOnOnce(true, 'a')).toBe(true);
      expect(printk.warnOnOnce(true, 'b', 'msg')).toBe(true);
      expect(printk.warnOnOnce(true, 'b')).toBe(true);
      expect(printk.records.map((r) => r.message)).toEqual(['WARNING: at a', 'WARNING: at b: msg']);
    });

    it('should not arm the site when the condition is false', () => {
      const { printk } = setup();
      printk.warnOnOnce(false, 'a');
      printk.warnOnOnce(true, 'a');
      expect(printk.records).toHaveLength(1);
    });
  });
});

describe(Printk, () => {
  describe('having the silent logger', () => {
    it('should still keep the records', () => {
      const printk = new Printk(silentLogger);
      printk.prWarn('', 'kept');
      printk.prInfo('', 'dropped');
      expect(printk.records.map((r) => r.message)).toEqual(['kept']);
      expect(() => {
        silentLogger.log('warn', 'x');
      }).not.toThrow();
    });
  });
});
