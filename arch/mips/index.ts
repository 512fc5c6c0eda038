/**
 * The MIPS architectures: two platforms that run the same kernel/smp.c cross calls and scheduler
 * IPIs through `struct plat_smp_ops`.
 *
 * - `mips-mailbox` (Loongson-3 / Octeon style): IPIs are action bits written to per-core mailbox
 *   registers ({@link MipsMailbox}); one per-CPU mailbox irq on CPU line `IP6` handles them
 *   ({@link MipsMailboxSmpOps}). No IPI irq domain (`machine.ipiDomain` is null).
 * - `mips-gic` (CPS/MT with a GIC): IPIs are generic-IPI virqs reserved on the GIC's per-CPU IPI
 *   domain by `mips_smp_ipi_allocate()` ({@link MipsSmpIpi}) and sent with `__ipi_send_mask()`;
 *   the GIC is chained from CPU line `IP2`.
 *
 * Both machines are assembled from one `ContainerModule` per driver: `mipsCpuIntcModule`, the
 * mailbox or GIC module, and the platform module of this file.
 *
 * @packageDocumentation
 * @module genipi/arch/mips
 */
import { ContainerModule, inject, injectable } from 'inversify';
import { Arch, CpuMasks, type IrqDomain, SmpOps } from '../../lib/core.js';
import {
  MIPS_CPU_HW_LINES,
  MipsCpuIntc,
  mipsCpuIntcModule,
} from '../../drivers/mips-cpu-intc/index.js';
import { MipsGic, mipsGicModule } from '../../drivers/mips-gic/index.js';
import { MipsMailbox, mipsMailboxModule } from '../../drivers/mips-mailbox/index.js';
import { MipsCp0 } from './cp0.js';
import { MipsIcache } from './icache.js';
import { MipsMailboxSmpOps } from './mailbox.js';
import { MipsSmpIpi } from './smp.js';
import { MipsSmpOps, PlatSmpOps } from './smp-ops.js';

export * from './smp-ops.js';
export * from './smp.js';
export * from './mailbox.js';
export * from './icache.js';
export * from './cp0.js';

/** Every CPU's bring-up unmasks the hardware lines in its Status register. */
function enableCpuLines(intc: MipsCpuIntc, masks: CpuMasks): void {
  for (
    let cpu = masks.possible.first();
    cpu < masks.possible.nrCpuIds;
    cpu = masks.possible.next(cpu)
  ) {
    intc.changeC0StatusIm(cpu, MIPS_CPU_HW_LINES);
  }
}

/** The `mips-mailbox` architecture: a Loongson-3 / Octeon style mailbox platform. */
@injectable()
export class MipsMailboxArch implements Arch {
  readonly name = 'mips-mailbox';
  /** Mailbox IPIs bypass the generic IPI layer: there is no IPI domain. */
  readonly ipiDomain: IrqDomain | null = null;
  /** The CPU interrupt controller. */
  readonly intc: MipsCpuIntc;
  /** The mailbox registers. */
  readonly mailbox: MipsMailbox;
  /** The platform IPI ops (`mp_ops`). */
  readonly smpOps: MipsMailboxSmpOps;

  constructor(
    @inject(CpuMasks) masks: CpuMasks,
    @inject(MipsCpuIntc) intc: MipsCpuIntc,
    @inject(MipsMailbox) mailbox: MipsMailbox,
    @inject(MipsMailboxSmpOps) smpOps: MipsMailboxSmpOps,
  ) {
    this.intc = intc;
    this.mailbox = mailbox;
    this.smpOps = smpOps;
    intc.attach();
    enableCpuLines(intc, masks);
    smpOps.setup();
  }
}

/** The `mips-gic` architecture: a CPS-style platform whose IPIs go through the GIC IPI domain. */
@injectable()
export class MipsGicArch implements Arch {
  readonly name = 'mips-gic';
  /** The GIC's IPI domain. */
  readonly ipiDomain: IrqDomain;
  /** The CPU interrupt controller. */
  readonly intc: MipsCpuIntc;
  /** The GIC driver. */
  readonly gic: MipsGic;
  /** The generic-IPI platform ops (`mp_ops`) and `mips_smp_ipi_*`. */
  readonly smpIpi: MipsSmpIpi;

  constructor(
    @inject(CpuMasks) masks: CpuMasks,
    @inject(MipsCpuIntc) intc: MipsCpuIntc,
    @inject(MipsGic) gic: MipsGic,
    @inject(MipsSmpIpi) smpIpi: MipsSmpIpi,
  ) {
    this.intc = intc;
    this.gic = gic;
    this.smpIpi = smpIpi;
    this.ipiDomain = gic.gicIpiDomain;
    intc.attach();
    enableCpuLines(intc, masks);
    smpIpi.mipsSmpIpiInit();
  }
}

/** Platform module of `mips-mailbox`: Count registers, icaches, mailbox `mp_ops`, `SmpOps`, `Arch`. */
export const mipsMailboxPlatformModule = new ContainerModule(({ bind }) => {
  bind(MipsCp0).toSelf().inSingletonScope();
  bind(MipsIcache).toSelf().inSingletonScope();
  bind(MipsMailboxSmpOps).toSelf().inSingletonScope();
  bind<PlatSmpOps>(PlatSmpOps).toService(MipsMailboxSmpOps);
  bind<SmpOps>(SmpOps).to(MipsSmpOps).inSingletonScope();
  bind(MipsMailboxArch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(MipsMailboxArch);
});

/** Platform module of `mips-gic`: generic-IPI `mp_ops`, `SmpOps`, `Arch`. */
export const mipsGicPlatformModule = new ContainerModule(({ bind }) => {
  bind(MipsSmpIpi).toSelf().inSingletonScope();
  bind<PlatSmpOps>(PlatSmpOps).toService(MipsSmpIpi);
  bind<SmpOps>(SmpOps).to(MipsSmpOps).inSingletonScope();
  bind(MipsGicArch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(MipsGicArch);
});

/** Every module of the `mips-mailbox` machine, in load order. */
export const mipsMailboxArchModules: readonly ContainerModule[] = Object.freeze([
  mipsCpuIntcModule,
  mipsMailboxModule,
  mipsMailboxPlatformModule,
]);

/** Every module of the `mips-gic` machine, in load order (the coprocessor driver is separate). */
export const mipsGicArchModules: readonly ContainerModule[] = Object.freeze([
  mipsCpuIntcModule,
  mipsGicModule,
  mipsGicPlatformModule,
]);
