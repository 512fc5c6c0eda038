/**
 * B5's engine row: the IPI storm of the bare baseline (`baseline-engine.ts`) and of SIM.JS
 * (`simjs-storm.ts`), written against genipi's own discrete-event engine (`SimEngine`, the one
 * every machine runs on): three registered event kinds, send → deliver (1 µs) → handle
 * (300 ns), each CPU sending every 2 µs to a peer chosen by `pick`. perf-anchors §5 defines B5 as
 * event-engine throughput ("if the engine is below simjs speed, the event representation is
 * the problem"), so this is the like-for-like comparison with a general-purpose DES library;
 * the full stack's storm is reported beside it (`b5-storm.ts`).
 */
import { SimEngine } from '../lib/sim/engine.js';

/** Runs `totalIpis` IPIs on `nrCpus` CPUs on a fresh `SimEngine`; returns the events handled. */
export function engineStorm(nrCpus: number, totalIpis: number, pick: (cpu: number) => number): number {
  const engine = new SimEngine();
  const pending = new Uint8Array(nrCpus);
  const handled = new Uint32Array(nrCpus);
  let sent = 0;
  let deliver = -1;
  let handle = -1;
  const send = engine.registerKind('send', (cpu) => {
    if (sent >= totalIpis) return;
    sent++;
    const now = engine.now;
    engine.schedule(now + 1000, deliver, pick(cpu), 0);
    engine.schedule(now + 2000, send, cpu, 0);
  });
  deliver = engine.registerKind('deliver', (cpu) => {
    if (pending[cpu] !== 0) return;
    pending[cpu] = 1;
    engine.schedule(engine.now + 300, handle, cpu, 0);
  });
  handle = engine.registerKind('handle', (cpu) => {
    pending[cpu] = 0;
    handled[cpu]++;
  });
  // Start times as the baseline's: CPU n at n ns.
  for (let cpu = 0; cpu < nrCpus; cpu++) engine.schedule(cpu, send, cpu, 0);
  const r = engine.run();
  if (r.reason !== 'idle') throw new Error(`engine storm: ${r.reason}`);
  return r.events;
}
