/**
 * `struct irqaction` and `irqreturn_t` (include/linux/interrupt.h, include/linux/irqreturn.h).
 *
 * @packageDocumentation
 */

/** `irqreturn_t`. */
export enum IrqReturn {
  /** The interrupt was not from this device. */
  IRQ_NONE = 0,
  /** The interrupt was handled. */
  IRQ_HANDLED = 1,
  /** Handled; wake the handler thread. */
  IRQ_WAKE_THREAD = 2,
}

/** `irq_handler_t`: `(irq, dev_id) => irqreturn_t`. Runs on the current CPU, interrupts off. */
export type IrqHandler = (irq: number, devId: unknown) => IrqReturn;

/** `IRQF_SHARED`. */
export const IRQF_SHARED = 0x00000080;
/** `IRQF_PERCPU`. */
export const IRQF_PERCPU = 0x00000400;
/** `IRQF_NO_THREAD`. */
export const IRQF_NO_THREAD = 0x00010000;

/** One handler registered on a virq (`struct irqaction`). */
export interface IrqAction {
  /** The handler (`irqaction.handler`). */
  readonly handler: IrqHandler;
  /** `IRQF_*` flags given to `request_irq`. */
  readonly flags: number;
  /** Name shown in `/proc/interrupts`. */
  readonly name: string;
  /** `dev_id` (`request_irq`). */
  readonly devId: unknown;
  /** Per-CPU cookies (`request_percpu_irq`), indexed by CPU; null for ordinary actions. */
  readonly percpuDevId: readonly unknown[] | null;
}
