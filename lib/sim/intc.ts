/**
 * The contract between simulated CPUs and an architecture's per-CPU interrupt controller (the
 * x86 local APIC, a MIPS CPU interrupt line, a GIC CPU interface).
 *
 * @packageDocumentation
 */

/**
 * A per-CPU interrupt controller as the CPU core sees it. Bound by the architecture module under
 * the {@link InterruptController} token.
 */
export interface InterruptController {
  /** Name for reports. */
  readonly name: string;
  /** Does `cpu` have an interrupt it may take now (after priority masking)? */
  pending(cpu: number): boolean;
  /**
   * The CPU takes its highest-priority interrupt: move it from pending to in-service and return
   * a handle (a vector, a virq…) for {@link InterruptController.dispatch}, or -1 if nothing is
   * deliverable any more, changing nothing then. The CPU may call it without asking
   * {@link InterruptController.pending} first (it does when a kick finds it able to take an
   * interrupt), so it applies the same priority rules.
   */
  acknowledge(cpu: number): number;
  /**
   * Runs the architecture's interrupt entry for `handle` on `cpu`, which is the current CPU:
   * typically `generic_handle_domain_irq()` into the flow handler and the action.
   */
  dispatch(cpu: number, handle: number): void;
  /**
   * `cpu` stopped executing (hot-unplug). Returns how many interrupts were pending there; they
   * stay pending in the controller and are taken when the CPU comes back.
   */
  pendingCount(cpu: number): number;
}
/** DI token for {@link InterruptController}. */
export const InterruptController: unique symbol = Symbol.for('genipi/InterruptController');
