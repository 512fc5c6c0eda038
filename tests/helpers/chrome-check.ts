/**
 * A structural checker for Chrome Trace Event JSON, with the rules Perfetto applies: slices on
 * one thread nest strictly, flow `s`/`f` pairs share id, name and cat, `s` falls inside a slice
 * on the sending thread and `f` (with `bp: "e"`) inside a slice on the receiving one.
 */
import type { ChromeTrace, ChromeTraceEvent } from '../../lib/index.js';

const ns = (us: number | undefined): number => Math.round((us ?? 0) * 1000);

/** Problems found in `trace` (empty when it is well formed). */
export function chromeTraceProblems(trace: ChromeTrace, nrCpus: number): string[] {
  const problems: string[] = [];
  const ev = trace.traceEvents;
  if ((trace.displayTimeUnit as string) !== 'ns') problems.push('displayTimeUnit is not ns');
  for (let cpu = 0; cpu < nrCpus; cpu++) {
    const named = ev.some(
      (e) =>
        e.ph === 'M' &&
        e.name === 'thread_name' &&
        e.tid === cpu + 1 &&
        (e.args as { name?: string }).name === `CPU${cpu}`,
    );
    if (!named) problems.push(`no thread_name CPU${cpu} on tid ${cpu + 1}`);
  }
  const slices = new Map<number, ChromeTraceEvent[]>();
  for (const e of ev) {
    if (e.ph !== 'M' && (e.ts === undefined || e.ts < 0))
      problems.push(`event ${e.name} has no or a negative ts`);
    if (e.ph === 'X') {
      if ((e.dur ?? -1) < 0) problems.push(`slice ${e.name} has a negative dur`);
      const list = slices.get(e.tid ?? -1) ?? [];
      list.push(e);
      slices.set(e.tid ?? -1, list);
    }
    if (e.ph === 'C') {
      for (const [k, v] of Object.entries(e.args ?? {}))
        if (typeof v !== 'number' || v < 0) problems.push(`counter ${e.name}.${k} is ${String(v)}`);
    }
  }
  for (const [tid, list] of slices) {
    list.sort((a, b) => ns(a.ts) - ns(b.ts) || ns(b.dur) - ns(a.dur));
    const stack: { end: number; name: string }[] = [];
    for (const s of list) {
      const start = ns(s.ts);
      const end = start + ns(s.dur);
      while (stack.length > 0 && (stack.at(-1) as { end: number }).end <= start) stack.pop();
      const parent = stack.at(-1);
      if (parent !== undefined && end > parent.end)
        problems.push(
          `tid ${tid}: slice ${s.name} at ${start} ns overlaps ${parent.name} (ends ${parent.end})`,
        );
      stack.push({ end, name: s.name });
    }
  }
  const inside = (tid: number | undefined, t: number): boolean =>
    (slices.get(tid ?? -1) ?? []).some((s) => ns(s.ts) < t && t < ns(s.ts) + ns(s.dur));
  const flows = new Map<number, ChromeTraceEvent[]>();
  for (const e of ev) {
    if (e.ph === 's' || e.ph === 'f' || e.ph === 't') {
      const list = flows.get(e.id ?? -1) ?? [];
      list.push(e);
      flows.set(e.id ?? -1, list);
    }
  }
  for (const [id, list] of flows) {
    const s = list.filter((e) => e.ph === 's');
    const f = list.filter((e) => e.ph === 'f');
    if (s.length !== 1 || f.length !== 1) {
      problems.push(`flow ${id}: ${s.length} starts and ${f.length} ends`);
      continue;
    }
    if (s[0].name !== f[0].name || s[0].cat !== f[0].cat)
      problems.push(`flow ${id}: s and f differ in name or cat`);
    if (f[0].bp !== 'e') problems.push(`flow ${id}: f has no bp "e"`);
    if (!inside(s[0].tid, ns(s[0].ts)))
      problems.push(`flow ${id}: s at ${ns(s[0].ts)} ns is in no slice of tid ${s[0].tid}`);
    if (!inside(f[0].tid, ns(f[0].ts)))
      problems.push(`flow ${id}: f at ${ns(f[0].ts)} ns is in no slice of tid ${f[0].tid}`);
  }
  return problems;
}
