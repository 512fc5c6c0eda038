import { describe, expect, it, jest } from '@jest/globals';
import {
  CALL_FUNCTION_SINGLE_VECTOR,
  CALL_FUNCTION_VECTOR,
  RESCHEDULE_VECTOR,
  X86SmpOps,
} from '../../../arch/x86/index.js';
import { APIC_DEST_ALLBUT, APIC_DEST_ALLINC } from '../../../drivers/apic/index.js';
import { Cpumask, type Machine, SmpOps } from '../../../lib/index.js';
import { expectRejected, icrLog, onCpu, x86Machine } from '../../drivers/apic/fixtures.js';

function ops(m: Machine): X86SmpOps {
  return m.get<X86SmpOps>(SmpOps);
}

function cal(m: Machine): number[] {
  return [...(m.irqStats.get('CAL')?.counts ?? [])];
}

describe(X86SmpOps.prototype.sendCallFunctionIpiMask, () => {
  describe('having mask ∪ {self} equal to the online mask, self not in mask (row 74)', () => {
    it('should send one all-but-self shorthand', () => {
      const m = x86Machine(8);
      const log = icrLog(m);
      onCpu(m, 3, () => {
        ops(m).sendCallFunctionIpiMask(Cpumask.of(8, [0, 1, 2, 4, 5, 6, 7]));
      });
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_ALLBUT | CALL_FUNCTION_VECTOR]);
      expect(cal(m)).toEqual([1, 1, 1, 0, 1, 1, 1, 1]);
    });
  });

  describe('having a mask equal to the online mask, self included (row 74)', () => {
    it('should send one all-including-self shorthand', () => {
      const m = x86Machine(8);
      const log = icrLog(m);
      onCpu(m, 3, () => {
        ops(m).sendCallFunctionIpiMask(Cpumask.full(8));
      });
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_ALLINC | CALL_FUNCTION_VECTOR]);
      expect(cal(m)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    });
  });

  describe('having mask ∪ {self} short of the online mask (row 74)', () => {
    it('should use send_IPI_mask: one directed IPI per CPU through __ipiSendMask', () => {
      const m = x86Machine(8);
      const log = icrLog(m);
      const spy = jest.spyOn(m.ipi, '__ipiSendMask');
      onCpu(m, 3, () => {
        ops(m).sendCallFunctionIpiMask(Cpumask.of(8, [1, 6]));
      });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(log.map((w) => [w.icr, w.dest])).toEqual([
        [CALL_FUNCTION_VECTOR, 2],
        [CALL_FUNCTION_VECTOR, 5],
      ]);
      expect(cal(m)).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
    });
  });

  describe('having shorthands disabled by noIpiBroadcast (row 74)', () => {
    it('should use send_IPI_mask even for all other CPUs', () => {
      const m = x86Machine(4, { noIpiBroadcast: true });
      const log = icrLog(m);
      onCpu(m, 0, () => {
        ops(m).sendCallFunctionIpiMask(Cpumask.of(4, [1, 2, 3]));
      });
      expect(log).toHaveLength(3);
      expect(log.every((w) => w.icr === CALL_FUNCTION_VECTOR)).toBe(true);
    });
  });

  describe('having a present CPU that was never online (row 74)', () => {
    it('should use send_IPI_mask, since a shorthand would reach the never-booted CPU', () => {
      const m = x86Machine(4, {}, { onlineCpus: [0, 1, 2] });
      const log = icrLog(m);
      onCpu(m, 0, () => {
        ops(m).sendCallFunctionIpiMask(Cpumask.of(4, [1, 2]));
      });
      expect(log.map((w) => w.icr)).toEqual([CALL_FUNCTION_VECTOR, CALL_FUNCTION_VECTOR]);
    });
  });

  describe('having one CPU online', () => {
    it('should send nothing for an empty mask', () => {
      const m = x86Machine(4, {}, { onlineCpus: [2] });
      const log = icrLog(m);
      onCpu(m, 2, () => {
        ops(m).sendCallFunctionIpiMask(new Cpumask(4));
      });
      expect(log).toEqual([]);
    });
  });

  describe('having a bad mask', () => {
    it('should throw naming the argument and change nothing', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => {
          ops(m).sendCallFunctionIpiMask(Cpumask.full(8));
        },
        RangeError,
        /sendCallFunctionIpiMask: mask is 8 bits wide/,
      );
      expectRejected(
        m,
        () => {
          ops(m).sendCallFunctionIpiMask([1, 2] as unknown as Cpumask);
        },
        TypeError,
        /mask is a Array; expected a Cpumask/,
      );
    });
  });
});

describe(X86SmpOps.prototype.smpSendReschedule, () => {
  describe('having an offline CPU (row 75)', () => {
    it('should WARN "sched: Unexpected reschedule of offline CPU#3!" and send nothing', () => {
      const m = x86Machine(4, {}, { onlineCpus: [0, 1, 2] });
      const log = icrLog(m);
      onCpu(m, 0, () => {
        m.sched.smpSendReschedule(3);
      });
      expect(m.warnings.map((w) => [w.kind, w.site, w.message])).toEqual([
        [
          'WARN',
          'native_smp_send_reschedule',
          'WARNING: at native_smp_send_reschedule: sched: Unexpected reschedule of offline CPU#3!',
        ],
      ]);
      expect(log).toEqual([]);
      expect(m.irqStats.get('RES')?.counts).toEqual(new Uint32Array(4));
    });

    it('should warn every time, as WARN does', () => {
      const m = x86Machine(4, {}, { onlineCpus: [0, 1, 2] });
      onCpu(m, 0, () => {
        ops(m).smpSendReschedule(3);
        ops(m).smpSendReschedule(3);
      });
      expect(m.warnings).toHaveLength(2);
    });
  });

  describe('having an online CPU', () => {
    it('should send RESCHEDULE_VECTOR to it through __ipiSendSingle', () => {
      const m = x86Machine(4);
      const log = icrLog(m);
      const spy = jest.spyOn(m.ipi, '__ipiSendSingle');
      onCpu(m, 0, () => {
        ops(m).smpSendReschedule(3);
      });
      expect(spy).toHaveBeenCalledWith(
        m.irq.irqToDesc(m.irq.irqFindMapping(m.ipiDomain, RESCHEDULE_VECTOR))!,
        3,
      );
      expect(log.map((w) => [w.icr, w.dest])).toEqual([[RESCHEDULE_VECTOR, 3]]);
      expect(m.irqStats.get('RES')?.counts).toEqual(new Uint32Array([0, 0, 0, 1]));
      expect(m.sched.schedulerIpis[3]).toBe(1);
    });
  });

  describe('having a bad CPU number', () => {
    it.each([
      [4, RangeError, /smpSendReschedule: cpu is 4; expected a CPU number in \[0, 4\)/],
      [-1, RangeError, /cpu is -1/],
      [1.5, TypeError, /cpu is 1.5; expected an integer/],
    ])('should reject %p and change nothing', (cpu, type, message) => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => {
          ops(m).smpSendReschedule(cpu);
        },
        type,
        message,
      );
    });
  });
});

describe(X86SmpOps.prototype.sendCallFunctionSingleIpi, () => {
  describe('having a target CPU', () => {
    it('should send CALL_FUNCTION_SINGLE_VECTOR to it', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-cluster' });
      const log = icrLog(m);
      onCpu(m, 0, () => {
        ops(m).sendCallFunctionSingleIpi(2);
      });
      expect(log.map((w) => [w.icr & 0xff, w.dest])).toEqual([[CALL_FUNCTION_SINGLE_VECTOR, 0x2]]);
      expect(m.irqStats.get('CAL')?.counts).toEqual(new Uint32Array([0, 0, 1, 0]));
    });
  });

  describe('having no running CPU', () => {
    it('should throw an Error that says where to call it from, and change nothing', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => {
          ops(m).sendCallFunctionSingleIpi(2);
        },
        Error,
        /no CPU is running.*task code/,
      );
    });
  });
});
