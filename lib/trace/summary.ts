/**
 * Run statistics from the trace: IPIs sent, delivered and coalesced per kind, send-to-handler
 * latency percentiles per kind, cross-call counts, wake-ups that needed no IPI, and warnings.
 *
 * {@link TraceStats} is incremental (attach its sink to a machine's tracer and keep no records);
 * {@link summarizeTrace} is the same as a pure function of a record list.
 *
 * @packageDocumentation
 */
import { IpiCorrelator, type IpiLink, type IpiSend } from './correlate.js';
import { CsdQueueDepth } from './csdqueue.js';
import type { TraceRecord, TraceSink } from './tracer.js';

/** Latency distribution in ns (nearest-rank percentiles). */
export interface LatencyStats {
  /** Samples. */
  readonly count: number;
  /** Smallest. */
  readonly min: number;
  /** Median. */
  readonly p50: number;
  /** 90th percentile. */
  readonly p90: number;
  /** 99th percentile. */
  readonly p99: number;
  /** Largest. */
  readonly max: number;
  /** Mean, rounded to ns. */
  readonly mean: number;
}

/** Runs of one cross-call function. */
export interface FunctionCalls {
  /** Function name (`csd_function_entry` `func`). */
  readonly func: string;
  /** Times it ran. */
  readonly calls: number;
}

/** IPI counts of one kind. */
export interface IpiKindSummary {
  /** `reschedule`, `call-function-single`, `call-function` (counted per target), or a reason. */
  readonly kind: string;
  /** Sends, one per target CPU. */
  readonly sent: number;
  /** Sends whose interrupt was taken by a handler (the first of those it served). */
  readonly delivered: number;
  /** Sends merged into an interrupt already pending for the same class on the target. */
  readonly coalesced: number;
  /** Sends no handler had served when the trace ended. */
  readonly pending: number;
  /** Send-to-handler-entry latency of the served sends, or null if none. */
  readonly latency: LatencyStats | null;
}

/** Cross-call (kernel/smp.c) counts. */
export interface CrossCallSummary {
  /** csds queued on another CPU (`csd_queue_cpu`). */
  readonly queued: number;
  /** …of which joined a non-empty queue and so relied on an IPI already owed. */
  readonly queuedBehind: number;
  /** Functions run from a queue (remote or flushed). */
  readonly remoteRuns: number;
  /** Functions run locally by the caller. */
  readonly localRuns: number;
  /** Runs per function name, most first (ties by name). */
  readonly byFunction: readonly FunctionCalls[];
}

/** Everything {@link summarizeTrace} reports. */
export interface TraceSummary {
  /** Records seen. */
  readonly records: number;
  /** Time of the last record, ns. */
  readonly lastTs: number;
  /** Per kind, in the order reschedule, call-function-single, call-function, then by name. */
  readonly kinds: readonly IpiKindSummary[];
  /** Cross-call counts. */
  readonly crossCalls: CrossCallSummary;
  /** `sched_wake_idle_without_ipi`: wake-ups of polling-idle CPUs that needed no IPI. */
  readonly wakeupsWithoutIpi: number;
  /** Warning lines (`console` events), oldest first. */
  readonly warnings: readonly string[];
}

/** Nearest-rank percentiles of `values` (sorted in place). */
export function latencyStats(values: number[]): LatencyStats | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const n = values.length;
  const rank = (p: number): number => values[Math.max(0, Math.ceil((p / 100) * n) - 1)];
  let sum = 0;
  for (const v of values) sum += v;
  return {
    count: n,
    min: values[0],
    p50: rank(50),
    p90: rank(90),
    p99: rank(99),
    max: values[n - 1],
    mean: Math.round(sum / n),
  };
}

const KIND_ORDER = ['reschedule', 'call-function-single', 'call-function'];

interface KindCounters {
  sent: number;
  delivered: number;
  coalesced: number;
  latencies: number[];
}

/** Incremental statistics over records fed in emission order. */
export class TraceStats {
  readonly #kinds = new Map<string, KindCounters>();
  readonly #correlator: IpiCorrelator;
  readonly #queue = new CsdQueueDepth();
  readonly #byFunction = new Map<string, number>();
  readonly #warnings: string[] = [];
  #records = 0;
  #lastTs = 0;
  #queued = 0;
  #queuedBehind = 0;
  #remoteRuns = 0;
  #localRuns = 0;
  #wakeups = 0;

  constructor() {
    this.#correlator = new IpiCorrelator(
      (s) => {
        this.#kind(s).sent++;
      },
      (l) => {
        this.#link(l);
      },
    );
  }

  /** The sink to attach to a tracer. */
  readonly sink: TraceSink = (record) => {
    this.push(record);
  };

  #kind(s: IpiSend): KindCounters {
    let k = this.#kinds.get(s.kind);
    if (k === undefined) {
      k = { sent: 0, delivered: 0, coalesced: 0, latencies: [] };
      this.#kinds.set(s.kind, k);
    }
    return k;
  }

  #link(l: IpiLink): void {
    const k = this.#kind(l.send);
    if (l.coalesced) k.coalesced++;
    else k.delivered++;
    if (l.entry !== null) k.latencies.push(l.entry.ts - l.send.record.ts);
  }

  /** Processes one record. */
  push(record: TraceRecord): void {
    this.#records++;
    if (record.ts > this.#lastTs) this.#lastTs = record.ts;
    this.#correlator.push(record);
    const q = this.#queue.push(record);
    switch (record.name) {
      case 'csd_queue_cpu':
        this.#queued++;
        if (q?.queuedBehind === true) this.#queuedBehind++;
        break;
      case 'csd_function_entry': {
        if (record.fields.csd === null) this.#localRuns++;
        else this.#remoteRuns++;
        const func = String(record.fields.func);
        this.#byFunction.set(func, (this.#byFunction.get(func) ?? 0) + 1);
        break;
      }
      case 'sched_wake_idle_without_ipi':
        this.#wakeups++;
        break;
      case 'console':
        this.#warnings.push(String(record.fields.msg));
        break;
      default:
        break;
    }
  }

  /** The statistics so far. */
  summary(): TraceSummary {
    const pendingByKind = new Map<string, number>();
    for (const s of this.#correlator.pendingSends())
      pendingByKind.set(s.kind, (pendingByKind.get(s.kind) ?? 0) + 1);
    const names = [...this.#kinds.keys()].sort((a, b) => {
      const ia = KIND_ORDER.indexOf(a);
      const ib = KIND_ORDER.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
      return a < b ? -1 : a > b ? 1 : 0;
    });
    const kinds = names.map((kind) => {
      const k = this.#kinds.get(kind) as KindCounters;
      return {
        kind,
        sent: k.sent,
        delivered: k.delivered,
        coalesced: k.coalesced,
        pending: pendingByKind.get(kind) ?? 0,
        latency: latencyStats([...k.latencies]),
      };
    });
    const byFunction = [...this.#byFunction.entries()]
      .map(([func, calls]) => ({ func, calls }))
      .sort((a, b) => b.calls - a.calls || (a.func < b.func ? -1 : a.func > b.func ? 1 : 0));
    return {
      records: this.#records,
      lastTs: this.#lastTs,
      kinds,
      crossCalls: {
        queued: this.#queued,
        queuedBehind: this.#queuedBehind,
        remoteRuns: this.#remoteRuns,
        localRuns: this.#localRuns,
        byFunction,
      },
      wakeupsWithoutIpi: this.#wakeups,
      warnings: [...this.#warnings],
    };
  }
}

/** {@link TraceStats} over `records` (sorted by `seq` first). */
export function summarizeTrace(records: readonly TraceRecord[]): TraceSummary {
  const stats = new TraceStats();
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) stats.push(r);
  return stats.summary();
}
