/**
 * A small architecture for the conformance kit's own tests, with switchable bugs. Correct, it is
 * a per-CPU IPI domain (hwirq = 32 * slot + cpu) on a chip with only `ipiSendSingle`, delivered
 * by a controller that keeps one interrupt in service per CPU until the chip's EOI.
 *
 * Bugs (`archOptions.bug`):
 * - `drop`: the chip drops every second IPI;
 * - `same-hwirq`: every CPU of a reservation gets the same hwirq;
 * - `eoi-early`: the controller EOIs before running the handler;
 * - `no-eoi`: the chip's EOI does nothing, so a CPU takes one interrupt and then no more;
 * - `misroute`: reschedule IPIs go to the next CPU;
 * - `no-smp-ops`: the module binds no `SmpOps`;
 * - `no-intc`: no interrupt controller is attached.
 */
import { ContainerModule, inject, injectable } from 'inversify';
import {
  Arch,
  ArchOptions,
  Cpumask,
  DOMAIN_BUS_IPI,
  Errno,
  IRQ_DOMAIN_FLAG_IPI_PER_CPU,
  type InterruptController,
  Ipi,
  Irq,
  type IrqChip,
  type IrqData,
  type IrqDesc,
  type IrqDomain,
  IrqReturn,
  MachineConfig,
  type ReadonlyCpumask,
  Sched,
  SimCpus,
  Smp,
  SmpOps,
} from '../../lib/core.js';

export type ToyBug =
  'drop' | 'same-hwirq' | 'eoi-early' | 'no-eoi' | 'misroute' | 'no-smp-ops' | 'no-intc' | null;

@injectable()
export class ToyArch implements Arch, InterruptController {
  readonly name = 'toy';
  readonly ipiDomain: IrqDomain;
  readonly chip: IrqChip;
  readonly bug: ToyBug;
  readonly #pending: Set<number>[] = [];
  readonly #inService: number[] = [];
  readonly #irq: Irq;
  #sends = 0;
  #slot = 0;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Irq) irq: Irq,
    @inject(ArchOptions) options: ArchOptions,
  ) {
    this.#irq = irq;
    this.bug = (options.bug as ToyBug | undefined) ?? null;
    for (let c = 0; c < config.nrCpuIds; c++) {
      this.#pending.push(new Set());
      this.#inService.push(-1);
    }
    this.chip = {
      name: 'toy',
      ipiSendSingle: (data: IrqData, cpu: number) => {
        if (this.bug === 'drop' && this.#sends++ % 2 === 1) return;
        this.#pending[cpu].add(data.irq);
        if (this.pending(cpu)) cpus.kick(cpu);
      },
      irqEoi: () => {
        if (this.bug === 'no-eoi') return;
        const cpu = cpus.smpProcessorId();
        this.#inService[cpu] = -1;
        if (this.pending(cpu)) cpus.kick(cpu);
      },
    };
    this.ipiDomain = irq.irqDomainCreateHierarchy({
      parent: null,
      flags: IRQ_DOMAIN_FLAG_IPI_PER_CPU,
      size: 0,
      name: 'toy-ipi',
      ops: {
        alloc: (domain, virq, nrIrqs, arg) => {
          const dest = arg as ReadonlyCpumask;
          const base = 32 * this.#slot++;
          let i = 0;
          dest.forEach((cpu) => {
            irq.irqDomainSetInfo(
              domain,
              virq + i++,
              this.bug === 'same-hwirq' ? base : base + cpu,
              this.chip,
              null,
              irq.flow.handlePercpuIrq,
              null,
              'percpu',
            );
          });
          return i === nrIrqs ? 0 : -Errno.EINVAL;
        },
        free: (domain, virq, nrIrqs) => {
          irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
        },
      },
    });
    irq.irqDomainUpdateBusToken(this.ipiDomain, DOMAIN_BUS_IPI);
    if (this.bug !== 'no-intc') cpus.attachInterruptController(this);
  }

  pending(cpu: number): boolean {
    return this.#inService[cpu] < 0 && this.#pending[cpu].size > 0;
  }

  acknowledge(cpu: number): number {
    if (!this.pending(cpu)) return -1;
    const virq = Math.min(...this.#pending[cpu]);
    this.#pending[cpu].delete(virq);
    this.#inService[cpu] = virq;
    return virq;
  }

  dispatch(_cpu: number, virq: number): void {
    const desc = this.#irq.irqToDesc(virq);
    if (desc === null) return;
    if (this.bug === 'eoi-early') this.chip.irqEoi?.(desc.irqData);
    this.#irq.genericHandleIrq(virq);
  }

  pendingCount(cpu: number): number {
    return this.#pending[cpu].size;
  }
}

@injectable()
export class ToySmpOps implements SmpOps {
  #call: IrqDesc | null = null;
  #resched: IrqDesc | null = null;

  constructor(
    @inject(MachineConfig) private readonly config: MachineConfig,
    @inject(ToyArch) private readonly arch: ToyArch,
    @inject(Irq) private readonly irq: Irq,
    @inject(Ipi) private readonly ipi: Ipi,
    @inject(Smp) private readonly smp: Smp,
    @inject(Sched) private readonly sched: Sched,
  ) {}

  #setup(): void {
    if (this.#call !== null) return;
    const all = Cpumask.full(this.config.nrCpuIds);
    const call = this.ipi.irqReserveIpi(this.arch.ipiDomain, all);
    const resched = this.ipi.irqReserveIpi(this.arch.ipiDomain, all);
    for (let cpu = 0; cpu < this.config.nrCpuIds; cpu++) {
      this.irq.requestIrq(
        call + cpu,
        () => {
          this.smp.genericSmpCallFunctionSingleInterrupt();
          return IrqReturn.IRQ_HANDLED;
        },
        0,
        'toy call',
        null,
      );
      this.irq.requestIrq(
        resched + cpu,
        () => {
          this.sched.schedulerIpi();
          return IrqReturn.IRQ_HANDLED;
        },
        0,
        'toy resched',
        null,
      );
    }
    this.#call = this.irq.irqToDesc(call);
    this.#resched = this.irq.irqToDesc(resched);
  }

  smpSendReschedule(cpu: number): void {
    this.#setup();
    const target = this.arch.bug === 'misroute' ? (cpu + 1) % this.config.nrCpuIds : cpu;
    this.ipi.__ipiSendSingle(this.#resched as IrqDesc, target);
  }

  sendCallFunctionIpiMask(mask: ReadonlyCpumask): void {
    this.#setup();
    this.ipi.__ipiSendMask(this.#call as IrqDesc, mask);
  }

  sendCallFunctionSingleIpi(cpu: number): void {
    this.#setup();
    this.ipi.__ipiSendSingle(this.#call as IrqDesc, cpu);
  }
}

/** The toy arch: `createMachine({ arch: toyArchModule, archOptions: { bug } })`. */
export const toyArchModule = new ContainerModule(({ bind }) => {
  bind(ToyArch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(ToyArch);
  bind<SmpOps>(SmpOps).to(ToySmpOps).inSingletonScope();
});

/** The toy arch without SmpOps. */
export const toyArchModuleNoSmpOps = new ContainerModule(({ bind }) => {
  bind(ToyArch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(ToyArch);
});
