/**
 * The x86 local APIC driver: per-CPU local APICs with their register files, the interrupt
 * message bus, the interrupt controller the simulated CPUs take vectors from, an IPI domain whose
 * hwirq is the vector, and Linux's `struct apic` IPI callbacks for four APIC modes.
 *
 * Load it with an architecture that uses it (`createMachine({ arch: 'x86', … })` does). It reads
 * `archOptions.apicMode` (see {@link ApicMode}) and `archOptions.apicTiming` (a partial
 * {@link ApicTiming} overriding the profile's numbers).
 *
 * @packageDocumentation
 * @module genipi/drivers/apic
 */
import { ContainerModule } from 'inversify';
import { ArchOptions, CoreTiming, MachineConfig } from '../../lib/core.js';
import { Apic } from './apic.js';
import { ApicConfig, parseApicConfig } from './config.js';
import { ApicTiming, resolveApicTiming } from './timing.js';

export * from './apicdef.js';
export { Apic } from './apic.js';
export { ApicBus } from './bus.js';
export {
  APIC_MODES,
  ApicConfig,
  type ApicMode,
  FLAT_MAX_CPUS,
  XAPIC_MAX_ID,
  firmwareApicId,
  parseApicConfig,
} from './config.js';
export {
  ApicIpiChip,
  ApicIpiDomain,
  FIRST_DYNAMIC_IPI_VECTOR,
  LAST_DYNAMIC_IPI_VECTOR,
} from './ipi-domain.js';
export { LocalApic } from './lapic.js';
export { APIC_VERSION, ApicRegisters } from './registers.js';
export {
  type ApicIpiOps,
  CheckedApicIpiOps,
  FlatIpiOps,
  type IcrPort,
  PhysflatIpiOps,
  X2apicClusterIpiOps,
  X2apicPhysIpiOps,
  createApicIpiOps,
} from './send.js';
export { APIC_TIMING_PROFILES, ApicTiming, resolveApicTiming } from './timing.js';

/** The local APIC driver's module: binds {@link ApicConfig}, {@link ApicTiming} and {@link Apic}. */
export const apicModule = new ContainerModule(({ bind }) => {
  bind<ApicConfig>(ApicConfig)
    .toDynamicValue((ctx) =>
      parseApicConfig(
        ctx.get<ArchOptions>(ArchOptions),
        ctx.get<MachineConfig>(MachineConfig).nrCpuIds,
      ),
    )
    .inSingletonScope();
  bind<ApicTiming>(ApicTiming)
    .toDynamicValue((ctx) =>
      resolveApicTiming(ctx.get<CoreTiming>(CoreTiming).name, ctx.get<ArchOptions>(ArchOptions)),
    )
    .inSingletonScope();
  bind(Apic).toSelf().inSingletonScope();
});
