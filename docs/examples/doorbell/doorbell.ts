/**
 * The worked example of docs/writing-a-driver.md: a complete IPI driver for an imaginary
 * "doorbell" interrupt controller, in one ContainerModule.
 *
 * The hardware: every CPU has a 32-bit doorbell register. Ringing doorbell `n` of CPU `c` sets
 * bit `n` of `c`'s register. A CPU with any bit set takes an interrupt: reading its ACK register
 * returns the lowest set bit and clears it, and the doorbell stays "in service" (no further
 * doorbell interrupt on that CPU) until software writes the EOI register.
 *
 * In your own project, import from 'genipi' instead of '../../../lib/core.js'.
 */
import { ContainerModule, inject, injectable } from 'inversify';
import {
  Arch,
  Cpumask,
  DOMAIN_BUS_IPI,
  Errno,
  IRQ_DOMAIN_FLAG_IPI_SINGLE,
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
} from '../../../lib/core.js';

/** Doorbells per CPU (the register width). */
export const DOORBELLS = 32;

/**
 * Steps 2–5: the controller. It is the machine's `Arch` (name and IPI domain) and its
 * `InterruptController` (what the simulated CPUs take interrupts from).
 */
@injectable()
export class DoorbellArch implements Arch, InterruptController {
  readonly name = 'doorbell';
  /** One doorbell (hwirq) per reservation, shared by all CPUs: an IPI_SINGLE domain. */
  readonly ipiDomain: IrqDomain;
  /** The irq chip: how the core rings doorbells and ends interrupts. */
  readonly chip: IrqChip;
  /** Per CPU: pending doorbells (bit n = doorbell n). */
  readonly #pending: Uint32Array;
  /** Per CPU: the doorbell in service, or -1. */
  readonly #inService: Int32Array;
  /** Doorbells handed out to reservations (bit n = doorbell n is in use). */
  #used = 0;
  readonly #irq: Irq;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Irq) irq: Irq,
  ) {
    this.#irq = irq;
    this.#pending = new Uint32Array(config.nrCpuIds);
    this.#inService = new Int32Array(config.nrCpuIds).fill(-1);

    // Step 3: the chip. ipiSendSingle rings one CPU's doorbell; the core calls it once per
    // target CPU for a mask send. irqEoi runs at the end of the flow handler, on the CPU that
    // took the interrupt.
    this.chip = {
      name: 'doorbell',
      ipiSendSingle: (data: IrqData, cpu: number) => {
        this.#pending[cpu] |= 1 << data.hwirq;
        if (this.pending(cpu)) cpus.kick(cpu);
      },
      irqEoi: () => {
        const cpu = cpus.smpProcessorId();
        this.#inService[cpu] = -1;
        if (this.pending(cpu)) cpus.kick(cpu);
      },
    };

    // Step 4: the IPI domain.
    this.ipiDomain = irq.irqDomainCreateHierarchy({
      parent: null,
      flags: IRQ_DOMAIN_FLAG_IPI_SINGLE,
      size: DOORBELLS,
      name: 'doorbell-ipi',
      ops: {
        // irqReserveIpi(domain, dest) calls alloc with nrIrqs = 1 (a SINGLE domain) and arg = dest.
        alloc: (domain, virq, nrIrqs) => {
          for (let i = 0; i < nrIrqs; i++) {
            const bell = this.#freeDoorbell();
            if (bell < 0) return -Errno.ENOSPC;
            this.#used |= 1 << bell;
            // hwirq = doorbell number; a per-CPU flow handler, so consumers only request handlers.
            irq.irqDomainSetInfo(
              domain,
              virq + i,
              bell,
              this.chip,
              null,
              irq.flow.handlePercpuIrq,
              null,
              'percpu',
            );
          }
          return 0;
        },
        free: (domain, virq, nrIrqs) => {
          for (let i = 0; i < nrIrqs; i++) {
            const data = irq.irqDomainGetIrqData(domain, virq + i);
            if (data !== null) this.#used &= ~(1 << data.hwirq);
          }
          irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
        },
      },
    });
    irq.irqDomainUpdateBusToken(this.ipiDomain, DOMAIN_BUS_IPI);

    // The CPUs take interrupts from this controller from now on.
    cpus.attachInterruptController(this);
  }

  #freeDoorbell(): number {
    for (let bell = 0; bell < DOORBELLS; bell++) if ((this.#used & (1 << bell)) === 0) return bell;
    return -1;
  }

  // Step 5: the InterruptController contract, as the simulated CPU sees the hardware.

  /** An interrupt is deliverable: a doorbell rang and none is in service. */
  pending(cpu: number): boolean {
    return this.#inService[cpu] < 0 && this.#pending[cpu] !== 0;
  }

  /** The ACK register: the lowest pending doorbell, now in service; -1 if none. */
  acknowledge(cpu: number): number {
    if (!this.pending(cpu)) return -1;
    const bits = this.#pending[cpu];
    const bell = 31 - Math.clz32(bits & -bits);
    this.#pending[cpu] &= ~(1 << bell);
    this.#inService[cpu] = bell;
    return bell;
  }

  /** The interrupt entry: look the doorbell up in the domain and run its flow handler. */
  dispatch(cpu: number, bell: number): void {
    if (this.#irq.genericHandleDomainIrq(this.ipiDomain, bell) !== 0) {
      // Nobody owns this doorbell: end the interrupt so the CPU is not stuck.
      this.#inService[cpu] = -1;
    }
  }

  /** Doorbells pending on `cpu` (reported when a CPU goes offline). */
  pendingCount(cpu: number): number {
    let n = 0;
    for (let v = this.#pending[cpu]; v !== 0; v &= v - 1) n++;
    return n;
  }
}

/**
 * Step 6: the IPIs the kernel itself needs. Two doorbells, reserved for all CPUs, carry the
 * cross-call and reschedule IPIs of kernel/smp.c and the scheduler.
 */
@injectable()
export class DoorbellSmpOps implements SmpOps {
  readonly #ipi: Ipi;
  readonly #call: IrqDesc;
  readonly #resched: IrqDesc;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(DoorbellArch) arch: DoorbellArch,
    @inject(Irq) irq: Irq,
    @inject(Ipi) ipi: Ipi,
    @inject(Smp) smp: Smp,
    @inject(Sched) sched: Sched,
  ) {
    this.#ipi = ipi;
    const all = Cpumask.full(config.nrCpuIds);
    const call = ipi.irqReserveIpi(arch.ipiDomain, all);
    const resched = ipi.irqReserveIpi(arch.ipiDomain, all);
    if (call <= 0 || resched <= 0) throw new Error('doorbell: cannot reserve the cross-call IPIs');
    irq.requestIrq(
      call,
      () => {
        smp.genericSmpCallFunctionSingleInterrupt();
        return IrqReturn.IRQ_HANDLED;
      },
      0,
      'IPI call',
      null,
    );
    irq.requestIrq(
      resched,
      () => {
        sched.schedulerIpi();
        return IrqReturn.IRQ_HANDLED;
      },
      0,
      'IPI resched',
      null,
    );
    this.#call = irq.irqToDesc(call) as IrqDesc;
    this.#resched = irq.irqToDesc(resched) as IrqDesc;
  }

  smpSendReschedule(cpu: number): void {
    this.#ipi.__ipiSendSingle(this.#resched, cpu);
  }

  sendCallFunctionIpiMask(mask: ReadonlyCpumask): void {
    this.#ipi.__ipiSendMask(this.#call, mask);
  }

  sendCallFunctionSingleIpi(cpu: number): void {
    this.#ipi.__ipiSendSingle(this.#call, cpu);
  }
}

/** Step 7: the plugin, one ContainerModule. Use it as `createMachine({ arch: doorbellArchModule, nrCpus })`. */
export const doorbellArchModule = new ContainerModule(({ bind }) => {
  bind(DoorbellArch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(DoorbellArch);
  bind<SmpOps>(SmpOps).to(DoorbellSmpOps).inSingletonScope();
});
