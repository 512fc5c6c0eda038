import { describe, expect, it } from '@jest/globals';
import { X86Arch, parseX86Config } from '../../../arch/x86/index.js';
import { Apic } from '../../../drivers/apic/index.js';
import { builtinArchNames, createMachine } from '../../../lib/index.js';
import { apicOf, expectRejected, x86Machine } from '../../drivers/apic/fixtures.js';

describe(createMachine, () => {
  describe("having arch 'x86'", () => {
    it('should build an x86 machine whose IPI domain is the APIC one', () => {
      expect(builtinArchNames()).toContain('x86');
      const m = x86Machine(4);
      expect(m.arch).toBe('x86');
      expect(m.ipiDomain).toBe(m.get(X86Arch).apic.ipiDomain.domain);
      expect(m.sim.interruptController).toBe(m.get(Apic));
    });

    it('should log the IPI shorthand mode at boot', () => {
      const lines: string[] = [];
      const logger = { log: (_level: string, message: string) => void lines.push(message) };
      createMachine({ arch: 'x86', nrCpus: 2, logger });
      createMachine({ arch: 'x86', nrCpus: 2, logger, archOptions: { noIpiBroadcast: true } });
      expect(lines.filter((l) => l.startsWith('IPI shorthand'))).toEqual([
        'IPI shorthand broadcast: enabled',
        'IPI shorthand broadcast: disabled',
      ]);
    });

    it('should keep two machines apart', () => {
      const a = x86Machine(4);
      const b = x86Machine(4);
      expect(apicOf(a)).not.toBe(apicOf(b));
      apicOf(a).lapic(1).setIrr(0x40);
      expect(apicOf(b).lapic(1).pendingCount()).toBe(0);
    });
  });

  describe('having bad x86 options', () => {
    it.each([
      [{ noIpiBroadcast: 1 }, TypeError, /archOptions\.noIpiBroadcast is 1; expected a boolean/],
      [{ nonmiIpi: 'yes' }, TypeError, /archOptions\.nonmiIpi is "yes"/],
      [
        { tlbModel: 'ulk3' },
        TypeError,
        /archOptions\.tlbModel is "ulk3"; expected 'modern' or 'ulk'/,
      ],
      [{ apicMode: 'x2APIC' }, TypeError, /archOptions\.apicMode is "x2APIC"/],
      [{ apicMode: 'xapic-logical-flat' }, RangeError, /at most 8 CPUs/],
    ])('should reject %j naming the option', (archOptions, type, message) => {
      expect(() => createMachine({ arch: 'x86', nrCpus: 16, archOptions })).toThrow(type);
      expect(() => createMachine({ arch: 'x86', nrCpus: 16, archOptions })).toThrow(message);
    });

    it('should reject 256 CPUs in an xAPIC mode', () => {
      expect(() =>
        createMachine({ arch: 'x86', nrCpus: 256, archOptions: { apicMode: 'xapic-phys' } }),
      ).toThrow(RangeError);
    });
  });
});

describe(parseX86Config, () => {
  describe('having no options', () => {
    it('should default to shorthands on, NMI fallback on and the modern TLB model', () => {
      expect(parseX86Config({})).toEqual({
        noIpiBroadcast: false,
        nonmiIpi: false,
        tlbModel: 'modern',
      });
    });
  });
});

describe(Apic.prototype.lapic, () => {
  describe('having a bad CPU', () => {
    it.each([
      [4, RangeError, /lapic: cpu is 4; expected a CPU number in \[0, 4\)/],
      [0.5, TypeError, /lapic: cpu is 0.5/],
    ])('should reject %p', (cpu, type, message) => {
      const m = x86Machine(4);
      expectRejected(m, () => apicOf(m).lapic(cpu), type, message);
    });
  });
});

describe(Apic.prototype.apicEoi, () => {
  describe('having no running CPU', () => {
    it('should throw an Error and change nothing', () => {
      const m = x86Machine(4);
      apicOf(m).lapic(0).setIrr(0x40);
      apicOf(m).acknowledge(0);
      expectRejected(
        m,
        () => {
          apicOf(m).apicEoi();
        },
        Error,
        /apicEoi: no CPU is running/,
      );
    });
  });
});

describe(Apic.prototype.cpuOfApicId, () => {
  describe('having IDs with and without an APIC', () => {
    it('should map APIC IDs back to CPUs, -1 where there is none', () => {
      const apic = apicOf(x86Machine(8));
      expect([0, 1, 2, 7, 8, -1, 2 ** 40].map((id) => apic.cpuOfApicId(id))).toEqual([
        0, 4, 1, 7, -1, -1, -1,
      ]);
    });
  });
});
