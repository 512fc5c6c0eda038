/**
 * Helpers for the APIC and x86 tests: machines, an ICR-write log, running code on a CPU, and a
 * comparable picture of the APIC state for "bad input leaves the machine unchanged" checks.
 */
import { expect } from '@jest/globals';
import { Apic } from '../../../drivers/apic/index.js';
import { X86Arch } from '../../../arch/x86/index.js';
import { type Machine, type MachineOptions, createMachine } from '../../../lib/index.js';

/** An x86 machine (`arch: 'x86'`). */
export function x86Machine(
  nrCpus: number,
  archOptions: Record<string, unknown> = {},
  options: Partial<MachineOptions> = {},
): Machine {
  return createMachine({ arch: 'x86', nrCpus, archOptions, ...options });
}

/** One ICR write as the `apic_icr_write` trace event reports it. */
export interface IcrWrite {
  readonly cpu: number;
  readonly apicid: number;
  readonly icr: number;
  readonly dest: number;
  readonly ts: number;
}

/** Collects every ICR write of `m` from now on. */
export function icrLog(m: Machine): IcrWrite[] {
  const log: IcrWrite[] = [];
  m.tracer.attach((r) => {
    if (r.name === 'apic_icr_write') {
      log.push({
        cpu: r.cpu,
        apicid: r.fields.apicid as number,
        icr: r.fields.icr as number,
        dest: r.fields.dest as number,
        ts: r.ts,
      });
    }
  });
  return log;
}

/** One accepted message as the `apic_accept_irq` trace event reports it. */
export interface Accept {
  readonly cpu: number;
  readonly vec: number;
  readonly dm: number;
  readonly coalesced: boolean;
  readonly ts: number;
}

/** Collects every message arrival of `m` from now on. */
export function acceptLog(m: Machine): Accept[] {
  const log: Accept[] = [];
  m.tracer.attach((r) => {
    if (r.name === 'apic_accept_irq') {
      log.push({
        cpu: r.cpu,
        vec: r.fields.vec as number,
        dm: r.fields.dm as number,
        coalesced: r.fields.coalesced as boolean,
        ts: r.ts,
      });
    }
  });
  return log;
}

/**
 * Runs `fn` as task code on `cpu` (at time `at`) and runs the machine until it is idle; returns
 * what `fn` returned.
 */
export function onCpu<T>(m: Machine, cpu: number, fn: () => T, at?: number): T {
  const out: { ran: boolean; value?: T } = { ran: false };
  m.sim.spawn(
    cpu,
    function* body() {
      out.value = fn();
      out.ran = true;
      yield* [];
    },
    { at },
  );
  m.run();
  if (!out.ran) throw new Error('task did not run');
  return out.value as T;
}

/** The machine's `Apic`. */
export function apicOf(m: Machine): Apic {
  return m.get(Apic);
}

/** The machine's `X86Arch`. */
export function x86Of(m: Machine): X86Arch {
  return m.get(X86Arch);
}

/** Everything observable about `m`'s local APICs, statistics, warnings and pending events. */
export function apicState(m: Machine): unknown {
  const apic = m.get(Apic);
  const lapics = [];
  for (let cpu = 0; cpu < apic.nrApics; cpu++) {
    const l = apic.lapic(cpu);
    lapics.push({
      tpr: l.tpr,
      ldr: l.ldr,
      dfr: l.dfr,
      spiv: l.spiv,
      esr: l.esr,
      icrLow: l.icrLow,
      icrHigh: l.icrHigh,
      busyUntil: l.busyUntil,
      nmi: l.nmiPending,
      irr: [...l.irr],
      isr: [...l.isr],
      counts: [l.received, l.coalesced, l.icrWrites, l.initCount, l.sipiVector],
    });
  }
  return {
    lapics,
    stats: m.irqStats.rows().map((r) => [r.label, [...r.counts]]),
    warnings: m.warnings.length,
    pendingEvents: m.engine.pending,
    online: m.cpuOnlineMask.toString(),
    allocated: m.irq.descs.allocatedCount,
  };
}

/** Asserts that `call` throws `type` matching `message` and leaves {@link apicState} unchanged. */
export function expectRejected(
  m: Machine,
  call: () => unknown,
  type: typeof TypeError | typeof RangeError | typeof Error,
  message: RegExp,
): void {
  const before = apicState(m);
  expect(call).toThrow(type);
  expect(call).toThrow(message);
  expect(apicState(m)).toEqual(before);
}

/** A vector with a counting handler: `counts[cpu]` runs and the `times` of each run. */
export interface VectorProbe {
  readonly virq: number;
  readonly counts: number[];
  readonly order: { cpu: number; vector: number; ts: number }[];
}

/**
 * Gives `vector` an IPI virq on the APIC domain (over all CPUs) with `handle_percpu_irq` and a
 * handler that records each run; `order` may be shared between probes to see the order of runs.
 */
export function probeVector(
  m: Machine,
  vector: number,
  order: { cpu: number; vector: number; ts: number }[] = [],
): VectorProbe {
  const apic = m.get(Apic);
  const virq = apic.reserveIpiVector(vector, m.cpuPossibleMask);
  expect(virq).toBeGreaterThan(0);
  m.irq.irqSetChipAndHandlerName(virq, apic.ipiDomain.chip, m.irq.flow.handlePercpuIrq, 'percpu');
  const counts = Array.from({ length: m.nrCpuIds }, () => 0);
  m.irq.requestIrq(
    virq,
    () => {
      const cpu = m.sim.smpProcessorId();
      counts[cpu]++;
      order.push({ cpu, vector, ts: m.sim.localNow() });
      return 1;
    },
    0,
    `probe-${vector.toString(16)}`,
    null,
  );
  return { virq, counts, order };
}

/** CPUs whose count is non-zero. */
export function hit(counts: readonly number[]): number[] {
  return counts.flatMap((n, cpu) => (n > 0 ? [cpu] : []));
}
