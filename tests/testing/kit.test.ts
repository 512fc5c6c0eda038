/**
 * The conformance kit's own tests: it passes a correct driver and fails each deliberately broken
 * one with a message that says what is wrong.
 */
import { describe, expect, it } from '@jest/globals';
import {
  ConformanceError,
  DEFAULT_CONFORMANCE_SIZES,
  type ConformanceTestApi,
  type IpiDriverConformanceOptions,
  describeIpiDriverConformance,
  ipiConformanceCheck,
  ipiConformanceChecks,
  runIpiDriverConformance,
} from '../../lib/testing/index.js';
import { type ToyBug, toyArchModule, toyArchModuleNoSmpOps } from './toy-arch.js';

function toy(bug: ToyBug = null): IpiDriverConformanceOptions {
  return {
    name: bug === null ? 'toy' : `toy/${bug}`,
    modules: toyArchModule,
    archOptions: { bug },
  };
}

/** Runs one check and returns its error (fails the test if it passes or throws something else). */
function failure(
  check: string,
  options: IpiDriverConformanceOptions,
  nrCpus: number,
): ConformanceError {
  try {
    ipiConformanceCheck(check).run(options, nrCpus);
  } catch (e) {
    if (e instanceof ConformanceError) return e;
    throw e;
  }
  throw new Error(`${check} passed on ${options.name} with ${nrCpus} CPUs; it should have failed`);
}

describe('the conformance kit on a correct driver', () => {
  it('should report no failure at any size', () => {
    expect(runIpiDriverConformance({ ...toy(), sizes: [1, 2, 3, 6] })).toEqual([]);
  });

  it('should list its checks in a fixed order with stable ids', () => {
    expect(ipiConformanceChecks.map((c) => c.id)).toEqual([
      'boot',
      'domain-layout',
      'reserved-delivery',
      'cross-call-delivery',
      'coalescing',
      'ack-eoi-order',
      'offline-cpus',
      'bad-arguments',
    ]);
    expect(DEFAULT_CONFORMANCE_SIZES).toEqual([1, 2, 5, 17]);
  });

  it('should declare one describe per size and one it per check through the runner API', () => {
    const titles: string[] = [];
    const bodies: (() => void)[] = [];
    let depth = 0;
    const api: ConformanceTestApi = {
      describe: (name, fn) => {
        titles.push(`${'  '.repeat(depth)}${name}`);
        depth++;
        fn();
        depth--;
      },
      it: (name, fn) => {
        titles.push(`${'  '.repeat(depth)}- ${name}`);
        bodies.push(fn);
      },
    };
    describeIpiDriverConformance({ ...toy(), sizes: [1, 3] }, api);
    expect(titles[0]).toBe('IPI driver conformance: toy');
    expect(titles[1]).toBe('  with 1 CPU');
    expect(titles[2]).toBe('    - boot: boots, attaches an interrupt controller and binds SmpOps');
    expect(titles).toContain('  with 3 CPUs');
    expect(bodies).toHaveLength(2 * ipiConformanceChecks.length);
    for (const body of bodies) body();
  });
});

describe('the conformance kit on broken drivers', () => {
  it('should fail a chip that drops every second IPI, naming the CPU, the virq and the loss', () => {
    const e = failure('reserved-delivery', toy('drop'), 2);
    expect(e.message).toMatch(
      /^\[toy\/drop, 2 CPUs\] reserved-delivery: reservation \{0-1\} on toy-ipi-6 \(base virq \d+\): ipiSendSingle\(\d+, 1\) from CPU 0: CPU 1 ran the handler of virq \d+ 0 time\(s\); expected exactly 1 \(the driver lost an IPI, or never EOI'd an earlier one\)$/,
    );
    expect([e.driver, e.nrCpus, e.check]).toEqual(['toy/drop', 2, 'reserved-delivery']);
    // Cross calls wait for the lost IPI forever: the kit reports the deadlock, not a hang.
    expect(failure('cross-call-delivery', toy('drop'), 3).message).toMatch(
      /cross-call-delivery: smpCallFunctionSingle\(t, func, info, true\) from every CPU to every CPU: the simulation stopped \(stalled\): deadlock: [\s\S]*an IPI was lost/,
    );
  });

  it('should fail a per-CPU domain that gives every CPU the same hwirq', () => {
    expect(failure('domain-layout', toy('same-hwirq'), 2).message).toMatch(
      /domain-layout: after reservation \{0-1\} on toy-ipi-6: virq \d+ has hwirq \d+ in domain "toy-ipi-6", but that hwirq maps back to virq \d+; two virqs share a hwirq/,
    );
  });

  it('should fail a controller that EOIs before the handler runs', () => {
    expect(failure('ack-eoi-order', toy('eoi-early'), 2).message).toMatch(
      /ack-eoi-order: CPU \d: EOI of virq \d+ before its handler ran \(EOI must come after the handler\)/,
    );
  });

  it('should fail a chip whose EOI never completes, as a lost IPI', () => {
    expect(failure('cross-call-delivery', toy('no-eoi'), 2).message).toMatch(
      /stopped \(stalled\)[\s\S]*never EOI'd/,
    );
  });

  it('should fail reschedule IPIs that reach the wrong CPU', () => {
    expect(failure('cross-call-delivery', toy('misroute'), 3).message).toBe(
      '[toy/misroute, 3 CPUs] cross-call-delivery: smpSendReschedule(0) from CPU 1: scheduler_ipi() ran 0 time(s) on CPU 0; expected 1',
    );
  });

  it('should fail an arch that binds no SmpOps or attaches no interrupt controller', () => {
    expect(failure('boot', { name: 'no-ops', modules: toyArchModuleNoSmpOps }, 2).message).toMatch(
      /boot: the arch binds no SmpOps/,
    );
    expect(failure('boot', toy('no-intc'), 2).message).toMatch(
      /boot: no interrupt controller is attached/,
    );
  });

  it('should fail a machine that does not boot, with the error', () => {
    expect(failure('boot', { name: 'nope', modules: 'no-such-arch' }, 1).message).toMatch(
      /^\[nope, 1 CPU\] boot: the machine does not boot: createMachine: arch "no-such-arch" is not built in/,
    );
  });

  it('should collect every failure in runIpiDriverConformance', () => {
    const failures = runIpiDriverConformance({ ...toy('drop'), sizes: [2] });
    expect(failures.map((f) => f.check)).toEqual(
      expect.arrayContaining(['reserved-delivery', 'cross-call-delivery', 'coalescing']),
    );
    expect(failures.every((f) => f.error instanceof ConformanceError && f.nrCpus === 2)).toBe(true);
  });
});

describe('the conformance kit options', () => {
  it('should reject malformed options when the suite is declared', () => {
    const api: ConformanceTestApi = { describe: () => undefined, it: () => undefined };
    expect(() => {
      describeIpiDriverConformance({ name: '', modules: toyArchModule }, api);
    }).toThrow(TypeError);
    expect(() => {
      describeIpiDriverConformance({ name: 'x', modules: toyArchModule, sizes: [0] }, api);
    }).toThrow(/options.sizes contains 0/);
  });

  it('should name the checks when asked for an unknown one', () => {
    expect(() => ipiConformanceCheck('nope')).toThrow(
      /no check "nope"; the checks are boot, domain-layout/,
    );
  });

  it('should compute archOptions per size and accept a built-in arch name', () => {
    const seen: number[] = [];
    ipiConformanceCheck('boot').run(
      {
        name: 'arm64',
        modules: 'arm64',
        archOptions: (n) => {
          seen.push(n);
          return { mpidr: Array.from({ length: n }, (_, cpu) => ((cpu >> 2) << 8) | (cpu & 3)) };
        },
      },
      6,
    );
    expect(seen).toEqual([6]);
  });
});
