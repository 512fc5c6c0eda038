import { describe, expect, it } from '@jest/globals';
import { Cpumask, createMachine } from '../../lib/index.js';
import { TestArch } from '../../arch/test/index.js';

describe('createMachine', () => {
  it('should reserve and send on the test arch', () => {
    const m = createMachine({ arch: 'test', nrCpus: 8 });
    const virq = m.ipi.irqReserveIpi(m.ipiDomain, Cpumask.of(8, [1, 2, 3]));
    expect(virq).toBe(1);
    expect(m.ipi.ipiSendMask(virq, Cpumask.of(8, [2, 3]))).toBe(0);
    expect(m.get(TestArch).chip.calls).toEqual([{ op: 'ipiSendMask', irq: 1, hwirq: 0, cpus: [2, 3] }]);
  });
});
