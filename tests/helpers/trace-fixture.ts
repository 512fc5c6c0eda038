/**
 * A small deterministic run on the `test` arch that exercises every traced path: a mask cross
 * call, a reschedule, a single call, a csd queued behind an IPI in flight, a wake-up of a
 * polling-idle CPU (no IPI), a warning, and local calls. The golden files of the exporters are
 * made from it.
 */
import {
  Cpumask,
  createMachine,
  type Machine,
  TraceBuffer,
  type TraceRecord,
} from '../../lib/index.js';

/** Runs the fixture workload; returns the machine and its records (emission order). */
export function traceFixture(): { m: Machine; records: TraceRecord[]; buffer: TraceBuffer } {
  const m = createMachine({ arch: 'test', nrCpus: 4, seed: 1 });
  m.sim.setIdleMode(3, 'poll');
  const buffer = new TraceBuffer();
  buffer.attach(m.tracer);
  m.sim.spawn(
    0,
    function* initiator() {
      yield m.sim.delay(1000);
      yield* m.smp.smpCallFunctionMany(
        Cpumask.of(4, [1, 2, 3]),
        function flushWork() {},
        null,
        true,
      );
      m.sched.reschedCurr(2);
      yield* m.smp.smpCallFunctionSingle(1, function pingOne() {}, null, true);
      yield* m.smp.onEachCpu(function everywhere() {}, null, true);
    },
    { name: 'kworker/0:1' },
  );
  m.sim.spawn(
    2,
    function* lateCaller() {
      yield m.sim.delay(2_000);
      m.sim.localIrqDisable();
      yield* m.smp.smpCallFunctionSingle(1, function asyncWork() {}, null, false);
      m.sim.localIrqEnable();
      m.sched.wakeUpTask(3, function* wakee() {
        yield m.sim.delay(100);
      });
    },
    { name: 'a-task-name-longer-than-fifteen' },
  );
  const r = m.run();
  if (r.reason !== 'idle') throw new Error(`trace fixture: run ended ${r.reason}`);
  return { m, records: buffer.records(), buffer };
}
