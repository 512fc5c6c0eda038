/**
 * Human-readable output of the CLI: the summary tables (cli-table3) and the run report.
 *
 * @packageDocumentation
 */
import Table from 'cli-table3';
import type { TraceSummary } from '../trace/summary.js';

/** Table styling: plain (no colours) when not a terminal, under `NO_COLOR`, and in tests. */
export interface TableStyle {
  readonly plain: boolean;
}

/**
 * Colour is our decision (terminal and no `NO_COLOR`), not cli-table3's: its colour library
 * also switches itself off under `CI` and when it thinks stdout is not a terminal. So tables get
 * no library styling and headers are coloured here (cyan, as cli-table3's default).
 */
const NO_STYLE = { head: [], border: [] };

function paintHead(head: readonly string[], style: TableStyle): string[] {
  return style.plain ? [...head] : head.map((h) => `\u001b[36m${h}\u001b[39m`);
}

function table(head: string[], aligns: ('left' | 'right')[], style: TableStyle): Table.Table {
  return new Table({ head: paintHead(head, style), colAligns: aligns, style: NO_STYLE });
}

function us(ns: number | undefined): string {
  return ns === undefined ? '-' : (ns / 1000).toFixed(2);
}

/** The IPI table: sent/delivered/coalesced/pending and latency percentiles per kind. */
export function ipiTable(summary: TraceSummary, style: TableStyle): string {
  const t = table(
    [
      'IPI kind',
      'sent',
      'delivered',
      'coalesced',
      'pending',
      'p50 µs',
      'p90 µs',
      'p99 µs',
      'max µs',
    ],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    style,
  );
  if (summary.kinds.length === 0) t.push(['(none sent)', '0', '0', '0', '0', '-', '-', '-', '-']);
  for (const k of summary.kinds) {
    t.push(
      [
        k.kind,
        k.sent,
        k.delivered,
        k.coalesced,
        k.pending,
        us(k.latency?.p50),
        us(k.latency?.p90),
        us(k.latency?.p99),
        us(k.latency?.max),
      ].map(String),
    );
  }
  return t.toString();
}

/** The cross-call, wake-up and warning lines. */
export function activityLines(
  summary: TraceSummary,
  warnings: readonly string[],
  maxWarnings = 10,
): string[] {
  const c = summary.crossCalls;
  const lines = [
    `cross calls: ${c.queued} queued on other CPUs (${c.queuedBehind} behind an IPI already owed), ${c.remoteRuns} run from queues, ${c.localRuns} run locally`,
  ];
  if (c.byFunction.length > 0)
    lines.push(`  by function: ${c.byFunction.map((f) => `${f.func} ${f.calls}`).join(', ')}`);
  lines.push(`wake-ups of polling-idle CPUs without an IPI: ${summary.wakeupsWithoutIpi}`);
  if (warnings.length === 0) {
    lines.push('warnings: none');
  } else {
    lines.push(`warnings: ${warnings.length}`);
    for (const w of warnings.slice(0, maxWarnings)) lines.push(`  ${w}`);
    if (warnings.length > maxWarnings)
      lines.push(`  … ${warnings.length - maxWarnings} more (--json lists all)`);
  }
  return lines;
}

/** A three-column listing (`genipi list`); the last column wraps at `lastWidth` characters. */
export function listTable(
  head: [string, string, string],
  rows: readonly (readonly [string, string, string])[],
  style: TableStyle,
  lastWidth = 64,
): string {
  const width = (i: number): number =>
    Math.max(head[i].length, ...rows.map((r) => r[i].length)) + 2;
  const t = new Table({
    head: paintHead(head, style),
    colWidths: [width(0), width(1), lastWidth + 2],
    wordWrap: true,
    style: NO_STYLE,
  });
  for (const r of rows) t.push([...r]);
  return t.toString();
}
