/**
 * Which send caused which handler: pairs IPI send tracepoints (`ipi_send_cpu`,
 * `ipi_send_cpumask`, `ipi_raise`) with the handler entries they caused on each target
 * (`irq_handler_entry` of an IPI action, x86 `reschedule_entry` / `call_function_entry` /
 * `call_function_single_entry`, arm64 `ipi_entry`).
 *
 * The rule is deterministic and needs nothing but the records: **a send to CPU `t` of class `k`
 * is served by the next handler entry of a matching class on `t`, in emission order.** In a
 * discrete-event simulation emission order is causal order (a handler runs in a later event
 * than the send that raised it), so the rule holds however the CPUs' local clocks interleave.
 * When several sends are pending when the handler starts, the first counts as delivered and
 * the others as coalesced (the interrupt controller merged them: one pending bit per vector).
 *
 * Classes: `resched` (reschedule), `call-single` (`CALL_FUNCTION_SINGLE`), `call-many`
 * (`CALL_FUNCTION`), `call` (a call-function interrupt that serves both, as on arm64, MIPS and
 * the test arch), or an arm64 `ipi_raise` reason string for the other IPI types.
 *
 * @packageDocumentation
 */
import { parseHexMask } from './buffer.js';
import type { TraceRecord } from './tracer.js';

/** Callback of cross-call IPIs in `ipi_send_cpu` / `ipi_send_cpumask`. */
const CALL_CALLBACK = 'generic_smp_call_function_single_interrupt';

/** One send to one target. */
export interface IpiSend {
  /** The send record (several sends share it for a mask). */
  readonly record: TraceRecord;
  /** Sending CPU (-1 for host-side sends). */
  readonly cpu: number;
  /** Target CPU. */
  readonly target: number;
  /** Matching class (see the module description). */
  readonly cls: string;
  /** Kind for reports: `reschedule`, `call-function-single`, `call-function`, or a reason. */
  readonly kind: string;
}

/** A send and the handler entry that served it. */
export interface IpiLink {
  /** The send. */
  readonly send: IpiSend;
  /** The handler entry record on the target, or null if none followed (still pending). */
  readonly entry: TraceRecord | null;
  /** True if an earlier pending send of the same class was served by the same entry. */
  readonly coalesced: boolean;
}

/** What a send record means. */
export interface SendClass {
  /** Target CPUs, ascending. */
  readonly targets: number[];
  /** Matching class (see the module description). */
  readonly cls: string;
  /** Kind for reports. */
  readonly kind: string;
}

/** What a send record means: targets, class and kind; null for records that are not sends. */
export function classifySend(record: TraceRecord): SendClass | null {
  const f = record.fields;
  switch (record.name) {
    case 'ipi_send_cpu': {
      const target = Number(f.cpu);
      if (f.callback === null || !('callback' in f))
        return { targets: [target], cls: 'resched', kind: 'reschedule' };
      if (f.callback === CALL_CALLBACK)
        return { targets: [target], cls: 'call-single', kind: 'call-function-single' };
      return { targets: [target], cls: String(f.callback), kind: String(f.callback) };
    }
    case 'ipi_send_cpumask': {
      const targets = parseHexMask(String(f.cpumask));
      if (f.callback === CALL_CALLBACK || f.callback === null || !('callback' in f)) {
        return { targets, cls: 'call-many', kind: 'call-function' };
      }
      return { targets, cls: String(f.callback), kind: String(f.callback) };
    }
    case 'ipi_raise': {
      const reason = String(f.reason);
      return {
        targets: parseHexMask(String(f.target_cpus ?? f.target_mask)),
        ...reasonClass(reason),
      };
    }
    default:
      return null;
  }
}

function reasonClass(reason: string): { cls: string; kind: string } {
  if (/resched/i.test(reason)) return { cls: 'resched', kind: 'reschedule' };
  if (/function call/i.test(reason)) return { cls: 'call', kind: 'call-function' };
  return { cls: reason, kind: reason };
}

/** The class of an IPI handler entry record, or null if the record is not one. */
export function classifyHandlerEntry(record: TraceRecord): string | null {
  switch (record.name) {
    case 'reschedule_entry':
      return 'resched';
    case 'call_function_single_entry':
      return 'call-single';
    case 'call_function_entry':
      return 'call-many';
    case 'ipi_entry':
      return reasonClass(String(record.fields.reason)).cls;
    case 'irq_handler_entry': {
      // Action names: "IPI resched" / "IPI call" (MIPS, test arch), sysvec_* (x86 model).
      const name = String(record.fields.name);
      if (/resched/i.test(name)) return 'resched';
      if (/call_function_single/i.test(name)) return 'call-single';
      if (/call_function/i.test(name)) return 'call-many';
      if (/call/i.test(name)) return 'call';
      // A muxed or per-type IPI whose action name does not say which ("IPI" on RISC-V,
      // "SMP-IPI" on the MIPS mailbox): it serves whatever is pending.
      if (/ipi/i.test(name)) return 'any';
      return null;
    }
    default:
      return null;
  }
}

/** Send classes a handler entry of class `cls` serves (`any`: all). */
function servedClasses(cls: string): readonly string[] | 'all' {
  switch (cls) {
    case 'any':
      return 'all';
    case 'call':
      return ['call', 'call-single', 'call-many'];
    case 'call-single':
      return ['call-single', 'call'];
    case 'call-many':
      return ['call-many', 'call'];
    default:
      return [cls];
  }
}

/** Whether sends of classes `a` and `b` can be the same IPI (one served by the other's handler). */
function compatible(a: string, b: string): boolean {
  const sa = servedClasses(a);
  const sb = servedClasses(b);
  return sa === 'all' || sb === 'all' || sa.includes(b) || sb.includes(a);
}

/**
 * Incremental send→handler matcher. Feed it records in emission order ({@link TraceRecord.seq});
 * it reports each link as the handler entry arrives.
 */
export class IpiCorrelator {
  /** Pending sends per target CPU, oldest first. */
  readonly #pending = new Map<number, IpiSend[]>();
  /** Last send group per sender CPU, to fold arm64's `ipi_raise` into the `ipi_send_*` before it. */
  readonly #lastGroup = new Map<number, { ts: number; cls: string; targets: Set<number> }>();
  /** Sends seen so far. */
  sends = 0;

  /**
   * @param onSend - called for every send (after folding duplicates).
   * @param onLink - called for every send when a handler entry serves it.
   */
  constructor(
    readonly onSend: (send: IpiSend) => void = () => undefined,
    readonly onLink: (link: IpiLink) => void = () => undefined,
  ) {}

  /** Processes one record. Returns the handler class if the record is an IPI handler entry. */
  push(record: TraceRecord): string | null {
    const send = classifySend(record);
    if (send !== null) {
      this.#send(record, send);
      return null;
    }
    const cls = classifyHandlerEntry(record);
    if (cls === null) return null;
    const list = this.#pending.get(record.cpu);
    if (list === undefined || list.length === 0) return cls;
    const served = servedClasses(cls);
    const keep: IpiSend[] = [];
    let first = true;
    for (const s of list) {
      if (served === 'all' || served.includes(s.cls)) {
        this.onLink({ send: s, entry: record, coalesced: !first });
        first = false;
      } else {
        keep.push(s);
      }
    }
    this.#pending.set(record.cpu, keep);
    return cls;
  }

  #send(record: TraceRecord, send: SendClass): void {
    const last = this.#lastGroup.get(record.cpu);
    const targets = send.targets;
    if (
      last?.ts === record.ts &&
      compatible(last.cls, send.cls) &&
      targets.every((t) => last.targets.has(t))
    ) {
      return; // the arch's ipi_raise for the send smp.c just traced
    }
    this.#lastGroup.set(record.cpu, { ts: record.ts, cls: send.cls, targets: new Set(targets) });
    for (const target of targets) {
      const s: IpiSend = { record, cpu: record.cpu, target, cls: send.cls, kind: send.kind };
      this.sends++;
      let list = this.#pending.get(target);
      if (list === undefined) {
        list = [];
        this.#pending.set(target, list);
      }
      list.push(s);
      this.onSend(s);
    }
  }

  /** Sends no handler entry has served yet, by target CPU then age. */
  pendingSends(): IpiSend[] {
    return [...this.#pending.keys()]
      .sort((a, b) => a - b)
      .flatMap((cpu) => this.#pending.get(cpu) ?? []);
  }

  /** Number of sends pending on `cpu`. */
  pendingOn(cpu: number): number {
    return this.#pending.get(cpu)?.length ?? 0;
  }
}

/**
 * Pairs every send in `records` with the handler entry that served it (see the module
 * description for the rule). Links come in emission order of their handler entries, then the
 * unserved sends with `entry: null`.
 */
export function correlateIpis(records: readonly TraceRecord[]): IpiLink[] {
  const links: IpiLink[] = [];
  const c = new IpiCorrelator(undefined, (l) => links.push(l));
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) c.push(r);
  for (const s of c.pendingSends()) links.push({ send: s, entry: null, coalesced: false });
  return links;
}
