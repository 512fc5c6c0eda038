import { describe, expect, it } from '@jest/globals';
import {
  CALL_FUNCTION_SINGLE_VECTOR,
  CALL_FUNCTION_VECTOR,
  NMI_VECTOR,
  RESCHEDULE_VECTOR,
  X86Irq,
} from '../../../arch/x86/index.js';
import { Cpumask, IrqReturn, type TraceRecord } from '../../../lib/index.js';
import { apicOf, expectRejected, onCpu, x86Machine, x86Of } from '../../drivers/apic/fixtures.js';

describe(X86Irq, () => {
  describe('having reschedule and call-function IPIs with tracing on', () => {
    it('should emit the x86 irq_vectors events with the vector, around the counted work', () => {
      const m = x86Machine(4);
      const recs: TraceRecord[] = [];
      m.tracer.attach((r) => {
        if (/^(reschedule|call_function)/.test(r.name)) recs.push(r);
      });
      m.sim.spawn(0, function* () {
        m.sched.smpSendReschedule(1);
        yield* m.smp.smpCallFunctionSingle(2, () => undefined, null, true);
        yield* m.smp.smpCallFunctionMany(Cpumask.of(4, [1, 3]), () => undefined, null, true);
      });
      m.run();
      expect(recs.map((r) => [r.cpu, r.name, r.fields.vector])).toEqual([
        [1, 'reschedule_entry', RESCHEDULE_VECTOR],
        [1, 'reschedule_exit', RESCHEDULE_VECTOR],
        [2, 'call_function_single_entry', CALL_FUNCTION_SINGLE_VECTOR],
        [2, 'call_function_single_exit', CALL_FUNCTION_SINGLE_VECTOR],
        [1, 'call_function_entry', CALL_FUNCTION_VECTOR],
        [1, 'call_function_exit', CALL_FUNCTION_VECTOR],
        [3, 'call_function_entry', CALL_FUNCTION_VECTOR],
        [3, 'call_function_exit', CALL_FUNCTION_VECTOR],
      ]);
      expect(m.irqStats.get('RES')?.counts).toEqual(new Uint32Array([0, 1, 0, 0]));
      expect(m.irqStats.get('CAL')?.counts).toEqual(new Uint32Array([0, 1, 1, 1]));
      expect(m.sched.schedulerIpis).toEqual(new Uint32Array([0, 1, 0, 0]));
    });

    it('should have acknowledged the local APIC (EOI) before the handler body, as sysvec handlers do', () => {
      const m = x86Machine(4);
      const inService: boolean[] = [];
      m.tracer.attach((r) => {
        if (r.name === 'reschedule_entry')
          inService.push(apicOf(m).lapic(r.cpu).inService(RESCHEDULE_VECTOR));
      });
      onCpu(m, 0, () => {
        m.sched.smpSendReschedule(2);
      });
      expect(inService).toEqual([false]);
    });
  });
});

describe(X86Irq.prototype.registerNmiHandler, () => {
  describe('having a registered handler', () => {
    it('should run it on each NMI and count the NMI', () => {
      const m = x86Machine(4);
      const seen: number[] = [];
      expect(x86Of(m).irqs.registerNmiHandler('probe', (cpu) => (seen.push(cpu), true))).toBe(0);
      onCpu(m, 0, () => {
        x86Of(m).ipi.sendIPIMask(Cpumask.of(4, [1, 3]), NMI_VECTOR);
      });
      expect(seen).toEqual([1, 3]);
      expect(m.irqStats.get('NMI')?.counts).toEqual(new Uint32Array([0, 1, 0, 1]));
      expect(m.warnings).toEqual([]);
    });
  });

  describe('having no handler that claims the NMI', () => {
    it('should report an unknown NMI', () => {
      const m = x86Machine(4);
      x86Of(m).irqs.registerNmiHandler('probe', () => false);
      x86Of(m).irqs.unregisterNmiHandler('probe');
      onCpu(m, 0, () => {
        x86Of(m).ipi.sendIPI(2, NMI_VECTOR);
      });
      expect(m.warnings.map((w) => w.message)).toEqual([
        'Uhhuh. NMI received for unknown reason 00 on CPU 2.',
        'Dazed and confused, but trying to continue',
      ]);
    });
  });

  describe('having a handler that is not a function', () => {
    it('should throw a TypeError naming handler', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => x86Of(m).irqs.registerNmiHandler('x', 5 as never),
        TypeError,
        /registerNmiHandler: handler is 5/,
      );
    });
  });
});

describe(X86Irq.prototype.archIrqWorkRaise, () => {
  describe('having a running CPU', () => {
    it('should interrupt only that CPU on IRQ_WORK_VECTOR and count IWI', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-cluster' });
      onCpu(m, 1, () => {
        x86Of(m).irqs.archIrqWorkRaise();
      });
      expect(m.irqStats.get('IWI')?.counts).toEqual(new Uint32Array([0, 1, 0, 0]));
    });
  });

  describe('having no running CPU', () => {
    it('should throw an Error and change nothing', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => {
          x86Of(m).irqs.archIrqWorkRaise();
        },
        Error,
        /no CPU is running/,
      );
    });
  });
});

describe(X86Irq.prototype.sysvecInstall, () => {
  describe('having a free vector', () => {
    it('should give it a hidden per-CPU virq with the handler', () => {
      const m = x86Machine(4);
      const ran: number[] = [];
      const virq = x86Of(m).irqs.sysvecInstall(
        0xec,
        'sysvec_apic_timer_interrupt',
        () => (ran.push(m.sim.smpProcessorId()), IrqReturn.IRQ_HANDLED),
      );
      expect(x86Of(m).irqs.virqOf(0xec)).toBe(virq);
      onCpu(m, 0, () => {
        x86Of(m).ipi.sendIPI(3, 0xec);
      });
      expect(ran).toEqual([3]);
    });
  });

  describe('having a vector that is taken', () => {
    it('should throw an Error naming the vector', () => {
      const m = x86Machine(4);
      expect(() =>
        x86Of(m).irqs.sysvecInstall(RESCHEDULE_VECTOR, 'again', () => IrqReturn.IRQ_HANDLED),
      ).toThrow(/cannot install again on vector 0xfd: irqReserveIpi returned -16/);
    });
  });

  describe('having a handler that is not a function', () => {
    it('should throw a TypeError and change nothing', () => {
      const m = x86Machine(4);
      expectRejected(
        m,
        () => x86Of(m).irqs.sysvecInstall(0xec, 'x', null as never),
        TypeError,
        /sysvecInstall: handler is null/,
      );
    });
  });
});
