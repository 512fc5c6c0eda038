/**
 * What RISC-V architecture code offers IPI providers (the model's arch/riscv/include/asm/smp.h):
 * `riscv_ipi_have_virq_range()` and `riscv_ipi_set_virq_range()`, and the token under which a
 * provider (the SBI IPI driver, or an IMSIC) is bound so `init_IRQ()` can start it.
 *
 * @packageDocumentation
 */

/** The arch hooks a RISC-V IPI provider calls. Token and interface share the name. */
export interface RiscvIpiRange {
  /** `riscv_ipi_have_virq_range()` (arch/riscv/kernel/smp.c): has a provider set the range? */
  riscvIpiHaveVirqRange(): boolean;
  /**
   * `riscv_ipi_set_virq_range(virq, nr)` (arch/riscv/kernel/smp.c): take `nr` per-CPU virqs from
   * `virq` as the arch's IPIs. A second call is ignored with a WARN; fewer than `IPI_MAX` WARNs;
   * at most `IPI_MAX` are used.
   */
  riscvIpiSetVirqRange(virq: number, nr: number): void;
}
/** DI token for {@link RiscvIpiRange}. */
export const RiscvIpiRange: unique symbol = Symbol.for('genipi/riscv/RiscvIpiRange');

/**
 * An IPI provider: constructing it probes the provider (`sbi_ipi_init()`), which calls
 * {@link RiscvIpiRange.riscvIpiSetVirqRange} if it takes the job. Token and interface share the name.
 */
export interface RiscvIpiProvider {
  /** Provider name for reports (`"sbi-ipi"`). */
  readonly name: string;
}
/** DI token for {@link RiscvIpiProvider}. */
export const RiscvIpiProvider: unique symbol = Symbol.for('genipi/riscv/RiscvIpiProvider');
