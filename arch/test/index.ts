/**
 * The `test` architecture: a minimal plugin whose IPI domains and chip record every call, so
 * the generic core can be exercised end to end without a real interrupt controller.
 *
 * It provides two root IPI domains on one recording chip that has both IPI hooks:
 * - `ipiDomain` (`IRQ_DOMAIN_FLAG_IPI_SINGLE`): one hwirq per reservation;
 * - `perCpuIpiDomain` (`IRQ_DOMAIN_FLAG_IPI_PER_CPU`): hwirq `stride * n + cpu` for a reservation
 *   in slot n, `stride = max(16, nr_cpu_ids)`, the lowest free slot first (so `16 * n + cpu` on
 *   machines of up to 16 CPUs). The mapping is a property of this test chip, not of Linux.
 *
 * Sends are also delivered: each target CPU gets the virq pending on a {@link SoftIntc}, so
 * handlers requested on reserved virqs run in simulated time. Cross calls and reschedules work
 * too: the first one reserves two IPIs ("IPI call", "IPI resched") on the single domain.
 *
 * @packageDocumentation
 * @module genipi/arch/test
 */
import { ContainerModule, inject, injectable } from 'inversify';
import {
  Arch,
  Cpumask,
  IrqReturn,
  Ipi,
  type IrqDesc,
  Sched,
  Smp,
  SmpOps,
  DOMAIN_BUS_IPI,
  Errno,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  IRQ_DOMAIN_FLAG_IPI_PER_CPU,
  IRQ_DOMAIN_FLAG_IPI_SINGLE,
  irqDomainIsIpiPerCpu,
  Irq,
  MachineConfig,
  type ReadonlyCpumask,
} from '../../lib/core.js';
import { SoftIntc } from '../../lib/sim/soft-intc.js';

/** One recorded chip call. */
export interface TestIpiCall {
  /** Which chip hook the core called. */
  readonly op: 'ipiSendSingle' | 'ipiSendMask';
  /** virq of the `IrqData` the core passed. */
  readonly irq: number;
  /** hwirq of that `IrqData`. */
  readonly hwirq: number;
  /** Target CPUs (one for `ipiSendSingle`), ascending. */
  readonly cpus: readonly number[];
}

/** The recording IPI chip of the test architecture; it also delivers through a {@link SoftIntc}. */
export class TestIpiChip implements IrqChip {
  readonly name = 'test-ipi';
  /** Every call so far, oldest first. */
  readonly calls: TestIpiCall[] = [];

  /** @param intc - the controller that delivers each sent virq, or null to only record. */
  constructor(readonly intc: SoftIntc | null = null) {}

  ipiSendSingle(data: IrqData, cpu: number): void {
    this.calls.push({ op: 'ipiSendSingle', irq: data.irq, hwirq: data.hwirq, cpus: [cpu] });
    this.intc?.raise(cpu, data.irq);
  }

  ipiSendMask(data: IrqData, dest: ReadonlyCpumask): void {
    this.calls.push({ op: 'ipiSendMask', irq: data.irq, hwirq: data.hwirq, cpus: dest.toArray() });
    const intc = this.intc;
    if (intc === null) return;
    // The mask hook gets the base virq's data; on a per-CPU domain CPU c's IPI is its own virq.
    const perCpu = data.domain !== null && irqDomainIsIpiPerCpu(data.domain);
    const offset = data.irq - data.common.ipiOffset;
    dest.forEach((cpu) => intc.raise(cpu, perCpu ? offset + cpu : data.irq));
  }
}

/** The `test` architecture. */
@injectable()
export class TestArch implements Arch {
  readonly name = 'test';
  /** The one recording chip behind both domains. */
  readonly chip: TestIpiChip;
  readonly ipiDomain: IrqDomain;
  /** The `IRQ_DOMAIN_FLAG_IPI_PER_CPU` domain (bus token `DOMAIN_BUS_IPI`). */
  readonly perCpuIpiDomain: IrqDomain;
  #nextSingle = 0;

  constructor(
    @inject(Irq) irq: Irq,
    @inject(SoftIntc) intc: SoftIntc,
    @inject(MachineConfig) config: MachineConfig,
  ) {
    intc.attach();
    this.chip = new TestIpiChip(intc);
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
    // Reservation slot n owns hwirqs [stride * n, stride * (n + 1)); freed slots are reused, so
    // hwirqs stay unique and the first slots use the linear reverse map.
    const stride = Math.max(16, config.nrCpuIds);
    const slotLive: number[] = [];
    this.perCpuIpiDomain = irq.irqDomainCreateHierarchy({
      parent: null,
      flags: IRQ_DOMAIN_FLAG_IPI_PER_CPU,
      size: 4 * stride,
      name: 'test-ipi-percpu',
      ops: {
        alloc: (domain, virq, nrIrqs, arg) => {
          const dest = arg as ReadonlyCpumask;
          if (dest.weight() !== nrIrqs) return -Errno.EINVAL;
          let slot = slotLive.findIndex((live) => live === 0);
          if (slot < 0) slot = slotLive.push(0) - 1;
          slotLive[slot] += nrIrqs;
          const base = stride * slot;
          let i = 0;
          dest.forEach((cpu) => {
            irq.irqDomainSetHwirqAndChip(domain, virq + i++, base + cpu, chip);
          });
          return 0;
        },
        free: (domain, virq, nrIrqs) => {
          for (let i = 0; i < nrIrqs; i++) {
            const data = irq.irqDomainGetIrqData(domain, virq + i);
            if (data !== null) slotLive[Math.floor(data.hwirq / stride)]--;
          }
          irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
        },
      },
    });
    irq.irqDomainUpdateBusToken(this.perCpuIpiDomain, DOMAIN_BUS_IPI);
  }
}

/**
 * Cross-call and reschedule IPIs of the test architecture, reserved on first use so a fresh
 * test machine has no virq allocated.
 */
@injectable()
export class TestSmpOps implements SmpOps {
  #call: IrqDesc | null = null;
  #resched: IrqDesc | null = null;
  readonly #nrCpuIds: number;
  readonly #arch: TestArch;
  readonly #irq: Irq;
  readonly #ipi: Ipi;
  readonly #smp: Smp;
  readonly #sched: Sched;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(TestArch) arch: TestArch,
    @inject(Irq) irq: Irq,
    @inject(Ipi) ipi: Ipi,
    @inject(Smp) smp: Smp,
    @inject(Sched) sched: Sched,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.#arch = arch;
    this.#irq = irq;
    this.#ipi = ipi;
    this.#smp = smp;
    this.#sched = sched;
  }

  #setup(): void {
    if (this.#call !== null) return;
    const all = Cpumask.full(this.#nrCpuIds);
    const call = this.#ipi.irqReserveIpi(this.#arch.ipiDomain, all);
    const resched = this.#ipi.irqReserveIpi(this.#arch.ipiDomain, all);
    if (call <= 0 || resched <= 0) throw new Error('test arch: cannot reserve its cross-call IPIs');
    const flow = this.#irq.flow;
    this.#irq.irqSetChipAndHandlerName(call, this.#arch.chip, flow.handlePercpuIrq, 'percpu');
    this.#irq.irqSetChipAndHandlerName(resched, this.#arch.chip, flow.handlePercpuIrq, 'percpu');
    this.#irq.requestIrq(
      call,
      () => {
        this.#smp.genericSmpCallFunctionSingleInterrupt();
        return IrqReturn.IRQ_HANDLED;
      },
      0,
      'IPI call',
      null,
    );
    this.#irq.requestIrq(
      resched,
      () => {
        this.#sched.schedulerIpi();
        return IrqReturn.IRQ_HANDLED;
      },
      0,
      'IPI resched',
      null,
    );
    this.#call = this.#irq.irqToDesc(call);
    this.#resched = this.#irq.irqToDesc(resched);
  }

  smpSendReschedule(cpu: number): void {
    this.#setup();
    this.#ipi.__ipiSendSingle(this.#resched as IrqDesc, cpu);
  }

  sendCallFunctionIpiMask(mask: ReadonlyCpumask): void {
    this.#setup();
    this.#ipi.__ipiSendMask(this.#call as IrqDesc, mask);
  }

  sendCallFunctionSingleIpi(cpu: number): void {
    this.#setup();
    this.#ipi.__ipiSendSingle(this.#call as IrqDesc, cpu);
  }
}

/** The `test` architecture's plugin module. */
export const testArchModule = new ContainerModule(({ bind }) => {
  bind(SoftIntc).toSelf().inSingletonScope();
  bind(TestArch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(TestArch);
  bind<SmpOps>(SmpOps).to(TestSmpOps).inSingletonScope();
});
