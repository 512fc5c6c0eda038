/**
 * The worked example's test file, as a plugin author writes it (docs/writing-a-driver.md,
 * step 9): the conformance kit plus a test of the driver's own behaviour.
 *
 * In your own project the imports are 'genipi' and 'genipi/testing'. In this repository the
 * file is run by tests/docs/examples.test.ts, which imports it.
 */
import { describe, expect, it } from '@jest/globals';
import { Cpumask, createMachine } from '../../../lib/index.js';
import { describeIpiDriverConformance } from '../../../lib/testing/index.js';
import { DoorbellArch, doorbellArchModule } from './doorbell.js';

describeIpiDriverConformance({ name: 'doorbell', modules: doorbellArchModule }, { describe, it });

describe('the doorbell driver', () => {
  it('should give each reservation its own doorbell, shared by all CPUs', () => {
    const m = createMachine({ arch: doorbellArchModule, nrCpus: 4 });
    const a = m.ipi.irqReserveIpi(m.ipiDomain, Cpumask.of(4, [0, 2, 3]));
    const b = m.ipi.irqReserveIpi(m.ipiDomain, Cpumask.full(4));
    expect([m.ipi.ipiGetHwirq(a, 0), m.ipi.ipiGetHwirq(a, 3), m.ipi.ipiGetHwirq(b, 1)]).toEqual([
      0, 0, 1,
    ]);
    expect(m.get(DoorbellArch).name).toBe('doorbell');
  });

  it('should run a cross call on every CPU', () => {
    const m = createMachine({ arch: doorbellArchModule, nrCpus: 4 });
    const ran: number[] = [];
    m.sim.spawn(0, function* () {
      yield* m.smp.onEachCpu(() => ran.push(m.sim.smpProcessorId()), null, true);
    });
    expect(m.run().reason).toBe('idle');
    expect(ran.sort()).toEqual([0, 1, 2, 3]);
  });
});
