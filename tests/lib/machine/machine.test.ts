import { describe, expect, it } from '@jest/globals';
import { ContainerModule, injectable } from 'inversify';
import { TestArch } from '../../../arch/test/index.js';
import {
  Arch,
  Cpumask,
  CpuMasks,
  Errno,
  type LogLevel,
  Machine,
  NR_CPUS_MAX,
  builtinArchNames,
  createMachine,
  isCpumask,
} from '../../../lib/index.js';
import { createIpiDomain } from '../../helpers/domains.js';

@injectable()
class BareArch implements Arch {
  readonly name = 'bare';
  readonly ipiDomain = null;
}

const bareArchModule = new ContainerModule(({ bind }) => {
  bind<Arch>(Arch).to(BareArch).inSingletonScope();
});

describe(createMachine, () => {
  describe('having the test arch and default options', () => {
    it('should size everything from nrCpus and bring every CPU online', () => {
      const m = createMachine({ arch: 'test', nrCpus: 6 });
      expect(m).toBeInstanceOf(Machine);
      expect(m.nrCpuIds).toBe(6);
      expect(m.arch).toBe('test');
      expect(m.cpuPossibleMask.toString()).toBe('0-5');
      expect(m.cpuOnlineMask.toString()).toBe('0-5');
      expect(m.irq.nrIrqs).toBe(256 + 64 * 6);
      expect(m.ipiDomain).toBe(m.get(TestArch).ipiDomain);
      expect(m.warnings).toEqual([]);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });

    it('should keep the possible mask frozen', () => {
      const m = createMachine({ arch: 'test', nrCpus: 2 });
      const possible = m.cpuPossibleMask;
      if (!isCpumask(possible)) throw new Error('cpu_possible_mask is not a Cpumask');
      expect(possible.frozen).toBe(true);
      expect(() => possible.clearCpu(0)).toThrow(/read-only/);
    });
  });

  describe('having onlineCpus', () => {
    it('should bring only those CPUs online; possible stays full', () => {
      const m = createMachine({ arch: 'test', nrCpus: 4, onlineCpus: new Set([0, 2]) });
      expect(m.cpuOnlineMask.toString()).toBe('0,2');
      expect(m.cpuPossibleMask.toString()).toBe('0-3');
      const cpus = m.get(CpuMasks);
      expect([cpus.cpuOnline(2), cpus.cpuOnline(1), cpus.numOnlineCpus()]).toEqual([
        true,
        false,
        2,
      ]);
      cpus.setCpuOnline(1, true);
      cpus.setCpuOnline(2, false);
      expect(m.cpuOnlineMask.toString()).toBe('0-1');
      expect(cpus.present).toBe(cpus.possible);
    });
  });

  describe('having a logger', () => {
    it('should pass pr_warn lines and WARN splats to it at warn level, and keep them in warnings', () => {
      const lines: [LogLevel, string][] = [];
      const m = createMachine({
        arch: 'test',
        nrCpus: 2,
        logger: { log: (level, msg) => lines.push([level, msg]) },
      });
      expect(m.ipi.irqReserveIpi(null, Cpumask.of(2, [0]))).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendSingle(50, 0)).toBe(-Errno.EINVAL);
      expect(lines.filter(([level]) => level === 'warn')).toEqual([
        ['warn', 'genirq/ipi: Reservation on a non IPI domain'],
        ['warn', 'WARNING: at ipi_send_single'],
      ]);
      expect(m.warnings.map((w) => [w.kind, w.message, w.seq])).toEqual([
        ['pr_warn', 'genirq/ipi: Reservation on a non IPI domain', 0],
        ['WARN', 'WARNING: at ipi_send_single', 1],
      ]);
    });
  });

  describe('having nrIrqs and ipiDebug', () => {
    it('should cap the virq space and make the __ variants verify', () => {
      const m = createMachine({ arch: 'test', nrCpus: 2, nrIrqs: 2, ipiDebug: true });
      expect(m.irq.nrIrqs).toBe(2);
      const f = createIpiDomain(m, { mode: 'single' });
      expect(m.ipi.irqReserveIpi(f.domain, Cpumask.of(2, [0]))).toBe(1);
      expect(m.ipi.irqReserveIpi(f.domain, Cpumask.of(2, [1]))).toBe(-Errno.ENOMEM);
      expect(m.ipi.__ipiSendSingle(m.irq.irqToDesc(1)!, 1)).toBe(-Errno.EINVAL);
    });
  });

  describe('having two machines', () => {
    it('should share nothing: descriptors, domains, warnings and WARN_ON_ONCE flags', () => {
      const a = createMachine({ arch: 'test', nrCpus: 2 });
      const b = createMachine({ arch: 'test', nrCpus: 2 });
      expect(a.ipi.ipiSendSingle(9, 0)).toBe(-Errno.EINVAL);
      expect(b.ipi.ipiSendSingle(9, 0)).toBe(-Errno.EINVAL);
      expect([a.warnings.length, b.warnings.length]).toEqual([1, 1]);
      expect(a.ipi.irqReserveIpi(a.ipiDomain, Cpumask.of(2, [0]))).toBe(1);
      expect(b.irq.descs.allocatedCount).toBe(0);
      expect(a.ipiDomain).not.toBe(b.ipiDomain);
      expect(a.get(TestArch)).not.toBe(b.get(TestArch));
    });
  });

  describe('having a plugin ContainerModule as arch', () => {
    it('should load it and take the name and IPI domain from its Arch', () => {
      const m = createMachine({ arch: bareArchModule, nrCpus: 3 });
      expect(m.arch).toBe('bare');
      expect(m.ipiDomain).toBeNull();
      expect(m.get<Arch>(Arch)).toBeInstanceOf(BareArch);
      expect(m.ipi.irqReserveIpi(m.ipiDomain, Cpumask.of(3, [0]))).toBe(-Errno.EINVAL);
    });

    it('should refuse a module that does not bind Arch, naming the token', () => {
      const empty = new ContainerModule(() => undefined);
      expect(() => createMachine({ arch: empty, nrCpus: 1 })).toThrow(TypeError);
      expect(() => createMachine({ arch: empty, nrCpus: 1 })).toThrow(
        /did not bind the Arch token/,
      );
    });
  });

  describe('having the largest machine', () => {
    it('should accept nrCpus = NR_CPUS_MAX', () => {
      expect(NR_CPUS_MAX).toBe(8192);
      const m = createMachine({ arch: bareArchModule, nrCpus: NR_CPUS_MAX, nrIrqs: 16 });
      expect(m.cpuPossibleMask.weight()).toBe(8192);
    });
  });

  describe('having malformed options', () => {
    it.each([
      ['options', null, TypeError],
      ['options', undefined, TypeError],
      ['options', 5, TypeError],
      ['arch', { arch: 5, nrCpus: 2 }, TypeError],
      ['arch', { arch: null, nrCpus: 2 }, TypeError],
      ['arch', { arch: 'vax', nrCpus: 2 }, TypeError],
      ['arch', { arch: {}, nrCpus: 2 }, TypeError],
      ['nrCpus', { arch: 'test', nrCpus: 0 }, RangeError],
      ['nrCpus', { arch: 'test', nrCpus: NR_CPUS_MAX + 1 }, RangeError],
      ['nrCpus', { arch: 'test', nrCpus: 1.5 }, RangeError],
      ['nrCpus', { arch: 'test', nrCpus: NaN }, RangeError],
      ['nrCpus', { arch: 'test', nrCpus: null }, RangeError],
      ['nrCpus', { arch: 'test' }, RangeError],
      ['nrCpus', { arch: 'test', nrCpus: '4' }, RangeError],
      ['onlineCpus', { arch: 'test', nrCpus: 4, onlineCpus: [4] }, RangeError],
      ['onlineCpus', { arch: 'test', nrCpus: 4, onlineCpus: [-1] }, RangeError],
      ['onlineCpus', { arch: 'test', nrCpus: 4, onlineCpus: [NaN] }, RangeError],
      ['onlineCpus', { arch: 'test', nrCpus: 4, onlineCpus: [0.5] }, RangeError],
      ['onlineCpus', { arch: 'test', nrCpus: 4, onlineCpus: [] }, TypeError],
      ['onlineCpus', { arch: 'test', nrCpus: 4, onlineCpus: 5 }, TypeError],
      ['onlineCpus', { arch: 'test', nrCpus: 4, onlineCpus: null }, TypeError],
      ['seed', { arch: 'test', nrCpus: 4, seed: 1.5 }, TypeError],
      ['seed', { arch: 'test', nrCpus: 4, seed: NaN }, TypeError],
      ['seed', { arch: 'test', nrCpus: 4, seed: null }, TypeError],
      ['nrIrqs', { arch: 'test', nrCpus: 4, nrIrqs: 1 }, RangeError],
      ['nrIrqs', { arch: 'test', nrCpus: 4, nrIrqs: 2 ** 31 }, RangeError],
      ['nrIrqs', { arch: 'test', nrCpus: 4, nrIrqs: NaN }, RangeError],
      ['nrIrqs', { arch: 'test', nrCpus: 4, nrIrqs: null }, RangeError],
      ['logger', { arch: 'test', nrCpus: 4, logger: null }, TypeError],
      ['logger', { arch: 'test', nrCpus: 4, logger: {} }, TypeError],
      ['logger', { arch: 'test', nrCpus: 4, logger: 5 }, TypeError],
      ['ipiDebug', { arch: 'test', nrCpus: 4, ipiDebug: 'yes' }, TypeError],
      ['ipiDebug', { arch: 'test', nrCpus: 4, ipiDebug: null }, TypeError],
    ])('should reject a bad %s (%p) with an error naming it', (name, options, type) => {
      expect(() => createMachine(options as never)).toThrow(type);
      expect(() => createMachine(options as never)).toThrow(
        new RegExp(`^createMachine: ${name}\\b`),
      );
    });
  });
});

describe(builtinArchNames, () => {
  describe('having the built-in table', () => {
    it('should list test, and every name should build a machine', () => {
      const names = builtinArchNames();
      expect(names).toContain('test');
      for (const arch of names) expect(createMachine({ arch, nrCpus: 2 }).arch).toBe(arch);
    });
  });
});

describe(Machine.prototype.get, () => {
  describe('having a token bound in the machine container', () => {
    it('should resolve the machine singletons', () => {
      const m = createMachine({ arch: 'test', nrCpus: 2 });
      expect(m.get(TestArch)).toBe(m.get(TestArch));
      expect(m.container.get(TestArch)).toBe(m.get(TestArch));
    });
  });
});
