/**
 * Bad input at `createMachine` and at the cpumask API, fuzzed with fast-check: any value that is
 * not of the expected kind must be rejected with a TypeError/RangeError whose message names the
 * argument, and change nothing (no machine half-built, no mask modified).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  Cpumask,
  createMachine,
  cpumaskAnd,
  cpumaskAndnot,
  cpumaskOf,
  cpumaskOr,
  errnoName,
} from '../../../lib/index.js';

const SEED = 20_261_122;

/** Anything, including the odd values hand-written code tends to forget. */
const anything = fc.oneof(
  fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0.5, 1.5, 2 ** 53, -1, '3', [], null, undefined, () => 1, Symbol('x')),
);

function expectRejection(call: () => unknown, name: string | RegExp): void {
  let err: unknown = null;
  try {
    call();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof TypeError || err instanceof RangeError)) {
    throw new Error(`expected a TypeError or RangeError naming ${String(name)}, got ${err === null ? 'no throw' : err instanceof Error ? `${err.name}: ${err.message}` : typeof err}`);
  }
  expect(err.message).toMatch(name);
  expect(err.message).not.toMatch(/Cannot read prop|is not a function|is not iterable|Cannot mix BigInt/);
}

describe('bad input: createMachine options', () => {
  const valid = { arch: 'test', nrCpus: 4 };
  const fields: Record<string, (v: unknown) => boolean> = {
    arch: (v) => typeof v === 'string' && ['test', 'x86', 'arm64', 'riscv', 'mips-mailbox', 'mips-gic'].includes(v),
    nrCpus: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 8192,
    onlineCpus: (v) => v === undefined,
    seed: (v) => v === undefined || Number.isSafeInteger(v),
    nrIrqs: (v) => v === undefined || (Number.isInteger(v) && (v as number) >= 2 && (v as number) < 2 ** 31),
    logger: (v) => v === undefined,
    ipiDebug: (v) => v === undefined || typeof v === 'boolean',
    timing: (v) => v === undefined || v === 'kvm-skylake' || v === 'haswell',
    idle: (v) => v === undefined || v === 'halt' || v === 'poll',
    csdLockTimeoutMs: (v) => v === undefined || (Number.isInteger(v) && (v as number) >= 0),
    faultPolicy: (v) => v === undefined || v === 'stop' || v === 'continue',
    archOptions: (v) => v === undefined || (typeof v === 'object' && v !== null),
  };
  it.each(Object.keys(fields))('should reject a bad %s naming it', (field) => {
    fc.assert(
      fc.property(
        anything.filter((v) => !fields[field](v)),
        (v) => {
          expectRejection(() => createMachine({ ...valid, [field]: v }), new RegExp(`createMachine: ${field}`));
        },
      ),
      { numRuns: 60, seed: SEED },
    );
  });

  it('should reject a bad options object, and the names of Object.prototype as arch or timing', () => {
    for (const v of [null, 5, 'test', undefined]) expectRejection(() => createMachine(v as never), /createMachine: options/);
    for (const name of ['__proto__', 'toString', 'constructor', 'hasOwnProperty']) {
      expectRejection(() => createMachine({ arch: name, nrCpus: 2 }), /createMachine: arch/);
      expectRejection(() => createMachine({ arch: 'test', nrCpus: 2, timing: name }), /createMachine: timing/);
    }
  });
});

describe('bad input: cpumasks', () => {
  const notInt = anything.filter((v) => !Number.isInteger(v));
  const notMask = anything.filter((v) => !(v instanceof Cpumask));

  it('should reject a bad width or CPU list when building a mask', () => {
    fc.assert(
      fc.property(notInt, (v) => {
        expectRejection(() => new Cpumask(v as never), /nrCpuIds/);
        expectRejection(() => Cpumask.of(v as never, []), /nrCpuIds/);
        expectRejection(() => cpumaskOf(v as never, 0), /nrCpuIds/);
      }),
      { numRuns: 100, seed: SEED },
    );
    fc.assert(
      fc.property(anything.filter((v) => typeof v !== 'string'), (v) => {
        expectRejection(() => Cpumask.parseList(4, v as never), /list/);
        expectRejection(() => Cpumask.parseHex(4, v as never), /hex/);
      }),
      { numRuns: 100, seed: SEED },
    );
    for (const v of [5, null, {}, 'ab', [0.5], [9], [-1]]) {
      expectRejection(() => Cpumask.of(4, v as never), /cpus|cpu/);
    }
  });

  it('should reject a bad CPU or cursor and leave the mask unchanged', () => {
    fc.assert(
      fc.property(notInt, (v) => {
        const m = Cpumask.of(8, [1, 5]);
        expectRejection(() => m.setCpu(v as never), /cpu/);
        expectRejection(() => m.clearCpu(v as never), /cpu/);
        expectRejection(() => m.testCpu(v as never), /cpu/);
        expectRejection(() => m.next(v as never), /\bn\b/);
        expectRejection(() => m.nextZero(v as never), /\bn\b/);
        expect(m.toString()).toBe('1,5');
      }),
      { numRuns: 150, seed: SEED },
    );
    const m = Cpumask.of(8, [1, 5]);
    for (const cpu of [-1, 8, 1000]) {
      expectRejection(() => m.setCpu(cpu), /cpu/);
      expectRejection(() => m.clearCpu(cpu), /cpu/);
    }
    expect(m.toString()).toBe('1,5');
  });

  it('should reject a mask of the wrong width or a look-alike in two-mask operations, changing nothing', () => {
    fc.assert(
      fc.property(fc.oneof(notMask, fc.integer({ min: 1, max: 100 }).filter((w) => w !== 8).map((w) => new Cpumask(w).setCpu(0))), (other) => {
        const a = Cpumask.of(8, [1, 5]);
        const dst = Cpumask.of(8, [7]);
        for (const [call, name] of [
          [() => a.copyFrom(other as never), /src/],
          [() => a.equal(other as never), /other/],
          [() => a.subset(other as never), /other/],
          [() => a.intersects(other as never), /other/],
          [() => a.and(other as never), /other/],
          [() => a.or(other as never), /other/],
          [() => a.andnot(other as never), /other/],
          [() => cpumaskAnd(dst, a, other as never), /\bb\b/],
          [() => { cpumaskOr(dst, other as never, a); }, /\ba\b/],
          [() => cpumaskAndnot(other as never, a, a), /dst|\ba\b/],
        ] as const) {
          expectRejection(call, name);
        }
        expect([a.toString(), dst.toString()]).toEqual(['1,5', '7']);
      }),
      { numRuns: 120, seed: SEED },
    );
  });

  it('should refuse writes to a frozen mask and keep it unchanged', () => {
    const m = Cpumask.of(4, [0, 2]).freeze();
    for (const write of [() => m.setCpu(1), () => m.clearCpu(0), () => m.setAll(), () => m.clearAll(), () => m.copyFrom(new Cpumask(4))]) {
      expectRejection(write, /read-only/);
    }
    expect(m.toString()).toBe('0,2');
  });

  it('should reject a non-function in forEach', () => {
    fc.assert(
      fc.property(anything.filter((v) => typeof v !== 'function'), (v) => {
        expectRejection(() => { Cpumask.of(4, [1]).forEach(v as never); }, /fn/);
      }),
      { numRuns: 60, seed: SEED },
    );
  });
});

describe('bad input: errnoName', () => {
  it('should print any number, and never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double()), (v) => {
        expect(typeof errnoName(v)).toBe('string');
      }),
      { numRuns: 100, seed: SEED },
    );
  });
});
