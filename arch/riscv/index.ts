/**
 * The `riscv` architecture: IPIs as vIPIs of ipi-mux over the SBI software interrupt
 * (arch/riscv/kernel/smp.c, arch/riscv/kernel/sbi-ipi.c, drivers/irqchip/irq-riscv-intc.c).
 *
 * Three modules make the machine, one per driver: {@link riscvIntcModule} (the hart-local
 * interrupt controller, `genipi/drivers/riscv-intc`), {@link sbiIpiModule} (the SBI IPI provider,
 * `genipi/drivers/riscv-sbi-ipi`) and {@link riscvArchModule} (this file). {@link riscvModules}
 * is all three, in load order; it is what `createMachine({ arch: 'riscv' })` uses. Another IPI
 * provider (an IMSIC model, say) replaces {@link sbiIpiModule} by binding `RiscvIpiProvider`.
 *
 * `machine.ipiDomain` is null: the ipi-mux domain (`machine.irq.ipiMux.domain`) has the
 * `IRQ_DOMAIN_FLAG_IPI_SINGLE` flag so the generic send path accepts it, but it is not offered
 * for `irq_reserve_ipi()`: its alloc op numbers hwirqs from 0 in every allocation, so a further
 * reservation would alias vIPI 0.
 *
 * @packageDocumentation
 * @module genipi/arch/riscv
 */
import { ContainerModule, inject, injectable } from 'inversify';
import { Arch, InterruptController, type IrqDomain, SmpOps } from '../../lib/core.js';
import { riscvIntcModule } from '../../drivers/riscv-intc/index.js';
import { sbiIpiModule } from '../../drivers/riscv-sbi-ipi/index.js';
import { RiscvIpiProvider, RiscvIpiRange } from './asm.js';
import { RiscvSmp } from './smp.js';

export * from './asm.js';
export * from './smp.js';

/** The `riscv` architecture. */
@injectable()
export class RiscvArch implements Arch {
  readonly name = 'riscv';
  /** Null: no domain is offered for `irq_reserve_ipi()` (see the module documentation). */
  readonly ipiDomain: IrqDomain | null = null;
  /** The hart-local interrupt controller (`irqchip_init()`). */
  readonly intc: InterruptController;
  /** The IPI provider `init_IRQ()` started (`sbi_ipi_init()`). */
  readonly ipiProvider: RiscvIpiProvider;
  /** The IPI layer. */
  readonly smp: RiscvSmp;

  /** `init_IRQ()` (arch/riscv/kernel/irq.c): the irqchip first, then the IPI provider. */
  constructor(
    @inject(InterruptController) intc: InterruptController,
    @inject(RiscvIpiProvider) provider: RiscvIpiProvider,
    @inject(RiscvSmp) smp: RiscvSmp,
  ) {
    this.intc = intc;
    this.ipiProvider = provider;
    this.smp = smp;
  }
}

/** The RISC-V arch module (needs an INTC module and an IPI provider module loaded with it). */
export const riscvArchModule = new ContainerModule(({ bind }) => {
  bind(RiscvSmp).toSelf().inSingletonScope();
  bind<RiscvIpiRange>(RiscvIpiRange).toService(RiscvSmp);
  bind<SmpOps>(SmpOps).toService(RiscvSmp);
  bind(RiscvArch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(RiscvArch);
});

/** `[riscvIntcModule, sbiIpiModule, riscvArchModule]`: the built-in `riscv` machine. */
export const riscvModules: readonly ContainerModule[] = Object.freeze([
  riscvIntcModule,
  sbiIpiModule,
  riscvArchModule,
]);

export { riscvIntcModule, sbiIpiModule };
