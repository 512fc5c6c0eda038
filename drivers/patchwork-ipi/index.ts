/**
 * PatchworkOS's IPI framework on genipi's simulated CPUs, with the x86 local APIC as its chip:
 * the design of the seed document (`../shared/seeds/000_*`), next to Linux's.
 *
 * @example
 * ```ts
 * const m = createMachine({ arch: patchworkX86Modules, nrCpus: 4 });
 * const pw = m.get(PatchworkIpi);
 * m.get(PatchworkApicChip).moduleInit(pw);      // registers "Local APIC IPI"
 * m.sim.spawn(0, function* () {
 *   pw.ipiSend(pw.cpu(2), IPI_SINGLE, ({ self }) => console.log('on', self.id), null);
 * });
 * m.run();
 * ```
 *
 * @packageDocumentation
 * @module genipi/drivers/patchwork-ipi
 */
import { ContainerModule } from 'inversify';
import { Arch } from '../../lib/core.js';
import { apicModule } from '../apic/index.js';
import { PatchworkApicChip, PatchworkX86Arch } from './apic-chip.js';
import { PatchworkIpi } from './ipi.js';

export * from './ipi.js';
export * from './apic-chip.js';

/** The framework's module: binds {@link PatchworkIpi} (one per machine). */
export const patchworkIpiModule = new ContainerModule(({ bind }) => {
  bind(PatchworkIpi).toSelf().inSingletonScope();
});

/** PatchworkOS's APIC driver module: binds the chip and the `patchwork-x86` `Arch`. */
export const patchworkApicModule = new ContainerModule(({ bind }) => {
  bind(PatchworkApicChip).toSelf().inSingletonScope();
  bind(PatchworkX86Arch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(PatchworkX86Arch);
});

/** Every module of an x86 machine running PatchworkOS's IPIs, in load order. */
export const patchworkX86Modules: readonly ContainerModule[] = Object.freeze([
  apicModule,
  patchworkIpiModule,
  patchworkApicModule,
]);
