/**
 * x86 interrupt vector numbers, mirroring arch/x86/include/asm/irq_vectors.h (current 6.x
 * numbering, spec §9.1.1), plus the single TLB-invalidate vector of the ULK / Linux 2.6 model.
 *
 * Vectors 0xec–0xff are system vectors with fixed handlers; a higher vector has a higher
 * priority class (vector >> 4) at the local APIC.
 *
 * @packageDocumentation
 */
export {
  FIRST_EXTERNAL_VECTOR,
  NMI_VECTOR,
  NR_VECTORS,
  SPURIOUS_APIC_VECTOR,
} from '../../drivers/apic/index.js';

/** `ISA_IRQ_VECTOR(irq)`: legacy ISA interrupts at 0x30–0x3f. */
export function ISA_IRQ_VECTOR(irq: number): number {
  return 0x30 + irq;
}
/** `IA32_SYSCALL_VECTOR`. */
export const IA32_SYSCALL_VECTOR = 0x80;
/** `ERROR_APIC_VECTOR`. */
export const ERROR_APIC_VECTOR = 0xfe;
/** `RESCHEDULE_VECTOR`: the scheduler's IPI (`smp_send_reschedule`). */
export const RESCHEDULE_VECTOR = 0xfd;
/** `CALL_FUNCTION_VECTOR`: `smp_call_function_many` to several CPUs. */
export const CALL_FUNCTION_VECTOR = 0xfc;
/** `CALL_FUNCTION_SINGLE_VECTOR`: `smp_call_function_single` and single-target many(). */
export const CALL_FUNCTION_SINGLE_VECTOR = 0xfb;
/** `THERMAL_APIC_VECTOR`. */
export const THERMAL_APIC_VECTOR = 0xfa;
/** `THRESHOLD_APIC_VECTOR`. */
export const THRESHOLD_APIC_VECTOR = 0xf9;
/** `REBOOT_VECTOR`: stop the other CPUs (`native_stop_other_cpus`). */
export const REBOOT_VECTOR = 0xf8;
/** `X86_PLATFORM_IPI_VECTOR`. */
export const X86_PLATFORM_IPI_VECTOR = 0xf7;
/** `IRQ_WORK_VECTOR`: the self-IPI of `arch_irq_work_raise()`. */
export const IRQ_WORK_VECTOR = 0xf6;
/** `DEFERRED_ERROR_VECTOR`. */
export const DEFERRED_ERROR_VECTOR = 0xf4;
/** `HYPERVISOR_CALLBACK_VECTOR`. */
export const HYPERVISOR_CALLBACK_VECTOR = 0xf3;
/** `POSTED_INTR_VECTOR` (KVM host). */
export const POSTED_INTR_VECTOR = 0xf2;
/** `POSTED_INTR_WAKEUP_VECTOR` (KVM host). */
export const POSTED_INTR_WAKEUP_VECTOR = 0xf1;
/** `POSTED_INTR_NESTED_VECTOR` (KVM host). */
export const POSTED_INTR_NESTED_VECTOR = 0xf0;
/** `MANAGED_IRQ_SHUTDOWN_VECTOR`. */
export const MANAGED_IRQ_SHUTDOWN_VECTOR = 0xef;
/** `HYPERV_REENLIGHTENMENT_VECTOR`. */
export const HYPERV_REENLIGHTENMENT_VECTOR = 0xee;
/** `HYPERV_STIMER0_VECTOR`. */
export const HYPERV_STIMER0_VECTOR = 0xed;
/** `LOCAL_TIMER_VECTOR` (= `FIRST_SYSTEM_VECTOR` with a local APIC). */
export const LOCAL_TIMER_VECTOR = 0xec;
/** `FIRST_SYSTEM_VECTOR`. */
export const FIRST_SYSTEM_VECTOR = LOCAL_TIMER_VECTOR;

/**
 * `INVALIDATE_TLB_VECTOR` of the ULK / Linux 2.6 TLB-shootdown model (`tlbModel: 'ulk'`).
 *
 * The ULK describes i386 2.6.11, where `INVALIDATE_TLB_VECTOR` was 0xfd, `RESCHEDULE_VECTOR` 0xfc
 * and `CALL_FUNCTION_VECTOR` 0xfb. The model keeps the current numbering for those and uses 0xf0:
 * `INVALIDATE_TLB_VECTOR_START` of x86-64 2.6.x (which had 0xf0–0xf7, one per group of senders,
 * with `RESCHEDULE` 0xfd, `CALL_FUNCTION` 0xfc and, from 2.6.26, `CALL_FUNCTION_SINGLE` 0xfb, the
 * same as today). The model has one vector with one global `flush_cpumask`, as i386 2.6 did.
 * Current kernels give 0xf0 to `POSTED_INTR_NESTED_VECTOR`, which a guest does not use.
 */
export const INVALIDATE_TLB_VECTOR = 0xf0;
