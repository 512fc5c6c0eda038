/**
 * Scenario files: a machine, a workload mix and a duration, as plain JSON data, validated with
 * zod. Every error names the field, the value and the fix.
 *
 * ```json
 * {
 *   "name": "my-storm",
 *   "machine": { "arch": "x86", "cpus": 8, "seed": 7 },
 *   "duration": "1ms",
 *   "workload": [
 *     { "kind": "busy", "cpus": [4, 5, 6, 7] },
 *     { "kind": "reschedule", "from": [0], "to": "all", "interval": "5us" },
 *     { "kind": "call-many", "from": [1], "interval": "50us", "wait": true }
 *   ]
 * }
 * ```
 * Durations are integers in ns or strings with a unit: `ns`, `us` (or `µs`), `ms`, `s`.
 * CPU sets are `"all"` or a non-empty list of CPU numbers.
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import { CORE_TIMING_PROFILES } from '../sim/timing.js';
import { NR_CPUS_MAX } from '../machine/machine.js';

const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?\s*$/;
const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1_000,
  µs: 1_000,
  ms: 1_000_000,
  s: 1_000_000_000,
};

/**
 * Parses a duration: a non-negative integer of ns, or a string such as `500us`, `2ms`, `1.5s`
 * (a bare number string is ns). Returns integer ns, or null if `value` is not a duration.
 */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const m = DURATION_RE.exec(value);
  if (m === null) return null;
  const ns = Math.round(Number(m[1]) * UNIT_NS[(m[2] as string | undefined) ?? 'ns']);
  return Number.isSafeInteger(ns) ? ns : null;
}

/** Formats ns as the largest unit that keeps it readable (`2ms`, `1.5us`, `40ns`). */
export function formatDuration(ns: number): string {
  if (ns >= 1_000_000_000) return `${+(ns / 1_000_000_000).toFixed(3)}s`;
  if (ns >= 1_000_000) return `${+(ns / 1_000_000).toFixed(3)}ms`;
  if (ns >= 1_000) return `${+(ns / 1_000).toFixed(3)}us`;
  return `${ns}ns`;
}

const durationMsg = (what: string, example: string): string =>
  `expected ${what}: an integer of ns or a string with a unit (ns, us, ms, s), e.g. "${example}"`;

function duration(what: string, example: string, min: number) {
  return z
    .union([z.number(), z.string()], { error: durationMsg(what, example) })
    .transform((v, ctx) => {
      const ns = parseDuration(v);
      if (ns === null || ns < min) {
        ctx.addIssue({
          code: 'custom',
          message: `${durationMsg(what, example)}${min > 0 ? `, at least ${formatDuration(min)}` : ''}`,
        });
        return z.NEVER;
      }
      return ns;
    });
}

const cpuSet = (what: string) =>
  z.union(
    [
      z.literal('all'),
      z
        .array(
          z
            .int()
            .min(0)
            .max(NR_CPUS_MAX - 1),
        )
        .min(1),
    ],
    {
      error: `expected ${what}: "all" or a non-empty list of CPU numbers, e.g. [0, 1]`,
    },
  );

const boolField = (what: string) => z.boolean({ error: `expected ${what}: true or false` });

/** Fields every periodic workload has. */
const periodic = {
  from: cpuSet('the CPUs that send (each runs one sender task)').default('all'),
  interval: duration('the time between two operations of one sender', '20us', 1),
  jitter: duration('the random spread added to each interval (± this much)', '5us', 0).default(0),
  start: duration('when the senders start', '10us', 0).default(0),
  count: z
    .int({ error: 'expected how many operations each sender does: a positive integer, e.g. 100' })
    .min(1, {
      error: 'expected how many operations each sender does: a positive integer, e.g. 100',
    })
    .optional(),
};

const targets = {
  to: cpuSet('the CPUs that may be targeted (never the sender itself)').default('all'),
};
const work = { work: duration('how long the cross-called function runs', '200ns', 0).default(0) };

const FANOUT = 'expected how many targets per call: "all" or a positive integer, e.g. 3';

/** Workload kinds and their fields. */
const WORKLOAD_SCHEMAS = {
  /** `resched_curr()` of a random target: a reschedule IPI unless it polls idle. */
  reschedule: z.strictObject({ kind: z.literal('reschedule'), ...periodic, ...targets }),
  /** `try_to_wake_up()` of a short task on a random target (reschedule or call-function-single IPI). */
  wakeup: z.strictObject({
    kind: z.literal('wakeup'),
    ...periodic,
    ...targets,
    task: duration('how long each woken task runs', '5us', 0).default(5_000),
  }),
  /** `smp_call_function_single()` to a random target. */
  'call-single': z.strictObject({
    kind: z.literal('call-single'),
    ...periodic,
    ...targets,
    ...work,
    wait: boolField('whether the sender waits for the function to finish').default(true),
  }),
  /** `smp_call_function_many()` to `fanout` random targets (or all of `to`). */
  'call-many': z.strictObject({
    kind: z.literal('call-many'),
    ...periodic,
    ...targets,
    ...work,
    wait: boolField('whether the sender waits for every function to finish').default(true),
    fanout: z
      .union([z.literal('all'), z.int().min(1, { error: FANOUT })], { error: FANOUT })
      .default('all'),
  }),
  /**
   * `flush_tlb_mm_range()` of address space `mm` (entries with the same number share it), which
   * `sharers` run; `lazy` ones are in lazy-TLB mode.
   */
  'tlb-shootdown': z.strictObject({
    kind: z.literal('tlb-shootdown'),
    ...periodic,
    sharers: cpuSet('the CPUs that run the address space').default('all'),
    lazy: z
      .array(z.int().min(0), {
        error: 'expected the sharers in lazy-TLB mode: a list of CPU numbers, e.g. [6, 7]',
      })
      .default([]),
    mm: z
      .int({
        error: 'expected an address-space number (entries with the same number share one), e.g. 1',
      })
      .min(1, {
        error: 'expected an address-space number (entries with the same number share one), e.g. 1',
      })
      .default(1),
    pages: z
      .int({ error: 'expected pages flushed per shootdown: an integer from 1 to 4096, e.g. 1' })
      .min(1, {
        error: 'expected pages flushed per shootdown: an integer from 1 to 4096, e.g. 1',
      })
      .max(4096, {
        error: 'expected pages flushed per shootdown: an integer from 1 to 4096, e.g. 1',
      })
      .default(1),
  }),
  /** CPUs kept busy (task code, interrupts on) for the whole run, so wake-ups to them need an IPI. */
  busy: z.strictObject({
    kind: z.literal('busy'),
    cpus: cpuSet('the CPUs kept busy'),
    chunk: duration('the length of one busy stretch', '20us', 1).default(20_000),
  }),
} as const;

/** A CPU set in a scenario file: every CPU, or a list of CPU numbers. */
export type CpuSet = 'all' | readonly number[];

/** Fields of every periodic workload. */
export interface PeriodicWorkload {
  /** CPUs that send; each runs its own chain of operations. */
  readonly from: CpuSet;
  /** Time between two operations of one sender, ns. */
  readonly interval: number;
  /** Random spread added to each interval (± this much), ns. */
  readonly jitter: number;
  /** When the senders start, ns. */
  readonly start: number;
  /** Operations per sender; absent: until the duration is over. */
  readonly count?: number;
}

/** `resched_curr()` of a random target: a reschedule IPI unless it polls idle. */
export interface RescheduleWorkload extends PeriodicWorkload {
  /** Kind tag. */
  readonly kind: 'reschedule';
  /** CPUs that may be targeted (never the sender). */
  readonly to: CpuSet;
}

/** `try_to_wake_up()` of a short task on a random target. */
export interface WakeupWorkload extends PeriodicWorkload {
  /** Kind tag. */
  readonly kind: 'wakeup';
  /** CPUs that may be targeted (never the sender). */
  readonly to: CpuSet;
  /** How long each woken task runs, ns. */
  readonly task: number;
}

/** `smp_call_function_single()` to a random target. */
export interface CallSingleWorkload extends PeriodicWorkload {
  /** Kind tag. */
  readonly kind: 'call-single';
  /** CPUs that may be targeted (never the sender). */
  readonly to: CpuSet;
  /** How long the called function runs, ns. */
  readonly work: number;
  /** The sender waits for the function to finish. */
  readonly wait: boolean;
}

/** `smp_call_function_many()` to `fanout` random targets of `to`. */
export interface CallManyWorkload extends PeriodicWorkload {
  /** Kind tag. */
  readonly kind: 'call-many';
  /** CPUs that may be targeted (never the sender). */
  readonly to: CpuSet;
  /** How long the called function runs, ns. */
  readonly work: number;
  /** The sender waits for every function to finish. */
  readonly wait: boolean;
  /** Targets per call, or every CPU of `to`. */
  readonly fanout: 'all' | number;
}

/** `flush_tlb_mm_range()` of address space `mm`, which `sharers` run. */
export interface TlbShootdownWorkload extends PeriodicWorkload {
  /** Kind tag. */
  readonly kind: 'tlb-shootdown';
  /** CPUs that run the address space. */
  readonly sharers: CpuSet;
  /** Sharers in lazy-TLB mode (skipped by shootdowns). */
  readonly lazy: readonly number[];
  /** Address-space number: entries with the same number share one. */
  readonly mm: number;
  /** Pages flushed per shootdown (above 33 the whole TLB is flushed). */
  readonly pages: number;
}

/** CPUs kept busy in task code (interrupts on) for the whole run. */
export interface BusyWorkload {
  /** Kind tag. */
  readonly kind: 'busy';
  /** The CPUs kept busy. */
  readonly cpus: CpuSet;
  /** Length of one busy stretch, ns (queued tasks run in between). */
  readonly chunk: number;
}

/** One validated workload entry. */
export type WorkloadSpec =
  | RescheduleWorkload
  | WakeupWorkload
  | CallSingleWorkload
  | CallManyWorkload
  | TlbShootdownWorkload
  | BusyWorkload;

/** Workload kind names. */
export type WorkloadKind = WorkloadSpec['kind'];

/** Workload kinds, in the order error messages list them. */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = Object.freeze(
  Object.keys(WORKLOAD_SCHEMAS) as WorkloadKind[],
);

/** The machine part of a scenario file; every field is optional. */
export interface MachineSpec {
  /** Architecture name. */
  readonly arch?: string;
  /** Number of CPUs. */
  readonly cpus?: number;
  /** Random seed. */
  readonly seed?: number;
  /** Timing profile name. */
  readonly timing?: string;
  /** How idle CPUs wait. */
  readonly idle?: 'halt' | 'poll';
}

const machineSchema = z.strictObject({
  arch: z
    .string({ error: 'expected an architecture name, e.g. "x86" (genipi list shows them)' })
    .min(1, {
      error: 'expected an architecture name, e.g. "x86" (genipi list shows them)',
    })
    .optional(),
  cpus: z
    .int({ error: `expected the number of CPUs: an integer from 1 to ${NR_CPUS_MAX}, e.g. 8` })
    .min(1, { error: `expected the number of CPUs: an integer from 1 to ${NR_CPUS_MAX}, e.g. 8` })
    .max(NR_CPUS_MAX, {
      error: `expected the number of CPUs: an integer from 1 to ${NR_CPUS_MAX}, e.g. 8`,
    })
    .optional(),
  seed: z.int({ error: 'expected the random seed: an integer, e.g. 1' }).optional(),
  timing: z
    .enum(Object.keys(CORE_TIMING_PROFILES) as [string, ...string[]], {
      error: `expected a timing profile: one of ${Object.keys(CORE_TIMING_PROFILES).join(', ')}`,
    })
    .optional(),
  idle: z
    .enum(['halt', 'poll'], { error: 'expected how idle CPUs wait: "halt" or "poll"' })
    .optional(),
});

const topSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string({ error: 'expected a short name, e.g. "my-storm"' }).optional(),
  description: z.string({ error: 'expected a one-line description' }).optional(),
  machine: machineSchema.default({}),
  duration: duration('the simulated time the workload runs', '1ms', 1),
  workload: z
    .array(z.unknown(), {
      error:
        'expected a non-empty list of workload entries, e.g. [{ "kind": "reschedule", "interval": "10us" }]',
    })
    .min(1, {
      error:
        'expected a non-empty list of workload entries, e.g. [{ "kind": "reschedule", "interval": "10us" }]',
    }),
});

/** A validated scenario file. */
export interface ScenarioSpec {
  /** Short name. */
  readonly name?: string;
  /** One-line description. */
  readonly description?: string;
  /** Machine settings. */
  readonly machine: MachineSpec;
  /** Simulated time the workload runs, ns. */
  readonly duration: number;
  /** The workload entries. */
  readonly workload: readonly WorkloadSpec[];
}

/** A scenario file that failed validation: one message per problem. */
export class ScenarioSpecError extends Error {
  /** `<path> is <value>; <fix>` lines. */
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(
      `${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`,
    );
    this.name = 'ScenarioSpecError';
    this.problems = problems;
  }
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path)
    out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !(p in cur))
      return { found: false, value: undefined };
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return { found: true, value: cur };
}

function show(value: unknown): string {
  // parseScenarioSpec() may be handed values JSON cannot spell (a function, a BigInt): say what they are.
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  text ??= typeof value === 'function' ? 'a function' : typeof value === 'symbol' ? value.toString() : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The candidate `word` is most likely a typo or an abbreviation of: one it is a prefix of (or
 * that is a prefix of it), else the closest by edit distance if close enough. Null if none.
 */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  const w = word.toLowerCase();
  if (w.length >= 3) {
    const prefix = candidates.find(
      (c) => c.toLowerCase().startsWith(w) || w.startsWith(c.toLowerCase()),
    );
    if (prefix !== undefined) return prefix;
  }
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function problemsOf(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  prefix: readonly PropertyKey[],
  shapeAt: (path: readonly PropertyKey[]) => readonly string[],
): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const shape = shapeAt(issue.path);
        const hint = closest(key, shape);
        out.push(
          `${pathText([...path, key])} is not a known field; ${hint !== null ? `did you mean "${hint}"? ` : ''}remove it or use one of: ${shape.join(', ')}`,
        );
      }
      continue;
    }
    const { found, value } = valueAt(root, path);
    out.push(`${pathText(path)} ${found ? `is ${show(value)}` : 'is missing'}; ${issue.message}`);
  }
  return out;
}

/**
 * Validates parsed JSON as a scenario file.
 * @param source - what to call the file in messages (its path).
 * @throws ScenarioSpecError listing every problem.
 */
export function parseScenarioSpec(json: unknown, source = 'scenario'): ScenarioSpec {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ScenarioSpecError(source, [
      `(top level) is ${show(json)}; expected an object such as { "duration": "1ms", "workload": [ … ] }`,
    ]);
  }
  const top = topSchema.safeParse(json);
  const problems: string[] = [];
  if (!top.success) {
    const topKeys = Object.keys(topSchema.shape).filter((k) => k !== '$schema');
    const machineKeys = Object.keys(machineSchema.shape);
    problems.push(
      ...problemsOf(top.error.issues, json, [], (path) =>
        path[0] === 'machine' ? machineKeys : topKeys,
      ),
    );
  }
  const workload: WorkloadSpec[] = [];
  const rawWorkload = (json as { workload?: unknown }).workload;
  if (Array.isArray(rawWorkload)) {
    const kinds = WORKLOAD_KINDS;
    rawWorkload.forEach((entry, i) => {
      const kind = (entry as { kind?: unknown } | null)?.kind;
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        problems.push(
          `workload[${i}] is ${show(entry)}; expected an object with a "kind" (${kinds.join(', ')})`,
        );
        return;
      }
      // Own keys only: "toString" or "__proto__" is not a workload kind.
      if (typeof kind !== 'string' || !Object.hasOwn(WORKLOAD_SCHEMAS, kind)) {
        const hint = typeof kind === 'string' ? closest(kind, kinds) : null;
        problems.push(
          `workload[${i}].kind ${kind === undefined ? 'is missing' : `is ${show(kind)}`}; ${hint !== null ? `did you mean "${hint}"? ` : ''}expected one of: ${kinds.join(', ')}`,
        );
        return;
      }
      const schema = WORKLOAD_SCHEMAS[kind as WorkloadKind];
      const r = schema.safeParse(entry);
      if (r.success) workload.push(r.data);
      else
        problems.push(
          ...problemsOf(r.error.issues, json, ['workload', i], () => Object.keys(schema.shape)),
        );
    });
  }
  if (problems.length > 0 || !top.success) throw new ScenarioSpecError(source, problems);
  const { name, description, machine, duration: ns } = top.data;
  return { name, description, machine, duration: ns, workload };
}
