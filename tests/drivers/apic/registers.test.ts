import { describe, expect, it } from '@jest/globals';
import {
  APIC_DEST_LOGICAL,
  APIC_DFR,
  APIC_EOI,
  APIC_ICR,
  APIC_ICR2,
  APIC_ICR_BUSY,
  APIC_ID,
  APIC_IRR,
  APIC_ISR,
  APIC_LDR,
  APIC_LVR,
  APIC_PROCPRI,
  APIC_TASKPRI,
  APIC_VERSION,
  ApicRegisters,
  X2APIC_ICR_MSR,
  X2APIC_SELF_IPI_MSR,
  x2apicMsr,
} from '../../../drivers/apic/index.js';
import { apicOf, expectRejected, hit, icrLog, probeVector, x86Machine } from './fixtures.js';

describe(ApicRegisters.prototype.readRegister, () => {
  describe('having an xAPIC machine of 8 CPUs', () => {
    it('should show the firmware APIC ID in bits 24-31, not the CPU number', () => {
      const regs = apicOf(x86Machine(8)).regs;
      expect(Array.from({ length: 8 }, (_, cpu) => regs.readRegister(cpu, APIC_ID) >>> 24)).toEqual(
        [0, 2, 4, 6, 1, 3, 5, 7],
      );
    });

    it('should read the version and the reset DFR (flat) and LDR (0 in physical flat mode)', () => {
      const regs = apicOf(x86Machine(8)).regs;
      expect(regs.readRegister(3, APIC_LVR)).toBe(APIC_VERSION);
      expect(regs.readRegister(3, APIC_DFR)).toBe(0xffffffff);
      expect(regs.readRegister(3, APIC_LDR)).toBe(0);
    });

    it('should show logical ID 1 << cpu in logical flat mode', () => {
      const regs = apicOf(x86Machine(8, { apicMode: 'xapic-logical-flat' })).regs;
      expect(
        Array.from({ length: 8 }, (_, cpu) => regs.readRegister(cpu, APIC_LDR) >>> 24),
      ).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    });
  });

  describe('having an unmodelled LVT register', () => {
    it('should warn and read 0', () => {
      const m = x86Machine(2);
      expect(apicOf(m).regs.readRegister(0, 0x320)).toBe(0);
      expect(m.warnings.at(-1)?.message).toMatch(
        /apic: register 0x320 is not modelled; read ignored/,
      );
    });
  });

  describe('having bad arguments', () => {
    it.each([
      ['a fractional offset', 0, 0.5, TypeError, /offset is 0.5/],
      [
        'a misaligned offset',
        0,
        0x304,
        RangeError,
        /offset is 772; APIC registers are at multiples of 0x10/,
      ],
      ['an offset past the page', 0, 0x400, RangeError, /offset is 1024/],
      ['a reserved offset', 0, 0x40, RangeError, /offset: register 0x40 is reserved/],
      ['the write-only EOI register', 0, APIC_EOI, RangeError, /APIC_EOI is write-only/],
      [
        'a CPU that does not exist',
        9,
        APIC_ID,
        RangeError,
        /cpu is 9; expected a CPU number in \[0, 8\)/,
      ],
      ['a CPU that is not a number', '1', APIC_ID, TypeError, /cpu is "1"/],
    ])(
      'should reject %s, naming the argument, and change nothing',
      (_what, cpu, offset, type, message) => {
        const m = x86Machine(8);
        expectRejected(m, () => apicOf(m).regs.readRegister(cpu as number, offset), type, message);
      },
    );

    it('should refuse the MMIO page in x2APIC mode', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-phys' });
      expectRejected(
        m,
        () => apicOf(m).regs.readRegister(0, APIC_ID),
        RangeError,
        /MMIO page is disabled.*x2APIC mode/,
      );
    });
  });
});

describe(ApicRegisters.prototype.writeRegister, () => {
  describe('having ICR2 written, then the ICR low word', () => {
    it('should send one IPI when the low word is written, to the APIC ID latched in ICR2', () => {
      const m = x86Machine(8);
      const p = probeVector(m, 0x40);
      const regs = apicOf(m).regs;
      const log = icrLog(m);
      regs.writeRegister(0, APIC_ICR2, 6 << 24);
      m.run();
      expect(log).toEqual([]);
      regs.writeRegister(0, APIC_ICR, 0x40);
      m.run();
      // APIC ID 6 is CPU 3.
      expect(hit(p.counts)).toEqual([3]);
      expect(log.map((w) => [w.icr, w.dest])).toEqual([[0x40, 6]]);
    });
  });

  describe('having the delivery status busy', () => {
    it('should show the busy bit until icrBusyNs after the message left', () => {
      const m = x86Machine(4, { apicTiming: { icrBusyNs: 500 } });
      probeVector(m, 0x40);
      const regs = apicOf(m).regs;
      regs.writeRegister(0, APIC_ICR2, 2 << 24);
      regs.writeRegister(0, APIC_ICR, 0x40);
      expect(regs.readRegister(0, APIC_ICR) & APIC_ICR_BUSY).toBe(APIC_ICR_BUSY);
      // The message leaves when the write completes.
      m.run({ until: m.now + apicOf(m).timing.xapicIcrWriteNs + 499 });
      expect(regs.readRegister(0, APIC_ICR) & APIC_ICR_BUSY).toBe(APIC_ICR_BUSY);
      m.run({ until: m.now + 1 });
      expect(regs.readRegister(0, APIC_ICR)).toBe(0x40);
    });

    it('should hold a second ICR write until the first has gone, charging the writer the wait', () => {
      const m = x86Machine(4, { apicTiming: { icrBusyNs: 500, perDestNs: 0 } });
      const p = probeVector(m, 0x40);
      const regs = apicOf(m).regs;
      const log = icrLog(m);
      const t = apicOf(m).timing;
      let spent = 0;
      m.sim.spawn(0, function* () {
        const t0 = m.sim.localNow();
        regs.writeRegister(0, APIC_ICR2, 2 << 24);
        regs.writeRegister(0, APIC_ICR, 0x40);
        regs.writeRegister(0, APIC_ICR2, 3 << 24);
        regs.writeRegister(0, APIC_ICR, 0x40);
        spent = m.sim.localNow() - t0;
        yield* [];
      });
      m.run();
      const first = t.xapicIcr2WriteNs + t.xapicIcrWriteNs;
      // The second low-word write starts when the first send's busy window ends.
      expect(log.map((w) => w.ts - log[0].ts)).toEqual([0, t.xapicIcrWriteNs + 500]);
      expect(spent).toBe(
        first + t.xapicIcr2WriteNs + (500 - t.xapicIcr2WriteNs) + t.xapicIcrWriteNs,
      );
      // APIC IDs 2 and 3 are CPUs 1 and 3.
      expect(hit(p.counts)).toEqual([1, 3]);
    });
  });

  describe('having a TPR that masks a vector class', () => {
    it('should leave the vector requested until the TPR drops', () => {
      const m = x86Machine(4);
      const p = probeVector(m, 0x45);
      const regs = apicOf(m).regs;
      regs.writeRegister(2, APIC_TASKPRI, 0x50);
      // APIC ID 1 is CPU 2.
      regs.writeRegister(0, APIC_ICR2, 1 << 24);
      regs.writeRegister(0, APIC_ICR, 0x45);
      m.run();
      expect(p.counts[2]).toBe(0);
      expect(regs.readRegister(2, APIC_IRR + 0x20)).toBe(1 << 5);
      expect(regs.readRegister(2, APIC_PROCPRI)).toBe(0x50);
      // Class 4 does not beat TPR class 4 either.
      regs.writeRegister(2, APIC_TASKPRI, 0x4f);
      m.run();
      expect(p.counts[2]).toBe(0);
      regs.writeRegister(2, APIC_TASKPRI, 0x3f);
      m.run();
      expect(p.counts[2]).toBe(1);
      expect(regs.readRegister(2, APIC_IRR + 0x20)).toBe(0);
    });
  });

  describe('having vectors in service', () => {
    it('should retire the highest one on an EOI write', () => {
      const m = x86Machine(2);
      const apic = apicOf(m);
      const l = apic.lapic(1);
      l.setIrr(0x51);
      l.setIrr(0xe3);
      // INTA twice, as the CPU would (the higher class first, the lower after the EOI).
      expect(apic.acknowledge(1)).toBe(0xe3);
      expect(apic.acknowledge(1)).toBe(-1);
      expect(apic.regs.readRegister(1, APIC_ISR + 0x70)).toBe(1 << 3);
      apic.regs.writeRegister(1, APIC_EOI, 0);
      expect(apic.regs.readRegister(1, APIC_ISR + 0x70)).toBe(0);
      expect(apic.acknowledge(1)).toBe(0x51);
    });
  });

  describe('having a read-only register or a bad value', () => {
    it.each([
      ['the APIC ID', APIC_ID, 0, RangeError, /APIC_ID is read-only/],
      ['the PPR', APIC_PROCPRI, 0, RangeError, /APIC_PROCPRI is read-only/],
      ['an IRR word', APIC_IRR, 0, RangeError, /APIC_IRR\+0x0 is read-only/],
      [
        'a negative value',
        APIC_ICR,
        -1,
        RangeError,
        /value is -1; expected a 32-bit unsigned integer/,
      ],
      ['a value above 32 bits', APIC_ICR, 2 ** 32, RangeError, /value is 4294967296/],
      ['a string value', APIC_ICR, '0x40', TypeError, /value is "0x40"/],
    ])('should reject %s and change nothing', (_what, offset, value, type, message) => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => {
          apicOf(m).regs.writeRegister(0, offset, value as number);
        },
        type,
        message,
      );
    });
  });

  describe('having a logical destination', () => {
    it('should write the DFR model and LDR in xAPIC mode', () => {
      const m = x86Machine(4);
      const regs = apicOf(m).regs;
      regs.writeRegister(1, APIC_DFR, 0x0fffffff);
      regs.writeRegister(1, APIC_LDR, 0x21000000);
      expect(regs.readRegister(1, APIC_DFR)).toBe(0x0fffffff);
      expect(regs.readRegister(1, APIC_LDR)).toBe(0x21000000);
      expect(APIC_DEST_LOGICAL).toBe(0x800);
    });
  });
});

describe(ApicRegisters.prototype.wrmsr, () => {
  describe('having x2APIC mode', () => {
    it('should send with one write of MSR 0x830 to the 32-bit destination in the high half', () => {
      const m = x86Machine(64, { apicMode: 'x2apic-phys' });
      const p = probeVector(m, 0x40);
      const regs = apicOf(m).regs;
      const log = icrLog(m);
      regs.wrmsr(5, X2APIC_ICR_MSR, 0x40, 33);
      m.run();
      // APIC ID 33 is core 16's second thread: CPU 32 + 16.
      expect(hit(p.counts)).toEqual([48]);
      expect(log.map((w) => [w.apicid, w.icr, w.dest])).toEqual([[10, 0x40, 33]]);
      expect(regs.rdmsrl(5, X2APIC_ICR_MSR)).toBe((33n << 32n) | 0x40n);
    });

    it('should send to self through the SELF_IPI MSR', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-cluster' });
      const p = probeVector(m, 0x41);
      apicOf(m).regs.wrmsr(3, X2APIC_SELF_IPI_MSR, 0x41, 0);
      m.run();
      expect(hit(p.counts)).toEqual([3]);
    });

    it('should read the 32-bit x2APIC ID and the derived logical ID', () => {
      const regs = apicOf(x86Machine(64, { apicMode: 'x2apic-cluster' })).regs;
      expect(regs.rdmsrl(40, x2apicMsr(APIC_ID))).toBe(17n);
      expect(regs.rdmsrl(40, x2apicMsr(APIC_LDR))).toBe(0x10002n);
    });

    it('should take a 64-bit value with wrmsrl', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-phys' });
      const p = probeVector(m, 0x42);
      apicOf(m).regs.wrmsrl(0, X2APIC_ICR_MSR, (2n << 32n) | 0x42n);
      m.run();
      expect(hit(p.counts)).toEqual([1]);
    });
  });

  describe('having an access the x2APIC refuses', () => {
    it.each([
      [
        'the read-only LDR',
        x2apicMsr(APIC_LDR),
        0,
        RangeError,
        /MSR 0x80d \(APIC_LDR\) is read-only/,
      ],
      [
        'the reserved ICR2',
        0x831,
        0,
        RangeError,
        /MSR 0x831 \(APIC_ICR2\) is reserved in this mode/,
      ],
      ['the reserved DFR', x2apicMsr(APIC_DFR), 0, RangeError, /APIC_DFR\) is reserved/],
      [
        'an MSR outside the APIC range',
        0x840,
        0,
        RangeError,
        /msr is 0x840; x2APIC registers are MSRs 0x800–0x83f/,
      ],
      ['a non-integer MSR', 2096.5, 0, TypeError, /msr is 2096.5/],
      ['a negative lo', X2APIC_ICR_MSR, -5, RangeError, /lo is -5/],
    ])('should reject %s and change nothing', (_what, msr, lo, type, message) => {
      const m = x86Machine(4, { apicMode: 'x2apic-phys' });
      expectRejected(
        m,
        () => {
          apicOf(m).regs.wrmsr(0, msr, lo, 0);
        },
        type,
        message,
      );
    });

    it('should refuse MSRs in xAPIC mode', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => {
          apicOf(m).regs.wrmsr(0, X2APIC_ICR_MSR, 0x40, 1);
        },
        RangeError,
        /xAPIC mode \('xapic-phys'\); use readRegister\/writeRegister/,
      );
    });

    it('should refuse a wrmsrl value that is not a 64-bit bigint', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-phys' });
      expectRejected(
        m,
        () => {
          apicOf(m).regs.wrmsrl(0, X2APIC_ICR_MSR, 1n << 64n);
        },
        RangeError,
        /value is 18446744073709551616/,
      );
      expectRejected(
        m,
        () => {
          apicOf(m).regs.wrmsrl(0, X2APIC_ICR_MSR, 5 as unknown as bigint);
        },
        TypeError,
        /value is 5; expected a bigint/,
      );
    });
  });
});
