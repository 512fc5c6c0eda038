/**
 * The MIPS Global Interrupt Controller: the device ({@link MipsGicHw}) and its Linux irqchip
 * driver ({@link MipsGic}, drivers/irqchip/irq-mips-gic.c) with the generic-IPI domain.
 *
 * @packageDocumentation
 * @module genipi/drivers/mips-gic
 */
import { ContainerModule } from 'inversify';
import { MipsGicHw } from './hw.js';
import { MipsGic } from './irq-mips-gic.js';

export * from './hw.js';
export * from './irq-mips-gic.js';

/** The driver module: binds the GIC device and its driver (the driver initialises on first use). */
export const mipsGicModule = new ContainerModule(({ bind }) => {
  bind(MipsGicHw).toSelf().inSingletonScope();
  bind(MipsGic).toSelf().inSingletonScope();
});
