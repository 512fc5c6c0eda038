/**
 * Per-virq setters of kernel/irq/chip.c and include/linux/irq.h: status flags, chip, flow
 * handler and handler data.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { Errno } from '../errno.js';
import { checkChip, checkHandler, checkIrqNumber, checkNullableString } from '../validate.js';
import { type IrqChip, noIrqChip } from './chip.js';
import type { IrqFlowHandler } from './irqdata.js';
import { IrqDescTable } from './irqdesc.js';

/**
 * The per-virq setters. Those that return a number give 0, or `-EINVAL` for a virq with no
 * descriptor; the others ignore such a virq, as in the kernel.
 */
@injectable()
export class IrqSettings {
  readonly #descs: IrqDescTable;

  constructor(@inject(IrqDescTable) descs: IrqDescTable) {
    this.#descs = descs;
  }

  /** `irq_modify_status(irq, clr, set)`. Unknown virqs are ignored, as in the kernel. */
  irqModifyStatus(irq: number, clr: number, set: number): void {
    this.#modifyStatus('irqModifyStatus', irq, clr, set);
  }

  /** `irq_set_status_flags(irq, set)`. */
  irqSetStatusFlags(irq: number, set: number): void {
    this.#modifyStatus('irqSetStatusFlags', irq, 0, set);
  }

  /** `irq_clear_status_flags(irq, clr)`. */
  irqClearStatusFlags(irq: number, clr: number): void {
    this.#modifyStatus('irqClearStatusFlags', irq, clr, 0);
  }

  #modifyStatus(fn: string, irq: number, clr: number, set: number): void {
    checkIrqNumber(fn, 'irq', irq, true);
    checkIrqNumber(fn, 'clr', clr);
    checkIrqNumber(fn, 'set', set);
    const desc = this.#descs.lookup(irq);
    if (desc === undefined) return;
    const common = desc.irqCommonData;
    common.statusFlags = (common.statusFlags & ~clr) | set;
  }

  /** `irq_set_chip(irq, chip)`: sets the outermost chip; null means `no_irq_chip`. */
  irqSetChip(irq: number, chip: IrqChip | null): number {
    checkIrqNumber('irqSetChip', 'irq', irq, true);
    checkChip('irqSetChip', 'chip', chip);
    const desc = this.#descs.lookup(irq);
    if (desc === undefined) return -Errno.EINVAL;
    desc.irqData.chip = chip ?? noIrqChip;
    return 0;
  }

  /** `irq_set_chip_data(irq, data)`. */
  irqSetChipData(irq: number, data: unknown): number {
    checkIrqNumber('irqSetChipData', 'irq', irq, true);
    const desc = this.#descs.lookup(irq);
    if (desc === undefined) return -Errno.EINVAL;
    desc.irqData.chipData = data;
    return 0;
  }

  /** `irq_set_handler_data(irq, data)`. */
  irqSetHandlerData(irq: number, data: unknown): number {
    checkIrqNumber('irqSetHandlerData', 'irq', irq, true);
    const desc = this.#descs.lookup(irq);
    if (desc === undefined) return -Errno.EINVAL;
    desc.irqCommonData.handlerData = data;
    return 0;
  }

  /** `__irq_set_handler(irq, handle, is_chained, name)`; a null handler means none. */
  irqSetHandler(irq: number, handler: IrqFlowHandler | null, name: string | null = null): void {
    checkIrqNumber('irqSetHandler', 'irq', irq, true);
    checkHandler('irqSetHandler', 'handler', handler);
    checkNullableString('irqSetHandler', 'name', name);
    const desc = this.#descs.lookup(irq);
    if (desc === undefined) return;
    desc.handleIrq = handler;
    desc.name = handler === null ? null : name;
  }

  /** `irq_set_chip_and_handler_name(irq, chip, handle, name)`. */
  irqSetChipAndHandlerName(
    irq: number,
    chip: IrqChip | null,
    handler: IrqFlowHandler | null,
    name: string | null,
  ): void {
    // Checked up front so a bad handler cannot leave the chip changed.
    const fn = 'irqSetChipAndHandlerName';
    checkIrqNumber(fn, 'irq', irq, true);
    checkChip(fn, 'chip', chip);
    checkHandler(fn, 'handler', handler);
    checkNullableString(fn, 'name', name);
    this.irqSetChip(irq, chip);
    this.irqSetHandler(irq, handler, name);
  }
}
