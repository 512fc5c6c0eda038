/**
 * What arm64 architecture code offers its interrupt-controller drivers, the model's
 * `arch/arm64/include/asm/smp.h` and `smp_plat.h`: the logical-CPU ↔ MPIDR map and
 * `set_smp_ipi_range()`. Drivers (drivers/gicv3) inject these tokens; the arm64 module binds them.
 *
 * @packageDocumentation
 */

/** `MPIDR_HWID_BITMASK` (arch/arm64/include/asm/cputype.h): Aff3 in bits 32–39, Aff2–Aff0 in 16–23, 8–15, 0–7. */
export const MPIDR_HWID_BITMASK = 0xff_00ff_ffff;

/** `MPIDR_AFFINITY_LEVEL(mpidr, level)` (arch/arm64/include/asm/cputype.h): affinity field 0–3. */
export function mpidrAffinityLevel(mpidr: number, level: 0 | 1 | 2 | 3): number {
  if (level === 3) return Math.floor(mpidr / 2 ** 32) & 0xff;
  return ((mpidr % 2 ** 32) >>> (8 * level)) & 0xff;
}

/** Firmware's CPU topology: each logical CPU's MPIDR (`cpu_logical_map`). Token and interface share the name. */
export interface CpuLogicalMap {
  /** `cpu_logical_map(cpu)` (arch/arm64/include/asm/smp_plat.h): the MPIDR affinity of logical `cpu`. */
  cpuLogicalMap(cpu: number): number;
  /** `get_logical_index(mpidr)` (arch/arm64/include/asm/smp_plat.h): logical CPU of `mpidr`, or -EINVAL. */
  getLogicalIndex(mpidr: number): number;
}
/** DI token for {@link CpuLogicalMap}. */
export const CpuLogicalMap: unique symbol = Symbol.for('genipi/arm64/CpuLogicalMap');

/** The arch hook an arm64 irqchip driver calls once it has allocated its IPI virqs. */
export interface Arm64IpiRange {
  /**
   * `set_smp_ipi_range(ipi_base, n)` (arch/arm64/kernel/smp.c): take `n` consecutive per-CPU
   * virqs from `ipiBase` as the arch's IPIs (WARN if fewer than `MAX_IPI`, use at most `MAX_IPI`).
   */
  setSmpIpiRange(ipiBase: number, n: number): void;
}
/** DI token for {@link Arm64IpiRange}. */
export const Arm64IpiRange: unique symbol = Symbol.for('genipi/arm64/Arm64IpiRange');
