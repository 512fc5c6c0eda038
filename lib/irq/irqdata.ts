/**
 * Per-interrupt data structures: `struct irq_desc`, `struct irq_data` and
 * `struct irq_common_data` (include/linux/irqdesc.h, include/linux/irq.h), and the status flags.
 *
 * @packageDocumentation
 */
import type { Cpumask, ReadonlyCpumask } from '../cpumask.js';
import type { IrqAction } from './irqaction.js';
import { type IrqChip, noIrqChip } from './chip.js';
import type { IrqDomain } from './irqdomain-defs.js';
import { checkInteger } from '../validate.js';

/** `IRQ_LEVEL` (include/linux/irq.h). */
export const IRQ_LEVEL = 1 << 8;
/** `IRQ_PER_CPU`: the interrupt is per CPU. */
export const IRQ_PER_CPU = 1 << 9;
/** `IRQ_NOPROBE`. */
export const IRQ_NOPROBE = 1 << 10;
/** `IRQ_NOREQUEST`: `request_irq()` is refused. Set on fresh descriptors, cleared on mapping. */
export const IRQ_NOREQUEST = 1 << 11;
/** `IRQ_NOAUTOEN`. */
export const IRQ_NOAUTOEN = 1 << 12;
/** `IRQ_NO_BALANCING`: affinity may not be changed (set on every reserved IPI virq). */
export const IRQ_NO_BALANCING = 1 << 13;
/** `IRQ_NOTHREAD`. */
export const IRQ_NOTHREAD = 1 << 16;
/** `IRQ_PER_CPU_DEVID`: per-CPU interrupt with a per-CPU device id (`request_percpu_irq`). */
export const IRQ_PER_CPU_DEVID = 1 << 17;
/** `IRQ_HIDDEN`: not shown in `/proc/interrupts`. */
export const IRQ_HIDDEN = 1 << 20;

/**
 * Data shared by every hierarchy level of one virq (`struct irq_common_data`).
 */
export class IrqCommonData {
  /**
   * `affinity`: for reserved IPIs, the whole reservation mask. The model treats it as immutable
   * and shares one frozen mask among the virqs of one reservation (the kernel copies it into each
   * descriptor; the values are identical). Changing affinity replaces the reference.
   */
  affinity: ReadonlyCpumask;
  /** `ipi_offset`: first CPU of a per-CPU IPI reservation, 0 for single IPIs. */
  ipiOffset = 0;
  /**
   * Status flags (`IRQ_NO_BALANCING`, `IRQ_NOREQUEST`, …). The kernel keeps these in the
   * descriptor's settings word and mirrors some into `irqd` state; the model keeps one word here.
   */
  statusFlags: number;
  /** `handler_data`. */
  handlerData: unknown = undefined;

  constructor(affinity: ReadonlyCpumask, statusFlags: number) {
    this.affinity = affinity;
    this.statusFlags = statusFlags;
  }
}

/**
 * One hierarchy level of one virq (`struct irq_data`). The descriptor holds the outermost level;
 * `parentData` links toward the root domain.
 */
export class IrqData {
  /** Linux irq number (virq). */
  readonly irq: number;
  /** Hardware irq number in `domain` (`irq_data.hwirq`). */
  hwirq = 0;
  /** Domain of this level, or null for a descriptor not yet mapped. */
  domain: IrqDomain | null;
  /** Chip of this level. Null means "not set" (only possible on parent levels). */
  chip: IrqChip | null;
  /** `chip_data`. */
  chipData: unknown = undefined;
  /** The next level toward the root, or null. */
  parentData: IrqData | null = null;
  /** Shared per-virq data. */
  readonly common: IrqCommonData;

  constructor(irq: number, common: IrqCommonData, domain: IrqDomain | null, chip: IrqChip | null) {
    this.irq = irq;
    this.common = common;
    this.domain = domain;
    this.chip = chip;
  }
}

/** A flow handler (`irq_flow_handler_t`): runs the interrupt's actions through its chip. */
export type IrqFlowHandler = (desc: IrqDesc) => void;

/** The error of `IrqDesc.kstatIncr` for a `cpu` that is not a CPU number below `nr`. */
function badKstatCpu(cpu: number, nr: number): never {
  checkInteger('IrqDesc.kstatIncr', 'cpu', cpu);
  throw new RangeError(`IrqDesc.kstatIncr: cpu is ${cpu}; expected a CPU number in [0, ${nr})`);
}

/**
 * An interrupt descriptor (`struct irq_desc`): one per allocated virq.
 */
export class IrqDesc {
  /** The outermost hierarchy level (`irq_desc.irq_data`). */
  readonly irqData: IrqData;
  /** `irq_desc.irq_common_data`. */
  readonly irqCommonData: IrqCommonData;
  /** Flow handler (`handle_irq`); null until one is set. */
  handleIrq: IrqFlowHandler | null = null;
  /** Name of the flow handler for `/proc/interrupts` (`irq_desc.name`). */
  name: string | null = null;
  /** Disable depth; fresh descriptors start disabled (depth 1). */
  depth = 1;
  /** Registered handlers (`irq_desc.action`, a list in C). */
  actions: IrqAction[] = [];
  /**
   * Per-CPU interrupt counts (`kstat_irqs`). A per-CPU virq is only ever counted on one CPU, so
   * the first counting CPU and its count are two fields; a second CPU switches to one counter
   * per CPU (`nr_cpu_ids` of them), as the kernel's per-CPU `kstat_irqs` is.
   */
  #kstatCpu = -1;
  #kstatOne = 0;
  #kstatAll: Uint32Array | null = null;
  /** `irqs_unhandled`: interrupts no action claimed. */
  irqsUnhandled = 0;
  /** `percpu_enabled` of a per-CPU-devid interrupt; null otherwise. */
  percpuEnabled: Cpumask | null = null;

  constructor(irq: number, defaultAffinity: ReadonlyCpumask, statusFlags: number) {
    this.irqCommonData = new IrqCommonData(defaultAffinity, statusFlags);
    this.irqData = new IrqData(irq, this.irqCommonData, null, noIrqChip);
  }

  /** The virq number. */
  get irq(): number {
    return this.irqData.irq;
  }

  /**
   * `kstat_incr_irqs_this_cpu()` for `cpu` (an integer in `[0, nr_cpu_ids)`; the flow handlers
   * pass the current CPU).
   * @throws TypeError/RangeError for anything else; nothing is counted.
   */
  kstatIncr(cpu: number): void {
    const nr = this.irqCommonData.affinity.nrCpuIds;
    if (!(cpu >= 0 && cpu < nr) || !Number.isInteger(cpu)) badKstatCpu(cpu, nr);
    const all = this.#kstatAll;
    if (all !== null) all[cpu]++;
    else if (this.#kstatCpu === cpu) this.#kstatOne++;
    else this.#kstatNewCpu(cpu, nr);
  }

  /** A count on a CPU the compact form does not hold: the first CPU, or the second (spread). */
  #kstatNewCpu(cpu: number, nr: number): void {
    if (this.#kstatCpu < 0) {
      this.#kstatCpu = cpu;
      this.#kstatOne = 1;
      return;
    }
    const counts = new Uint32Array(nr);
    counts[this.#kstatCpu] = this.#kstatOne;
    counts[cpu] = 1;
    this.#kstatAll = counts;
  }

  /** `kstat_irqs_cpu(irq, cpu)`: interrupts of this virq handled on `cpu`. */
  kstatIrqsCpu(cpu: number): number {
    const all = this.#kstatAll;
    if (all !== null) return all[cpu] ?? 0;
    return cpu === this.#kstatCpu ? this.#kstatOne : 0;
  }

  /** Total interrupts of this virq over all CPUs. */
  kstatIrqsTotal(): number {
    const all = this.#kstatAll;
    if (all === null) return this.#kstatOne;
    let n = 0;
    for (let i = 0; i < all.length; i++) n += all[i];
    return n;
  }

  /** `[cpu, count]` for every CPU that counted this virq, in CPU order. */
  kstatEntries(): [number, number][] {
    const all = this.#kstatAll;
    if (all === null) return this.#kstatCpu < 0 ? [] : [[this.#kstatCpu, this.#kstatOne]];
    const out: [number, number][] = [];
    for (let i = 0; i < all.length; i++) if (all[i] !== 0) out.push([i, all[i]]);
    return out;
  }
}
