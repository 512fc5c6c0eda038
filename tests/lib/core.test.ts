import { describe, expect, it } from '@jest/globals';
import { Cpumask, Errno, createMachine, irqReserveIpi } from '../../lib/index.js';
import { createIpiDomain } from '../helpers/domains.js';

describe(irqReserveIpi, () => {
  describe('having a domain', () => {
    it("should reserve on the domain's own machine", () => {
      const a = createMachine({ arch: 'test', nrCpus: 4 });
      const b = createMachine({ arch: 'test', nrCpus: 4 });
      const f = createIpiDomain(b, { mode: 'percpu' });
      expect(irqReserveIpi(f.domain, Cpumask.of(4, [1, 2]))).toBe(1);
      expect([a.irq.descs.allocatedCount, b.irq.descs.allocatedCount]).toEqual([0, 2]);
      expect(irqReserveIpi(f.domain, Cpumask.of(4, [0, 3]))).toBe(-Errno.EINVAL);
      expect(b.warnings.map((w) => w.message)).toEqual(['genirq/ipi: Destination mask has holes']);
    });
  });

  describe('having something that is not a domain', () => {
    it.each([null, undefined, {}, 'test'])(
      'should throw a TypeError naming domain for %p',
      (bad) => {
        expect(() => irqReserveIpi(bad as never, Cpumask.of(4, [0]))).toThrow(TypeError);
        expect(() => irqReserveIpi(bad as never, Cpumask.of(4, [0]))).toThrow(
          /^irqReserveIpi: domain is not an IrqDomain/,
        );
      },
    );
  });

  describe('having a dest of the wrong width', () => {
    it('should throw a RangeError naming dest and reserve nothing', () => {
      const m = createMachine({ arch: 'test', nrCpus: 4 });
      const f = createIpiDomain(m, { mode: 'single' });
      expect(() => irqReserveIpi(f.domain, Cpumask.of(8, [0]))).toThrow(RangeError);
      expect(() => irqReserveIpi(f.domain, Cpumask.of(8, [0]))).toThrow(
        /irqReserveIpi: dest is 8 bits wide/,
      );
      expect(m.irq.descs.allocatedCount).toBe(0);
    });
  });
});
