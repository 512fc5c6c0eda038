/**
 * Argument checks shared by the public entry points. Each throws a `TypeError` or `RangeError`
 * whose message names the function, the argument, the value and what was expected.
 *
 * Two policies, chosen per argument and stated in each function's doc comment:
 * - {@link checkInteger}: any integer is accepted, negative or huge, so the mirrored function can
 *   behave as the kernel does with an out-of-range `unsigned int` (usually `-EINVAL`, `-ENXIO` or
 *   "not found"). The IPI and cross-call APIs use this for virqs and CPU numbers.
 * - {@link checkIrqNumber}: counts, hwirqs and table indexes must be non-negative integers;
 *   a negative value is a `RangeError`.
 * Values C could not hold at all (non-numbers, NaN, fractions) are always a `TypeError`.
 *
 * @packageDocumentation
 */
import { Cpumask, type ReadonlyCpumask } from './cpumask.js';

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor !== undefined && ctor !== '' ? `a ${ctor}` : 'an object';
}

/** Formats any value for an error message. */
export { describe as describeValue };

/**
 * Checks that `value` is an integer number (an irq, hwirq, count or CPU number).
 * @param signed - when false, negative values are rejected too.
 */
export function checkIrqNumber(fn: string, arg: string, value: unknown, signed = false): void {
  if (!Number.isSafeInteger(value)) notInteger(fn, arg, value);
  if (!signed && (value as number) < 0) {
    throw new RangeError(`${fn}: ${arg} is ${value as number}; expected a non-negative integer`);
  }
}

/** Checks that `value` is an integer; C `unsigned int` semantics apply to negatives later. */
export function checkInteger(fn: string, arg: string, value: unknown): asserts value is number {
  // `Number.isSafeInteger` is false for anything that is not a number. The check is inlined into
  // every entry point on the IPI path, so the error is built out of line.
  if (!Number.isSafeInteger(value)) notInteger(fn, arg, value);
}

/** The error of {@link checkInteger} and {@link checkIrqNumber}. */
function notInteger(fn: string, arg: string, value: unknown): never {
  throw new TypeError(`${fn}: ${arg} is ${describe(value)}; expected an integer`);
}

/** Checks that `value` is a {@link Cpumask} of `nrCpuIds` bits. */
export function checkCpumask(
  fn: string,
  arg: string,
  value: unknown,
  nrCpuIds: number,
): asserts value is ReadonlyCpumask {
  if (!(value instanceof Cpumask && value.nrCpuIds === nrCpuIds)) badCpumask(fn, arg, value, nrCpuIds);
}

/** The error of {@link checkCpumask} (out of line: the check is on the send paths). */
function badCpumask(fn: string, arg: string, value: unknown, nrCpuIds: number): never {
  if (!(value instanceof Cpumask)) {
    throw new TypeError(`${fn}: ${arg} is ${describe(value)}; expected a Cpumask`);
  }
  throw new RangeError(
    `${fn}: ${arg} is ${value.nrCpuIds} bits wide but this machine has nr_cpu_ids = ${nrCpuIds}; ` +
      'build it with Cpumask.of(machine.nrCpuIds, …)',
  );
}

/** Checks that `value` is a boolean. */
export function checkBoolean(fn: string, arg: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${fn}: ${arg} is ${describe(value)}; expected a boolean`);
  }
}

/** Checks that `value` is a function. */
export function checkFunction(
  fn: string,
  arg: string,
  value: unknown,
): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new TypeError(`${fn}: ${arg} is ${describe(value)}; expected a function`);
  }
}

/** Checks that `value` is an irq chip (any object) or null (which means `no_irq_chip`). */
export function checkChip(fn: string, arg: string, value: unknown): void {
  if (value !== null && typeof value !== 'object') {
    throw new TypeError(`${fn}: ${arg} is ${describe(value)}; expected an IrqChip or null`);
  }
}

/** Checks that `value` is a function or null (a flow handler or "none"). */
export function checkHandler(fn: string, arg: string, value: unknown): void {
  if (value !== null && typeof value !== 'function') {
    throw new TypeError(`${fn}: ${arg} is ${describe(value)}; expected a function or null`);
  }
}

/** Checks that `value` is a string or null. */
export function checkNullableString(fn: string, arg: string, value: unknown): void {
  if (value !== null && typeof value !== 'string') {
    throw new TypeError(`${fn}: ${arg} is ${describe(value)}; expected a string or null`);
  }
}
