import { describe, expect, it } from '@jest/globals';
import {
  CALL_FUNCTION_SINGLE_VECTOR,
  CALL_FUNCTION_VECTOR,
  INVALIDATE_TLB_VECTOR,
  IRQ_WORK_VECTOR,
  LOCAL_TIMER_VECTOR,
  NMI_VECTOR,
  REBOOT_VECTOR,
  RESCHEDULE_VECTOR,
  SPURIOUS_APIC_VECTOR,
  ERROR_APIC_VECTOR,
  FIRST_SYSTEM_VECTOR,
  X86Irq,
  X86_IRQ_STAT_ROWS,
} from '../../../arch/x86/index.js';
import { IRQ_HIDDEN, IRQ_NO_BALANCING } from '../../../lib/index.js';
import { x86Machine, x86Of } from '../../drivers/apic/fixtures.js';

describe(X86Irq, () => {
  describe('having the x86 vector numbers (row 73)', () => {
    it('should be RES 0xfd, CALL 0xfc, CALL_SINGLE 0xfb, REBOOT 0xf8, IRQ_WORK 0xf6, TIMER 0xec', () => {
      expect([
        RESCHEDULE_VECTOR,
        CALL_FUNCTION_VECTOR,
        CALL_FUNCTION_SINGLE_VECTOR,
        REBOOT_VECTOR,
        IRQ_WORK_VECTOR,
        LOCAL_TIMER_VECTOR,
      ]).toEqual([0xfd, 0xfc, 0xfb, 0xf8, 0xf6, 0xec]);
      expect([NMI_VECTOR, SPURIOUS_APIC_VECTOR, ERROR_APIC_VECTOR, FIRST_SYSTEM_VECTOR]).toEqual([
        0x02, 0xff, 0xfe, 0xec,
      ]);
    });

    it('should map each IPI vector as the hwirq of its virq on the APIC IPI domain', () => {
      const m = x86Machine(4);
      const irqs = x86Of(m).irqs;
      for (const v of [
        RESCHEDULE_VECTOR,
        CALL_FUNCTION_VECTOR,
        CALL_FUNCTION_SINGLE_VECTOR,
        REBOOT_VECTOR,
        IRQ_WORK_VECTOR,
        NMI_VECTOR,
      ]) {
        const virq = irqs.virqOf(v);
        expect(virq).toBeGreaterThan(0);
        expect(m.irq.irqGetIrqData(virq)?.hwirq).toBe(v);
        expect(m.irq.irqFindMapping(m.ipiDomain, v)).toBe(virq);
      }
      expect(irqs.virqOf(LOCAL_TIMER_VECTOR)).toBe(0);
    });
  });

  describe('having a freshly booted machine', () => {
    it('should reserve one hidden per-CPU-flow virq per IPI vector over the possible CPUs, in IDT order', () => {
      const m = x86Machine(6, {}, { onlineCpus: [0, 1, 2] });
      const rows = [1, 2, 3, 4, 5, 6].map((virq) => {
        const desc = m.irq.irqToDesc(virq);
        return [
          m.irq.irqGetIrqData(virq)?.hwirq,
          desc?.actions.map((a) => a.name).join(),
          desc?.name,
          desc?.irqCommonData.affinity.toString(),
          ((desc?.irqCommonData.statusFlags ?? 0) & (IRQ_HIDDEN | IRQ_NO_BALANCING)) ===
            (IRQ_HIDDEN | IRQ_NO_BALANCING),
          desc?.handleIrq === m.irq.flow.handlePercpuIrq,
        ];
      });
      expect(rows).toEqual([
        [0xfd, 'sysvec_reschedule_ipi', 'percpu', '0-5', true, true],
        [0xfc, 'sysvec_call_function', 'percpu', '0-5', true, true],
        [0xfb, 'sysvec_call_function_single', 'percpu', '0-5', true, true],
        [0xf6, 'sysvec_irq_work', 'percpu', '0-5', true, true],
        [0x02, 'exc_nmi', 'percpu', '0-5', true, true],
        [0xf8, 'sysvec_reboot', 'percpu', '0-5', true, true],
      ]);
      expect(m.irq.descs.allocatedCount).toBe(6);
    });

    it('should install INVALIDATE_TLB_VECTOR 0xf0 only for the ULK TLB model', () => {
      expect(INVALIDATE_TLB_VECTOR).toBe(0xf0);
      expect(x86Of(x86Machine(4)).irqs.virqOf(INVALIDATE_TLB_VECTOR)).toBe(0);
      const m = x86Machine(4, { tlbModel: 'ulk' });
      expect(m.irq.irqToDesc(x86Of(m).irqs.virqOf(INVALIDATE_TLB_VECTOR))?.actions[0].name).toBe(
        'invalidate_interrupt',
      );
    });

    it('should declare the /proc/interrupts rows of arch_show_interrupts, in order', () => {
      const m = x86Machine(4);
      expect(m.irqStats.rows().map((r) => [r.label, r.description])).toEqual(
        X86_IRQ_STAT_ROWS.map(([l, d]) => [l, d]),
      );
      expect(X86_IRQ_STAT_ROWS.slice(0, 9).map(([l]) => l)).toEqual([
        'NMI',
        'LOC',
        'SPU',
        'PMI',
        'IWI',
        'RTR',
        'RES',
        'CAL',
        'TLB',
      ]);
      expect(Object.fromEntries(X86_IRQ_STAT_ROWS)).toMatchObject({
        RES: 'Rescheduling interrupts',
        CAL: 'Function call interrupts',
        TLB: 'TLB shootdowns',
        RTR: 'APIC ICR read retries',
      });
    });
  });
});
