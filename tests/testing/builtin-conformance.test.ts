/**
 * Every built-in architecture passes the IPI driver conformance kit. The list comes from
 * arch/builtin.ts, so an architecture added there is tested here without further changes.
 */
import { describe, expect, it } from '@jest/globals';
import { TestArch } from '../../arch/test/index.js';
import { builtinArchNames } from '../../lib/index.js';
import {
  type IpiDriverConformanceOptions,
  describeIpiDriverConformance,
} from '../../lib/testing/index.js';

/**
 * Per-arch extras. The test arch also offers its per-CPU IPI domain for reservations. The MIPS
 * GIC's default IPI pool is exactly the 2 × nr_cpus IPIs the arch uses, so the kit's own
 * reservations get room through `mti,reserved-ipi-vectors` (4 × nr_cpus at the top).
 */
const extras: Readonly<Record<string, Partial<IpiDriverConformanceOptions>>> = {
  test: {
    reservableDomains: (m) =>
      [m.ipiDomain, m.get(TestArch).perCpuIpiDomain].flatMap((d) => (d === null ? [] : [d])),
  },
  'mips-gic': {
    archOptions: (n) => ({ gicReservedIpiVectors: [256 - 4 * n, 4 * n] }),
  },
};

describe('built-in architectures', () => {
  it('should include the arches this suite was written for', () => {
    expect(builtinArchNames()).toEqual(expect.arrayContaining(['test', 'arm64', 'riscv']));
  });
});

for (const name of builtinArchNames()) {
  describeIpiDriverConformance({ name, modules: name, ...extras[name] }, { describe, it });
}
