/**
 * RISC-V IPIs, mirroring arch/riscv/kernel/smp.c: the IPI numbers, `riscv_ipi_set_virq_range()`,
 * `handle_IPI()`, `send_ipi_mask()`/`send_ipi_single()` and `/proc/interrupts`' `IPIn:` rows.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { RISCV_IPI_GAP, formatIpiRow } from '../../lib/proc/interrupts.js';
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
} from '../../lib/core.js';
import type { RiscvIpiRange } from './asm.js';

/** `IPI_RESCHEDULE`. */
export const IPI_RESCHEDULE = 0;
/** `IPI_CALL_FUNC`. */
export const IPI_CALL_FUNC = 1;
/** `IPI_CPU_STOP`. */
export const IPI_CPU_STOP = 2;
/** `IPI_CPU_CRASH_STOP`. */
export const IPI_CPU_CRASH_STOP = 3;
/** `IPI_IRQ_WORK`. */
export const IPI_IRQ_WORK = 4;
/** `IPI_TIMER`. */
export const IPI_TIMER = 5;
/** `IPI_MAX`. */
export const IPI_MAX = 6;

/** `ipi_names[]`: the `/proc/interrupts` descriptions. */
export const RISCV_IPI_NAMES: readonly string[] = Object.freeze([
  'Rescheduling interrupts',
  'Function call interrupts',
  'CPU stop interrupts',
  'CPU stop (for crash dump) interrupts',
  'IRQ work interrupts',
  'Timer broadcast interrupts',
]);

/**
 * The RISC-V SMP/IPI layer of one machine: the `SmpOps` the generic cross-call layer and the
 * scheduler use, and the virq-range hooks for IPI providers. RISC-V emits no `ipi_raise` /
 * `ipi_entry` tracepoints. Handlers of `IPI_CPU_STOP`, `IPI_CPU_CRASH_STOP`, `IPI_IRQ_WORK` and
 * `IPI_TIMER` only count: the model has no parking, crash kexec, irq_work or tick broadcast.
 */
@injectable()
export class RiscvSmp implements SmpOps, RiscvIpiRange {
  readonly #nrCpuIds: number;
  readonly #irq: Irq;
  readonly #ipi: Ipi;
  readonly #smp: Smp;
  readonly #sched: Sched;
  readonly #cpus: SimCpus;
  readonly #masks: CpuMasks;
  readonly #printk: Printk;
  readonly #rows: IrqStatRow[] = [];
  readonly #ipiDesc: (IrqDesc | null)[] = new Array<IrqDesc | null>(IPI_MAX).fill(null);
  readonly #one: Cpumask;
  #ipiVirqBase = 0;
  #nrIpi = IPI_MAX;
  /** `ipi_dummy_dev`: the per-CPU cookie the IPIs are requested with. */
  readonly #ipiDummyDev: readonly unknown[];
  readonly #handleIpi = (irq: number): IrqReturn => this.#handleIPI(irq);

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(Irq) irq: Irq,
    @inject(Ipi) ipi: Ipi,
    @inject(Smp) smp: Smp,
    @inject(Sched) sched: Sched,
    @inject(IrqStats) stats: IrqStats,
    @inject(SimCpus) cpus: SimCpus,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(Printk) printk: Printk,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.#irq = irq;
    this.#ipi = ipi;
    this.#smp = smp;
    this.#sched = sched;
    this.#cpus = cpus;
    this.#masks = masks;
    this.#printk = printk;
    this.#one = new Cpumask(config.nrCpuIds);
    this.#ipiDummyDev = Object.freeze(Array.from({ length: config.nrCpuIds }, () => null));
    for (let i = 0; i < IPI_MAX; i++) this.#rows.push(stats.define(`IPI${i}`, RISCV_IPI_NAMES[i]));
  }

  /** `nr_ipi`. */
  get nrIpi(): number {
    return this.#nrIpi;
  }

  /** `ipi_virq_base`: virq of IPI 0, or 0 before a provider set the range. */
  get ipiVirqBase(): number {
    return this.#ipiVirqBase;
  }

  /** `ipi_desc[op]`, or null if that IPI was not set up. */
  ipiDesc(op: number): IrqDesc | null {
    return this.#ipiDesc[op] ?? null;
  }

  /** `riscv_ipi_have_virq_range()` (arch/riscv/kernel/smp.c): has a provider set the range? */
  riscvIpiHaveVirqRange(): boolean {
    return this.#ipiVirqBase !== 0;
  }

  /**
   * riscvIpiSetVirqRange() - Take `nr` per-CPU virqs from `virq` as the arch's IPIs.
   * Mirrors `riscv_ipi_set_virq_range()` in arch/riscv/kernel/smp.c: WARN and return if a range
   * is set already; WARN if `nr < IPI_MAX`; use `min(nr, IPI_MAX)`; request each as a per-CPU irq
   * named "IPI" (WARN on failure), cache its descriptor, mark it `IRQ_HIDDEN`; then
   * `riscv_ipi_enable()`.
   * @remarks The kernel enables the IPIs on the boot CPU here and on each secondary in
   *   `smp_callin()`; the model's CPUs are all up at boot, so every possible CPU is enabled now.
   */
  riscvIpiSetVirqRange(virq: number, nr: number): void {
    if (
      this.#printk.warnOn(
        this.#ipiVirqBase !== 0,
        'riscv_ipi_set_virq_range',
        `IPI virq range already set (base ${this.#ipiVirqBase})`,
      )
    )
      return;
    this.#printk.warnOn(
      nr < IPI_MAX,
      'riscv_ipi_set_virq_range:nr',
      `only ${nr} IPIs for ${IPI_MAX} IPI types`,
    );
    this.#nrIpi = Math.min(nr, IPI_MAX);
    this.#ipiVirqBase = virq;
    for (let i = 0; i < this.#nrIpi; i++) {
      const err = this.#irq.requestPercpuIrq(virq + i, this.#handleIpi, 'IPI', this.#ipiDummyDev);
      this.#printk.warnOn(
        err !== 0,
        'riscv_ipi_set_virq_range:request',
        `request_percpu_irq(${virq + i}) = ${err}`,
      );
      this.#ipiDesc[i] = this.#irq.irqToDesc(virq + i);
      this.#irq.irqSetStatusFlags(virq + i, IRQ_HIDDEN);
    }
    for (let cpu = 0; cpu < this.#nrCpuIds; cpu++) this.riscvIpiEnable(cpu);
  }

  /** `riscv_ipi_enable()` (arch/riscv/kernel/smp.c) for `cpu`: enable every IPI there. */
  riscvIpiEnable(cpu: number): void {
    if (this.#printk.warnOnOnce(this.#ipiVirqBase === 0, 'riscv_ipi_enable')) return;
    for (let i = 0; i < this.#nrIpi; i++) this.#irq.enablePercpuIrq(this.#ipiVirqBase + i, cpu);
  }

  /** `riscv_ipi_disable()` (arch/riscv/kernel/smp.c) for `cpu`. */
  riscvIpiDisable(cpu: number): void {
    if (this.#printk.warnOnOnce(this.#ipiVirqBase === 0, 'riscv_ipi_disable')) return;
    for (let i = 0; i < this.#nrIpi; i++)
      this.#irq.manage.disablePercpuIrq(this.#ipiVirqBase + i, cpu);
  }

  /** `handle_IPI(irq, data)` (arch/riscv/kernel/smp.c), on the receiving CPU. */
  #handleIPI(irq: number): IrqReturn {
    const ipi = irq - this.#ipiVirqBase;
    const cpu = this.#cpus.smpProcessorId();
    // show_ipi_stats() prints irq_desc_kstat_cpu(ipi_desc[i], cpu); counted here.
    const row = this.#rows[ipi] as IrqStatRow | undefined;
    if (row !== undefined) row.counts[cpu]++;
    switch (ipi) {
      case IPI_RESCHEDULE:
        this.#sched.schedulerIpi();
        break;
      case IPI_CALL_FUNC:
        this.#smp.genericSmpCallFunctionSingleInterrupt();
        break;
      case IPI_CPU_STOP:
      case IPI_CPU_CRASH_STOP:
      case IPI_IRQ_WORK:
      case IPI_TIMER:
        break;
      default:
        this.#printk.prWarn('', `CPU${cpu}: unhandled IPI${ipi}`);
    }
    return IrqReturn.IRQ_HANDLED;
  }

  #desc(op: number): IrqDesc {
    const desc = this.#ipiDesc[op] as IrqDesc | null | undefined;
    if (desc === null || desc === undefined) {
      throw new Error(
        `send_ipi: IPI ${op} was not set up by riscv_ipi_set_virq_range(); the kernel would dereference a NULL descriptor`,
      );
    }
    return desc;
  }

  /** `send_ipi_mask(mask, op)` (arch/riscv/kernel/smp.c): `__ipi_send_mask(ipi_desc[op], mask)`. */
  sendIpiMask(mask: ReadonlyCpumask, op: number): void {
    this.#ipi.__ipiSendMask(this.#desc(op), mask);
  }

  /** `send_ipi_single(cpu, op)` (arch/riscv/kernel/smp.c): `__ipi_send_mask(ipi_desc[op], cpumask_of(cpu))`. */
  sendIpiSingle(cpu: number, op: number): void {
    const desc = this.#desc(op);
    const one = this.#one;
    one.clearAll().setCpu(cpu);
    this.#ipi.__ipiSendMask(desc, one);
  }

  /** `arch_smp_send_reschedule(cpu)` (arch/riscv/kernel/smp.c): `send_ipi_single(cpu, IPI_RESCHEDULE)`. */
  smpSendReschedule(cpu: number): void {
    this.sendIpiSingle(cpu, IPI_RESCHEDULE);
  }

  /** `arch_send_call_function_ipi_mask(mask)` (arch/riscv/kernel/smp.c): `send_ipi_mask(mask, IPI_CALL_FUNC)`. */
  sendCallFunctionIpiMask(mask: ReadonlyCpumask): void {
    this.sendIpiMask(mask, IPI_CALL_FUNC);
  }

  /** `arch_send_call_function_single_ipi(cpu)` (arch/riscv/kernel/smp.c): `send_ipi_single(cpu, IPI_CALL_FUNC)`. */
  sendCallFunctionSingleIpi(cpu: number): void {
    this.sendIpiSingle(cpu, IPI_CALL_FUNC);
  }

  /** `arch_irq_work_raise()` (arch/riscv/kernel/smp.c): `IPI_IRQ_WORK` to the current CPU. */
  archIrqWorkRaise(): void {
    this.sendIpiSingle(this.#cpus.smpProcessorId(), IPI_IRQ_WORK);
  }

  /** `tick_broadcast(mask)` (arch/riscv/kernel/smp.c): `IPI_TIMER` to `mask`. */
  tickBroadcast(mask: ReadonlyCpumask): void {
    this.sendIpiMask(mask, IPI_TIMER);
  }

  /**
   * `show_ipi_stats(p, prec)` (arch/riscv/kernel/smp.c): the `IPIn:` rows of `/proc/interrupts`
   * with a count per online CPU.
   */
  showIpiStats(prec = 3): string {
    const online = this.#masks.online;
    let out = '';
    for (let i = 0; i < IPI_MAX; i++) {
      const counts = this.#rows[i].counts;
      out += `${formatIpiRow(
        i,
        online.toArray().map((cpu) => counts[cpu]),
        RISCV_IPI_NAMES[i],
        prec,
        RISCV_IPI_GAP,
      )}\n`;
    }
    return out;
  }
}
