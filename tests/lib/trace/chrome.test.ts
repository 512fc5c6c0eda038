import { describe, expect, it } from '@jest/globals';
import {
  type ChromeTrace,
  createMachine,
  runScenario,
  builtinScenarios,
  serializeChromeTrace,
  toChromeTrace,
  TraceBuffer,
} from '../../../lib/index.js';
import { chromeTraceProblems } from '../../helpers/chrome-check.js';
import { expectGolden } from '../../helpers/golden.js';
import { traceFixture } from '../../helpers/trace-fixture.js';
import { traceRecord as rec } from '../../helpers/trace-record.js';

function parse(trace: ChromeTrace): ChromeTrace {
  return JSON.parse(serializeChromeTrace(trace)) as ChromeTrace;
}

describe('Chrome trace', () => {
  it('should match the golden file for the fixture run (byte for byte)', () => {
    const { records } = traceFixture();
    const text = serializeChromeTrace(
      toChromeTrace(records, {
        nrCpus: 4,
        processName: 'genipi test (4 CPUs)',
        otherData: { scenario: 'fixture' },
      }),
    );
    expectGolden('chrome-test-arch.json', text);
  });

  it('should parse as JSON with one named track per CPU, nested slices and bound flows', () => {
    const { records } = traceFixture();
    const trace = parse(toChromeTrace(records, { nrCpus: 4 }));
    expect(chromeTraceProblems(trace, 4)).toEqual([]);
    const flows = trace.traceEvents.filter((e) => e.ph === 's');
    // 3 + 1 + 1 + 3 sends with a handler: the mask call, the reschedule, pingOne, on_each_cpu.
    expect(flows).toHaveLength(8);
    expect(trace.otherData).toMatchObject({ generator: 'genipi', flows: 8, flowsSkipped: 0 });
    expect(
      trace.traceEvents.filter((e) => e.ph === 'X' && e.name === 'IPI call').length,
    ).toBeGreaterThan(0);
    expect(trace.traceEvents.some((e) => e.ph === 'C' && e.name === 'CPU1 csd queue')).toBe(true);
    expect(trace.traceEvents.some((e) => e.ph === 'C' && e.name === 'CPU1 IPIs pending')).toBe(
      true,
    );
    expect(trace.traceEvents.some((e) => e.ph === 'i' && e.cat === 'warning')).toBe(true);
  });

  it.each(['test', 'x86', 'arm64', 'riscv', 'mips-gic', 'mips-mailbox'])(
    'should be well formed for the mixed scenario on %s',
    (arch) => {
      const m = createMachine({ arch, nrCpus: 8, seed: 3 });
      const buffer = new TraceBuffer();
      buffer.attach(m.tracer);
      runScenario(m, builtinScenarios.get('mixed')!, { durationNs: 300_000 });
      const trace = parse(toChromeTrace(buffer.records(), { nrCpus: 8 }));
      expect(chromeTraceProblems(trace, 8)).toEqual([]);
      expect(trace.traceEvents.filter((e) => e.ph === 's').length).toBeGreaterThan(20);
    },
  );

  it('should widen a zero-length handler so that a flow can end inside it', () => {
    const records = [
      rec(0, 100, 0, 'ipi_send_cpu', { cpu: 1, callsite: 'resched_curr', callback: null }),
      rec(1, 600, 1, 'irq_handler_entry', { irq: 2, name: 'IPI resched' }),
      rec(2, 600, 1, 'irq_handler_exit', { irq: 2, ret: 'handled' }),
    ];
    const trace = toChromeTrace(records, { nrCpus: 2 });
    const handler = trace.traceEvents.find((e) => e.name === 'IPI resched');
    expect(handler).toMatchObject({ ph: 'X', ts: 0.6, dur: 0.02, tid: 2 });
    expect(
      trace.traceEvents.filter((e) => e.ph === 's' || e.ph === 'f').map((e) => [e.ph, e.ts, e.tid]),
    ).toEqual([
      ['s', 0.101, 1],
      ['f', 0.601, 2],
    ]);
    expect(chromeTraceProblems(trace, 2)).toEqual([]);
  });

  it('should close unfinished slices at the end, skip exits without entries, and put host events on a host track', () => {
    const records = [
      rec(0, 50, 0, 'csd_function_exit', { func: 'lost', csd: 1 }),
      rec(1, 100, 0, 'irq_handler_entry', { irq: 1, name: 'IPI call' }),
      rec(2, 150, 0, 'csd_function_entry', { func: 'f', csd: 1 }),
      rec(3, 300, -1, 'console', { msg: 'WARNING: at somewhere' }),
    ];
    const trace = toChromeTrace(records, { nrCpus: 1 });
    const x = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(
      x.map((e) => [e.name, e.ts, e.dur, (e.args as { unfinished?: boolean }).unfinished]),
    ).toEqual([
      ['IPI call', 0.1, 0.2, true],
      ['f', 0.15, 0.15, true],
    ]);
    expect(trace.traceEvents).toContainEqual({
      name: 'thread_name',
      ph: 'M',
      pid: 1,
      tid: 2,
      args: { name: 'host' },
    });
    expect(trace.traceEvents.find((e) => e.ph === 'i')).toMatchObject({
      name: 'WARNING: at somewhere',
      tid: 2,
      s: 't',
    });
  });

  it('should close slices opened inside one that exits, so that slices nest strictly', () => {
    const records = [
      rec(0, 100, 0, 'irq_handler_entry', { irq: 1, name: 'IPI call' }),
      rec(1, 110, 0, 'csd_function_entry', { func: 'f', csd: 1 }),
      rec(2, 200, 0, 'irq_handler_exit', { irq: 1, ret: 'handled' }),
      rec(3, 250, 0, 'csd_function_exit', { func: 'f', csd: 1 }),
    ];
    const trace = toChromeTrace(records, { nrCpus: 1 });
    expect(trace.traceEvents.filter((e) => e.ph === 'X').map((e) => [e.name, e.ts, e.dur])).toEqual(
      [
        ['IPI call', 0.1, 0.1],
        ['f', 0.11, 0.09],
      ],
    );
    expect(chromeTraceProblems(trace, 1)).toEqual([]);
  });

  it('should name x86 vector slices after the vector and count queue depth per CPU', () => {
    const records = [
      rec(0, 10, 0, 'csd_queue_cpu', { cpu: 1, callsite: 'x', func: 'f', csd: 1 }),
      rec(1, 20, 0, 'csd_queue_cpu', { cpu: 1, callsite: 'x', func: 'g', csd: 1 }),
      rec(2, 30, 0, 'ipi_send_cpu', {
        cpu: 1,
        callsite: 'x',
        callback: 'generic_smp_call_function_single_interrupt',
      }),
      rec(3, 500, 1, 'call_function_single_entry', { vector: 251 }),
      rec(4, 500, 1, 'csd_function_entry', { func: 'f', csd: 1 }),
      rec(5, 540, 1, 'csd_function_exit', { func: 'f', csd: 1 }),
      rec(6, 540, 1, 'csd_function_entry', { func: 'g', csd: 1 }),
      rec(7, 580, 1, 'csd_function_exit', { func: 'g', csd: 1 }),
      rec(8, 580, 1, 'call_function_single_exit', { vector: 251 }),
    ];
    const trace = toChromeTrace(records, { nrCpus: 2 });
    expect(trace.traceEvents.find((e) => e.ph === 'X' && e.tid === 2)).toMatchObject({
      name: 'CALL_FUNCTION_SINGLE',
      ts: 0.5,
      dur: 0.08,
      args: { vector: 251 },
    });
    expect(
      trace.traceEvents
        .filter((e) => e.name === 'CPU1 csd queue')
        .map((e) => [e.ts, (e.args as { len: number }).len]),
    ).toEqual([
      [0.01, 1],
      [0.02, 2],
      [0.5, 0],
    ]);
    expect(chromeTraceProblems(trace, 2)).toEqual([]);
  });

  it('should give the same bytes for the same records and nothing but metadata for none', () => {
    const a = serializeChromeTrace(toChromeTrace(traceFixture().records, { nrCpus: 4 }));
    const b = serializeChromeTrace(toChromeTrace(traceFixture().records, { nrCpus: 4 }));
    expect(a).toBe(b);
    const empty = parse(toChromeTrace([], { nrCpus: 2 }));
    expect(empty.traceEvents.every((e) => e.ph === 'M')).toBe(true);
  });
});
