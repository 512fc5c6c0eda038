/**
 * ftrace text: the `/sys/kernel/tracing/trace` file layout of the `nop` tracer with event
 * tracepoints, as kernel/trace/trace.c (`print_func_help_header_irq`, 5.18+) and
 * kernel/trace/trace_output.c (`trace_print_context`, `trace_print_lat_fmt`) print it.
 *
 * @packageDocumentation
 */
import { sortByTime } from './buffer.js';
import { formatTraceFields } from './format.js';
import type { TraceRecord } from './tracer.js';

/** Options of {@link renderFtrace}. */
export interface FtraceOptions {
  /** Online CPUs (`#P:` in the header). */
  readonly nrCpus: number;
  /** Records written in total, if more than given (`entries-written`); default: as many as given. */
  readonly entriesWritten?: number;
}

/** The ftrace `comm` field holds at most 15 characters (`TASK_COMM_LEN` - 1). */
const TASK_COMM_LEN = 16;

/** printf `%0<width>d`: zero padding after the sign, as C does. */
function zeroPad(n: number, width: number): string {
  const digits = String(Math.abs(n)).padStart(n < 0 ? width - 1 : width, '0');
  return n < 0 ? `-${digits}` : digits;
}

/**
 * ` %5lu.%06lu` of a timestamp in ns: seconds and microseconds, rounded to the nearest µs as
 * the kernel's `ns2usecs()` does.
 */
export function ftraceTimestamp(ns: number): string {
  const us = Math.floor((ns + 500) / 1000);
  const secs = Math.floor(us / 1_000_000);
  const rem = us - secs * 1_000_000;
  return `${String(secs).padStart(5)}.${String(rem).padStart(6, '0')}`;
}

/** One line of the `trace` file (without the newline). */
export function formatFtraceLine(record: TraceRecord): string {
  const comm = (record.comm ?? '<...>').slice(0, TASK_COMM_LEN - 1);
  const pid = record.pid ?? 0;
  const flags = record.flags ?? '.....';
  return (
    `${comm.padStart(16)}-${String(pid).padEnd(7)} [${zeroPad(record.cpu, 3)}] ${flags} ${ftraceTimestamp(record.ts)}: ` +
    `${record.name}: ${formatTraceFields(record)}`
  );
}

/** The header of the `trace` file for `entries` records of `written`, on `nrCpus` CPUs. */
export function ftraceHeader(entries: number, written: number, nrCpus: number): string {
  return [
    '# tracer: nop',
    '#',
    `# entries-in-buffer/entries-written: ${entries}/${written}   #P:${nrCpus}`,
    '#',
    '#                                _-----=> irqs-off/BH-disabled',
    '#                               / _----=> need-resched',
    '#                              | / _---=> hardirq/softirq',
    '#                              || / _--=> preempt-depth',
    '#                              ||| / _-=> migrate-disable',
    '#                              |||| /     delay',
    '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
    '#              | |         |   |||||     |         |',
    '',
  ].join('\n');
}

/**
 * The whole `trace` file: the header, then one line per record in time order (ties in emission
 * order), each ending in a newline.
 */
export function renderFtrace(records: readonly TraceRecord[], options: FtraceOptions): string {
  const written = Math.max(options.entriesWritten ?? records.length, records.length);
  let out = ftraceHeader(records.length, written, options.nrCpus);
  for (const r of sortByTime(records)) out += `${formatFtraceLine(r)}\n`;
  return out;
}
