/**
 * arm64 IPIs, mirroring arch/arm64/kernel/smp.c: the IPI numbers, `set_smp_ipi_range()`,
 * `smp_cross_call()`, the IPI handler and `/proc/interrupts`' `IPIn:` rows.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { ARM64_IPI_GAP, formatIpiRow } from '../../lib/proc/interrupts.js';
import {
  CpuMasks,
  Cpumask,
  Ipi,
  Irq,
  type IrqDesc,
  IrqReturn,
  IrqStats,
  type IrqStatRow,
  IRQ_HIDDEN,
  MachineConfig,
  Printk,
  type ReadonlyCpumask,
  Sched,
  SimCpus,
  Smp,
  type SmpOps,
  Tracer,
  checkInteger,
} from '../../lib/core.js';
import type { Arm64IpiRange } from './asm.js';

/** `IPI_RESCHEDULE`. */
export const IPI_RESCHEDULE = 0;
/** `IPI_CALL_FUNC`. */
export const IPI_CALL_FUNC = 1;
/** `IPI_CPU_STOP`. */
export const IPI_CPU_STOP = 2;
/** `IPI_CPU_STOP_NMI` (index 3 was `IPI_CPU_CRASH_STOP` in older kernels). */
export const IPI_CPU_STOP_NMI = 3;
/** `IPI_TIMER`. */
export const IPI_TIMER = 4;
/** `IPI_IRQ_WORK`. */
export const IPI_IRQ_WORK = 5;
/** `NR_IPI`: IPIs below this are traced with `ipi_entry`/`ipi_exit`. */
export const NR_IPI = 6;
/** `IPI_CPU_BACKTRACE` (untraced). */
export const IPI_CPU_BACKTRACE = 6;
/** `IPI_KGDB_ROUNDUP` (untraced). */
export const IPI_KGDB_ROUNDUP = 7;
/** `MAX_IPI`. */
export const MAX_IPI = 8;

/** `ipi_types[]`: the reason strings of the tracepoints and the `/proc/interrupts` descriptions. */
export const ARM64_IPI_TYPES: readonly string[] = Object.freeze([
  'Rescheduling interrupts',
  'Function call interrupts',
  'CPU stop interrupts',
  'CPU stop NMIs',
  'Timer broadcast interrupts',
  'IRQ work interrupts',
  'CPU backtrace interrupts',
  'KGDB roundup interrupts',
]);

/**
 * The arm64 SMP/IPI layer of one machine: the `SmpOps` the generic cross-call layer and the
 * scheduler use, and `set_smp_ipi_range()` for the irqchip driver.
 *
 * The model has no pseudo-NMIs, so every IPI is a normal per-CPU interrupt (the kernel's choice
 * when priority masking is not in use). Handlers of `IPI_CPU_STOP*`, `IPI_TIMER`,
 * `IPI_IRQ_WORK`, `IPI_CPU_BACKTRACE` and `IPI_KGDB_ROUNDUP` only count and trace: the model has
 * no parking, tick broadcast, irq_work, backtrace or kgdb.
 */
@injectable()
export class Arm64Smp implements SmpOps, Arm64IpiRange {
  readonly #nrCpuIds: number;
  readonly #irq: Irq;
  readonly #ipi: Ipi;
  readonly #smp: Smp;
  readonly #sched: Sched;
  readonly #tracer: Tracer;
  readonly #cpus: SimCpus;
  readonly #printk: Printk;
  readonly #masks: CpuMasks;
  readonly #rows: IrqStatRow[] = [];
  readonly #ipiDesc: (IrqDesc | null)[] = new Array<IrqDesc | null>(MAX_IPI).fill(null);
  readonly #one: Cpumask;
  #nrIpi = MAX_IPI;
  #ipiIrqBase = 0;
  readonly #ipiHandler = (irq: number): IrqReturn => {
    this.#doHandleIpi(irq - this.#ipiIrqBase);
    return IrqReturn.IRQ_HANDLED;
  };

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(Irq) irq: Irq,
    @inject(Ipi) ipi: Ipi,
    @inject(Smp) smp: Smp,
    @inject(Sched) sched: Sched,
    @inject(IrqStats) stats: IrqStats,
    @inject(Tracer) tracer: Tracer,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Printk) printk: Printk,
    @inject(CpuMasks) masks: CpuMasks,
  ) {
    this.#masks = masks;
    this.#nrCpuIds = config.nrCpuIds;
    this.#irq = irq;
    this.#ipi = ipi;
    this.#smp = smp;
    this.#sched = sched;
    this.#tracer = tracer;
    this.#cpus = cpus;
    this.#printk = printk;
    this.#one = new Cpumask(config.nrCpuIds);
    for (let i = 0; i < MAX_IPI; i++) this.#rows.push(stats.define(`IPI${i}`, ARM64_IPI_TYPES[i]));
  }

  /** `nr_ipi`: how many IPIs `set_smp_ipi_range()` set up. */
  get nrIpi(): number {
    return this.#nrIpi;
  }

  /** `ipi_irq_base`: virq of IPI 0, or 0 before `set_smp_ipi_range()`. */
  get ipiIrqBase(): number {
    return this.#ipiIrqBase;
  }

  /** `ipi_desc[ipinr]`, or null if that IPI was not set up. */
  ipiDesc(ipinr: number): IrqDesc | null {
    return this.#ipiDesc[ipinr] ?? null;
  }

  /**
   * setSmpIpiRange() - Take a range of per-CPU virqs as the arch's IPIs.
   * Mirrors `set_smp_ipi_range()` in arch/arm64/kernel/smp.c: WARN if `n < MAX_IPI`, use
   * `min(n, MAX_IPI)`; request each as a per-CPU irq named "IPI" (WARN on failure), cache its
   * descriptor, mark it `IRQ_HIDDEN`, remember the base, and enable them (`ipi_setup()`).
   *
   * @remarks The kernel enables them on the boot CPU here and on each secondary as it comes up;
   *   the model's CPUs are all up at boot, so they are enabled on every possible CPU now.
   */
  setSmpIpiRange(ipiBase: number, n: number): void {
    // Checked before anything is requested, so a bad range changes nothing.
    checkInteger('setSmpIpiRange', 'ipiBase', ipiBase);
    checkInteger('setSmpIpiRange', 'n', n);
    if (ipiBase <= 0)
      throw new RangeError(
        `setSmpIpiRange: ipiBase is ${ipiBase}; expected the first virq of the IPI range (> 0)`,
      );
    if (n < 0) throw new RangeError(`setSmpIpiRange: n is ${n}; expected a non-negative count`);
    this.#printk.warnOn(
      n < MAX_IPI,
      'set_smp_ipi_range',
      `only ${n} IPIs for ${MAX_IPI} IPI types`,
    );
    this.#nrIpi = Math.min(n, MAX_IPI);
    for (let i = 0; i < this.#nrIpi; i++) {
      const err = this.#irq.requestPercpuIrq(ipiBase + i, this.#ipiHandler, 'IPI', null);
      this.#printk.warnOn(
        err !== 0,
        'set_smp_ipi_range:request',
        `Could not request IPI ${i} as IRQ, err=${err}`,
      );
      this.#ipiDesc[i] = this.#irq.irqToDesc(ipiBase + i);
      this.#irq.irqSetStatusFlags(ipiBase + i, IRQ_HIDDEN);
    }
    this.#ipiIrqBase = ipiBase;
    for (let cpu = 0; cpu < this.#nrCpuIds; cpu++) this.ipiSetup(cpu);
  }

  /** `ipi_setup(cpu)` (arch/arm64/kernel/smp.c): enable every IPI on `cpu`. */
  ipiSetup(cpu: number): void {
    if (this.#ipiIrqBase === 0) return;
    for (let i = 0; i < this.#nrIpi; i++) this.#irq.enablePercpuIrq(this.#ipiIrqBase + i, cpu);
  }

  /** `do_handle_IPI(ipinr)` (arch/arm64/kernel/smp.c), on the receiving CPU. */
  #doHandleIpi(ipinr: number): void {
    const cpu = this.#cpus.smpProcessorId();
    const traced = ipinr >= 0 && ipinr < NR_IPI;
    const tr = this.#tracer;
    if (traced && tr.enabled)
      tr.emit('ipi_entry', cpu, { reason: ARM64_IPI_TYPES[ipinr] }, this.#cpus.localNow());
    // irq_desc_kstat_cpu(ipi_desc[i], cpu) is what show_ipi_list() prints; counted here.
    const row = this.#rows[ipinr] as IrqStatRow | undefined;
    if (row !== undefined) row.counts[cpu]++;
    switch (ipinr) {
      case IPI_RESCHEDULE:
        this.#sched.schedulerIpi();
        break;
      case IPI_CALL_FUNC:
        this.#smp.genericSmpCallFunctionSingleInterrupt();
        break;
      case IPI_CPU_STOP:
      case IPI_CPU_STOP_NMI:
      case IPI_TIMER:
      case IPI_IRQ_WORK:
      case IPI_CPU_BACKTRACE:
      case IPI_KGDB_ROUNDUP:
        break;
      default:
        this.#printk.prWarn('', `CPU${cpu}: Unknown IPI message 0x${ipinr.toString(16)}`);
    }
    if (traced && tr.enabled)
      tr.emit('ipi_exit', cpu, { reason: ARM64_IPI_TYPES[ipinr] }, this.#cpus.localNow());
  }

  /**
   * smpCrossCall() - Raise IPI `ipinr` on every CPU of `target`.
   * Mirrors `smp_cross_call()` in arch/arm64/kernel/smp.c: trace `ipi_raise`, then
   * `__ipi_send_mask(ipi_desc[ipinr], target)`.
   * @throws Error if IPI `ipinr` was not set up (the kernel would dereference a NULL descriptor).
   */
  smpCrossCall(target: ReadonlyCpumask, ipinr: number): void {
    const tr = this.#tracer;
    if (tr.enabled) {
      tr.emit(
        'ipi_raise',
        this.#cpus.current?.cpu ?? -1,
        { target_cpus: target.toHex(), reason: ARM64_IPI_TYPES[ipinr] ?? null },
        this.#cpus.localNow(),
      );
    }
    const desc = this.#ipiDesc[ipinr] as IrqDesc | null | undefined;
    if (desc === null || desc === undefined) {
      throw new Error(
        `smp_cross_call: IPI ${ipinr} was not set up by set_smp_ipi_range(); the kernel would dereference a NULL descriptor`,
      );
    }
    this.#ipi.__ipiSendMask(desc, target);
  }

  #single(cpu: number, ipinr: number): void {
    const one = this.#one;
    one.clearAll().setCpu(cpu);
    this.smpCrossCall(one, ipinr);
  }

  /** `arch_smp_send_reschedule(cpu)` (arch/arm64/kernel/smp.c): `smp_cross_call(cpumask_of(cpu), IPI_RESCHEDULE)`. */
  smpSendReschedule(cpu: number): void {
    this.#single(cpu, IPI_RESCHEDULE);
  }

  /** `arch_send_call_function_ipi_mask(mask)` (arch/arm64/kernel/smp.c): `smp_cross_call(mask, IPI_CALL_FUNC)`. */
  sendCallFunctionIpiMask(mask: ReadonlyCpumask): void {
    this.smpCrossCall(mask, IPI_CALL_FUNC);
  }

  /** `arch_send_call_function_single_ipi(cpu)` (arch/arm64/kernel/smp.c): `smp_cross_call(cpumask_of(cpu), IPI_CALL_FUNC)`. */
  sendCallFunctionSingleIpi(cpu: number): void {
    this.#single(cpu, IPI_CALL_FUNC);
  }

  /** `arch_irq_work_raise()` (arch/arm64/kernel/smp.c): `IPI_IRQ_WORK` to the current CPU. */
  archIrqWorkRaise(): void {
    this.#single(this.#cpus.smpProcessorId(), IPI_IRQ_WORK);
  }

  /** `tick_broadcast(mask)` (arch/arm64/kernel/smp.c): `IPI_TIMER` to `mask`. */
  tickBroadcast(mask: ReadonlyCpumask): void {
    this.smpCrossCall(mask, IPI_TIMER);
  }

  /**
   * `show_ipi_list(p, prec)` (arch/arm64/kernel/smp.c): the `IPIn:` rows of `/proc/interrupts`,
   * one per IPI type, with a count per online CPU.
   */
  showIpiList(prec = 3): string {
    const online = this.#masks.online;
    let out = '';
    for (let i = 0; i < MAX_IPI; i++) {
      const counts = this.#rows[i].counts;
      out += `${formatIpiRow(
        i,
        online.toArray().map((cpu) => counts[cpu]),
        ARM64_IPI_TYPES[i],
        prec,
        ARM64_IPI_GAP,
      )}\n`;
    }
    return out;
  }
}
