import { describe, expect, it } from '@jest/globals';
import { createMachine, type TraceRecord } from '../../../lib/index.js';
import { traceFixture } from '../../helpers/trace-fixture.js';

describe('Tracer record context', () => {
  it('should stamp comm, pid and the latency flags at emit time', () => {
    const { records } = traceFixture();
    const send = records.find((r) => r.name === 'ipi_send_cpumask') as TraceRecord;
    expect(send).toMatchObject({ cpu: 0, comm: 'kworker/0:1', pid: 100, flags: '...1.' });
    const idleHandler = records.find(
      (r) => r.name === 'irq_handler_entry' && r.cpu === 3,
    ) as TraceRecord;
    expect(idleHandler).toMatchObject({ comm: '<idle>', pid: 0, flags: 'd.h1.' });
    // A handler that interrupted task code: preempt depth 0 there.
    const taskHandler = records.find(
      (r) => r.name === 'irq_handler_entry' && r.comm === 'a-task-name-longer-than-fifteen',
    ) as TraceRecord;
    expect(taskHandler.flags).toMatch(/^d.h\.\.$/);
    // need_resched set on CPU2 by the reschedule shows as N.
    expect(records.some((r) => r.cpu === 2 && r.flags?.[1] === 'N')).toBe(true);
    // A local call with interrupts saved off.
    expect(
      records.find((r) => r.name === 'csd_function_entry' && r.fields.csd === null),
    ).toMatchObject({ cpu: 0, flags: 'd..1.' });
  });

  it('should give each task one pid, in order of first appearance', () => {
    const { records } = traceFixture();
    const pids = new Map<string, Set<number>>();
    for (const r of records)
      if (r.comm !== undefined && r.comm !== '<idle>')
        pids.set(r.comm, (pids.get(r.comm) ?? new Set()).add(r.pid ?? -1));
    expect([...pids.entries()].map(([c, p]) => [c, [...p]])).toEqual([
      ['kworker/0:1', [100]],
      ['a-task-name-longer-than-fifteen', [101]],
    ]);
  });

  it('should turn warnings into console events only while a sink is attached', () => {
    const m = createMachine({ arch: 'test', nrCpus: 2 });
    const seen: TraceRecord[] = [];
    const warnIrqsOff = (): void => {
      m.sim.spawn(0, function* t() {
        m.sim.localIrqDisable();
        yield* m.smp.smpCallFunctionSingle(1, function f() {}, null, false);
        m.sim.localIrqEnable();
      });
      m.run();
    };
    warnIrqsOff();
    expect(m.warnings).toHaveLength(1);
    m.tracer.attach((r) => seen.push(r));
    m.sim.spawn(1, function* t() {
      m.sim.localIrqDisable();
      yield* m.smp.smpCallFunctionManyCond(m.cpuOnlineMask, function g() {}, null, 0, null);
      m.sim.localIrqEnable();
    });
    m.run();
    const consoles = seen.filter((r) => r.name === 'console');
    expect(consoles).toHaveLength(1);
    expect(consoles[0]).toMatchObject({
      cpu: 1,
      fields: { msg: 'WARNING: at smp_call_function_many_cond:irqs_disabled' },
    });
  });
});
