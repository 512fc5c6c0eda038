import { describe, expect, it } from '@jest/globals';
import { formatTraceFields, type TraceRecord } from '../../../lib/index.js';

function rec(name: string, fields: TraceRecord['fields']): TraceRecord {
  return { seq: 0, ts: 0, cpu: 0, name, fields };
}

describe('formatTraceFields', () => {
  describe('having the ipi.h events (row 72)', () => {
    it.each([
      [rec('ipi_raise', { target_mask: '00000000,00000004', reason: 'Function call interrupts' }), 'target_mask=00000000,00000004 (Function call interrupts)'],
      [
        rec('ipi_send_cpu', { cpu: 2, callsite: 'smp_call_function_single', callback: 'generic_smp_call_function_single_interrupt' }),
        'cpu=2 callsite=smp_call_function_single+0x0/0x0 callback=generic_smp_call_function_single_interrupt+0x0/0x0',
      ],
      [rec('ipi_send_cpu', { cpu: 1, callsite: 'resched_curr', callback: null }), 'cpu=1 callsite=resched_curr+0x0/0x0 callback=0x0'],
      [
        rec('ipi_send_cpumask', { cpumask: '26', callsite: 'smp_call_function_many_cond', callback: 'generic_smp_call_function_single_interrupt' }),
        'cpumask=26 callsite=smp_call_function_many_cond+0x0/0x0 callback=generic_smp_call_function_single_interrupt+0x0/0x0',
      ],
      [rec('ipi_entry', { reason: 'Rescheduling interrupts' }), '(Rescheduling interrupts)'],
      [rec('ipi_exit', { reason: 'Rescheduling interrupts' }), '(Rescheduling interrupts)'],
    ])('should print %j as the kernel does', (record, text) => {
      expect(formatTraceFields(record)).toBe(text);
    });
  });

  describe('having irq, csd, sched and x86 vector events', () => {
    it.each([
      [rec('irq_handler_entry', { irq: 24, name: 'IPI call' }), 'irq=24 name=IPI call'],
      [rec('irq_handler_exit', { irq: 24, ret: 'handled' }), 'irq=24 ret=handled'],
      [rec('irq_handler_exit', { irq: 24, ret: 'unhandled' }), 'irq=24 ret=unhandled'],
      [rec('csd_function_entry', { func: 'flush', csd: null }), 'func=flush, csd=0x0'],
      [rec('sched_wake_idle_without_ipi', { cpu: 3 }), 'cpu=3'],
      [rec('reschedule_entry', { vector: 253 }), 'vector=253'],
      [rec('custom_event', { a: 1, b: 'x' }), 'a=1 b=x'],
    ])('should print %j', (record, text) => {
      expect(formatTraceFields(record)).toBe(text);
    });
  });
});
