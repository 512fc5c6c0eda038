/**
 * A MIPS coprocessor: a CPU that is possible but never online runs firmware ({@link CoprocFirmware})
 * and talks to Linux through two generic IPIs set up by the MIPS remoteproc driver
 * ({@link MipsRproc}). Needs the `mips-gic` platform (the GIC IPI domain and `mips_smp_ipi_*`).
 *
 * @example
 * ```ts
 * const m = createMachine({ arch: 'mips-gic', nrCpus: 4, onlineCpus: [0, 1, 2] });
 * const rproc = m.get(MipsRproc);
 * rproc.mipsRprocOpStart(3); // CPU 3 runs the firmware
 * m.run();                   // the firmware boots
 * rproc.pingPong(10);
 * m.run();
 * ```
 *
 * @packageDocumentation
 * @module genipi/drivers/coproc
 */
import { ContainerModule } from 'inversify';
import { CoprocFirmware } from './firmware.js';
import { MipsRproc } from './mips-rproc.js';

export * from './firmware.js';
export * from './mips-rproc.js';

/** The driver module: binds the firmware model and the Linux driver. */
export const coprocModule = new ContainerModule(({ bind }) => {
  bind(CoprocFirmware).toSelf().inSingletonScope();
  bind(MipsRproc).toSelf().inSingletonScope();
});
