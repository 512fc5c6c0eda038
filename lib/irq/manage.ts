/**
 * The driver API for interrupt handlers, mirroring kernel/irq/manage.c (`request_irq`,
 * `free_irq`, `request_percpu_irq`, `enable_percpu_irq`, …) and `irq_set_percpu_devid`
 * (kernel/irq/irqdesc.c).
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { Cpumask } from '../cpumask.js';
import { Errno } from '../errno.js';
import { MachineConfig } from '../machine/config.js';
import { Printk } from '../printk.js';
import { SimCpus } from '../sim/cpus.js';
import { checkFunction, checkInteger, describeValue } from '../validate.js';
import { IRQF_SHARED, type IrqAction, type IrqHandler } from './irqaction.js';
import { type IrqDesc, IRQ_NOAUTOEN, IRQ_NOPROBE, IRQ_NOREQUEST, IRQ_NOTHREAD, IRQ_PER_CPU, IRQ_PER_CPU_DEVID } from './irqdata.js';
import { IrqDescTable } from './irqdesc.js';

/** Handler registration for one machine. */
@injectable()
export class IrqManage {
  readonly #descs: IrqDescTable;
  readonly #cpus: SimCpus;
  readonly #printk: Printk;
  readonly #nrCpuIds: number;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(IrqDescTable) descs: IrqDescTable,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Printk) printk: Printk,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.#descs = descs;
    this.#cpus = cpus;
    this.#printk = printk;
  }

  /**
   * `request_irq(irq, handler, flags, name, dev)`.
   * @returns 0; `-EINVAL` for an unknown irq, one marked `IRQ_NOREQUEST`, a per-CPU-devid irq, or
   *   a shared request without `dev`; `-EBUSY` when an action exists and either side is not shared.
   */
  requestIrq(irq: number, handler: IrqHandler, flags: number, name: string, dev: unknown): number {
    checkInteger('requestIrq', 'irq', irq);
    checkFunction('requestIrq', 'handler', handler);
    checkInteger('requestIrq', 'flags', flags);
    const desc = irq >= 0 ? this.#descs.lookup(irq) : undefined;
    if (desc === undefined) return -Errno.EINVAL;
    const status = desc.irqCommonData.statusFlags;
    if ((status & IRQ_NOREQUEST) !== 0 || (status & IRQ_PER_CPU_DEVID) !== 0) return -Errno.EINVAL;
    if ((flags & IRQF_SHARED) !== 0 && dev === undefined) return -Errno.EINVAL;
    const first = desc.actions[0] as IrqAction | undefined;
    if (first !== undefined && ((first.flags & flags & IRQF_SHARED) === 0)) {
      this.#printk.prWarn('genirq: ', `Flags mismatch irq ${irq}. ${flags.toString(16).padStart(8, '0')} (${name}) vs. ${first.flags.toString(16).padStart(8, '0')} (${first.name})`);
      return -Errno.EBUSY;
    }
    desc.actions.push({ handler, flags, name, devId: dev, percpuDevId: null });
    desc.depth = 0;
    // __setup_irq(): the first action starts the interrupt up unless IRQ_NOAUTOEN.
    if (first === undefined && (status & IRQ_NOAUTOEN) === 0) irqStartup(desc);
    return 0;
  }

  /** `free_irq(irq, dev)`: removes the action registered with `dev`; returns its name or null. */
  freeIrq(irq: number, dev: unknown): string | null {
    checkInteger('freeIrq', 'irq', irq);
    const desc = irq >= 0 ? this.#descs.lookup(irq) : undefined;
    if (desc === undefined) return null;
    const i = desc.actions.findIndex((a) => a.devId === dev && a.percpuDevId === null);
    if (this.#printk.warnOn(i < 0, 'free_irq', `Trying to free already-free IRQ ${irq}`)) return null;
    const [removed] = desc.actions.splice(i, 1);
    if (desc.actions.length === 0) {
      desc.depth = 1;
      // __free_irq(): the last action gone, the interrupt is shut down.
      irqShutdown(desc);
    }
    return removed.name;
  }

  /**
   * `irq_set_percpu_devid(irq)`: make `irq` a per-CPU interrupt with per-CPU device ids.
   * @returns 0, or `-EINVAL` for an unknown irq or one already set up.
   */
  irqSetPercpuDevid(irq: number): number {
    checkInteger('irqSetPercpuDevid', 'irq', irq);
    const desc = irq >= 0 ? this.#descs.lookup(irq) : undefined;
    if (desc?.percpuEnabled !== null) return -Errno.EINVAL;
    desc.percpuEnabled = new Cpumask(this.#nrCpuIds);
    desc.irqCommonData.statusFlags |= IRQ_NOAUTOEN | IRQ_PER_CPU | IRQ_NOTHREAD | IRQ_NOPROBE | IRQ_PER_CPU_DEVID;
    return 0;
  }

  /**
   * `request_percpu_irq(irq, handler, devname, percpu_dev_id)`: `percpuDevId[cpu]` is passed to
   * the handler on `cpu`.
   * @returns 0, `-EINVAL` (unknown, not requestable, not per-CPU-devid), `-EBUSY` (already has one).
   */
  requestPercpuIrq(irq: number, handler: IrqHandler, devname: string, percpuDevId: readonly unknown[] | null): number {
    checkInteger('requestPercpuIrq', 'irq', irq);
    checkFunction('requestPercpuIrq', 'handler', handler);
    const desc = irq >= 0 ? this.#descs.lookup(irq) : undefined;
    if (desc === undefined) return -Errno.EINVAL;
    const status = desc.irqCommonData.statusFlags;
    if ((status & IRQ_NOREQUEST) !== 0 || (status & IRQ_PER_CPU_DEVID) === 0) return -Errno.EINVAL;
    if (desc.actions.length > 0) return -Errno.EBUSY;
    desc.actions.push({
      handler,
      flags: 0,
      name: devname,
      devId: undefined,
      percpuDevId: percpuDevId ?? Array.from({ length: this.#nrCpuIds }, () => undefined),
    });
    return 0;
  }

  /** `free_percpu_irq(irq, percpu_dev_id)`. */
  freePercpuIrq(irq: number): void {
    checkInteger('freePercpuIrq', 'irq', irq);
    const desc = irq >= 0 ? this.#descs.lookup(irq) : undefined;
    if (desc === undefined) return;
    if (this.#printk.warnOn(desc.actions.length === 0, 'free_percpu_irq', `Trying to free already-free IRQ ${irq}`)) return;
    desc.actions = [];
  }

  /** `enable_percpu_irq(irq, type)` on the current CPU (or `cpu` when called from the host). */
  enablePercpuIrq(irq: number, cpu: number = this.#cpus.current?.cpu ?? -1): void {
    const desc = this.#percpuDesc('enablePercpuIrq', irq, cpu);
    if (desc === null) return;
    desc.percpuEnabled?.setCpu(cpu);
    const chip = desc.irqData.chip;
    if (chip?.irqUnmask !== undefined) this.#onCpu(cpu, () => chip.irqUnmask?.(desc.irqData));
  }

  /** `disable_percpu_irq(irq)` on the current CPU (or `cpu`). */
  disablePercpuIrq(irq: number, cpu: number = this.#cpus.current?.cpu ?? -1): void {
    const desc = this.#percpuDesc('disablePercpuIrq', irq, cpu);
    if (desc === null) return;
    desc.percpuEnabled?.clearCpu(cpu);
    const chip = desc.irqData.chip;
    if (chip?.irqMask !== undefined) this.#onCpu(cpu, () => chip.irqMask?.(desc.irqData));
  }

  /**
   * Runs a per-CPU chip hook as `cpu`: `enable_percpu_irq()` acts on the local CPU, and chips
   * (the GIC redistributor, ipi-mux's enable word) find that CPU with `smp_processor_id()`. When
   * the call comes from the host on behalf of `cpu`, the hook runs with `cpu` as current CPU.
   */
  #onCpu(cpu: number, fn: () => void): void {
    if (this.#cpus.current?.cpu === cpu) fn();
    else this.#cpus.withCurrent(cpu, fn);
  }

  #percpuDesc(fn: string, irq: number, cpu: number): IrqDesc | null {
    checkInteger(fn, 'irq', irq);
    checkInteger(fn, 'cpu', cpu);
    if (cpu < 0 || cpu >= this.#nrCpuIds) {
      throw new RangeError(`${fn}: no current CPU and cpu ${describeValue(cpu)} is not a CPU number; pass the CPU when calling from the host`);
    }
    const desc = irq >= 0 ? this.#descs.lookup(irq) : undefined;
    return desc ?? null;
  }

  /** `irq_percpu_is_enabled(irq)` for `cpu`. */
  irqPercpuIsEnabled(irq: number, cpu: number): boolean {
    return this.#descs.lookup(irq)?.percpuEnabled?.testCpu(cpu) ?? false;
  }
}

/**
 * `irq_startup()` (kernel/irq/chip.c): the chip's `irq_startup` if it has one, else `irq_enable`,
 * else `irq_unmask`.
 */
function irqStartup(desc: IrqDesc): void {
  const data = desc.irqData;
  const chip = data.chip;
  if (chip === null) return;
  if (chip.irqStartup !== undefined) chip.irqStartup(data);
  else if (chip.irqEnable !== undefined) chip.irqEnable(data);
  else chip.irqUnmask?.(data);
}

/**
 * `irq_shutdown()` (kernel/irq/chip.c): the chip's `irq_shutdown` if it has one, else
 * `irq_disable`, else `irq_mask`.
 */
function irqShutdown(desc: IrqDesc): void {
  const data = desc.irqData;
  const chip = data.chip;
  if (chip === null) return;
  if (chip.irqShutdown !== undefined) chip.irqShutdown(data);
  else if (chip.irqDisable !== undefined) chip.irqDisable(data);
  else chip.irqMask?.(data);
}
