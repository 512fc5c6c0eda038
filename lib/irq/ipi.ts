/**
 * The generic IPI API, mirroring kernel/irq/ipi.c: reserve and destroy IPI virqs on an IPI
 * domain, look up the hwirq a CPU uses, and send IPIs through the chip.
 *
 * Return conventions are the kernel's: a virq or 0 on success, a negative errno on failure,
 * `INVALID_HWIRQ` from {@link Ipi.ipiGetHwirq}. Where the kernel would dereference a null pointer
 * the model throws an `Error` that says so, before changing anything.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { CpuMasks } from '../cpu.js';
import { Cpumask, type ReadonlyCpumask } from '../cpumask.js';
import { Errno, INVALID_HWIRQ } from '../errno.js';
import { MachineConfig } from '../machine/config.js';
import { Printk } from '../printk.js';
import { FaultInjector } from '../sim/faults.js';
import { checkChip, checkCpumask, checkInteger, describeValue } from '../validate.js';
import type { IrqChip } from './chip.js';
import { IRQ_NO_BALANCING, IrqData, IrqDesc } from './irqdata.js';
import { IrqDescTable } from './irqdesc.js';
import {
  type IrqDomain,
  irqDomainIsIpi,
  irqDomainIsIpiPerCpu,
  irqDomainIsIpiSingle,
} from './irqdomain-defs.js';
import { IrqDomainHierarchy } from './irqdomain-hierarchy.js';
import { IrqDomainRegistry } from './irqdomain.js';
import { IrqSettings } from './settings.js';

const PR = 'genirq/ipi: ';

/** The generic IPI API of one machine (kernel/irq/ipi.c). */
@injectable()
export class Ipi {
  readonly #nrCpuIds: number;
  readonly #debug: boolean;
  readonly #cpus: CpuMasks;
  readonly #descs: IrqDescTable;
  readonly #domains: IrqDomainRegistry;
  readonly #hierarchy: IrqDomainHierarchy;
  readonly #settings: IrqSettings;
  readonly #printk: Printk;
  readonly #faults: FaultInjector;
  /** Scratch mask for the single-CPU mask fallback; reused so a send does not allocate. */
  readonly #oneCpu: Cpumask;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(CpuMasks) cpus: CpuMasks,
    @inject(IrqDescTable) descs: IrqDescTable,
    @inject(IrqDomainRegistry) domains: IrqDomainRegistry,
    @inject(IrqDomainHierarchy) hierarchy: IrqDomainHierarchy,
    @inject(IrqSettings) settings: IrqSettings,
    @inject(Printk) printk: Printk,
    @inject(FaultInjector) faults: FaultInjector,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.#faults = faults;
    this.#debug = config.ipiDebug;
    this.#cpus = cpus;
    this.#descs = descs;
    this.#domains = domains;
    this.#hierarchy = hierarchy;
    this.#settings = settings;
    this.#printk = printk;
    this.#oneCpu = new Cpumask(config.nrCpuIds);
  }

  /**
   * irqReserveIpi() - Set up an IPI to a destination cpumask.
   * Mirrors `irq_reserve_ipi()` in kernel/irq/ipi.c.
   *
   * @param domain - an IPI domain (PER_CPU or SINGLE flag) of this machine, or null.
   * @param dest - CPUs that can receive the IPI; a subset of the possible CPUs.
   * @returns the first virq (> 0). For a per-CPU domain CPU `c` owns virq `base + c - first(dest)`.
   *   `-EINVAL`: null or non-IPI domain, `dest` not within the possible CPUs, empty `dest`, or a
   *   per-CPU `dest` with holes. `-ENOMEM`: no free virq range. `-EBUSY`: the domain's alloc
   *   failed (its own error is discarded, as in the kernel).
   * @throws TypeError if `dest` is not a Cpumask of this machine's width, or `domain` is not an
   *   IrqDomain of this machine.
   */
  irqReserveIpi(domain: IrqDomain | null, dest: ReadonlyCpumask): number {
    this.#domains.checkDomain('irqReserveIpi', 'domain', domain, true);
    checkCpumask('irqReserveIpi', 'dest', dest, this.#nrCpuIds);
    if (domain === null || !irqDomainIsIpi(domain)) {
      this.#printk.prWarn(PR, 'Reservation on a non IPI domain');
      return -Errno.EINVAL;
    }
    if (!dest.subset(this.#cpus.possible)) {
      this.#printk.prWarn(PR, 'Reservation is not in possible_cpu_mask');
      return -Errno.EINVAL;
    }
    let nrIrqs = dest.weight();
    if (nrIrqs === 0) {
      this.#printk.prWarn(PR, 'Reservation for empty destination mask');
      return -Errno.EINVAL;
    }
    let offset: number;
    if (irqDomainIsIpiSingle(domain)) {
      // One hwirq serves every CPU; the chip takes the destination at send time, so holes are fine.
      nrIrqs = 1;
      offset = 0;
    } else {
      // One hwirq per CPU, found by arithmetic from the base: the mask must be one run.
      offset = dest.first();
      let next = dest.nextZero(offset);
      if (next < this.#nrCpuIds) next = dest.next(next);
      if (next < this.#nrCpuIds) {
        this.#printk.prWarn(PR, 'Destination mask has holes');
        return -Errno.EINVAL;
      }
    }
    let virq = this.#hierarchy.irqDomainAllocDescs(-1, nrIrqs, 0);
    if (virq <= 0) {
      this.#printk.prWarn(PR, "Can't reserve IPI, failed to alloc descs");
      return -Errno.ENOMEM;
    }
    // The domain's alloc op receives the destination mask itself as its arg.
    virq = this.#hierarchy.__irqDomainAllocIrqs(domain, virq, nrIrqs, dest, true);
    if (virq <= 0) {
      this.#printk.prWarn(PR, "Can't reserve IPI, failed to alloc hw irqs");
      // The kernel frees descriptors again here with the error value as start, which is a no-op;
      // the inner allocator already released them.
      return -Errno.EBUSY;
    }
    const affinity = dest.copy().freeze();
    for (let i = 0; i < nrIrqs; i++) {
      const common = (this.#descs.lookup(virq + i) as IrqDesc).irqCommonData;
      common.affinity = affinity;
      common.ipiOffset = offset;
      this.#settings.irqSetStatusFlags(virq + i, IRQ_NO_BALANCING);
    }
    return virq;
  }

  /**
   * irqDestroyIpi() - Unreserve an IPI that was previously allocated.
   * Mirrors `irq_destroy_ipi()` in kernel/irq/ipi.c.
   *
   * @param irq - the base virq returned by {@link Ipi.irqReserveIpi}.
   * @param dest - CPUs whose IPI is removed; must be within the reservation.
   * @returns 0, or `-EINVAL` for irq 0, an unknown irq, a level without a domain (with a WARN),
   *   a non-IPI domain, or `dest` outside the reservation (with a WARN).
   * @remarks Kernel quirks kept: a non-contiguous per-CPU `dest` frees `weight(dest)` virqs from
   *   the first CPU of `dest` (so `{0,2}` frees CPUs 0 and 1); survivors keep the old affinity;
   *   a single IPI is freed whatever `dest` is.
   */
  irqDestroyIpi(irq: number, dest: ReadonlyCpumask): number {
    checkInteger('irqDestroyIpi', 'irq', irq);
    checkCpumask('irqDestroyIpi', 'dest', dest, this.#nrCpuIds);
    const data = irq >= 0 ? this.#descs.lookup(irq)?.irqData : undefined;
    if (irq === 0 || data === undefined) return -Errno.EINVAL;
    const domain = data.domain;
    if (this.#printk.warnOn(domain === null, 'irq_destroy_ipi')) return -Errno.EINVAL;
    if (!irqDomainIsIpi(domain as IrqDomain)) {
      this.#printk.prWarn(PR, 'Trying to destroy a non IPI domain!');
      return -Errno.EINVAL;
    }
    const ipimask = data.common.affinity;
    // Only CPUs the IPI was set up for may be destroyed.
    if (this.#printk.warnOn(!dest.subset(ipimask), 'irq_destroy_ipi:subset')) return -Errno.EINVAL;
    let start = irq;
    let nrIrqs: number;
    if (irqDomainIsIpiPerCpu(domain as IrqDomain)) {
      start = irq + dest.first() - data.common.ipiOffset;
      nrIrqs = dest.weight();
    } else {
      nrIrqs = 1;
    }
    // An empty per-CPU dest gives count 0 and a start past the range: nothing is freed, and
    // irq_domain_free_irqs() warns if that start has no mapped descriptor.
    this.#hierarchy.irqDomainFreeIrqs(start, nrIrqs);
    return 0;
  }

  /**
   * ipiGetHwirq() - Get the hwirq associated with an IPI to a CPU.
   * Mirrors `ipi_get_hwirq()` in kernel/irq/ipi.c; its use is telling a coprocessor which hwirq
   * to raise or listen on.
   *
   * @param irq - the base virq of a reservation.
   * @param cpu - the target CPU.
   * @returns the hwirq of `cpu`'s virq (per-CPU domains) or of the single virq, else
   *   `INVALID_HWIRQ` (unknown irq, `cpu >= nr_cpu_ids`, `cpu` outside the affinity mask).
   * @remarks The domain is not checked to be an IPI domain, as in the kernel.
   */
  ipiGetHwirq(irq: number, cpu: number): number {
    checkInteger('ipiGetHwirq', 'irq', irq);
    checkInteger('ipiGetHwirq', 'cpu', cpu);
    let data: IrqData | undefined = irq >= 0 ? this.#descs.lookup(irq)?.irqData : undefined;
    if (data === undefined || cpu < 0 || cpu >= this.#nrCpuIds) return INVALID_HWIRQ;
    if (!data.common.affinity.testCpu(cpu)) return INVALID_HWIRQ;
    const domain = this.#levelDomain('ipiGetHwirq', data);
    if (irqDomainIsIpiPerCpu(domain)) {
      data = this.#descs.lookup(irq + cpu - data.common.ipiOffset)?.irqData;
    }
    return data !== undefined ? data.hwirq : INVALID_HWIRQ;
  }

  /**
   * `ipi_send_verify()` (kernel/irq/ipi.c): the checks shared by every send.
   * @returns 0 or `-EINVAL`.
   * @throws TypeError / RangeError for a `chip` or `data` that is neither null nor an object, a
   *   `dest` that is neither null nor a Cpumask of this machine's width, or a non-integer `cpu`.
   */
  ipiSendVerify(
    chip: IrqChip | null,
    data: IrqData | null,
    dest: ReadonlyCpumask | null,
    cpu: number,
  ): number {
    const fn = 'ipiSendVerify';
    checkChip(fn, 'chip', chip);
    if (data !== null && !(data instanceof IrqData)) {
      throw new TypeError(`${fn}: data is ${describeValue(data)}; expected an IrqData or null`);
    }
    if (dest !== null) checkCpumask(fn, 'dest', dest, this.#nrCpuIds);
    checkInteger(fn, 'cpu', cpu);
    return this.#verify(chip, data, dest, cpu);
  }

  /** `ipi_send_verify()` on arguments the caller has already checked. */
  #verify(
    chip: IrqChip | null,
    data: IrqData | null,
    dest: ReadonlyCpumask | null,
    cpu: number,
  ): number {
    if (chip === null || data === null) return -Errno.EINVAL;
    if (chip.ipiSendSingle === undefined && chip.ipiSendMask === undefined) return -Errno.EINVAL;
    if (cpu < 0 || cpu >= this.#nrCpuIds) return -Errno.EINVAL;
    const ipimask = data.common.affinity;
    if (dest !== null) {
      if (!dest.subset(ipimask)) return -Errno.EINVAL;
    } else if (!ipimask.testCpu(cpu)) {
      return -Errno.EINVAL;
    }
    return 0;
  }

  /**
   * __ipiSendSingle() - Send an IPI to a target Linux SMP CPU (trusted fast path).
   * Mirrors `__ipi_send_single()` in kernel/irq/ipi.c: for architecture and core code; it
   * verifies nothing unless the machine was built with `ipiDebug` (the kernel's `DEBUG`).
   *
   * @returns 0 (or `-EINVAL` with `ipiDebug` when verification fails).
   * @throws Error where the kernel would dereference a null pointer (no descriptor, a chip with
   *   no IPI hook, a destroyed per-CPU virq), before any chip hook runs.
   * @throws TypeError if `desc` is not a live descriptor of this machine, or `cpu` not an integer.
   */
  __ipiSendSingle(desc: IrqDesc, cpu: number): number {
    this.#checkDesc('__ipiSendSingle', desc);
    checkInteger('__ipiSendSingle', 'cpu', cpu);
    return this.#sendSingle(desc, cpu);
  }

  /** The body of {@link Ipi.__ipiSendSingle} for a live `desc` and an integer `cpu`. */
  #sendSingle(desc: IrqDesc, cpu: number): number {
    let data = desc.irqData;
    const chip = data.chip;
    if (this.#debug && this.#debugVerifyFails(chip, data, cpu)) return -Errno.EINVAL;
    if (cpu < 0 || cpu >= this.#nrCpuIds) this.#badCpu(cpu);
    if (chip?.ipiSendSingle === undefined) return this.#sendSingleByMask(desc, chip, cpu);
    const domain = this.#levelDomain('__ipiSendSingle', data);
    if (irqDomainIsIpiPerCpu(domain) && cpu !== data.common.ipiOffset) data = this.#percpuData(desc, cpu);
    this.#chipSingle('__ipi_send_single', chip, data, cpu);
    return 0;
  }

  /** `__ipi_send_single()` built with `DEBUG`: `WARN_ON_ONCE(ipi_send_verify(…))` (out of line). */
  #debugVerifyFails(chip: IrqChip | null, data: IrqData, cpu: number): boolean {
    return this.#printk.warnOnOnce(this.#verify(chip, data, null, cpu) !== 0, '__ipi_send_single');
  }

  /** The fast path does not verify; the kernel would index past its per-CPU data. */
  #badCpu(cpu: number): never {
    throw new RangeError(`__ipiSendSingle: cpu is ${cpu}; expected a CPU number in [0, ${this.#nrCpuIds}). Nothing was sent.`);
  }

  /** `__ipi_send_single()` on a chip with only the mask hook: a one-CPU mask. */
  #sendSingleByMask(desc: IrqDesc, chip: IrqChip | null, cpu: number): number {
    if (chip?.ipiSendMask === undefined) throw this.#oops('__ipiSendSingle', desc, 'a chip with no IPI hook');
    const one = this.#oneCpu;
    one.clearAll().setCpu(cpu);
    this.#chipMask('__ipi_send_single', chip, desc.irqData, one);
    return 0;
  }

  /** The per-CPU virq's data for `cpu` on a per-CPU IPI domain (`desc` is the base). */
  #percpuData(desc: IrqDesc, cpu: number): IrqData {
    const data = desc.irqData;
    const percpu = this.#descs.lookup(data.irq + cpu - data.common.ipiOffset)?.irqData;
    if (percpu === undefined) {
      throw this.#oops('__ipiSendSingle', desc, `the per-CPU data of CPU ${cpu} (destroyed?)`);
    }
    return percpu;
  }

  /**
   * __ipiSendMask() - Send an IPI to target Linux SMP CPU(s) (trusted fast path).
   * Mirrors `__ipi_send_mask()` in kernel/irq/ipi.c. Prefers the chip's mask hook (one call with
   * the base data); otherwise calls the single hook per CPU in ascending order, with each CPU's
   * own data on per-CPU domains.
   *
   * @returns 0 (or `-EINVAL` with `ipiDebug` when verification fails).
   * @throws Error where the kernel would dereference a null pointer, before any chip hook runs.
   * @throws TypeError / RangeError if `desc` is not a live descriptor of this machine, or `dest`
   *   not a Cpumask of its width.
   */
  __ipiSendMask(desc: IrqDesc, dest: ReadonlyCpumask): number {
    this.#checkDesc('__ipiSendMask', desc);
    checkCpumask('__ipiSendMask', 'dest', dest, this.#nrCpuIds);
    return this.#sendMask(desc, dest);
  }

  /** The body of {@link Ipi.__ipiSendMask} for a live `desc` and a mask of the machine's width. */
  #sendMask(desc: IrqDesc, dest: ReadonlyCpumask): number {
    const data = desc.irqData;
    const chip = data.chip;
    if (this.#debug) {
      if (this.#printk.warnOnOnce(this.#verify(chip, data, dest, 0) !== 0, '__ipi_send_mask')) {
        return -Errno.EINVAL;
      }
    }
    if (chip?.ipiSendMask !== undefined) {
      this.#chipMask('__ipi_send_mask', chip, data, dest);
      return 0;
    }
    if (chip?.ipiSendSingle === undefined) throw this.#oops('__ipiSendMask', desc, 'a chip with no IPI hook');
    const domain = this.#levelDomain('__ipiSendMask', data);
    if (irqDomainIsIpiPerCpu(domain)) {
      const base = data.irq;
      const offset = data.common.ipiOffset;
      // Resolve every CPU first so a missing per-CPU virq throws before any IPI is sent.
      for (let cpu = dest.first(); cpu < this.#nrCpuIds; cpu = dest.next(cpu)) {
        if (this.#descs.lookup(base + cpu - offset) === undefined) {
          throw this.#oops('__ipiSendMask', desc, `the per-CPU data of CPU ${cpu} (destroyed?)`);
        }
      }
      for (let cpu = dest.first(); cpu < this.#nrCpuIds; cpu = dest.next(cpu)) {
        this.#chipSingle('__ipi_send_mask', chip, (this.#descs.lookup(base + cpu - offset) as IrqDesc).irqData, cpu);
      }
    } else {
      for (let cpu = dest.first(); cpu < this.#nrCpuIds; cpu = dest.next(cpu)) {
        this.#chipSingle('__ipi_send_mask', chip, data, cpu);
      }
    }
    return 0;
  }

  /**
   * ipiSendSingle() - Send an IPI to a single CPU.
   * Mirrors `ipi_send_single()` in kernel/irq/ipi.c: verifies, then uses {@link Ipi.__ipiSendSingle}.
   *
   * @param virq - a virq from {@link Ipi.irqReserveIpi} (the base for per-CPU domains).
   * @param cpu - destination CPU, within the reservation.
   * @returns 0, or `-EINVAL` (with a one-time WARN) for an unknown virq, a chip without IPI
   *   hooks, `cpu >= nr_cpu_ids`, or `cpu` outside the reservation.
   */
  ipiSendSingle(virq: number, cpu: number): number {
    checkInteger('ipiSendSingle', 'virq', virq);
    checkInteger('ipiSendSingle', 'cpu', cpu);
    const desc = virq >= 0 ? (this.#descs.lookup(virq) ?? null) : null;
    const data = desc?.irqData ?? null;
    const chip = data?.chip ?? null;
    // WARN_ON_ONCE(ipi_send_verify(…)); the warning is out of line (it is not taken on a good send).
    if (this.#verify(chip, data, null, cpu) !== 0) return this.#rejected('ipi_send_single');
    // Checked above: a live descriptor of this table and an integer CPU.
    return this.#sendSingle(desc as IrqDesc, cpu);
  }

  /**
   * ipiSendMask() - Send an IPI to target CPU(s).
   * Mirrors `ipi_send_mask()` in kernel/irq/ipi.c: verifies, then uses {@link Ipi.__ipiSendMask}.
   *
   * @param virq - a virq from {@link Ipi.irqReserveIpi}.
   * @param dest - destination CPUs, a subset of the reservation (the empty mask passes).
   * @returns 0, or `-EINVAL` (with a one-time WARN) for an unknown virq, a chip without IPI
   *   hooks, or `dest` outside the reservation.
   */
  ipiSendMask(virq: number, dest: ReadonlyCpumask): number {
    checkInteger('ipiSendMask', 'virq', virq);
    checkCpumask('ipiSendMask', 'dest', dest, this.#nrCpuIds);
    const desc = virq >= 0 ? (this.#descs.lookup(virq) ?? null) : null;
    const data = desc?.irqData ?? null;
    const chip = data?.chip ?? null;
    if (this.#verify(chip, data, dest, 0) !== 0) return this.#rejected('ipi_send_mask');
    // Checked above: a live descriptor of this table and a mask of the machine's width.
    return this.#sendMask(desc as IrqDesc, dest);
  }

  /** A send that `ipi_send_verify()` refused: `WARN_ON_ONCE` at `site`, and `-EINVAL`. */
  #rejected(site: string): number {
    this.#printk.warnOnOnce(true, site);
    return -Errno.EINVAL;
  }

  /**
   * Calls the chip's `ipi_send_single`. A throw is an oops (docs/reliability.md): the IPI is lost,
   * as chip callbacks cannot report failure, and the sender goes on.
   */
  #chipSingle(fn: string, chip: IrqChip, data: IrqData, cpu: number): void {
    // Fault injection and the oops are out of line: this is inlined into every single send.
    if (this.#faults.injecting) {
      this.#chipSingleInjecting(fn, chip, data, cpu);
      return;
    }
    try {
      chip.ipiSendSingle?.(data, cpu);
    } catch (error) {
      this.#chipSingleOops(fn, chip, data, cpu, error);
    }
  }

  /** {@link Ipi.#chipSingle} with a fault plan: the plan is consulted before the hook. */
  #chipSingleInjecting(fn: string, chip: IrqChip, data: IrqData, cpu: number): void {
    try {
      this.#faults.check('chip', data.irq, `${fn}: ${chip.name}.ipiSendSingle`);
      chip.ipiSendSingle?.(data, cpu);
    } catch (error) {
      this.#chipSingleOops(fn, chip, data, cpu, error);
    }
  }

  /** The chip's single hook threw: an oops (rethrown when the fault policy says so). */
  #chipSingleOops(fn: string, chip: IrqChip, data: IrqData, cpu: number, error: unknown): void {
    if (this.#faults.oops('chip', data.irq, `${fn}: ${chip.name}.ipiSendSingle(CPU${cpu})`, error)) throw error;
  }

  /** Calls the chip's `ipi_send_mask`; a throw is an oops, as for {@link Ipi.#chipSingle}. */
  #chipMask(fn: string, chip: IrqChip, data: IrqData, dest: ReadonlyCpumask): void {
    try {
      if (this.#faults.injecting) this.#faults.check('chip', data.irq, `${fn}: ${chip.name}.ipiSendMask`);
      chip.ipiSendMask?.(data, dest);
    } catch (error) {
      if (this.#faults.oops('chip', data.irq, `${fn}: ${chip.name}.ipiSendMask(${dest.toString()})`, error)) throw error;
    }
  }

  /** Throws unless `desc` is a live descriptor of this machine (not a freed or foreign one). */
  #checkDesc(fn: string, desc: IrqDesc): void {
    if (!(desc instanceof IrqDesc)) {
      throw new TypeError(`${fn}: desc is ${describeValue(desc)}; expected an IrqDesc`);
    }
    if (this.#descs.lookup(desc.irq) !== desc) {
      throw new TypeError(
        `${fn}: desc of virq ${desc.irq} is not a live descriptor of this machine ` +
          "(freed, or another machine's); " +
          'use machine.irq.irqToDesc(virq)',
      );
    }
  }

  /** The domain of a level; a level without one would be a null dereference in the kernel. */
  #levelDomain(fn: string, data: IrqData): IrqDomain {
    if (data.domain === null) {
      throw new Error(
        `${fn}: virq ${data.irq} has no irq domain; the kernel would dereference NULL in ` +
          'irq_domain_is_ipi_per_cpu(). Use a virq from irqReserveIpi().',
      );
    }
    return data.domain;
  }

  #oops(fn: string, desc: IrqDesc, what: string): Error {
    return new Error(
      `${fn}: virq ${desc.irq} reaches ${what}; the kernel would dereference NULL here. Nothing was sent.`,
    );
  }
}
