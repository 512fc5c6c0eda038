/**
 * A twin of the out-of-tree Linux `ipi_benchmark` module (Yury Norov, 2017; see
 * ../shared/spec/perf-anchors.md §0): Dry-run, Self-IPI, Normal IPI and Broadcast IPI, each
 * `ntimes` iterations, printing the summed one-way time (`ipi`) and the summed round trip
 * (`total`) in ns. Also the TLB-shootdown shape benchmark (Amit's MADV_DONTNEED loop).
 *
 * Runs entirely in simulated time; the numbers come from the machine's timing model.
 *
 * @packageDocumentation
 */
import type { Cpumask } from '../cpumask.js';
import type { Machine } from '../machine/machine.js';

/** One `ipi_benchmark` line. */
export interface IpiBenchmarkLine {
  /** The module's line name. */
  readonly name: 'Dry-run' | 'Self-IPI' | 'Normal IPI' | 'Broadcast IPI';
  /** Summed one-way latency: handler start minus time before the call (0 for broadcast). */
  readonly ipi: number;
  /** Summed round trip: wall time of all `ntimes` synchronous calls. */
  readonly total: number;
}

/** Result of {@link runIpiBenchmark}. */
export interface IpiBenchmarkResult {
  /** Iterations per line. */
  readonly ntimes: number;
  /** Dry-run, Self-IPI, Normal IPI, Broadcast IPI. */
  readonly lines: readonly IpiBenchmarkLine[];
}

/** Loop overhead of one dry-run iteration (two clock reads), ns. */
const DRY_RUN_NS = 3;

/**
 * Runs the `ipi_benchmark` twin on `m` from CPU 0. The other CPUs busy-wait with interrupts
 * enabled (as the benchmark's targets spin rather than halt), so every Normal and Broadcast
 * call takes a real IPI.
 * @param ntimes - iterations per scenario (the module uses 100000).
 */
export function runIpiBenchmark(m: Machine, ntimes = 100_000): IpiBenchmarkResult {
  if (!Number.isInteger(ntimes) || ntimes < 1) {
    throw new RangeError(`runIpiBenchmark: ntimes is ${String(ntimes)}; expected a positive integer`);
  }
  if (m.nrCpuIds < 2 || m.cpuOnlineMask.weight() < 2) {
    throw new RangeError('runIpiBenchmark: needs at least two online CPUs');
  }
  const lines: IpiBenchmarkLine[] = [];
  let done = false;
  const spinners: number[] = [];
  m.cpuOnlineMask.forEach((cpu) => {
    if (cpu !== 0) spinners.push(cpu);
  });
  // Targets busy-wait (interrupts enabled) until the sender is finished.
  for (const cpu of spinners) {
    m.sim.spawn(cpu, function* spin() {
      while (!done) yield m.sim.delay(2_000);
    });
  }
  const target = spinners[0];
  m.sim.spawn(0, function* ipiBenchmark() {
    let handlerAt = 0;
    const handleIpi = (): void => {
      handlerAt = m.sim.localNow();
    };
    // Dry-run: the loop and its clock reads, no call.
    let start = m.sim.localNow();
    for (let i = 0; i < ntimes; i++) m.sim.charge(DRY_RUN_NS);
    yield m.sim.delay(0);
    lines.push({ name: 'Dry-run', ipi: 0, total: m.sim.localNow() - start });
    for (const [name, cpu] of [
      ['Self-IPI', 0],
      ['Normal IPI', target],
    ] as const) {
      let ipi = 0;
      start = m.sim.localNow();
      for (let i = 0; i < ntimes; i++) {
        const t0 = m.sim.localNow();
        yield* m.smp.smpCallFunctionSingle(cpu, handleIpi, null, true);
        ipi += handlerAt - t0;
      }
      lines.push({ name, ipi, total: m.sim.localNow() - start });
    }
    start = m.sim.localNow();
    const all = m.cpuOnlineMask.copy();
    for (let i = 0; i < ntimes; i++) {
      yield* m.smp.smpCallFunctionMany(all, handleIpi, null, true);
    }
    lines.push({ name: 'Broadcast IPI', ipi: 0, total: m.sim.localNow() - start });
    done = true;
  });
  const r = m.run();
  if (r.reason !== 'idle') {
    throw new Error(`runIpiBenchmark: the simulation ended with ${r.reason}${r.stall ? `: ${r.stall.message}` : ''}`);
  }
  return { ntimes, lines };
}

/** Formats the result the way the module prints it: `name: ipi, total ns` per line. */
export function formatIpiBenchmark(result: IpiBenchmarkResult): string {
  return result.lines
    .map((l) => `${`${l.name}:`.padEnd(16)}${String(l.ipi).padStart(18)}, ${String(l.total).padStart(18)} ns`)
    .join('\n');
}

/** One point of {@link runTlbShootdownBenchmark}. */
export interface TlbShootdownPoint {
  /** Remote CPUs sharing the address space. */
  readonly remote: number;
  /** Initiator time per iteration (touch + `madvise(MADV_DONTNEED)`-style flush), ns. */
  readonly nsPerIteration: number;
}

/**
 * The TLB-flush microbenchmark shape (Nadav Amit, LKML 2019-05-25): the initiator on CPU 0
 * repeatedly touches a page and flushes it from an address space that `remote` other CPUs also
 * run (busy-waiting). Reports initiator ns per iteration for each `remote` count.
 */
export function runTlbShootdownBenchmark(
  makeMachine: () => Machine,
  remotes: readonly number[] = [0, 1, 3],
  iterations = 10_000,
): TlbShootdownPoint[] {
  return remotes.map((remote) => {
    const m = makeMachine();
    if (remote + 1 > m.cpuOnlineMask.weight()) {
      throw new RangeError(`runTlbShootdownBenchmark: ${remote} remote CPUs need ${remote + 1} online CPUs`);
    }
    const mm = m.tlb.mmAlloc();
    let done = false;
    for (let cpu = 1; cpu <= remote; cpu++) {
      m.sim.spawn(cpu, function* thread() {
        m.tlb.switchMm(mm);
        while (!done) yield m.sim.delay(2_000);
      });
    }
    let perIteration = 0;
    m.sim.spawn(
      0,
      function* initiator() {
        m.tlb.switchMm(mm);
        const start = m.sim.localNow();
        for (let i = 0; i < iterations; i++) {
          m.tlb.touch(0);
          yield* m.tlb.flushTlbMmRange(mm, 0, 1);
        }
        perIteration = (m.sim.localNow() - start) / iterations;
        done = true;
      },
      { at: 10_000 },
    );
    const r = m.run();
    if (r.reason !== 'idle') throw new Error(`runTlbShootdownBenchmark: ${r.reason}`);
    return { remote, nsPerIteration: Math.round(perIteration) };
  });
}

/**
 * Host-free helper: the simulated cost of one broadcast `smp_call_function_many(wait=1)` from
 * CPU 0 to every other online CPU (targets busy-waiting), averaged over `iterations`.
 */
export function broadcastCost(m: Machine, iterations = 100): number {
  let done = false;
  m.cpuOnlineMask.forEach((cpu) => {
    if (cpu !== 0) {
      m.sim.spawn(cpu, function* spin() {
        while (!done) yield m.sim.delay(5_000);
      });
    }
  });
  let result = 0;
  m.sim.spawn(0, function* broadcaster() {
    const all: Cpumask = m.cpuOnlineMask.copy();
    const start = m.sim.localNow();
    for (let i = 0; i < iterations; i++) yield* m.smp.smpCallFunctionMany(all, () => undefined, null, true);
    result = (m.sim.localNow() - start) / iterations;
    done = true;
  });
  m.run();
  return Math.round(result);
}
