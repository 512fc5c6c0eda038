/**
 * The length of each CPU's call-single queue as seen in the trace: `csd_queue_cpu` adds one on
 * the target; a flush empties it (`llist_del_all()` at its start). A flush starts at a
 * call-function handler entry, or, outside a handler (idle exit, dying CPU), at the first
 * `csd_function_entry` of a run of csd functions. (A flush of task wake-ups alone, with no csd
 * function and no handler, is not visible in the trace; the count then stays up until the next.)
 *
 * @packageDocumentation
 */
import { classifyHandlerEntry } from './correlate.js';
import type { TraceRecord } from './tracer.js';

/** A change of one CPU's queue length. */
export interface CsdQueueChange {
  /** The CPU whose queue changed. */
  readonly cpu: number;
  /** Its new length. */
  readonly len: number;
  /** For `csd_queue_cpu`: the queue was not empty, so no IPI was owed. */
  readonly queuedBehind: boolean;
}

/** Incremental per-CPU csd queue length. Feed records of each CPU in order. */
export class CsdQueueDepth {
  readonly #depth = new Map<number, number>();
  readonly #prev = new Map<number, string>();

  /** Length of `cpu`'s queue now. */
  get(cpu: number): number {
    return this.#depth.get(cpu) ?? 0;
  }

  /**
   * Processes `record`; returns the CPU whose length changed and its new length, or null.
   * For `csd_queue_cpu`, `queuedBehind` tells whether the queue was non-empty (no IPI owed).
   */
  push(record: TraceRecord): CsdQueueChange | null {
    const prev = this.#prev.get(record.cpu);
    this.#prev.set(record.cpu, record.name);
    if (record.name === 'csd_queue_cpu') {
      const cpu = Number(record.fields.cpu);
      const len = this.get(cpu);
      this.#depth.set(cpu, len + 1);
      return { cpu, len: len + 1, queuedBehind: len > 0 };
    }
    const flush =
      classifyHandlerEntry(record)?.startsWith('call') === true ||
      (record.name === 'csd_function_entry' &&
        record.fields.csd !== null &&
        prev !== 'csd_function_exit');
    if (!flush || this.get(record.cpu) === 0) return null;
    this.#depth.set(record.cpu, 0);
    return { cpu: record.cpu, len: 0, queuedBehind: false };
  }
}
