/**
 * The trace bus: Linux-style tracepoints (`include/trace/events/ipi.h`, `irq.h`, `csd.h`) as
 * plain records. Emitting is guarded by {@link Tracer.enabled}, so a machine with no consumer
 * pays one property read per tracepoint.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { SimEngine } from '../sim/engine.js';

/** A field value of a trace record. */
export type TraceValue = string | number | boolean | null;

/** One trace record. */
export interface TraceRecord {
  /** Sequence number within the machine, from 0. */
  readonly seq: number;
  /** Simulated time in ns. */
  readonly ts: number;
  /** CPU the event happened on (-1 for host-side events). */
  readonly cpu: number;
  /** Event name as in Linux (`ipi_send_cpu`, `irq_handler_entry`, …). */
  readonly name: string;
  /** Event fields, named as in the kernel's `TP_STRUCT__entry`. */
  readonly fields: Readonly<Record<string, TraceValue>>;
}

/** Receives trace records. */
export type TraceSink = (record: TraceRecord) => void;

/** The per-machine trace bus. */
@injectable()
export class Tracer {
  readonly #engine: SimEngine;
  readonly #sinks: TraceSink[] = [];
  #seq = 0;
  /** True when at least one sink is attached; check it before building a record. */
  enabled = false;

  constructor(@inject(SimEngine) engine: SimEngine) {
    this.#engine = engine;
  }

  /** Attaches a sink; returns a function that detaches it. */
  attach(sink: TraceSink): () => void {
    if (typeof sink !== 'function') throw new TypeError('Tracer.attach: sink must be a function');
    this.#sinks.push(sink);
    this.enabled = true;
    return () => {
      const i = this.#sinks.indexOf(sink);
      if (i >= 0) this.#sinks.splice(i, 1);
      this.enabled = this.#sinks.length > 0;
    };
  }

  /**
   * Emits a record at simulated time `ts` (default: now) on `cpu`.
   * Call only when {@link Tracer.enabled} is true.
   */
  emit(name: string, cpu: number, fields: Readonly<Record<string, TraceValue>>, ts = this.#engine.now): void {
    const record: TraceRecord = { seq: this.#seq++, ts, cpu, name, fields };
    for (const sink of this.#sinks) sink(record);
  }
}
