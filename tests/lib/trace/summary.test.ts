import { describe, expect, it } from '@jest/globals';
import { latencyStats, summarizeTrace, TraceStats } from '../../../lib/index.js';
import { traceFixture } from '../../helpers/trace-fixture.js';
import { traceRecord as rec } from '../../helpers/trace-record.js';

describe('summarizeTrace', () => {
  it('should compute nearest-rank percentiles', () => {
    expect(latencyStats([])).toBeNull();
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencyStats(values)).toEqual({
      count: 100,
      min: 1,
      p50: 50,
      p90: 90,
      p99: 99,
      max: 100,
      mean: 51,
    });
    expect(latencyStats([7])).toEqual({
      count: 1,
      min: 7,
      p50: 7,
      p90: 7,
      p99: 7,
      max: 7,
      mean: 7,
    });
  });

  it('should count sends, deliveries, coalescing, latencies, cross calls, wake-ups and warnings', () => {
    const records = [
      rec(0, 100, 0, 'ipi_send_cpu', { cpu: 1, callsite: 'resched_curr', callback: null }),
      rec(1, 150, 2, 'ipi_send_cpu', { cpu: 1, callsite: 'resched_curr', callback: null }),
      rec(2, 1100, 1, 'irq_handler_entry', { irq: 2, name: 'IPI resched' }),
      rec(3, 1100, 1, 'irq_handler_exit', { irq: 2, ret: 'handled' }),
      rec(4, 2000, 0, 'csd_queue_cpu', { cpu: 3, callsite: 'x', func: 'f', csd: 1 }),
      rec(5, 2010, 2, 'csd_queue_cpu', { cpu: 3, callsite: 'x', func: 'g', csd: 1 }),
      rec(6, 2020, 0, 'ipi_send_cpu', {
        cpu: 3,
        callsite: 'x',
        callback: 'generic_smp_call_function_single_interrupt',
      }),
      rec(7, 2500, 0, 'csd_function_entry', { func: 'f', csd: null }),
      rec(8, 3020, 3, 'irq_handler_entry', { irq: 1, name: 'IPI call' }),
      rec(9, 3020, 3, 'csd_function_entry', { func: 'f', csd: 1 }),
      rec(10, 3060, 3, 'csd_function_entry', { func: 'g', csd: 1 }),
      rec(11, 3100, 1, 'sched_wake_idle_without_ipi', { cpu: 2 }),
      rec(12, 3200, 1, 'console', { msg: 'WARNING: at x' }),
      rec(13, 3300, 1, 'ipi_send_cpumask', {
        cpumask: 'c',
        callsite: 'x',
        callback: 'generic_smp_call_function_single_interrupt',
      }),
    ];
    const s = summarizeTrace(records);
    expect(s.records).toBe(14);
    expect(s.lastTs).toBe(3300);
    expect(s.kinds).toEqual([
      {
        kind: 'reschedule',
        sent: 2,
        delivered: 1,
        coalesced: 1,
        pending: 0,
        latency: { count: 2, min: 950, p50: 950, p90: 1000, p99: 1000, max: 1000, mean: 975 },
      },
      {
        kind: 'call-function-single',
        sent: 1,
        delivered: 1,
        coalesced: 0,
        pending: 0,
        latency: { count: 1, min: 1000, p50: 1000, p90: 1000, p99: 1000, max: 1000, mean: 1000 },
      },
      { kind: 'call-function', sent: 2, delivered: 0, coalesced: 0, pending: 2, latency: null },
    ]);
    expect(s.crossCalls).toEqual({
      queued: 2,
      queuedBehind: 1,
      remoteRuns: 2,
      localRuns: 1,
      byFunction: [
        { func: 'f', calls: 2 },
        { func: 'g', calls: 1 },
      ],
    });
    expect(s.wakeupsWithoutIpi).toBe(1);
    expect(s.warnings).toEqual(['WARNING: at x']);
  });

  it('should give the same summary incrementally as from the record list', () => {
    const { m, records } = traceFixture();
    const stats = new TraceStats();
    for (const r of records) stats.push(r);
    expect(stats.summary()).toEqual(summarizeTrace([...records].reverse()));
    expect(stats.summary().warnings).toEqual(m.warnings.map((w) => w.message));
  });
});
