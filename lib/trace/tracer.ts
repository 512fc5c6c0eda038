/**
 * The trace bus: Linux-style tracepoints (`include/trace/events/ipi.h`, `irq.h`, `csd.h`) as
 * plain records. Emitting is guarded by {@link Tracer.enabled}, so a machine with no consumer
 * pays one property read per tracepoint.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { Printk } from '../printk.js';
import { SimCpus } from '../sim/cpus.js';
import { SimEngine } from '../sim/engine.js';
import { describeValue } from '../validate.js';

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
  /**
   * Task on `cpu` when the event fired (ftrace's `comm`): the running task's name, `<idle>`, or
   * `<...>` for host-side events. Filled in by {@link Tracer.emit}.
   */
  readonly comm?: string;
  /** Its pid: 0 for idle and host-side events, else a per-machine number from 100 in order of first appearance. */
  readonly pid?: number;
  /**
   * The five ftrace latency characters (irqs-off, need-resched, hardirq, preempt-depth,
   * migrate-disable), e.g. `d.h1.`; see docs/tracing.md for how the model derives them.
   */
  readonly flags?: string;
}

/** Receives trace records. */
export type TraceSink = (record: TraceRecord) => void;

/** The per-machine trace bus. */
@injectable()
export class Tracer {
  readonly #engine: SimEngine;
  readonly #cpus: SimCpus;
  readonly #sinks: TraceSink[] = [];
  readonly #pids = new WeakMap<object, number>();
  #nextPid = 100;
  #seq = 0;
  /** True when at least one sink is attached; check it before building a record. */
  enabled = false;

  constructor(@inject(SimEngine) engine: SimEngine, @inject(SimCpus) cpus: SimCpus, @inject(Printk) printk: Printk) {
    this.#engine = engine;
    this.#cpus = cpus;
    // Warnings become `console` events (the kernel's printk:console tracepoint).
    printk.addListener((w) => {
      if (this.enabled) this.emit('console', cpus.current?.cpu ?? -1, { msg: w.message }, cpus.localNow());
    });
  }

  /** Attaches a sink; returns a function that detaches it. */
  attach(sink: TraceSink): () => void {
    if (typeof sink !== 'function') {
      throw new TypeError(`Tracer.attach: sink is ${describeValue(sink)}; expected a function (record) => void`);
    }
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
    let comm = '<...>';
    let pid = 0;
    let flags = '.....';
    if (cpu >= 0 && cpu < this.#cpus.nrCpuIds) {
      const c = this.#cpus.cpu(cpu);
      const task = c.task;
      if (task === null) {
        comm = '<idle>';
      } else {
        comm = task.name;
        pid = this.#pids.get(task) ?? this.#nextPid++;
        this.#pids.set(task, pid);
      }
      // Tracepoints in task context run under get_cpu()/a held lock, and the idle task always
      // has preemption disabled: depth 1, except in a handler that interrupted a task.
      const depth = c.hardirq > 0 && task !== null ? '.' : '1';
      flags = `${c.irqsEnabled ? '.' : 'd'}${c.needResched ? 'N' : '.'}${c.hardirq > 0 ? 'h' : '.'}${depth}.`;
    }
    const record: TraceRecord = { seq: this.#seq++, ts, cpu, name, fields, comm, pid, flags };
    for (const sink of this.#sinks) sink(record);
  }
}
