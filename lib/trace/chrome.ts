/**
 * Chrome Trace Event JSON (the object form), for Perfetto UI (ui.perfetto.dev) and
 * chrome://tracing.
 *
 * Layout: one process for the machine, one thread track per CPU (`tid` = CPU + 1, because some
 * viewers mishandle tid 0), named `CPU<n>` and sorted by CPU number.
 * - Handlers are complete (`X`) slices from entry/exit pairs: `irq_handler_entry/exit` (named by
 *   the action), x86 vector events (`RESCHEDULE`, `CALL_FUNCTION`, …), `ipi_entry/exit` (named
 *   by the reason) and `csd_function_entry/exit` (named by the function), nested as they ran.
 * - Each send (`ipi_send_cpu`, `ipi_send_cpumask`, `ipi_raise` at one instant on one CPU) is a
 *   short slice on the sender (up to `sendSliceNs`, shortened to fit before the next slice, or
 *   placed just before the instant when another slice starts at it), and a flow arrow (`s` →
 *   `f` with `bp: "e"`) goes from it to each handler slice it caused, paired by
 *   {@link correlateIpis}. Handler slices of zero length are widened the same way so that they
 *   show and a flow can end inside them. Flows that cannot be placed are counted in
 *   `otherData.flowsSkipped`.
 * - Counters per CPU: `CPU<n> csd queue` (entries on its call-single queue) and
 *   `CPU<n> IPIs pending` (sent, not yet handled).
 * - Other events (`csd_queue_cpu`, `sched_wake_idle_without_ipi`, warnings as `console`, …) are
 *   thread-scoped instants.
 *
 * Times are µs (`ts` = ns / 1000). Output is a pure function of the records and options.
 *
 * @packageDocumentation
 */
import { sortBySeq, sortByTime } from './buffer.js';
import { classifyHandlerEntry, classifySend, correlateIpis } from './correlate.js';
import { CsdQueueDepth } from './csdqueue.js';
import type { TraceRecord, TraceValue } from './tracer.js';

/** One Chrome trace event. Keys appear in this order in the serialized file. */
export interface ChromeTraceEvent {
  /** Slice, flow, counter or metadata name. */
  readonly name: string;
  /** Category (`ipi`, `irq`, `csd`, `event`, `warning`). */
  readonly cat?: string;
  /** Phase: `X` complete slice, `i` instant, `C` counter, `M` metadata, `s`/`f` flow start/end. */
  readonly ph: 'X' | 'B' | 'E' | 'i' | 'C' | 'M' | 's' | 't' | 'f';
  /** Microseconds. Absent on metadata events. */
  readonly ts?: number;
  /** Duration of an `X` slice, µs. */
  readonly dur?: number;
  /** Process: 1, the machine. */
  readonly pid: number;
  /** Thread: CPU + 1 (the host track is `nrCpus + 1`). */
  readonly tid?: number;
  /** Flow id shared by an `s` and its `f`. */
  readonly id?: number;
  /** `e`: the flow end binds to the enclosing slice. */
  readonly bp?: 'e';
  /** Instant scope: `t` (thread). */
  readonly s?: 'g' | 'p' | 't';
  /** Event arguments (the trace record's fields). */
  readonly args?: Readonly<Record<string, unknown>>;
}

/** A Chrome trace in the object form. */
export interface ChromeTrace {
  /** Metadata first, then events in time order. */
  readonly traceEvents: readonly ChromeTraceEvent[];
  /** How viewers show times. */
  readonly displayTimeUnit: 'ns';
  /** `generator`, the caller's entries, `records`, `flows` and `flowsSkipped`. */
  readonly otherData: Readonly<Record<string, unknown>>;
}

/** Options of {@link toChromeTrace}. */
export interface ChromeTraceOptions {
  /** CPUs of the machine: every one gets a track. */
  readonly nrCpus: number;
  /** Name of the process track; default `genipi`. */
  readonly processName?: string;
  /** Extra `otherData` entries (scenario, seed, …), in the order given. */
  readonly otherData?: Readonly<Record<string, string | number | boolean>>;
  /** Length of a send slice in ns, shortened to fit before the sender's next slice; default 20. */
  readonly sendSliceNs?: number;
}

const PID = 1;

interface Slice {
  readonly cpu: number;
  readonly start: number;
  end: number;
  readonly name: string;
  readonly cat: string;
  readonly args: Record<string, unknown>;
  unfinished: boolean;
}

interface SendGroup {
  readonly cpu: number;
  readonly ts: number;
  readonly records: TraceRecord[];
  /** Start of its slice: `ts`, or just before it when another slice starts at `ts`. */
  start: number;
  /** Slice length, or 0 when no slice fits (then no flow starts here). */
  dur: number;
}

const VECTOR_ENTRY =
  /^(reschedule|call_function|call_function_single|irq_work|local_timer|x86_platform_ipi|thermal_apic|threshold_apic|deferred_error_apic|spurious_apic|error_apic)_(entry|exit)$/;

/** `{ base, key, phase }` of an entry/exit record, or null. */
function pairOf(r: TraceRecord): { base: string; key: string; entry: boolean } | null {
  const m = /^(.*)_(entry|exit)$/.exec(r.name);
  if (m === null) return null;
  const base = m[1];
  const entry = m[2] === 'entry';
  switch (base) {
    case 'irq_handler':
      return { base, key: String(r.fields.irq), entry };
    case 'csd_function':
      return { base, key: String(r.fields.func), entry };
    case 'ipi':
      return { base, key: String(r.fields.reason), entry };
    default:
      return { base, key: '', entry };
  }
}

function sliceOf(r: TraceRecord, base: string): { name: string; cat: string } {
  const f = r.fields;
  if (base === 'irq_handler') return { name: String(f.name), cat: 'irq' };
  if (base === 'csd_function') return { name: String(f.func), cat: 'csd' };
  if (base === 'ipi') return { name: String(f.reason), cat: 'ipi' };
  if (VECTOR_ENTRY.test(r.name)) return { name: base.toUpperCase(), cat: 'ipi' };
  return { name: base, cat: 'event' };
}

function tidOf(cpu: number, nrCpus: number): number {
  return cpu >= 0 && cpu < nrCpus ? cpu + 1 : nrCpus + 1;
}

function us(ns: number): number {
  return ns / 1000;
}

/** Builds the Chrome trace of `records`. */
export function toChromeTrace(
  records: readonly TraceRecord[],
  options: ChromeTraceOptions,
): ChromeTrace {
  const { nrCpus } = options;
  const sendSliceNs = options.sendSliceNs ?? 20;
  const bySeq = sortBySeq(records);
  const lastTs = records.reduce((m, r) => Math.max(m, r.ts), 0);

  // Slices from entry/exit pairs, per CPU stack; sends grouped per (CPU, instant).
  const slices: Slice[] = [];
  const handlerSlice = new Map<TraceRecord, Slice>();
  const stacks = new Map<number, { base: string; key: string; slice: Slice }[]>();
  const groups: SendGroup[] = [];
  const groupOf = new Map<TraceRecord, SendGroup>();
  const lastGroup = new Map<number, SendGroup>();
  const instants: TraceRecord[] = [];
  for (const r of bySeq) {
    if (classifySend(r) !== null) {
      let g = lastGroup.get(r.cpu);
      if (g?.ts !== r.ts) {
        g = { cpu: r.cpu, ts: r.ts, records: [], start: r.ts, dur: 0 };
        groups.push(g);
        lastGroup.set(r.cpu, g);
      }
      g.records.push(r);
      groupOf.set(r, g);
      continue;
    }
    const p = pairOf(r);
    if (p === null) {
      instants.push(r);
      continue;
    }
    let stack = stacks.get(r.cpu);
    if (stack === undefined) {
      stack = [];
      stacks.set(r.cpu, stack);
    }
    if (p.entry) {
      const { name, cat } = sliceOf(r, p.base);
      const slice: Slice = {
        cpu: r.cpu,
        start: r.ts,
        end: r.ts,
        name,
        cat,
        args: { ...r.fields },
        unfinished: false,
      };
      slices.push(slice);
      stack.push({ base: p.base, key: p.key, slice });
      if (classifyHandlerEntry(r) !== null) handlerSlice.set(r, slice);
      continue;
    }
    let at = stack.length - 1;
    while (at >= 0 && !(stack[at].base === p.base && stack[at].key === p.key)) at--;
    if (at < 0) continue; // an exit whose entry is not in the buffer
    // Close what was opened inside it too, so slices nest strictly.
    while (stack.length > at) {
      const e = stack.pop() as { slice: Slice };
      e.slice.end = Math.max(e.slice.start, r.ts);
      if (stack.length === at) Object.assign(e.slice.args, r.fields);
    }
  }
  for (const stack of stacks.values()) {
    for (const e of stack) {
      e.slice.end = Math.max(e.slice.start, lastTs);
      e.slice.unfinished = true;
    }
  }

  // Fit each send slice before the next slice boundary on its CPU.
  const boundaries = new Map<number, number[]>();
  const starts = new Map<number, Set<number>>();
  const addBoundary = (cpu: number, ts: number): void => {
    let b = boundaries.get(cpu);
    if (b === undefined) {
      b = [];
      boundaries.set(cpu, b);
    }
    b.push(ts);
  };
  for (const s of slices) {
    addBoundary(s.cpu, s.start);
    addBoundary(s.cpu, s.end);
    let set = starts.get(s.cpu);
    if (set === undefined) {
      set = new Set();
      starts.set(s.cpu, set);
    }
    set.add(s.start);
  }
  for (const g of groups) addBoundary(g.cpu, g.ts);
  for (const b of boundaries.values()) b.sort((x, y) => x - y);
  /** Index of the first boundary on `cpu` greater than `ts`. */
  const after = (cpu: number, ts: number): number => {
    const b = boundaries.get(cpu) as number[];
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b[mid] <= ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const nextBoundary = (cpu: number, ts: number): number => {
    const b = boundaries.get(cpu) as number[];
    const i = after(cpu, ts);
    return i < b.length ? b[i] : Infinity;
  };
  // A handler that charged no time has a zero-length slice: widen it to fit (up to the send
  // slice length) so that it shows and a flow can end inside it.
  for (const sl of slices) {
    if (sl.end - sl.start < 2) {
      sl.end = Math.max(sl.end, Math.min(sl.start + sendSliceNs, nextBoundary(sl.cpu, sl.start)));
      addBoundary(sl.cpu, sl.end);
    }
  }
  for (const b of boundaries.values()) b.sort((x, y) => x - y);
  // A send slice goes right after the send, or, when a slice starts at that very instant (a
  // local call right after the IPI went out), right before it.
  for (const g of groups) {
    if (starts.get(g.cpu)?.has(g.ts) !== true) {
      const dur = Math.min(sendSliceNs, nextBoundary(g.cpu, g.ts) - g.ts);
      g.dur = dur >= 2 ? dur : 0;
      continue;
    }
    const b = boundaries.get(g.cpu) as number[];
    let i = after(g.cpu, g.ts) - 1;
    while (i >= 0 && b[i] >= g.ts) i--;
    const start = Math.max(0, g.ts - sendSliceNs, i >= 0 ? b[i] : 0);
    if (g.ts - start >= 2) {
      g.start = start;
      g.dur = g.ts - start;
    }
  }

  const events: { ev: ChromeTraceEvent; ns: number; rank: number; order: number }[] = [];
  let order = 0;
  const add = (ev: ChromeTraceEvent, ns: number, rank: number): void => {
    events.push({ ev, ns, rank, order: order++ });
  };

  for (const s of slices) {
    const args = s.unfinished ? { ...s.args, unfinished: true } : s.args;
    add(
      {
        name: s.name,
        cat: s.cat,
        ph: 'X',
        ts: us(s.start),
        dur: us(s.end - s.start),
        pid: PID,
        tid: tidOf(s.cpu, nrCpus),
        args,
      },
      s.start,
      -(s.end - s.start),
    );
  }
  for (const g of groups) {
    if (g.dur === 0) continue;
    const args: Record<string, Readonly<Record<string, TraceValue>>> = {};
    for (const r of g.records) args[r.name] = r.fields;
    add(
      {
        name: g.records[0].name,
        cat: 'ipi',
        ph: 'X',
        ts: us(g.start),
        dur: us(g.dur),
        pid: PID,
        tid: tidOf(g.cpu, nrCpus),
        args,
      },
      g.start,
      -g.dur,
    );
  }

  // Flows, and the pending-IPI counter from the same links.
  const links = correlateIpis(records);
  let flowId = 0;
  let flowsSkipped = 0;
  const pendingDeltas: { cpu: number; ns: number; d: number; order: number }[] = [];
  for (const link of links) {
    pendingDeltas.push({
      cpu: link.send.target,
      ns: link.send.record.ts,
      d: 1,
      order: pendingDeltas.length,
    });
    if (link.entry === null) continue;
    pendingDeltas.push({
      cpu: link.send.target,
      ns: Math.max(link.entry.ts, link.send.record.ts),
      d: -1,
      order: pendingDeltas.length,
    });
    const g = groupOf.get(link.send.record) as SendGroup;
    const h = handlerSlice.get(link.entry);
    if (g.dur === 0 || h === undefined || h.end - h.start < 2) {
      flowsSkipped++;
      continue;
    }
    const id = ++flowId;
    const name = link.send.kind;
    add(
      { name, cat: 'ipi', ph: 's', ts: us(g.start + 1), pid: PID, tid: tidOf(g.cpu, nrCpus), id },
      g.start + 1,
      1,
    );
    add(
      {
        name,
        cat: 'ipi',
        ph: 'f',
        ts: us(h.start + 1),
        pid: PID,
        tid: tidOf(h.cpu, nrCpus),
        id,
        bp: 'e',
      },
      h.start + 1,
      1,
    );
  }
  pendingDeltas.sort((a, b) => a.ns - b.ns || a.order - b.order);
  const pending = new Map<number, number>();
  for (const d of pendingDeltas) {
    const n = (pending.get(d.cpu) ?? 0) + d.d;
    pending.set(d.cpu, n);
    add(
      { name: `CPU${d.cpu} IPIs pending`, ph: 'C', ts: us(d.ns), pid: PID, args: { n } },
      d.ns,
      3,
    );
  }

  // The csd queue counter (see CsdQueueDepth), in time order.
  const depth = new CsdQueueDepth();
  for (const r of sortByTime(records)) {
    const change = depth.push(r);
    if (change !== null) {
      add(
        {
          name: `CPU${change.cpu} csd queue`,
          ph: 'C',
          ts: us(r.ts),
          pid: PID,
          args: { len: change.len },
        },
        r.ts,
        3,
      );
    }
  }

  for (const r of instants) {
    const name = r.name === 'console' ? String(r.fields.msg) : r.name;
    add(
      {
        name,
        cat: r.name === 'console' ? 'warning' : 'event',
        ph: 'i',
        ts: us(r.ts),
        pid: PID,
        tid: tidOf(r.cpu, nrCpus),
        s: 't',
        args: r.fields,
      },
      r.ts,
      2,
    );
  }

  events.sort((a, b) => a.ns - b.ns || a.rank - b.rank || a.order - b.order);

  const meta: ChromeTraceEvent[] = [
    { name: 'process_name', ph: 'M', pid: PID, args: { name: options.processName ?? 'genipi' } },
  ];
  for (let cpu = 0; cpu < nrCpus; cpu++) {
    meta.push({
      name: 'thread_name',
      ph: 'M',
      pid: PID,
      tid: cpu + 1,
      args: { name: `CPU${cpu}` },
    });
    meta.push({
      name: 'thread_sort_index',
      ph: 'M',
      pid: PID,
      tid: cpu + 1,
      args: { sort_index: cpu },
    });
  }
  if (records.some((r) => r.cpu < 0 || r.cpu >= nrCpus)) {
    meta.push({ name: 'thread_name', ph: 'M', pid: PID, tid: nrCpus + 1, args: { name: 'host' } });
  }
  return {
    traceEvents: [...meta, ...events.map((e) => e.ev)],
    displayTimeUnit: 'ns',
    otherData: {
      generator: 'genipi',
      ...options.otherData,
      records: records.length,
      flows: flowId,
      flowsSkipped,
    },
  };
}

/**
 * Serializes a Chrome trace: valid JSON with one event per line, so that files diff well and
 * the same trace always gives the same bytes.
 */
export function serializeChromeTrace(trace: ChromeTrace): string {
  const lines = trace.traceEvents.map((e) => JSON.stringify(e));
  return `{"traceEvents":[\n${lines.join(',\n')}\n],\n"displayTimeUnit":${JSON.stringify(trace.displayTimeUnit)},\n"otherData":${JSON.stringify(trace.otherData)}}\n`;
}
