/** A hand-made trace record for exporter and analysis tests. */
import type { TraceRecord } from '../../lib/index.js';

/** The record `{ seq, ts, cpu, name, fields }`. */
export function traceRecord(
  seq: number,
  ts: number,
  cpu: number,
  name: string,
  fields: TraceRecord['fields'],
): TraceRecord {
  return { seq, ts, cpu, name, fields };
}
