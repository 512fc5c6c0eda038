import { describe, expect, it } from '@jest/globals';
import {
  classifyHandlerEntry,
  classifySend,
  correlateIpis,
  IpiCorrelator,
} from '../../../lib/index.js';
import { traceRecord as rec } from '../../helpers/trace-record.js';

const CALLBACK = 'generic_smp_call_function_single_interrupt';

describe('correlateIpis', () => {
  describe('classifying sends', () => {
    it.each([
      [
        rec(0, 0, 0, 'ipi_send_cpu', { cpu: 3, callsite: 'resched_curr', callback: null }),
        [3],
        'resched',
        'reschedule',
      ],
      [
        rec(0, 0, 0, 'ipi_send_cpu', { cpu: 1, callsite: 'x', callback: CALLBACK }),
        [1],
        'call-single',
        'call-function-single',
      ],
      [
        rec(0, 0, 0, 'ipi_send_cpumask', {
          cpumask: '00000000,00000006',
          callsite: 'x',
          callback: CALLBACK,
        }),
        [1, 2],
        'call-many',
        'call-function',
      ],
      [
        rec(0, 0, 0, 'ipi_raise', { target_cpus: '80', reason: 'Rescheduling interrupts' }),
        [7],
        'resched',
        'reschedule',
      ],
      [
        rec(0, 0, 0, 'ipi_raise', { target_mask: '3', reason: 'Function call interrupts' }),
        [0, 1],
        'call',
        'call-function',
      ],
      [
        rec(0, 0, 0, 'ipi_raise', { target_cpus: '4', reason: 'CPU stop interrupts' }),
        [2],
        'CPU stop interrupts',
        'CPU stop interrupts',
      ],
      [
        rec(0, 0, 0, 'ipi_send_cpu', { cpu: 2, callsite: 'x', callback: 'other_handler' }),
        [2],
        'other_handler',
        'other_handler',
      ],
    ])('should read %j', (record, targets, cls, kind) => {
      expect(classifySend(record)).toEqual({ targets, cls, kind });
    });

    it('should not take other records for sends', () => {
      expect(classifySend(rec(0, 0, 0, 'csd_queue_cpu', { cpu: 1 }))).toBeNull();
    });
  });

  describe('classifying handler entries', () => {
    it.each([
      ['reschedule_entry', {}, 'resched'],
      ['call_function_single_entry', {}, 'call-single'],
      ['call_function_entry', {}, 'call-many'],
      ['ipi_entry', { reason: 'Rescheduling interrupts' }, 'resched'],
      ['ipi_entry', { reason: 'Function call interrupts' }, 'call'],
      ['ipi_entry', { reason: 'IRQ work interrupts' }, 'IRQ work interrupts'],
      ['irq_handler_entry', { irq: 1, name: 'IPI resched' }, 'resched'],
      ['irq_handler_entry', { irq: 1, name: 'IPI call' }, 'call'],
      ['irq_handler_entry', { irq: 1, name: 'sysvec_call_function_single' }, 'call-single'],
      ['irq_handler_entry', { irq: 1, name: 'sysvec_call_function' }, 'call-many'],
      ['irq_handler_entry', { irq: 1, name: 'SMP-IPI' }, 'any'],
      ['irq_handler_entry', { irq: 9, name: 'eth0' }, null],
      ['csd_function_entry', { func: 'f' }, null],
    ])('should read %s %j as %j', (name, fields, cls) => {
      expect(classifyHandlerEntry(rec(0, 0, 0, name, fields))).toBe(cls);
    });
  });

  it('should pair each send with the next handler entry of its class on the target, in emission order', () => {
    const records = [
      rec(0, 100, 0, 'ipi_send_cpu', { cpu: 1, callsite: 'resched_curr', callback: null }),
      rec(1, 110, 0, 'ipi_send_cpu', { cpu: 1, callsite: 'x', callback: CALLBACK }),
      // The call handler runs first (lower vector number first is up to the controller).
      rec(2, 90, 1, 'irq_handler_entry', { irq: 1, name: 'IPI call' }),
      rec(3, 700, 1, 'irq_handler_entry', { irq: 2, name: 'IPI resched' }),
    ];
    const links = correlateIpis(records);
    expect(links.map((l) => [l.send.record.seq, l.entry?.seq, l.coalesced])).toEqual([
      [1, 2, false],
      [0, 3, false],
    ]);
  });

  it('should count sends merged into one pending interrupt as coalesced and keep unserved ones pending', () => {
    const records = [
      rec(0, 100, 0, 'ipi_send_cpu', { cpu: 1, callsite: 'resched_curr', callback: null }),
      rec(1, 120, 2, 'ipi_send_cpu', { cpu: 1, callsite: 'resched_curr', callback: null }),
      rec(2, 500, 1, 'reschedule_entry', { vector: 253 }),
      rec(3, 600, 0, 'ipi_send_cpu', { cpu: 3, callsite: 'resched_curr', callback: null }),
    ];
    const links = correlateIpis(records);
    expect(links.map((l) => [l.send.record.seq, l.entry?.seq ?? null, l.coalesced])).toEqual([
      [0, 2, false],
      [1, 2, true],
      [3, null, false],
    ]);
  });

  it("should fold arm64's ipi_raise into the ipi_send_* it follows, but not a later raise", () => {
    const c = new IpiCorrelator();
    c.push(rec(0, 100, 0, 'ipi_send_cpumask', { cpumask: '6', callsite: 'x', callback: CALLBACK }));
    c.push(rec(1, 100, 0, 'ipi_raise', { target_cpus: '6', reason: 'Function call interrupts' }));
    expect(c.sends).toBe(2);
    c.push(rec(2, 300, 0, 'ipi_raise', { target_cpus: '6', reason: 'Function call interrupts' }));
    expect(c.sends).toBe(4);
    expect(c.pendingOn(1)).toBe(2);
  });

  it('should let an x86 CALL_FUNCTION_SINGLE handler leave a pending CALL_FUNCTION send alone', () => {
    const records = [
      rec(0, 10, 0, 'ipi_send_cpumask', { cpumask: '6', callsite: 'x', callback: CALLBACK }),
      rec(1, 20, 3, 'ipi_send_cpu', { cpu: 1, callsite: 'x', callback: CALLBACK }),
      rec(2, 500, 1, 'call_function_single_entry', { vector: 251 }),
      rec(3, 900, 1, 'call_function_entry', { vector: 252 }),
    ];
    expect(
      correlateIpis(records).map((l) => [l.send.record.seq, l.send.target, l.entry?.seq ?? null]),
    ).toEqual([
      [1, 1, 2],
      [0, 1, 3],
      [0, 2, null],
    ]);
  });
});
