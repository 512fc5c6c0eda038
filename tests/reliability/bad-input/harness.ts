/**
 * Table-driven bad-input fuzzing. An {@link Entry} is one public entry point with good arguments
 * and a description of each parameter; {@link badCases} derives, for every parameter, the wrong
 * values of its kind (non-integers, NaN, negative, out of range, a cpumask of the wrong width or a
 * look-alike, a domain of another machine, a freed or foreign descriptor, null/undefined…) with
 * the documented result of each: a Linux errno (or documented return value) where Linux defines
 * one, otherwise a TypeError/RangeError whose message names the argument and the value.
 * {@link expectCase} runs one case and checks the result and that the machine's
 * {@link snapshotMachine} is identical afterwards.
 */
import { expect } from '@jest/globals';
import { Cpumask, type Machine } from '../../../lib/index.js';
import { describeValue } from '../../../lib/validate.js';
import { snapshotMachine } from '../../helpers/snapshot.js';

/** What a bad argument must produce. */
export type Outcome =
  | { readonly throws: typeof TypeError | typeof RangeError; readonly names?: string }
  | { readonly throwsError: RegExp }
  | { readonly returns: unknown };

/** The kinds of parameters, each with its own wrong values. */
export type ParamKind =
  /** An integer handled like a C `unsigned int`/`int`: wrong types throw; out-of-range values have a documented result. */
  | 'int'
  /** A count, hwirq or index: wrong types throw TypeError, negative values RangeError. */
  | 'uint'
  /** A cpumask of the machine's width. */
  | 'mask'
  /** An IrqDomain of this machine. */
  | 'domain'
  /** A function. */
  | 'fn'
  /** A boolean. */
  | 'bool'
  /** An object of a specific class (mm, csd, desc, …): anything else is a TypeError. */
  | 'object'
  /** Only the parameter's `extra` cases. */
  | 'extra';

/** One parameter of an entry point. */
export interface Param {
  /** Its name, as error messages spell it. */
  readonly name: string;
  readonly kind: ParamKind;
  /** Argument position (default: the parameter's index in `params`). */
  readonly at?: number;
  /** `int`: the result of a negative value (default: RangeError naming it); `valid` skips it. */
  readonly negative?: Outcome | 'valid';
  /** `int`/`uint`: a value just out of range and its result (e.g. `nr_cpu_ids` → -EINVAL). */
  readonly outOfRange?: readonly [unknown, Outcome];
  /** `domain`/`mask`/`object`/`fn`: the result of null (default: TypeError). */
  readonly nullResult?: Outcome;
  /** Extra cases: `[label, value, outcome]`. */
  readonly extra?: readonly (readonly [string, unknown, Outcome])[];
}

/** One public entry point. */
export interface Entry<C> {
  /** How it is called, e.g. `machine.ipi.ipiSendSingle`. */
  readonly name: string;
  /** Run from task code on CPU 0 (generator functions are started with `.next()`). */
  readonly inTask?: boolean;
  /** Good arguments, in order. */
  readonly good: (ctx: C) => readonly unknown[];
  readonly params: readonly Param[];
  /** The call. */
  readonly call: (ctx: C, args: readonly unknown[]) => unknown;
}

/** One derived case. */
export interface Case<C> {
  readonly entry: Entry<C>;
  readonly label: string;
  readonly index: number;
  readonly value: (ctx: C) => unknown;
  readonly outcome: Outcome;
}

const TYPE_ERR: Outcome = { throws: TypeError };
const RANGE_ERR: Outcome = { throws: RangeError };

/** Values C could not hold in an integer parameter. */
const NON_INTEGERS: readonly (readonly [string, unknown])[] = [
  ['1.5', 1.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['2^53', 2 ** 53],
  ['"1"', '1'],
  ['null', null],
  ['undefined', undefined],
  ['{}', {}],
  ['true', true],
  ['1n', 1n],
];

/** Context every bad-value generator may use. */
export interface BaseCtx {
  readonly m: Machine;
  /** Another machine, for foreign domains and descriptors. */
  readonly other: Machine;
}

/** Derives every bad-argument case of `entry`. */
export function badCases<C extends BaseCtx>(entry: Entry<C>): Case<C>[] {
  const out: Case<C>[] = [];
  entry.params.forEach((p, index) => {
    const add = (label: string, value: (ctx: C) => unknown, outcome: Outcome): void => {
      out.push({ entry, label: `${p.name} = ${label}`, index: p.at ?? index, value, outcome: withName(outcome, p.name) });
    };
    switch (p.kind) {
      case 'int':
      case 'uint':
        for (const [label, v] of NON_INTEGERS) add(label, () => v, TYPE_ERR);
        if (p.negative !== 'valid') add('-1', () => -1, p.kind === 'uint' ? RANGE_ERR : (p.negative ?? RANGE_ERR));
        break;
      case 'mask':
        add('a Cpumask one bit too wide', (ctx) => new Cpumask(ctx.m.nrCpuIds + 1), RANGE_ERR);
        add('a look-alike object', (ctx) => ({ nrCpuIds: ctx.m.nrCpuIds, words: new Uint32Array(1), testCpu: () => true }), TYPE_ERR);
        add('an array', () => [0, 1], TYPE_ERR);
        add('null', () => null, p.nullResult ?? TYPE_ERR);
        add('undefined', () => undefined, TYPE_ERR);
        add('"0-1"', () => '0-1', TYPE_ERR);
        break;
      case 'domain':
        add("another machine's domain", (ctx) => ctx.other.irq.domains.domains[0], TYPE_ERR);
        add('{}', () => ({}), TYPE_ERR);
        add('"ipi"', () => 'ipi', TYPE_ERR);
        add('null', () => null, p.nullResult ?? TYPE_ERR);
        add('undefined', () => undefined, TYPE_ERR);
        break;
      case 'fn':
        add('5', () => 5, TYPE_ERR);
        add('"f"', () => 'f', TYPE_ERR);
        add('{}', () => ({}), TYPE_ERR);
        add('null', () => null, p.nullResult ?? TYPE_ERR);
        add('undefined', () => undefined, TYPE_ERR);
        break;
      case 'bool':
        add('1', () => 1, TYPE_ERR);
        add('"true"', () => 'true', TYPE_ERR);
        add('null', () => null, TYPE_ERR);
        add('undefined', () => undefined, TYPE_ERR);
        break;
      case 'object':
        add('{}', () => ({}), TYPE_ERR);
        add('5', () => 5, TYPE_ERR);
        add('null', () => null, p.nullResult ?? TYPE_ERR);
        add('undefined', () => undefined, TYPE_ERR);
        break;
      case 'extra':
        break;
    }
    if (p.outOfRange !== undefined) {
      const [v, o] = p.outOfRange;
      add(describeValue(v), () => v, o);
    }
    for (const [label, v, o] of p.extra ?? []) add(label, () => v, o);
  });
  return out;
}

function withName(o: Outcome, name: string): Outcome {
  return 'throws' in o && o.names === undefined ? { ...o, names: name } : o;
}

/** Runs `fn` with the arguments of a case; generator results are started. */
function invoke<C>(entry: Entry<C>, ctx: C, args: readonly unknown[]): unknown {
  const r = entry.call(ctx, args);
  if (r !== null && typeof r === 'object' && typeof (r as Generator).next === 'function' && Symbol.iterator in r) {
    const step = (r as Generator).next();
    return step.done === true ? step.value : step.value;
  }
  return r;
}

/** Checks the thrown value or returned value against the outcome. */
function judge(outcome: Outcome, value: unknown, threw: boolean, raw: unknown, what: string, paramName: string): void {
  if ('returns' in outcome) {
    if (threw) throw new Error(`${what}: expected a return of ${describeValue(outcome.returns)}, but it threw ${String(value)}`);
    expect(value).toEqual(outcome.returns);
    return;
  }
  if (!threw) throw new Error(`${what}: expected a throw, but it returned ${describeValue(value)}`);
  if ('throwsError' in outcome) {
    expect(value).toBeInstanceOf(Error);
    expect((value as Error).message).toMatch(outcome.throwsError);
    return;
  }
  const err = value as Error;
  if (!(err instanceof outcome.throws)) {
    throw new Error(`${what}: expected ${outcome.throws.name}, got ${String(err)}`);
  }
  const msg = err.message;
  // The message names the argument and the value it got (or, for a cpumask of the wrong width, its width).
  if (outcome.names !== undefined && !msg.includes(outcome.names)) {
    throw new Error(`${what}: message does not name "${outcome.names}": ${msg}`);
  }
  // A message about a field of an object argument (`info.parent is undefined`, or a field named
  // by the outcome: `until is NaN`) shows that field's value.
  if (outcome.names !== undefined && msg.includes(`${outcome.names}.`)) return;
  if (outcome.names !== undefined && outcome.names !== paramName && msg.includes(`${outcome.names} is `)) return;
  const described = describeValue(raw);
  const width = raw instanceof Cpumask ? `${raw.nrCpuIds} bits` : null;
  if (!msg.includes(described) && (width === null || !msg.includes(width)) && !/another machine|look-alike|not a live/.test(msg)) {
    throw new Error(`${what}: message does not show the value ${described}: ${msg}`);
  }
  if (/Cannot read prop|is not a function|undefined \(reading/.test(msg)) {
    throw new Error(`${what}: a crash, not an argument check: ${msg}`);
  }
}

/**
 * The snapshot as compared for an outcome: a call that returns an errno may log (the kernel's
 * `pr_warn` / `WARN_ON_ONCE` lines), so its warning count is not compared; a throw must not even log.
 */
function comparable(snapshot: unknown, outcome: Outcome): unknown {
  if (!('returns' in outcome)) return snapshot;
  const rest = { ...(snapshot as Record<string, unknown>) };
  delete rest.warnings;
  return rest;
}

/** Runs one case and checks its outcome and that the machine (and the other one) did not change. */
export function expectCase<C extends BaseCtx>(makeCtx: () => C, c: Case<C>): void {
  const ctx = makeCtx();
  const args = [...c.entry.good(ctx)];
  const raw = c.value(ctx);
  args[c.index] = raw;
  const what = `${c.entry.name}(${c.label})`;
  const otherBefore = snapshotMachine(ctx.other);
  const body = (): void => {
    const before = snapshotMachine(ctx.m);
    let threw = false;
    let value: unknown;
    try {
      value = invoke(c.entry, ctx, args);
    } catch (e) {
      threw = true;
      value = e;
    }
    judge(c.outcome, value, threw, raw, what, c.label.split(' = ')[0]);
    expect(comparable(snapshotMachine(ctx.m), c.outcome)).toEqual(comparable(before, c.outcome));
    expect(snapshotMachine(ctx.other)).toEqual(otherBefore);
  };
  if (c.entry.inTask !== true) {
    body();
    return;
  }
  const outcome: { ran: boolean; failure: Error | null } = { ran: false, failure: null };
  ctx.m.sim.spawn(0, function* badInputTask() {
    outcome.ran = true;
    try {
      body();
    } catch (e) {
      outcome.failure = e instanceof Error ? e : new Error(String(e));
    }
    yield ctx.m.sim.delay(0);
  });
  ctx.m.run();
  if (!outcome.ran) throw new Error(`${what}: the task never ran`);
  if (outcome.failure !== null) throw outcome.failure;
}
