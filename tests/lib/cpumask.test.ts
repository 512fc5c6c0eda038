import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  Cpumask,
  cpumaskAnd,
  cpumaskAndnot,
  cpumaskOf,
  cpumaskOr,
  isCpumask,
} from '../../lib/cpumask.js';

const RUNS = { numRuns: 200 };

/** A width in 1..300 (many not a multiple of 32) and a CPU set of that width, sparse, dense or a run. */
function setArb(w: number): fc.Arbitrary<number[]> {
  return fc.oneof(
    fc.uniqueArray(fc.nat(w - 1), { maxLength: Math.min(w, 24) }),
    fc
      .array(fc.boolean(), { minLength: w, maxLength: w })
      .map((bits) => bits.flatMap((on, cpu) => (on ? [cpu] : []))),
    fc
      .tuple(fc.nat(w - 1), fc.nat(w - 1))
      .map(([x, y]) => Array.from({ length: Math.abs(x - y) + 1 }, (_, i) => Math.min(x, y) + i)),
  );
}

const widthArb = fc.oneof(
  fc.integer({ min: 1, max: 300 }),
  fc.constantFrom(1, 31, 32, 33, 63, 64, 65, 96, 300),
);

const pairArb = widthArb.chain((w) =>
  fc.record({ w: fc.constant(w), a: setArb(w), b: setArb(w), n: fc.integer({ min: -1, max: w }) }),
);

function model(list: readonly number[]): Set<number> {
  return new Set(list);
}

function sorted(set: ReadonlySet<number>): number[] {
  return [...set].sort((x, y) => x - y);
}

function modelNext(set: ReadonlySet<number>, w: number, n: number): number {
  for (let c = n + 1; c < w; c++) if (set.has(c)) return c;
  return w;
}

function modelNextZero(set: ReadonlySet<number>, w: number, n: number): number {
  for (let c = Math.max(0, n + 1); c < w; c++) if (!set.has(c)) return c;
  return w;
}

/** `%*pbl` of a set, computed independently of Cpumask. */
function modelList(set: ReadonlySet<number>): string {
  const cpus = sorted(set);
  const parts: string[] = [];
  for (let i = 0; i < cpus.length;) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** `%*pb` of a set, computed with BigInt. */
function modelHex(set: ReadonlySet<number>, w: number): string {
  let value = 0n;
  for (const cpu of set) value |= 1n << BigInt(cpu);
  const nwords = Math.ceil(w / 32);
  const parts: string[] = [];
  for (let i = nwords - 1; i >= 0; i--) {
    const word = (value >> BigInt(32 * i)) & 0xffffffffn;
    const digits = i === nwords - 1 ? Math.ceil((w - 32 * (nwords - 1)) / 4) : 8;
    parts.push(word.toString(16).padStart(digits, '0'));
  }
  return parts.join(',');
}

describe(Cpumask, () => {
  describe('having a width from 1 to 300', () => {
    it('should start empty with nrCpuIds words of backing store', () => {
      fc.assert(
        fc.property(widthArb, (w) => {
          const m = new Cpumask(w);
          expect(m.nrCpuIds).toBe(w);
          expect(m.words).toHaveLength(Math.ceil(w / 32));
          expect(m.empty()).toBe(true);
          expect(m.weight()).toBe(0);
          expect(m.first()).toBe(w);
        }),
        RUNS,
      );
    });
  });

  describe('having random set/clear sequences against a Set<number> model', () => {
    it('should agree on testCpu, weight, first, toArray and iteration', () => {
      fc.assert(
        fc.property(pairArb, ({ w, a, b }) => {
          const m = new Cpumask(w);
          for (const cpu of a) m.setCpu(cpu);
          for (const cpu of b) m.clearCpu(cpu);
          const s = model(a);
          for (const cpu of b) s.delete(cpu);
          const all = Array.from({ length: w }, (_, cpu) => cpu);
          expect(all.map((cpu) => m.testCpu(cpu))).toEqual(all.map((cpu) => s.has(cpu)));
          expect(m.weight()).toBe(s.size);
          expect(m.first()).toBe(s.size === 0 ? w : Math.min(...s));
          expect(m.toArray()).toEqual(sorted(s));
          expect([...m]).toEqual(sorted(s));
          const seen: number[] = [];
          m.forEach((cpu) => seen.push(cpu));
          expect(seen).toEqual(sorted(s));
          expect(m.empty()).toBe(s.size === 0);
          expect(m.full()).toBe(s.size === w);
        }),
        RUNS,
      );
    });

    it('should agree on next(n) and nextZero(n) for every n from -1 to nrCpuIds', () => {
      fc.assert(
        fc.property(pairArb, ({ w, a }) => {
          const m = Cpumask.of(w, a);
          const s = model(a);
          const cursors = Array.from({ length: w + 2 }, (_, i) => i - 1);
          expect(cursors.map((n) => m.next(n))).toEqual(cursors.map((n) => modelNext(s, w, n)));
          expect(cursors.map((n) => m.nextZero(n))).toEqual(
            cursors.map((n) => modelNextZero(s, w, n)),
          );
        }),
        { numRuns: 100 },
      );
    });

    it('should agree on subset, equal and intersects', () => {
      fc.assert(
        fc.property(pairArb, ({ w, a, b }) => {
          const ma = Cpumask.of(w, a);
          const mb = Cpumask.of(w, b);
          const sa = model(a);
          const sb = model(b);
          expect(ma.subset(mb)).toBe([...sa].every((c) => sb.has(c)));
          expect(ma.equal(mb)).toBe(sa.size === sb.size && [...sa].every((c) => sb.has(c)));
          expect(ma.intersects(mb)).toBe([...sa].some((c) => sb.has(c)));
          expect(ma.subset(ma.or(mb))).toBe(true);
          expect(ma.and(mb).subset(mb)).toBe(true);
          expect(ma.equal(ma.copy())).toBe(true);
        }),
        RUNS,
      );
    });

    it('should agree on and, or and andnot, methods and free functions alike', () => {
      fc.assert(
        fc.property(pairArb, ({ w, a, b }) => {
          const ma = Cpumask.of(w, a);
          const mb = Cpumask.of(w, b);
          const sa = model(a);
          const sb = model(b);
          const and = sorted(new Set([...sa].filter((c) => sb.has(c))));
          const or = sorted(new Set([...sa, ...sb]));
          const andnot = sorted(new Set([...sa].filter((c) => !sb.has(c))));
          expect(ma.and(mb).toArray()).toEqual(and);
          expect(ma.or(mb).toArray()).toEqual(or);
          expect(ma.andnot(mb).toArray()).toEqual(andnot);
          const dst = Cpumask.full(w);
          expect(cpumaskAnd(dst, ma, mb)).toBe(and.length > 0);
          expect(dst.toArray()).toEqual(and);
          cpumaskOr(dst, ma, mb);
          expect(dst.toArray()).toEqual(or);
          expect(cpumaskAndnot(dst, ma, mb)).toBe(andnot.length > 0);
          expect(dst.toArray()).toEqual(andnot);
          // Operands are untouched.
          expect(ma.toArray()).toEqual(sorted(sa));
          expect(mb.toArray()).toEqual(sorted(sb));
        }),
        RUNS,
      );
    });

    it('should print the list format and parse it back (toString → parseList)', () => {
      fc.assert(
        fc.property(pairArb, ({ w, a }) => {
          const m = Cpumask.of(w, a);
          const text = m.toString();
          expect(text).toBe(modelList(model(a)));
          expect(Cpumask.parseList(w, text).equal(m)).toBe(true);
        }),
        RUNS,
      );
    });

    it('should print the hex format and parse it back (toHex → parseHex)', () => {
      fc.assert(
        fc.property(pairArb, ({ w, a }) => {
          const m = Cpumask.of(w, a);
          const hex = m.toHex();
          expect(hex).toBe(modelHex(model(a), w));
          expect(Cpumask.parseHex(w, hex).equal(m)).toBe(true);
        }),
        RUNS,
      );
    });

    it('should keep bits at or above nrCpuIds clear after setAll', () => {
      fc.assert(
        fc.property(widthArb, (w) => {
          const m = Cpumask.full(w);
          expect(m.weight()).toBe(w);
          expect(m.full()).toBe(true);
          expect(m.nextZero(-1)).toBe(w);
          const tail = w & 31;
          if (tail !== 0) expect(m.words[m.words.length - 1]).toBe(2 ** tail - 1);
          expect(m.clearAll().empty()).toBe(true);
        }),
        RUNS,
      );
    });
  });

  describe('having an invalid width', () => {
    it.each([0, -1, 1.5, NaN, Infinity, null, undefined, '8'])(
      'should throw a RangeError naming nrCpuIds for %p',
      (w) => {
        expect(() => new Cpumask(w as never)).toThrow(RangeError);
        expect(() => new Cpumask(w as never)).toThrow(/nrCpuIds/);
      },
    );
  });
});

describe(Cpumask.of, () => {
  describe('having a list of CPUs', () => {
    it('should set exactly those CPUs, duplicates allowed', () => {
      expect(Cpumask.of(8, [2, 3, 4, 3]).toString()).toBe('2-4');
      expect(Cpumask.of(8, new Set([7])).toArray()).toEqual([7]);
    });
  });

  describe('having bad input', () => {
    it('should reject a CPU outside the mask with a RangeError naming cpu', () => {
      expect(() => Cpumask.of(8, [8])).toThrow(RangeError);
      expect(() => Cpumask.of(8, [8])).toThrow(/cpu 8/);
      expect(() => Cpumask.of(8, [NaN])).toThrow(/cpu NaN/);
      expect(() => Cpumask.of(8, [1.5])).toThrow(/cpu 1.5/);
    });

    it('should reject a non-iterable cpus with a TypeError naming cpus', () => {
      expect(() => Cpumask.of(8, null as never)).toThrow(TypeError);
      expect(() => Cpumask.of(8, null as never)).toThrow(/cpus/);
      expect(() => Cpumask.of(8, 5 as never)).toThrow(/cpus/);
    });
  });
});

describe(Cpumask.parseList, () => {
  describe('having the Linux list syntax', () => {
    it.each([
      ['', ''],
      ['  ', ''],
      ['0-3,5', '0-3,5'],
      ['5,0-3', '0-3,5'],
      ['7', '7'],
      [' 1 , 2 ', '1-2'],
      ['0-7:2/4', '0-1,4-5'],
      ['8-15:1/3', '8,11,14'],
      ['0-15:4/4', '0-15'],
    ])('should parse %j as %j', (text, expected) => {
      expect(Cpumask.parseList(16, text).toString()).toBe(expected);
    });
  });

  describe('having a malformed or out-of-range list', () => {
    it.each(['x', '1-', '-1', '3-1', '16', '0-16', '0-7:0/4', '0-7:3/2', '0-7:1/0', '1,,2', '1.5'])(
      'should throw a RangeError naming the token for %j',
      (text) => {
        expect(() => Cpumask.parseList(16, text)).toThrow(RangeError);
        expect(() => Cpumask.parseList(16, text)).toThrow(/Cpumask\.parseList: (token|range) "/);
      },
    );

    it.each([null, undefined, 5, ['0']])('should throw a TypeError naming list for %p', (bad) => {
      expect(() => Cpumask.parseList(16, bad as never)).toThrow(TypeError);
      expect(() => Cpumask.parseList(16, bad as never)).toThrow(/Cpumask\.parseList: list is/);
    });

    it('should reject a bad width with a RangeError naming nrCpuIds', () => {
      expect(() => Cpumask.parseList(0, '0')).toThrow(/nrCpuIds/);
    });
  });
});

describe(Cpumask.parseHex, () => {
  describe('having the Linux hex bitmap syntax', () => {
    it.each([
      [64, '00000000,00000004', [2]],
      [64, '80000000,00000001', [0, 63]],
      [8, '03', [0, 1]],
      [8, '3', [0, 1]],
      [1, '1', [0]],
      [36, 'f,00000000', [32, 33, 34, 35]],
      [64, 'FFFFFFFF,ffffffff', Array.from({ length: 64 }, (_, i) => i)],
    ])('should parse a %d-bit mask %j', (w, hex, list) => {
      expect(Cpumask.parseHex(w, hex).toArray()).toEqual(list);
    });
  });

  describe('having a malformed hex string', () => {
    it.each([
      [8, 'g'],
      [8, ''],
      [64, '0,,1'],
      [64, '123456789'],
      [8, '100'],
      [36, '10,00000000'],
    ])('should throw a RangeError for a %d-bit mask and %j', (w, hex) => {
      expect(() => Cpumask.parseHex(w, hex)).toThrow(RangeError);
      expect(() => Cpumask.parseHex(w, hex)).toThrow(/Cpumask\.parseHex: (chunk|bit)/);
    });

    it.each([null, undefined, 4])('should throw a TypeError naming hex for %p', (bad) => {
      expect(() => Cpumask.parseHex(8, bad as never)).toThrow(TypeError);
      expect(() => Cpumask.parseHex(8, bad as never)).toThrow(/Cpumask\.parseHex: hex is/);
    });
  });
});

describe(Cpumask.prototype.toHex, () => {
  describe('having widths that are and are not multiples of 32', () => {
    it.each([
      [64, [0], '00000000,00000001'],
      [8, [0, 1], '03'],
      [1, [], '0'],
      [33, [32], '1,00000000'],
      [32, [31], '80000000'],
      [
        300,
        [299],
        '800,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000',
      ],
    ])('should print a %d-bit mask of %j as %j', (w, list, hex) => {
      expect(Cpumask.of(w, list).toHex()).toBe(hex);
    });
  });
});

describe(Cpumask.prototype.toString, () => {
  describe('having runs and single CPUs', () => {
    it.each([
      [[], ''],
      [[0, 1, 2, 3, 5], '0-3,5'],
      [[31, 32], '31-32'],
      [[0, 2, 4], '0,2,4'],
    ])('should print %j as %j', (list, text) => {
      expect(Cpumask.of(64, list).toString()).toBe(text);
    });
  });
});

describe(Cpumask.prototype.freeze, () => {
  describe('having a frozen mask', () => {
    it('should refuse every write with a TypeError and leave the bits alone', () => {
      const m = Cpumask.of(8, [1, 2]).freeze();
      expect(m.frozen).toBe(true);
      const writes: (() => unknown)[] = [
        () => m.setCpu(3),
        () => m.clearCpu(1),
        () => m.setAll(),
        () => m.clearAll(),
        () => m.copyFrom(new Cpumask(8)),
        () => cpumaskAnd(m, m, m),
        () => {
          cpumaskOr(m, m, m);
        },
        () => cpumaskAndnot(m, m, m),
      ];
      for (const write of writes) expect(write).toThrow(/read-only/);
      expect(m.toString()).toBe('1-2');
    });

    it('should still allow reads and give writable copies', () => {
      const m = Cpumask.of(8, [1, 2]).freeze();
      expect(m.testCpu(2)).toBe(true);
      const c = m.copy();
      expect(c.frozen).toBe(false);
      expect(c.setCpu(5).toString()).toBe('1-2,5');
      expect(new Cpumask(8).frozen).toBe(false);
    });
  });
});

describe(Cpumask.prototype.testCpu, () => {
  describe('having an integer outside [0, nrCpuIds)', () => {
    it.each([-1, 8, 100, 2 ** 40])('should return false for %d', (cpu) => {
      expect(Cpumask.full(8).testCpu(cpu)).toBe(false);
    });
  });

  describe('having a non-integer', () => {
    it.each([NaN, 1.5, null, undefined, '1', Infinity])(
      'should throw a TypeError naming cpu for %p',
      (bad) => {
        const m = Cpumask.full(8);
        expect(() => m.testCpu(bad as never)).toThrow(TypeError);
        expect(() => m.testCpu(bad as never)).toThrow(/Cpumask\.testCpu: cpu is/);
      },
    );
  });
});

describe(Cpumask.prototype.setCpu, () => {
  describe('having a CPU outside the mask or a non-integer', () => {
    it.each([-1, 8, 1.5, NaN, null, undefined])(
      'should throw a RangeError naming cpu for %p and change nothing',
      (bad) => {
        const m = Cpumask.of(8, [1]);
        expect(() => m.setCpu(bad as never)).toThrow(RangeError);
        expect(() => m.clearCpu(bad as never)).toThrow(/Cpumask\.clearCpu: cpu/);
        expect(() => m.setCpu(bad as never)).toThrow(/Cpumask\.setCpu: cpu/);
        expect(m.toArray()).toEqual([1]);
      },
    );
  });
});

describe(Cpumask.prototype.next, () => {
  describe('having cursors below -1', () => {
    it('should return nrCpuIds like the unsigned C arithmetic', () => {
      const m = Cpumask.full(40);
      expect(m.next(-5)).toBe(40);
      expect(m.nextZero(-5)).toBe(40);
    });
  });

  describe('having a non-integer cursor', () => {
    it.each([NaN, 0.5, null, undefined])('should throw a TypeError naming n for %p', (bad) => {
      const m = Cpumask.full(8);
      expect(() => m.next(bad as never)).toThrow(TypeError);
      expect(() => m.next(bad as never)).toThrow(/Cpumask\.next: n is/);
      expect(() => m.nextZero(bad as never)).toThrow(/Cpumask\.nextZero: n is/);
    });
  });
});

describe(Cpumask.prototype.forEach, () => {
  describe('having a non-function callback', () => {
    it.each([null, undefined, 3])(
      'should throw a TypeError naming fn for %p, even on an empty mask',
      (bad) => {
        expect(() => {
          new Cpumask(8).forEach(bad as never);
        }).toThrow(TypeError);
        expect(() => {
          new Cpumask(8).forEach(bad as never);
        }).toThrow(/Cpumask\.forEach: fn is/);
      },
    );
  });

  describe('having CPU 31 and CPU 63 set', () => {
    it('should visit the top bit of each word', () => {
      const seen: number[] = [];
      Cpumask.of(64, [63, 0, 31]).forEach((cpu) => seen.push(cpu));
      expect(seen).toEqual([0, 31, 63]);
    });
  });

  describe('having sparse masks, whose empty words are skipped two at a time', () => {
    it('should visit exactly the set CPUs in ascending order, whatever the width and parity', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 700 }).chain((w) =>
            fc.record({ w: fc.constant(w), cpus: fc.uniqueArray(fc.integer({ min: 0, max: w - 1 }), { maxLength: 6 }) }),
          ),
          ({ w, cpus }) => {
            const seen: number[] = [];
            Cpumask.of(w, cpus).forEach((cpu) => seen.push(cpu));
            expect(seen).toEqual([...cpus].sort((a, b) => a - b));
          },
        ),
        { numRuns: 400 },
      );
    });

    it('should see a bit the callback sets in a later, still unvisited word', () => {
      const m = Cpumask.of(256, [3]);
      const seen: number[] = [];
      m.forEach((cpu) => {
        seen.push(cpu);
        if (cpu === 3) m.setCpu(200);
      });
      expect(seen).toEqual([3, 200]);
    });
  });
});

describe(Cpumask.prototype.subset, () => {
  describe('having an operand of the wrong width or kind', () => {
    const a = Cpumask.of(8, [1]);
    const ops: [string, (other: never) => unknown][] = [
      ['equal', (o) => a.equal(o)],
      ['subset', (o) => a.subset(o)],
      ['intersects', (o) => a.intersects(o)],
      ['and', (o) => a.and(o)],
      ['or', (o) => a.or(o)],
      ['andnot', (o) => a.andnot(o)],
      ['copyFrom', (o) => a.copy().copyFrom(o)],
    ];

    it.each(ops)(
      'should make %s throw a RangeError naming the operand for a 16-bit mask',
      (name, op) => {
        expect(() => op(Cpumask.of(16, [1]) as never)).toThrow(RangeError);
        expect(() => op(Cpumask.of(16, [1]) as never)).toThrow(
          new RegExp(`Cpumask\\.${name}: (other|src) is 16 bits wide`),
        );
      },
    );

    it.each(ops)(
      'should make %s throw a TypeError naming the operand for null, undefined or a number',
      (name, op) => {
        for (const bad of [null, undefined, 5]) {
          expect(() => op(bad as never)).toThrow(TypeError);
          expect(() => op(bad as never)).toThrow(new RegExp(`Cpumask\\.${name}: (other|src) is`));
        }
        expect(a.toArray()).toEqual([1]);
      },
    );
  });
});

describe(cpumaskAnd, () => {
  describe('having masks of different widths or non-masks', () => {
    it.each([
      ['cpumaskAnd', cpumaskAnd],
      ['cpumaskOr', cpumaskOr],
      ['cpumaskAndnot', cpumaskAndnot],
    ] as const)('should make %s throw naming dst, a or b and leave dst unchanged', (name, fn) => {
      const dst = Cpumask.of(8, [7]);
      const ok = Cpumask.of(8, [1]);
      const wide = Cpumask.of(16, [1]);
      expect(() => fn(dst, wide, ok)).toThrow(new RegExp(`${name}: a is 16 bits wide`));
      expect(() => fn(dst, ok, wide)).toThrow(new RegExp(`${name}: b is 16 bits wide`));
      expect(() => fn(dst, ok, null as never)).toThrow(new RegExp(`${name}: b is null`));
      expect(() => fn(dst, undefined as never, ok)).toThrow(new RegExp(`${name}: a is undefined`));
      expect(() => fn(null as never, ok, ok)).toThrow(new RegExp(`${name}: dst is null`));
      expect(() => fn(Cpumask.of(16, []), ok, ok)).toThrow(RangeError);
      expect(dst.toArray()).toEqual([7]);
    });
  });

  describe('having an empty intersection', () => {
    it('should return false and leave dst empty', () => {
      const dst = Cpumask.full(8);
      expect(cpumaskAnd(dst, Cpumask.of(8, [1]), Cpumask.of(8, [2]))).toBe(false);
      expect(dst.empty()).toBe(true);
    });
  });
});

describe(cpumaskOf, () => {
  describe('having a CPU in range', () => {
    it('should give a one-CPU mask', () => {
      expect(cpumaskOf(70, 69).toArray()).toEqual([69]);
    });
  });

  describe('having a CPU out of range', () => {
    it('should throw a RangeError naming cpu', () => {
      expect(() => cpumaskOf(8, 8)).toThrow(/cpu 8/);
    });
  });
});

describe(isCpumask, () => {
  describe('having masks and look-alikes', () => {
    it('should accept only real Cpumask objects', () => {
      expect(isCpumask(new Cpumask(4))).toBe(true);
      expect(isCpumask({ nrCpuIds: 4, words: new Uint32Array(1) })).toBe(false);
      expect(isCpumask(null)).toBe(false);
    });
  });
});
