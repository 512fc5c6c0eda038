/**
 * The `TP_printk` formats of the traced events, as the kernel prints them in
 * `/sys/kernel/tracing/trace` (include/trace/events/ipi.h, irq.h, csd.h, sched.h and
 * arch/x86/include/asm/trace/irq_vectors.h), and `printk:console` for warnings.
 *
 * Symbols print like `%pS` (`name+0x0/0x0`: the model has no code offsets) or `%ps` (`name`);
 * a null pointer prints as `0x0`. Cpumasks print in the `%*pb` hex format.
 *
 * @packageDocumentation
 */
import type { TraceRecord, TraceValue } from './tracer.js';

/** `%pS` of a symbol name (null → `0x0`). */
export function symbolOffset(name: TraceValue | undefined): string {
  if (name === null || name === undefined || name === '') return '0x0';
  return `${String(name)}+0x0/0x0`;
}

/** `%ps` of a symbol name (null → `0x0`). */
export function symbolName(name: TraceValue | undefined): string {
  if (name === null || name === undefined || name === '') return '0x0';
  return String(name);
}

/** `%p` of an opaque pointer: a stable fake address derived from a number, or `0x0`. */
function pointer(value: TraceValue | undefined): string {
  if (value === null || value === undefined) return '0x0';
  const n = typeof value === 'number' ? value : 1;
  return `0x${(0xffff888000000000n + BigInt(n) * 64n).toString(16)}`;
}

const vectorEvents = new Set([
  'reschedule_entry',
  'reschedule_exit',
  'call_function_entry',
  'call_function_exit',
  'call_function_single_entry',
  'call_function_single_exit',
  'irq_work_entry',
  'irq_work_exit',
  'local_timer_entry',
  'local_timer_exit',
]);

/**
 * The text after `name: ` in an ftrace line for `record`, per the event's `TP_printk`.
 * Unknown events print their fields as `key=value` pairs in insertion order.
 */
export function formatTraceFields(record: TraceRecord): string {
  const f = record.fields;
  switch (record.name) {
    case 'ipi_raise':
      // The kernel's field is target_cpus (TP_STRUCT__entry); target_mask is accepted too.
      return `target_mask=${String(f.target_cpus ?? f.target_mask)} (${String(f.reason)})`;
    case 'ipi_send_cpu':
      return `cpu=${String(f.cpu)} callsite=${symbolOffset(f.callsite)} callback=${symbolOffset(f.callback)}`;
    case 'ipi_send_cpumask':
      return `cpumask=${String(f.cpumask)} callsite=${symbolOffset(f.callsite)} callback=${symbolOffset(f.callback)}`;
    case 'ipi_entry':
    case 'ipi_exit':
      return `(${String(f.reason)})`;
    case 'irq_handler_entry':
      return `irq=${String(f.irq)} name=${String(f.name)}`;
    case 'irq_handler_exit':
      return `irq=${String(f.irq)} ret=${f.ret === 'handled' || f.ret === 1 ? 'handled' : 'unhandled'}`;
    case 'csd_queue_cpu':
      return `cpu=${String(f.cpu)} callsite=${symbolOffset(f.callsite)} func=${symbolName(f.func)} csd=${pointer(f.csd)}`;
    case 'csd_function_entry':
    case 'csd_function_exit':
      return `func=${symbolName(f.func)}, csd=${pointer(f.csd)}`;
    case 'sched_wake_idle_without_ipi':
      return `cpu=${String(f.cpu)}`;
    case 'console':
      return String(f.msg);
    default:
      if (vectorEvents.has(record.name)) return `vector=${String(f.vector)}`;
      return Object.entries(f)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
  }
}
