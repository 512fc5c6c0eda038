import { describe, expect, it } from '@jest/globals';
import {
  formatFtraceLine,
  ftraceHeader,
  ftraceTimestamp,
  renderFtrace,
  type TraceRecord,
} from '../../../lib/index.js';
import { expectGolden } from '../../helpers/golden.js';
import { traceFixture } from '../../helpers/trace-fixture.js';

function rec(over: Partial<TraceRecord> & Pick<TraceRecord, 'name' | 'fields'>): TraceRecord {
  return { seq: 0, ts: 0, cpu: 0, comm: '<idle>', pid: 0, flags: 'd.h1.', ...over };
}

describe('ftrace text', () => {
  it('should print the header of kernel/trace/trace.c (5.18+) for the nop tracer', () => {
    expect(ftraceHeader(4, 4, 4)).toBe(
      [
        '# tracer: nop',
        '#',
        '# entries-in-buffer/entries-written: 4/4   #P:4',
        '#',
        '#                                _-----=> irqs-off/BH-disabled',
        '#                               / _----=> need-resched',
        '#                              | / _---=> hardirq/softirq',
        '#                              || / _--=> preempt-depth',
        '#                              ||| / _-=> migrate-disable',
        '#                              |||| /     delay',
        '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
        '#              | |         |   |||||     |         |',
        '',
      ].join('\n'),
    );
  });

  it('should print the example lines of the spec (§D.4) byte for byte', () => {
    const send = rec({
      ts: 100_000_010_000,
      comm: 'kworker/0:1',
      pid: 41,
      flags: 'd..1.',
      name: 'ipi_send_cpu',
      fields: {
        cpu: 2,
        callsite: 'smp_call_function_single',
        callback: 'generic_smp_call_function_single_interrupt',
      },
    });
    const raise = rec({
      ts: 100_000_010_000,
      comm: 'kworker/0:1',
      pid: 41,
      flags: 'd..1.',
      name: 'ipi_raise',
      fields: { target_cpus: '00000000,00000004', reason: 'Function call interrupts' },
    });
    const entry = rec({
      ts: 100_000_015_000,
      cpu: 2,
      name: 'ipi_entry',
      fields: { reason: 'Function call interrupts' },
    });
    expect(formatFtraceLine(send)).toBe(
      '     kworker/0:1-41      [000] d..1.   100.000010: ipi_send_cpu: cpu=2 callsite=smp_call_function_single+0x0/0x0 callback=generic_smp_call_function_single_interrupt+0x0/0x0',
    );
    expect(formatFtraceLine(raise)).toBe(
      '     kworker/0:1-41      [000] d..1.   100.000010: ipi_raise: target_mask=00000000,00000004 (Function call interrupts)',
    );
    expect(formatFtraceLine(entry)).toBe(
      '          <idle>-0       [002] d.h1.   100.000015: ipi_entry: (Function call interrupts)',
    );
  });

  it('should round timestamps to the nearest microsecond as ns2usecs() does', () => {
    expect(ftraceTimestamp(0)).toBe('    0.000000');
    expect(ftraceTimestamp(1_499)).toBe('    0.000001');
    expect(ftraceTimestamp(1_500)).toBe('    0.000002');
    expect(ftraceTimestamp(999_999_500)).toBe('    1.000000');
    expect(ftraceTimestamp(123_456_789_012_345)).toBe('123456.789012');
  });

  it('should truncate comm to 15 characters, keep pid width 7, and print host events as <...>', () => {
    expect(
      formatFtraceLine(
        rec({ comm: 'a-task-name-longer-than-fifteen', pid: 1234567, name: 'x', fields: {} }),
      ),
    ).toBe(' a-task-name-lon-1234567 [000] d.h1.     0.000000: x: ');
    const host: TraceRecord = {
      seq: 0,
      ts: 5_000,
      cpu: -1,
      name: 'ipi_send_cpu',
      fields: { cpu: 1, callsite: 'resched_curr', callback: null },
    };
    expect(formatFtraceLine(host)).toBe(
      '           <...>-0       [-01] .....     0.000005: ipi_send_cpu: cpu=1 callsite=resched_curr+0x0/0x0 callback=0x0',
    );
  });

  it('should sort lines by time, ties in emission order, and count overwritten entries', () => {
    const a = rec({ seq: 0, ts: 2_000, name: 'b', fields: {} });
    const b = rec({ seq: 1, ts: 1_000, name: 'a', fields: {} });
    const c = rec({ seq: 2, ts: 2_000, name: 'c', fields: {} });
    const text = renderFtrace([a, b, c], { nrCpus: 2, entriesWritten: 10 });
    expect(text).toContain('# entries-in-buffer/entries-written: 3/10   #P:2\n');
    expect(
      text
        .split('\n')
        .slice(12, 15)
        .map((l) => l.split(': ')[1]),
    ).toEqual(['a', 'b', 'c']);
  });

  it('should match the golden file for the fixture run on the test arch', () => {
    const { m, records } = traceFixture();
    expectGolden(
      'ftrace-test-arch.txt',
      renderFtrace(records, { nrCpus: m.cpuOnlineMask.weight() }),
    );
  });
});
