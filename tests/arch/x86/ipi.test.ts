import { describe, expect, it, jest } from '@jest/globals';
import {
  CALL_FUNCTION_VECTOR,
  IRQ_WORK_VECTOR,
  RESCHEDULE_VECTOR,
  X86Ipi,
} from '../../../arch/x86/index.js';
import { APIC_DEST_ALLBUT, APIC_DEST_ALLINC, APIC_DEST_SELF } from '../../../drivers/apic/index.js';
import { Cpumask, type Machine } from '../../../lib/index.js';
import { expectRejected, icrLog, onCpu, x86Machine, x86Of } from '../../drivers/apic/fixtures.js';

function ipi(m: Machine): X86Ipi {
  return x86Of(m).ipi;
}

function res(m: Machine): number[] {
  return [...(m.irqStats.get('RES')?.counts ?? [])];
}

describe(X86Ipi.prototype.sendIPI, () => {
  describe('having a CPU and an IPI vector', () => {
    it('should go through __ipiSendSingle with the vector virq and reach the CPU', () => {
      const m = x86Machine(4);
      const spy = jest.spyOn(m.ipi, '__ipiSendSingle');
      onCpu(m, 1, () => {
        ipi(m).sendIPI(2, RESCHEDULE_VECTOR);
      });
      expect(spy.mock.calls.map(([desc, cpu]) => [desc.irqData.hwirq, cpu])).toEqual([
        [RESCHEDULE_VECTOR, 2],
      ]);
      expect(res(m)).toEqual([0, 0, 1, 0]);
    });
  });

  describe('having bad arguments', () => {
    it.each([
      [4, RESCHEDULE_VECTOR, RangeError, /sendIPI: cpu is 4; expected a CPU number in \[0, 4\)/],
      ['1', RESCHEDULE_VECTOR, TypeError, /sendIPI: cpu is "1"/],
      [1, 0x41, RangeError, /sendIPI: vector is 65 \(0x41\); it has no IPI virq/],
      [1, 300, RangeError, /vector is 300/],
      [1, null, TypeError, /vector is null; expected an integer vector/],
    ])(
      'should reject (%p, %p), naming the argument, and change nothing',
      (cpu, vector, type, message) => {
        const m = x86Machine(4);
        let err: unknown = null;
        const before = JSON.stringify(res(m));
        onCpu(m, 0, () => {
          try {
            ipi(m).sendIPI(cpu as number, vector as number);
          } catch (e) {
            err = e;
          }
        });
        expect(err).toBeInstanceOf(type);
        expect(String(err)).toMatch(message);
        expect(JSON.stringify(res(m))).toBe(before);
        expect(m.engine.pending).toBe(0);
      },
    );

    it('should refuse to send from outside simulated code', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => {
          ipi(m).sendIPI(1, RESCHEDULE_VECTOR);
        },
        Error,
        /sendIPI: no CPU is running/,
      );
    });
  });
});

describe(X86Ipi.prototype.sendIPIMask, () => {
  describe('having a mask', () => {
    it('should go through __ipiSendMask once with the caller mask', () => {
      const m = x86Machine(8);
      const spy = jest.spyOn(m.ipi, '__ipiSendMask');
      const mask = Cpumask.of(8, [0, 3, 5]);
      onCpu(m, 0, () => {
        ipi(m).sendIPIMask(mask, RESCHEDULE_VECTOR);
      });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][1]).toBe(mask);
      expect(res(m)).toEqual([1, 0, 0, 1, 0, 1, 0, 0]);
    });
  });

  describe('having a mask of another width', () => {
    it('should throw a RangeError naming mask and change nothing', () => {
      const m = x86Machine(8);
      expectRejected(
        m,
        () => {
          ipi(m).sendIPIMask(Cpumask.full(4), RESCHEDULE_VECTOR);
        },
        RangeError,
        /sendIPIMask: mask is 4 bits wide/,
      );
    });
  });
});

describe(X86Ipi.prototype.sendIPIMaskAllButSelf, () => {
  describe('having the sender in the mask', () => {
    it('should send to the rest through __ipiSendMask and leave the caller mask alone', () => {
      const m = x86Machine(8);
      const spy = jest.spyOn(m.ipi, '__ipiSendMask');
      const mask = Cpumask.of(8, [2, 3, 4]);
      onCpu(m, 3, () => {
        ipi(m).sendIPIMaskAllButSelf(mask, RESCHEDULE_VECTOR);
      });
      expect(spy.mock.calls[0][1].toString()).toBe('2,4');
      expect(mask.toString()).toBe('2-4');
      expect(res(m)).toEqual([0, 0, 1, 0, 1, 0, 0, 0]);
    });
  });
});

describe(X86Ipi.prototype.sendIPIAllButSelf, () => {
  describe('having shorthands on', () => {
    it('should send one all-but-self shorthand', () => {
      const m = x86Machine(8);
      const log = icrLog(m);
      onCpu(m, 4, () => {
        ipi(m).sendIPIAllButSelf(RESCHEDULE_VECTOR);
      });
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_ALLBUT | RESCHEDULE_VECTOR]);
      expect(res(m)).toEqual([1, 1, 1, 1, 0, 1, 1, 1]);
    });
  });

  describe('having noIpiBroadcast', () => {
    it('should send send_IPI_mask_allbutself of the online mask instead', () => {
      const m = x86Machine(4, { noIpiBroadcast: true });
      const log = icrLog(m);
      expect(ipi(m).apicUseIpiShorthand).toBe(false);
      onCpu(m, 1, () => {
        ipi(m).sendIPIAllButSelf(RESCHEDULE_VECTOR);
      });
      expect(log.map((w) => [w.icr, w.dest])).toEqual([
        [RESCHEDULE_VECTOR, 0],
        [RESCHEDULE_VECTOR, 1],
        [RESCHEDULE_VECTOR, 3],
      ]);
    });
  });

  describe('having one CPU online', () => {
    it('should send nothing', () => {
      const m = x86Machine(4, {}, { onlineCpus: [1] });
      const log = icrLog(m);
      onCpu(m, 1, () => {
        ipi(m).sendIPIAllButSelf(RESCHEDULE_VECTOR);
      });
      expect(log).toEqual([]);
    });
  });

  describe('having a CPU that came online only later', () => {
    it('should use shorthands only once every present CPU has booted', () => {
      const m = x86Machine(4, {}, { onlineCpus: [0, 1, 2] });
      expect(ipi(m).apicUseIpiShorthand).toBe(false);
      m.sim.cpuUp(3);
      m.run();
      expect(ipi(m).apicUseIpiShorthand).toBe(true);
      m.sim.cpuDown(3);
      m.run();
      // CPU 3 has booted once: the shorthand may reach it while it is offline, as in Linux.
      expect(ipi(m).apicUseIpiShorthand).toBe(true);
      const log = icrLog(m);
      onCpu(m, 0, () => {
        ipi(m).sendIPIAllButSelf(RESCHEDULE_VECTOR);
      });
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_ALLBUT | RESCHEDULE_VECTOR]);
    });
  });
});

describe(X86Ipi.prototype.sendIPIAll, () => {
  describe('having shorthands on', () => {
    it('should send one all-including-self shorthand', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-phys' });
      const log = icrLog(m);
      onCpu(m, 2, () => {
        ipi(m).sendIPIAll(CALL_FUNCTION_VECTOR);
      });
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_ALLINC | CALL_FUNCTION_VECTOR]);
      expect(m.irqStats.get('CAL')?.counts).toEqual(new Uint32Array([1, 1, 1, 1]));
    });
  });

  describe('having shorthands off', () => {
    it('should send to the online mask through __ipiSendMask', () => {
      const m = x86Machine(4, { noIpiBroadcast: true });
      const spy = jest.spyOn(m.ipi, '__ipiSendMask');
      onCpu(m, 2, () => {
        ipi(m).sendIPIAll(CALL_FUNCTION_VECTOR);
      });
      expect(spy.mock.calls[0][1]).toBe(m.cpuOnlineMask);
      expect(m.irqStats.get('CAL')?.counts).toEqual(new Uint32Array([1, 1, 1, 1]));
    });
  });
});

describe(X86Ipi.prototype.sendIPISelf, () => {
  describe('having xAPIC', () => {
    it('should send the self shorthand', () => {
      const m = x86Machine(4);
      const log = icrLog(m);
      onCpu(m, 3, () => {
        ipi(m).sendIPISelf(IRQ_WORK_VECTOR);
      });
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_SELF | IRQ_WORK_VECTOR]);
      expect(m.irqStats.get('IWI')?.counts).toEqual(new Uint32Array([0, 0, 0, 1]));
    });
  });

  describe('having a vector without an IPI virq', () => {
    it('should throw and change nothing', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => {
          ipi(m).sendIPISelf(0x33);
        },
        RangeError,
        /sendIPISelf: vector is 51 \(0x33\)/,
      );
      expectRejected(
        m,
        () => {
          ipi(m).sendIPIAll(0x33);
        },
        RangeError,
        /sendIPIAll: vector/,
      );
      expectRejected(
        m,
        () => {
          ipi(m).sendIPIAllButSelf(0x33);
        },
        RangeError,
        /sendIPIAllButSelf: vector/,
      );
      expectRejected(
        m,
        () => {
          ipi(m).sendIPIMaskAllButSelf(Cpumask.full(4), 0x33);
        },
        RangeError,
        /sendIPIMaskAllButSelf: vector/,
      );
    });
  });
});
