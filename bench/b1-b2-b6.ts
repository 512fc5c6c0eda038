/**
 * B1 (single-target IPI throughput, full stack vs the bare baseline), B2 (broadcast cost vs CPU
 * count) and B6 (tracing overhead), on the x86 stack: `ipiSendSingle → APIC ICR → bus delivery
 * → IRR → interrupt entry → generic_handle_domain_irq → handle_percpu_irq → action`.
 */
import { X86Irq } from '../arch/x86/index.js';
import { createMachine, IrqReturn, type Machine } from '../lib/index.js';
import { TraceBuffer } from '../lib/trace/buffer.js';
import { serializeChromeTrace, toChromeTrace } from '../lib/trace/chrome.js';
import { baselineIpiLoop } from './baseline-engine.js';
import { measurePairedRuns, measureRuns, type BenchResult } from './harness.js';

/** A vector for the benchmark's own IPI, outside the system vectors. */
const BENCH_VECTOR = 0xe0;

/**
 * Every CPU sends IPIs to the next CPU through the generic API, one every 2 µs, until `total`
 * have been sent. Returns host ms and the IPIs handled.
 */
export function fullStackRun(nrCpus: number, total: number, trace: 'none' | 'chrome' = 'none'): { ms: number; handled: number; events: number; records: number } {
  const m: Machine = createMachine({ arch: 'x86', nrCpus });
  let handled = 0;
  const virq = m.get(X86Irq).sysvecInstall(BENCH_VECTOR, 'bench', () => {
    handled++;
    return IrqReturn.IRQ_HANDLED;
  });
  const buffer = trace === 'chrome' ? new TraceBuffer() : null;
  buffer?.attach(m.tracer);
  const perCpu = Math.ceil(total / nrCpus);
  for (let cpu = 0; cpu < nrCpus; cpu++) {
    const target = (cpu + 1) % nrCpus;
    m.sim.spawn(cpu, function* sender() {
      for (let i = 0; i < perCpu; i++) {
        m.ipi.ipiSendSingle(virq, target);
        yield m.sim.delay(2_000);
      }
    });
  }
  const t0 = performance.now();
  const r = m.run();
  let records = 0;
  if (buffer !== null) {
    const recs = buffer.records();
    records = recs.length;
    serializeChromeTrace(toChromeTrace(recs, { nrCpus }));
  }
  const ms = performance.now() - t0;
  if (r.reason !== 'idle') throw new Error(`B1: ${r.reason}`);
  return { ms, handled, events: r.events, records };
}

function baselineRun(nrCpus: number, total: number): { ms: number; handled: number } {
  const t0 = performance.now();
  baselineIpiLoop(nrCpus, total, (cpu) => (cpu + 1) % nrCpus);
  return { ms: performance.now() - t0, handled: total };
}

/** Throughput (per host second) from a median run time: `count / ms`, with the spread carried over. */
function rate(count: number, m: { median: number; mad: number }): { value: number; spread: number } {
  const value = (count / m.median) * 1000;
  // d(count/ms) = count/ms² · d(ms)
  return { value, spread: (value * m.mad) / m.median };
}

export async function benchB1(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const [n, target] of [
    [64, 2e6],
    [8192, 1e6],
  ] as const) {
    const total = 300_000;
    let handled = 0;
    // The stack and the bare loop alternate, so that both medians sample the same stretch of a
    // host whose speed drifts: their ratio is the figure the target is about.
    const m = await measurePairedRuns(
      () => {
        const r = fullStackRun(n, total);
        handled = r.handled;
        return r.ms;
      },
      () => baselineRun(n, total).ms,
      9,
    );
    const ips = rate(handled, m.run);
    const bips = rate(total, m.baseline);
    out.push({
      name: `B1 full stack, ${n} CPUs (target ≥ ${target / 1e6}M/s; ratio target ≥ 0.333)`,
      value: ips.value,
      unit: 'IPI/s',
      baseline: bips.value,
      ratio: ips.value / bips.value,
      spread: ips.spread,
    });
  }
  return out;
}

/** One broadcast `smp_call_function_many(wait=1)` from CPU 0 to all others: host ms per broadcast. */
export function broadcastHostMs(nrCpus: number, iterations: number): number {
  const m = createMachine({ arch: 'x86', nrCpus });
  const all = m.cpuOnlineMask.copy();
  let calls = 0;
  m.sim.spawn(0, function* broadcaster() {
    for (let i = 0; i < iterations; i++) {
      yield* m.smp.smpCallFunctionMany(all, () => {
        calls++;
      }, null, true);
    }
  });
  const t0 = performance.now();
  const r = m.run();
  const ms = performance.now() - t0;
  if (r.reason !== 'idle' || calls !== iterations * (nrCpus - 1)) throw new Error(`B2: ${r.reason}, ${calls} calls`);
  return ms / iterations;
}

export async function benchB2(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const sizes = [2, 8, 64, 512, 4096, 8192];
  const perTarget: number[] = [];
  for (const n of sizes) {
    // Broadcasts per sample, on a fresh machine each: the first one also creates the sender's
    // csds (one per target), as the first call of a real kernel touches its cfd.
    const iterations = n >= 4096 ? 5 : n >= 512 ? 20 : 200;
    const m = await measureRuns(() => broadcastHostMs(n, iterations), 5);
    const ms = m.median;
    perTarget.push((ms * 1e6) / (n - 1));
    out.push({
      name: `B2 broadcast to ${n - 1} CPUs, host time${n === 8192 ? ' (target < 5 ms)' : ''}`,
      value: ms,
      unit: 'ms',
      baseline: n === 8192 ? 5 : null,
      ratio: n === 8192 ? ms / 5 : null,
      spread: m.mad,
    });
  }
  // Linear in targets: ns per target at 8191 vs at 63 targets.
  const at63 = perTarget[sizes.indexOf(64)];
  const at8191 = perTarget[sizes.indexOf(8192)];
  out.push({ name: 'B2 host ns per target at 8191 targets vs at 63 (linear ⇒ ≈1)', value: at8191, unit: 'ns/target', baseline: at63, ratio: at8191 / at63 });
  return out;
}

export async function benchB6(): Promise<BenchResult[]> {
  const n = 64;
  const total = 200_000;
  let plain = { ms: 0, handled: 0, events: 0, records: 0 };
  let traced = plain;
  const plainM = await measureRuns(() => (plain = fullStackRun(n, total, 'none')).ms, 5);
  const tracedM = await measureRuns(() => (traced = fullStackRun(n, total, 'chrome')).ms, 3);
  plain = { ...plain, ms: plainM.median };
  traced = { ...traced, ms: tracedM.median };
  // Cost of the tracepoints themselves when nothing is attached: each is one property read of
  // `tracer.enabled`. Count the tracepoints an IPI passes (records per IPI with a consumer) and
  // time a disabled guard.
  const recordsPerIpi = traced.records / traced.handled;
  const guard = { enabled: false, hits: 0 };
  let x = 0;
  const N = 20_000_000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    if (guard.enabled) guard.hits++;
    x += i & 1;
  }
  const guardNs = ((performance.now() - t0) * 1e6) / N;
  const perIpiNs = (plain.ms * 1e6) / plain.handled;
  const idleOverhead = (recordsPerIpi * guardNs) / perIpiNs;
  return [
    { name: 'B6 B1 stack (64 CPUs), no trace consumer', value: (plain.handled / plain.ms) * 1000, unit: 'IPI/s', baseline: null, ratio: null },
    { name: 'B6 B1 stack with the Chrome-trace exporter attached', value: (traced.handled / traced.ms) * 1000, unit: 'IPI/s', baseline: (plain.handled / plain.ms) * 1000, ratio: traced.ms / plain.ms },
    { name: `B6 disabled-tracepoint overhead (${recordsPerIpi.toFixed(1)} guards/IPI, target < 5 %)`, value: idleOverhead * 100 + (x === -1 ? 1 : 0), unit: '%', baseline: 5, ratio: (idleOverhead * 100) / 5 },
  ];
}
