/**
 * A compact JSON event log for programs: the trace records as arrays, in emission order, with a
 * column list and the run's metadata.
 *
 * ```json
 * {"format":"genipi-events","version":1,"meta":{"arch":"x86","cpus":8},
 *  "columns":["seq","ts","cpu","name","fields"],
 *  "events":[
 *   [0,1000,0,"csd_queue_cpu",{"cpu":1,"callsite":"smp_call_function_many_cond","func":"f","csd":1}],
 *   …]}
 * ```
 * `ts` is in ns; `cpu` is -1 for host-side events; `fields` are named as in the kernel's
 * `TP_STRUCT__entry`.
 *
 * @packageDocumentation
 */
import { sortBySeq } from './buffer.js';
import type { TraceRecord, TraceValue } from './tracer.js';

/** One event of the log: `[seq, ts, cpu, name, fields]`. */
export type EventLogEntry = readonly [
  number,
  number,
  number,
  string,
  Readonly<Record<string, TraceValue>>,
];

/** The event log. */
export interface EventLog {
  /** Always `genipi-events`. */
  readonly format: 'genipi-events';
  /** Format version: 1. */
  readonly version: 1;
  /** The run's settings (scenario, arch, CPUs, seed, …). */
  readonly meta: Readonly<Record<string, string | number | boolean>>;
  /** What each event array holds. */
  readonly columns: readonly ['seq', 'ts', 'cpu', 'name', 'fields'];
  /** The events in emission order. */
  readonly events: readonly EventLogEntry[];
}

/** Builds the event log of `records` (sorted by `seq`). */
export function toEventLog(
  records: readonly TraceRecord[],
  meta: Readonly<Record<string, string | number | boolean>> = {},
): EventLog {
  return {
    format: 'genipi-events',
    version: 1,
    meta,
    columns: ['seq', 'ts', 'cpu', 'name', 'fields'],
    events: sortBySeq(records).map((r) => [r.seq, r.ts, r.cpu, r.name, r.fields] as const),
  };
}

/** Serializes the log: valid JSON, one event per line, byte-identical for identical logs. */
export function serializeEventLog(log: EventLog): string {
  const head = `{"format":${JSON.stringify(log.format)},"version":${log.version},"meta":${JSON.stringify(log.meta)},"columns":${JSON.stringify(log.columns)},\n"events":[`;
  return `${head}\n${log.events.map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`;
}
