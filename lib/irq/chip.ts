/**
 * The irq chip contract, mirroring `struct irq_chip` (include/linux/irq.h) and the dummy chips of
 * kernel/irq/dummychip.c.
 *
 * @packageDocumentation
 */
import type { ReadonlyCpumask } from '../cpumask.js';
import type { IrqData } from './irqdata.js';

/**
 * Hardware interrupt-controller operations for one level of an irq hierarchy.
 *
 * Every hook is optional, as in C. An IPI-capable chip provides `ipiSendSingle`, `ipiSendMask` or
 * both; the core synthesises the missing one (kernel/irq/ipi.c). Hooks return nothing, so a chip
 * cannot report a failed send (the kernel API has no way to either).
 */
export interface IrqChip {
  /** Name shown in `/proc/interrupts` (`irq_chip.name`). */
  readonly name: string;
  /** `irq_startup`; returns 0 or a negative errno. */
  irqStartup?(data: IrqData): number;
  /** `irq_shutdown`. */
  irqShutdown?(data: IrqData): void;
  /** `irq_enable`. */
  irqEnable?(data: IrqData): void;
  /** `irq_disable`. */
  irqDisable?(data: IrqData): void;
  /** `irq_ack`: acknowledge at the start of a flow handler. */
  irqAck?(data: IrqData): void;
  /** `irq_mask`. */
  irqMask?(data: IrqData): void;
  /** `irq_unmask`. */
  irqUnmask?(data: IrqData): void;
  /** `irq_eoi`: end of interrupt, at the end of a flow handler. */
  irqEoi?(data: IrqData): void;
  /** `irq_set_affinity`; returns 0 or a negative errno. */
  irqSetAffinity?(data: IrqData, dest: ReadonlyCpumask, force: boolean): number;
  /** `ipi_send_single`: send this IPI to one CPU. `data` is the per-CPU level data. */
  ipiSendSingle?(data: IrqData, cpu: number): void;
  /** `ipi_send_mask`: send this IPI to every CPU in `dest`. `data` is the base virq's data. */
  ipiSendMask?(data: IrqData, dest: ReadonlyCpumask): void;
}

/**
 * `no_irq_chip` (kernel/irq/dummychip.c): the chip of a fresh descriptor and of a level set up
 * with a null chip. It has no IPI hooks, so IPI sends through it fail verification.
 */
export const noIrqChip: IrqChip = Object.freeze({
  name: 'none',
  irqStartup: () => 0,
  irqShutdown: () => undefined,
  irqEnable: () => undefined,
  irqDisable: () => undefined,
  irqAck: () => undefined,
});

/** `dummy_irq_chip` (kernel/irq/dummychip.c): accepts every operation and does nothing. */
export const dummyIrqChip: IrqChip = Object.freeze({
  name: 'dummy',
  irqStartup: () => 0,
  irqShutdown: () => undefined,
  irqEnable: () => undefined,
  irqDisable: () => undefined,
  irqAck: () => undefined,
  irqMask: () => undefined,
  irqUnmask: () => undefined,
});

/**
 * The hierarchy trim marker: the kernel stores `ERR_PTR(-ENOTCONN)` as the chip of a level cut
 * off by `irq_domain_disconnect_hierarchy()`. Compared by identity.
 */
export const IRQ_CHIP_DISCONNECTED: IrqChip = Object.freeze({ name: '<disconnected>' });
