import { describe, expect, it, jest } from '@jest/globals';
import {
  MipsSmpOps,
  PlatSmpOps,
  SMP_ASK_C0COUNT,
  SMP_CALL_FUNCTION,
  SMP_ICACHE_FLUSH,
  SMP_RESCHEDULE_YOURSELF,
  mipsBug,
} from '../../../arch/mips/index.js';
import { Cpumask, type ReadonlyCpumask, SmpOps } from '../../../lib/index.js';
import { expectRejected, gicMachine, mailboxMachine } from './helpers.js';

describe('MIPS IPI action bits', () => {
  describe('having arch/mips/include/asm/smp.h as reference', () => {
    it('should number RESCHEDULE 0x1, CALL_FUNCTION 0x2, ICACHE_FLUSH 0x4 and ASK_C0COUNT 0x8 (row 78)', () => {
      expect(SMP_RESCHEDULE_YOURSELF).toBe(0x1);
      expect(SMP_CALL_FUNCTION).toBe(0x2);
      expect(SMP_ICACHE_FLUSH).toBe(0x4);
      expect(SMP_ASK_C0COUNT).toBe(0x8);
    });

    it('should give every action its own bit, so that actions combine in one mailbox word (row 78)', () => {
      const bits = [SMP_RESCHEDULE_YOURSELF, SMP_CALL_FUNCTION, SMP_ICACHE_FLUSH, SMP_ASK_C0COUNT];
      expect(bits.reduce((a, b) => a | b, 0)).toBe(0xf);
      for (const b of bits) expect(b & (b - 1)).toBe(0);
    });
  });
});

describe.each(['mips-mailbox', 'mips-gic'] as const)('MipsSmpOps on %s', (arch) => {
  type Single = (cpu: number, action: number) => void;
  type Mask = (mask: ReadonlyCpumask, action: number) => void;

  function setup(): {
    ops: SmpOps;
    single: jest.Mock<Single>;
    mask: jest.Mock<Mask>;
    masks: number[][];
  } {
    const { m } = arch === 'mips-mailbox' ? mailboxMachine(4) : gicMachine(4);
    const mp = m.get<PlatSmpOps>(PlatSmpOps);
    const masks: number[][] = [];
    const single = jest.fn<Single>();
    const mask = jest.fn<Mask>((dest) => {
      masks.push(dest.toArray());
    });
    mp.sendIpiSingle = single;
    mp.sendIpiMask = mask;
    return { ops: m.get<SmpOps>(SmpOps), single, mask, masks };
  }

  describe(MipsSmpOps.prototype.smpSendReschedule, () => {
    describe('having a target CPU', () => {
      it('should call mp_ops->send_ipi_single(cpu, SMP_RESCHEDULE_YOURSELF)', () => {
        const { ops, single, mask } = setup();
        ops.smpSendReschedule(2);
        expect(single.mock.calls).toEqual([[2, SMP_RESCHEDULE_YOURSELF]]);
        expect(mask).not.toHaveBeenCalled();
      });
    });
  });

  describe(MipsSmpOps.prototype.sendCallFunctionSingleIpi, () => {
    describe('having a target CPU', () => {
      it('should call mp_ops->send_ipi_mask(cpumask_of(cpu), SMP_CALL_FUNCTION)', () => {
        const { ops, single, mask, masks } = setup();
        ops.sendCallFunctionSingleIpi(3);
        expect(mask.mock.calls.map((c) => c[1])).toEqual([SMP_CALL_FUNCTION]);
        expect(masks).toEqual([[3]]);
        expect(single).not.toHaveBeenCalled();
      });
    });

    describe('having a CPU outside the machine', () => {
      it('should throw a RangeError (cpumask_of() out of range) and send nothing', () => {
        const { ops, mask } = setup();
        expect(() => {
          ops.sendCallFunctionSingleIpi(4);
        }).toThrow(RangeError);
        expect(mask).not.toHaveBeenCalled();
      });
    });
  });

  describe(MipsSmpOps.prototype.sendCallFunctionIpiMask, () => {
    describe('having a mask', () => {
      it('should pass it to mp_ops->send_ipi_mask with SMP_CALL_FUNCTION', () => {
        const { ops, mask, masks } = setup();
        const dest = Cpumask.of(4, [1, 3]);
        ops.sendCallFunctionIpiMask(dest);
        expect(mask.mock.calls[0][0]).toBe(dest);
        expect(mask.mock.calls[0][1]).toBe(SMP_CALL_FUNCTION);
        expect(masks).toEqual([[1, 3]]);
      });
    });
  });
});

describe(mipsBug, () => {
  describe('having a place and a reason', () => {
    it('should throw an Error that reads like the oops', () => {
      expect(() => mipsBug('arch/mips/kernel/smp.c', 'boom')).toThrow(
        'kernel BUG at arch/mips/kernel/smp.c: boom',
      );
    });
  });
});

describe('PlatSmpOps bad input', () => {
  describe('having the mailbox platform ops', () => {
    it.each([
      [
        'cpu -1',
        (mp: PlatSmpOps) => {
          mp.sendIpiSingle(-1, 1);
        },
        RangeError,
        /sendIpiSingle: cpu is -1/,
      ],
      [
        'cpu 4',
        (mp: PlatSmpOps) => {
          mp.sendIpiSingle(4, 1);
        },
        RangeError,
        /sendIpiSingle: cpu is 4/,
      ],
      [
        'cpu 1.5',
        (mp: PlatSmpOps) => {
          mp.sendIpiSingle(1.5, 1);
        },
        RangeError,
        /sendIpiSingle: cpu is 1.5/,
      ],
      [
        'action 2^32',
        (mp: PlatSmpOps) => {
          mp.sendIpiSingle(1, 2 ** 32);
        },
        RangeError,
        /sendIpiSingle: action is 4294967296/,
      ],
      [
        'action -1',
        (mp: PlatSmpOps) => {
          mp.sendIpiMask(Cpumask.of(4, [1]), -1);
        },
        RangeError,
        /sendIpiMask: action is -1/,
      ],
      [
        'a mask that is not a Cpumask',
        (mp: PlatSmpOps) => {
          mp.sendIpiMask([1] as unknown as Cpumask, 1);
        },
        TypeError,
        /sendIpiMask: mask/,
      ],
      [
        'a mask of another width',
        (mp: PlatSmpOps) => {
          mp.sendIpiMask(Cpumask.of(8, [1]), 1);
        },
        RangeError,
        /sendIpiMask: mask is 8 bits/,
      ],
    ])('should reject %s and change nothing', (_what, call, type, message) => {
      const { m } = mailboxMachine(4);
      const mp = m.get<PlatSmpOps>(PlatSmpOps);
      expectRejected(
        m,
        () => {
          call(mp);
        },
        type,
        message,
      );
    });
  });

  describe('having the generic-IPI (GIC) platform ops', () => {
    it.each([
      [
        'cpu 4',
        (mp: PlatSmpOps) => {
          mp.sendIpiSingle(4, SMP_CALL_FUNCTION);
        },
        RangeError,
        /sendIpiSingle: cpu is 4/,
      ],
      [
        'a mask that is not a Cpumask',
        (mp: PlatSmpOps) => {
          mp.sendIpiMask(null as unknown as Cpumask, 2);
        },
        TypeError,
        /sendIpiMask: mask/,
      ],
      [
        'an action it has no IPI for (BUG)',
        (mp: PlatSmpOps) => {
          mp.sendIpiSingle(1, SMP_ICACHE_FLUSH);
        },
        Error,
        /kernel BUG at arch\/mips\/kernel\/smp.c \(mips_smp_send_ipi_mask\): unexpected action 4/,
      ],
    ])('should reject %s and change nothing', (_what, call, type, message) => {
      const { m } = gicMachine(4);
      const mp = m.get<PlatSmpOps>(PlatSmpOps);
      expectRejected(
        m,
        () => {
          call(mp);
        },
        type,
        message,
      );
    });
  });
});
