/**
 * MIPS SMP operations: the IPI action codes and `struct plat_smp_ops` of
 * arch/mips/include/asm/smp.h and asm/smp-ops.h, and the generic cross-call hooks that map
 * onto them (`smp_send_reschedule`, `arch_send_call_function_single_ipi`,
 * `arch_send_call_function_ipi_mask`).
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { Cpumask, MachineConfig, type ReadonlyCpumask, type SmpOps } from '../../lib/core.js';

/** `SMP_RESCHEDULE_YOURSELF` (arch/mips/include/asm/smp.h). */
export const SMP_RESCHEDULE_YOURSELF = 0x1;
/** `SMP_CALL_FUNCTION`. */
export const SMP_CALL_FUNCTION = 0x2;
/** `SMP_ICACHE_FLUSH`: Octeon, tell another core to flush its instruction cache. */
export const SMP_ICACHE_FLUSH = 0x4;
/**
 * `SMP_ASK_C0COUNT`: Loongson, ask CPU 0 for its CP0 Count. 0x8 in current kernels; 0x10 while
 * `SMP_DUMP` (kexec crash dump) was 0x8.
 */
export const SMP_ASK_C0COUNT = 0x8;

/**
 * `struct plat_smp_ops`, the IPI half: how a MIPS platform sends an action to CPUs. Token and
 * interface share the name.
 */
export interface PlatSmpOps {
  /** `send_ipi_single(cpu, action)`. */
  sendIpiSingle(cpu: number, action: number): void;
  /** `send_ipi_mask(mask, action)`. */
  sendIpiMask(mask: ReadonlyCpumask, action: number): void;
}
/** DI token for {@link PlatSmpOps} (`mp_ops` in C). */
export const PlatSmpOps: unique symbol = Symbol.for('genipi/mips/PlatSmpOps');

/**
 * The MIPS implementation of the core's {@link SmpOps}: the inline helpers of
 * arch/mips/include/asm/smp.h, each one call into the platform's `mp_ops`.
 */
@injectable()
export class MipsSmpOps implements SmpOps {
  readonly #mpOps: PlatSmpOps;
  /** `cpumask_of(cpu)`: one scratch mask, so a send does not allocate. */
  readonly #one: Cpumask;

  constructor(@inject(PlatSmpOps) mpOps: PlatSmpOps, @inject(MachineConfig) config: MachineConfig) {
    this.#mpOps = mpOps;
    this.#one = new Cpumask(config.nrCpuIds);
  }

  /**
   * smpSendReschedule() - `smp_send_reschedule()` in arch/mips/include/asm/smp.h:
   * `mp_ops->send_ipi_single(cpu, SMP_RESCHEDULE_YOURSELF)`. No offline check (x86 has one).
   */
  smpSendReschedule(cpu: number): void {
    this.#mpOps.sendIpiSingle(cpu, SMP_RESCHEDULE_YOURSELF);
  }

  /**
   * sendCallFunctionSingleIpi() - `arch_send_call_function_single_ipi()` in
   * arch/mips/include/asm/smp.h: `mp_ops->send_ipi_mask(cpumask_of(cpu), SMP_CALL_FUNCTION)`.
   * @throws RangeError for a CPU outside the machine (`cpumask_of()` out of range).
   */
  sendCallFunctionSingleIpi(cpu: number): void {
    const one = this.#one.clearAll().setCpu(cpu);
    this.#mpOps.sendIpiMask(one, SMP_CALL_FUNCTION);
  }

  /**
   * sendCallFunctionIpiMask() - `arch_send_call_function_ipi_mask()` in
   * arch/mips/include/asm/smp.h: `mp_ops->send_ipi_mask(mask, SMP_CALL_FUNCTION)`.
   */
  sendCallFunctionIpiMask(mask: ReadonlyCpumask): void {
    this.#mpOps.sendIpiMask(mask, SMP_CALL_FUNCTION);
  }
}

/**
 * `BUG()`: the kernel stops. The model throws an `Error` saying where, so a test (or a user) sees
 * the oops instead of a silently wrong machine.
 */
export function mipsBug(where: string, what: string): never {
  throw new Error(`kernel BUG at ${where}: ${what}`);
}
