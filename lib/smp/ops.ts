/**
 * What the generic cross-call layer needs from an architecture (`arch_send_call_function_*`,
 * `arch_smp_send_reschedule`), mirroring the `smp_ops` hooks of arch/x86 and `plat_smp_ops` of
 * MIPS.
 *
 * @packageDocumentation
 */
import type { ReadonlyCpumask } from '../cpumask.js';

/** Architecture IPI senders for kernel/smp.c and the scheduler. Token and interface share the name. */
export interface SmpOps {
  /** `arch_smp_send_reschedule(cpu)`. */
  smpSendReschedule(cpu: number): void;
  /** `arch_send_call_function_ipi_mask(mask)`. */
  sendCallFunctionIpiMask(mask: ReadonlyCpumask): void;
  /** `arch_send_call_function_single_ipi(cpu)`. */
  sendCallFunctionSingleIpi(cpu: number): void;
}
/** DI token for {@link SmpOps}. */
export const SmpOps: unique symbol = Symbol.for('genipi/SmpOps');
