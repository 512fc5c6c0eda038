/**
 * The `x86` architecture: local APICs (drivers/apic) with Linux's x86 IPI vectors, the
 * `send_IPI` family and its shorthand policy, the `smp_ops` senders, the system-vector handlers,
 * `/proc/interrupts` statistics rows, CPU stopping and, optionally, the Linux 2.6 TLB shootdown.
 *
 * `createMachine({ arch: 'x86', nrCpus, archOptions })` loads `[apicModule, x86ArchModule]`.
 * Options: `apicMode` (`'xapic-phys'` default up to 255 CPUs, `'xapic-logical-flat'` up to 8,
 * `'x2apic-phys'`, `'x2apic-cluster'` default above 255), `apicTiming` (partial override of the
 * APIC cost profile), `noIpiBroadcast`, `nonmiIpi`, `tlbModel` (`'modern'` or `'ulk'`).
 *
 * @packageDocumentation
 * @module genipi/arch/x86
 */
import { ContainerModule, inject, injectable } from 'inversify';
import { Arch, ArchOptions, type IrqDomain, SmpOps } from '../../lib/core.js';
import { Apic } from '../../drivers/apic/index.js';
import { X86Ipi } from './ipi.js';
import { X86Irq } from './irq.js';
import { X86Config, parseX86Config } from './options.js';
import { X86SmpOps } from './smp.js';
import { X86Stop } from './stop.js';
import { X86UlkTlb } from './tlb-ulk.js';

export * from './vectors.js';
export { X86Ipi } from './ipi.js';
export { type NmiHandler, X86Irq, X86_IRQ_STAT_ROWS } from './irq.js';
export { X86Config, type X86TlbModel, parseX86Config } from './options.js';
export { X86SmpOps } from './smp.js';
export { X86Stop } from './stop.js';
export { FLUSH_ALL, X86UlkTlb } from './tlb-ulk.js';

/** The x86 architecture of one machine: `machine.get(X86Arch)`. */
@injectable()
export class X86Arch implements Arch {
  readonly name = 'x86';
  /** The local APICs' IPI domain (hwirq = vector). */
  readonly ipiDomain: IrqDomain;

  constructor(
    /** The local APICs (registers, delivery, the `struct apic` callbacks). */
    @inject(Apic) readonly apic: Apic,
    /** The `send_IPI` family. */
    @inject(X86Ipi) readonly ipi: X86Ipi,
    /** System vectors, NMI handlers, irq work. */
    @inject(X86Irq) readonly irqs: X86Irq,
    /** Stopping CPUs (`REBOOT_VECTOR`). */
    @inject(X86Stop) readonly stop: X86Stop,
    /** The 2.6 TLB shootdown (usable with `tlbModel: 'ulk'`). */
    @inject(X86UlkTlb) readonly ulkTlb: X86UlkTlb,
  ) {
    this.ipiDomain = apic.ipiDomain.domain;
  }
}

/** The x86 plugin's module; load it after `apicModule`. */
export const x86ArchModule = new ContainerModule(({ bind }) => {
  bind<X86Config>(X86Config)
    .toDynamicValue((ctx) => parseX86Config(ctx.get<ArchOptions>(ArchOptions)))
    .inSingletonScope();
  bind(X86Ipi).toSelf().inSingletonScope();
  bind(X86Irq).toSelf().inSingletonScope();
  bind(X86Stop).toSelf().inSingletonScope();
  bind(X86UlkTlb).toSelf().inSingletonScope();
  bind(X86Arch).toSelf().inSingletonScope();
  bind<Arch>(Arch).toService(X86Arch);
  bind<SmpOps>(SmpOps).to(X86SmpOps).inSingletonScope();
});
