/**
 * The x86 IPI send family and its shorthand policy, mirroring arch/x86/kernel/apic/ipi.c
 * (`apic_smt_update()`, `apic_send_IPI_allbutself()`, the `__apic_send_IPI*()` wrappers of
 * arch/x86/include/asm/apic.h).
 *
 * Directed sends go through the generic IPI API: `sendIPI` is `__ipiSendSingle()` and
 * `sendIPIMask`/`sendIPIMaskAllButSelf` are `__ipiSendMask()` on the vector's virq of the APIC IPI
 * domain, whose chip calls the APIC mode's `apic->send_IPI`/`send_IPI_mask`. Destination
 * shorthands (all, all-but-self, self) have no generic-API equivalent and call the APIC driver's
 * shorthand callbacks directly, as Linux does.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import {
  Cpumask,
  CpuMasks,
  Ipi,
  Irq,
  type IrqDesc,
  MachineConfig,
  Printk,
  type ReadonlyCpumask,
  SimCpus,
} from '../../lib/core.js';
import { checkCpumask, describeValue } from '../../lib/validate.js';
import { Apic } from '../../drivers/apic/index.js';
import { X86Config } from './options.js';

/** The x86 `send_IPI` family of one machine. */
@injectable()
export class X86Ipi {
  readonly #apic: Apic;
  readonly #ipi: Ipi;
  readonly #irq: Irq;
  readonly #masks: CpuMasks;
  readonly #cpus: SimCpus;
  readonly #config: X86Config;
  readonly #nrCpuIds: number;
  /** `cpus_booted_once_mask`, accumulated from the online masks seen (every CPU is present). */
  readonly #bootedOnce: Cpumask;
  #allBooted = false;
  /** Scratch for `mask` minus the sender; sends never nest. */
  readonly #scratch: Cpumask;

  constructor(
    @inject(MachineConfig) machine: MachineConfig,
    @inject(Apic) apic: Apic,
    @inject(Ipi) ipi: Ipi,
    @inject(Irq) irq: Irq,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(SimCpus) cpus: SimCpus,
    @inject(X86Config) config: X86Config,
    @inject(Printk) printk: Printk,
  ) {
    this.#apic = apic;
    this.#ipi = ipi;
    this.#irq = irq;
    this.#masks = masks;
    this.#cpus = cpus;
    this.#config = config;
    this.#nrCpuIds = machine.nrCpuIds;
    this.#bootedOnce = new Cpumask(machine.nrCpuIds);
    this.#scratch = new Cpumask(machine.nrCpuIds);
    // print_ipi_mode() (a late initcall).
    printk.prInfo('', `IPI shorthand broadcast: ${config.noIpiBroadcast ? 'disabled' : 'enabled'}`);
  }

  /**
   * The `apic_use_ipi_shorthand` static key as `apic_smt_update()` sets it: off with
   * `noIpiBroadcast`, with one CPU online, or while some present CPU has never been online.
   * Linux re-evaluates it at each hot-plug step; the model evaluates it at each use.
   */
  get apicUseIpiShorthand(): boolean {
    if (this.#config.noIpiBroadcast) return false;
    const online = this.#masks.online;
    if (!this.#allBooted) {
      const w = this.#bootedOnce.words;
      const ow = online.words;
      for (let i = 0; i < w.length; i++) w[i] |= ow[i];
      this.#allBooted = this.#bootedOnce.full();
    }
    return this.#allBooted && this.#masks.numOnlineCpus() > 1;
  }

  /** The descriptor of `vector`'s virq on the APIC IPI domain; throws for a vector without one. */
  #desc(fn: string, vector: unknown): IrqDesc {
    if (typeof vector !== 'number' || !Number.isInteger(vector)) {
      throw new TypeError(`${fn}: vector is ${describeValue(vector)}; expected an integer vector`);
    }
    const desc =
      vector >= 0 && vector < 256
        ? this.#irq.irqToDesc(this.#apic.ipiDomain.virqOfVector(vector))
        : null;
    if (desc === null) {
      throw new RangeError(
        `${fn}: vector is ${vector} (0x${vector.toString(16)}); it has no IPI virq on the APIC domain; ` +
          'use an x86 IPI vector or reserve one with machine.get(Apic).reserveIpiVector(vector, mask)',
      );
    }
    return desc;
  }

  #thisCpu(fn: string): number {
    const c = this.#cpus.current;
    if (c === null) {
      throw new Error(
        `${fn}: no CPU is running; IPIs are sent by the current CPU's local APIC, so call this from task code or a handler`,
      );
    }
    return c.cpu;
  }

  /**
   * sendIPI() - Send `vector` to `cpu`. Mirrors `__apic_send_IPI(cpu, vector)` →
   * `apic->send_IPI` (arch/x86/include/asm/apic.h), here through `__ipiSendSingle()`.
   * @throws TypeError/RangeError for a bad `cpu` or a `vector` without an IPI virq; Error outside
   *   simulated code.
   */
  sendIPI(cpu: number, vector: number): void {
    if (typeof cpu !== 'number' || !Number.isInteger(cpu)) {
      throw new TypeError(`sendIPI: cpu is ${describeValue(cpu)}; expected a CPU number`);
    }
    if (cpu < 0 || cpu >= this.#nrCpuIds) {
      throw new RangeError(
        `sendIPI: cpu is ${cpu}; expected a CPU number in [0, ${this.#nrCpuIds})`,
      );
    }
    const desc = this.#desc('sendIPI', vector);
    this.#thisCpu('sendIPI');
    this.#ipi.__ipiSendSingle(desc, cpu);
  }

  /**
   * sendIPIMask() - Send `vector` to every CPU of `mask` (the sender too if it is in `mask`).
   * Mirrors `__apic_send_IPI_mask(mask, vector)` → `apic->send_IPI_mask`, here through
   * `__ipiSendMask()`.
   */
  sendIPIMask(mask: ReadonlyCpumask, vector: number): void {
    checkCpumask('sendIPIMask', 'mask', mask, this.#nrCpuIds);
    const desc = this.#desc('sendIPIMask', vector);
    this.#thisCpu('sendIPIMask');
    this.#ipi.__ipiSendMask(desc, mask);
  }

  /**
   * sendIPIMaskAllButSelf() - Send `vector` to the CPUs of `mask` except the sender. Mirrors
   * `__apic_send_IPI_mask_allbutself(mask, vector)`; here `__ipiSendMask()` with `mask` minus self.
   */
  sendIPIMaskAllButSelf(mask: ReadonlyCpumask, vector: number): void {
    checkCpumask('sendIPIMaskAllButSelf', 'mask', mask, this.#nrCpuIds);
    const desc = this.#desc('sendIPIMaskAllButSelf', vector);
    const self = this.#thisCpu('sendIPIMaskAllButSelf');
    const dest = this.#scratch.copyFrom(mask).clearCpu(self);
    this.#ipi.__ipiSendMask(desc, dest);
  }

  /**
   * sendIPIAllButSelf() - Send `vector` to every other CPU. Mirrors `apic_send_IPI_allbutself()`
   * (arch/x86/kernel/apic/ipi.c): nothing with fewer than two CPUs online; the all-but-self
   * shorthand when shorthands are on, else {@link X86Ipi.sendIPIMaskAllButSelf} of the online mask.
   */
  sendIPIAllButSelf(vector: number): void {
    this.#desc('sendIPIAllButSelf', vector);
    this.#thisCpu('sendIPIAllButSelf');
    if (this.#masks.numOnlineCpus() < 2) return;
    if (this.apicUseIpiShorthand) this.#apic.ops.sendIPIAllButSelf(vector);
    else this.sendIPIMaskAllButSelf(this.#masks.online, vector);
  }

  /**
   * sendIPIAll() - Send `vector` to every CPU, the sender included. `__apic_send_IPI_all()`
   * (`apic->send_IPI_all`, the all-including-self shorthand) when shorthands are on; otherwise,
   * following the pattern of `apic_send_IPI_allbutself()`, `send_IPI_mask` of the online mask.
   */
  sendIPIAll(vector: number): void {
    this.#desc('sendIPIAll', vector);
    this.#thisCpu('sendIPIAll');
    if (this.apicUseIpiShorthand) this.#apic.ops.sendIPIAll(vector);
    else this.sendIPIMask(this.#masks.online, vector);
  }

  /**
   * sendIPISelf() - Send `vector` to the sender. Mirrors `__apic_send_IPI_self(vector)` →
   * `apic->send_IPI_self` (the self shorthand, or the x2APIC `SELF_IPI` register).
   */
  sendIPISelf(vector: number): void {
    this.#desc('sendIPISelf', vector);
    this.#thisCpu('sendIPISelf');
    this.#apic.ops.sendIPISelf(vector);
  }
}
