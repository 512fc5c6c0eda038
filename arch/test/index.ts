/**
 * The `test` architecture: a minimal plugin whose IPI domains and chip record every call, so
 * the generic core can be exercised end to end without a real interrupt controller.
 *
 * It provides two root IPI domains on one recording chip that has both IPI hooks:
 * - `ipiDomain` (`IRQ_DOMAIN_FLAG_IPI_SINGLE`): one hwirq per reservation;
 * - `perCpuIpiDomain` (`IRQ_DOMAIN_FLAG_IPI_PER_CPU`): hwirq `16 * n + cpu` for the n-th
 *   reservation (the mapping is a property of this test chip, not of Linux).
 *
 * @packageDocumentation
 */
import { ContainerModule, inject, injectable } from 'inversify';
import {
  Arch,
  DOMAIN_BUS_IPI,
  Errno,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  IRQ_DOMAIN_FLAG_IPI_PER_CPU,
  IRQ_DOMAIN_FLAG_IPI_SINGLE,
  Irq,
  type ReadonlyCpumask,
} from '../../lib/core.js';

/** One recorded chip call. */
export interface TestIpiCall {
  readonly op: 'ipiSendSingle' | 'ipiSendMask';
  /** virq of the `IrqData` the core passed. */
  readonly irq: number;
  /** hwirq of that `IrqData`. */
  readonly hwirq: number;
  /** Target CPUs (one for `ipiSendSingle`), ascending. */
  readonly cpus: readonly number[];
}

/** The recording IPI chip of the test architecture. */
export class TestIpiChip implements IrqChip {
  readonly name = 'test-ipi';
  /** Every call so far, oldest first. */
  readonly calls: TestIpiCall[] = [];

  ipiSendSingle(data: IrqData, cpu: number): void {
    this.calls.push({ op: 'ipiSendSingle', irq: data.irq, hwirq: data.hwirq, cpus: [cpu] });
  }

  ipiSendMask(data: IrqData, dest: ReadonlyCpumask): void {
    this.calls.push({ op: 'ipiSendMask', irq: data.irq, hwirq: data.hwirq, cpus: dest.toArray() });
  }
}

/** The `test` architecture. */
@injectable()
export class TestArch implements Arch {
  readonly name = 'test';
  readonly chip = new TestIpiChip();
  readonly ipiDomain: IrqDomain;
  readonly perCpuIpiDomain: IrqDomain;
  #nextSingle = 0;
  #nextPerCpu = 0;

  constructor(@inject(Irq) irq: Irq) {
    const chip = this.chip;
    this.ipiDomain = irq.irqDomainCreateHierarchy({
      parent: null,
      flags: IRQ_DOMAIN_FLAG_IPI_SINGLE,
      size: 0,
      name: 'test-ipi-single',
      ops: {
        alloc: (domain, virq, nrIrqs) => {
          for (let i = 0; i < nrIrqs; i++) {
            irq.irqDomainSetHwirqAndChip(domain, virq + i, this.#nextSingle++, chip);
          }
          return 0;
        },
        free: (domain, virq, nrIrqs) => {
          irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
        },
      },
    });
    irq.irqDomainUpdateBusToken(this.ipiDomain, DOMAIN_BUS_IPI);
    this.perCpuIpiDomain = irq.irqDomainCreateHierarchy({
      parent: null,
      flags: IRQ_DOMAIN_FLAG_IPI_PER_CPU,
      size: 0,
      name: 'test-ipi-percpu',
      ops: {
        alloc: (domain, virq, nrIrqs, arg) => {
          const dest = arg as ReadonlyCpumask;
          if (dest.weight() !== nrIrqs) return -Errno.EINVAL;
          const base = 16 * this.#nextPerCpu++;
          let i = 0;
          dest.forEach((cpu) => {
            irq.irqDomainSetHwirqAndChip(domain, virq + i++, base + cpu, chip);
          });
          return 0;
        },
        free: (domain, virq, nrIrqs) => {
          irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
        },
      },
    });
    irq.irqDomainUpdateBusToken(this.perCpuIpiDomain, DOMAIN_BUS_IPI);
  }
}

/** The `test` architecture's plugin module. */
export const testArchModule = new ContainerModule(({ bind }) => {
  bind(TestArch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(TestArch);
});
