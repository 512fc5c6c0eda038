/**
 * The `arm64` architecture: GICv3 SGIs as IPIs (arch/arm64/kernel/smp.c with
 * drivers/irqchip/irq-gic-v3.c).
 *
 * Two modules make the machine: {@link gicv3Module} (the interrupt controller, from
 * `genipi/drivers/gicv3`) and {@link arm64ArchModule} (this file: the CPU map from firmware, the
 * IPI layer and the `Arch`). {@link arm64Modules} is both, in load order; it is what
 * `createMachine({ arch: 'arm64' })` uses.
 *
 * Options (`createMachine({ archOptions })`): `mpidr`, one MPIDR per CPU (default: 16 CPUs per
 * Aff1 cluster, as QEMU's `virt` board).
 *
 * The GIC's domain is not an IPI domain: arm64 IPIs are the SGIs the GIC driver allocates and
 * hands over with `set_smp_ipi_range()`, not `irq_reserve_ipi()` reservations. So
 * `machine.ipiDomain` is null; the IPI virqs are `machine.get(Arm64Smp).ipiDesc(n)`.
 *
 * @packageDocumentation
 * @module genipi/arch/arm64
 */
import { ContainerModule, inject, injectable } from 'inversify';
import { Arch, InterruptController, type IrqDomain, SmpOps } from '../../lib/core.js';
import { gicv3Module } from '../../drivers/gicv3/index.js';
import { Arm64IpiRange, CpuLogicalMap } from './asm.js';
import { Arm64Firmware } from './firmware.js';
import { Arm64Smp } from './smp.js';

export * from './asm.js';
export * from './firmware.js';
export * from './smp.js';

/** The `arm64` architecture. */
@injectable()
export class Arm64Arch implements Arch {
  readonly name = 'arm64';
  /** Null: arm64 has no domain for `irq_reserve_ipi()` (see the module documentation). */
  readonly ipiDomain: IrqDomain | null = null;
  /** The irqchip (`init_IRQ()` → `irqchip_init()` probes it while the machine is built). */
  readonly intc: InterruptController;
  /** The IPI layer. */
  readonly smp: Arm64Smp;

  constructor(
    @inject(InterruptController) intc: InterruptController,
    @inject(Arm64Smp) smp: Arm64Smp,
  ) {
    this.intc = intc;
    this.smp = smp;
  }
}

/** The arm64 arch module (needs an irqchip module such as {@link gicv3Module} loaded with it). */
export const arm64ArchModule = new ContainerModule(({ bind }) => {
  bind(Arm64Firmware).toSelf().inSingletonScope();
  bind<CpuLogicalMap>(CpuLogicalMap).toService(Arm64Firmware);
  bind(Arm64Smp).toSelf().inSingletonScope();
  bind<Arm64IpiRange>(Arm64IpiRange).toService(Arm64Smp);
  bind<SmpOps>(SmpOps).toService(Arm64Smp);
  bind(Arm64Arch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(Arm64Arch);
});

/** `[gicv3Module, arm64ArchModule]`: the built-in `arm64` machine. */
export const arm64Modules: readonly ContainerModule[] = Object.freeze([
  gicv3Module,
  arm64ArchModule,
]);

export { gicv3Module };
