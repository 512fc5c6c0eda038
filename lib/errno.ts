/**
 * Linux error numbers and the `INVALID_HWIRQ` sentinel.
 *
 * Mirrored functions return these the way the kernel does: a non-negative result on success,
 * `-Errno.X` on failure. The numeric values are the ones in `include/uapi/asm-generic/errno-base.h`
 * and `errno.h`, so a student can compare a trace with a kernel log.
 *
 * @packageDocumentation
 */

/** Linux errno values (`include/uapi/asm-generic/errno-base.h`, `errno.h`). */
export enum Errno {
  /** No such file or directory: `irq_domain_set_hwirq_and_chip()` finds no level for the domain. */
  ENOENT = 2,
  /** No such device or address. */
  ENXIO = 6,
  /** Out of memory: no free virq range for `irq_reserve_ipi()` / `__irq_alloc_descs()`. */
  ENOMEM = 12,
  /** Device or resource busy: `irq_reserve_ipi()` when the domain's alloc failed. */
  EBUSY = 16,
  /** File exists: a specifically requested virq range is taken. */
  EEXIST = 17,
  /** No such device. */
  ENODEV = 19,
  /** Invalid argument: the kernel's answer to most bad input. */
  EINVAL = 22,
  /** No space left on device. */
  ENOSPC = 28,
  /** Function not implemented: a domain (or its parent) has no alloc op. */
  ENOSYS = 38,
  /** Transport endpoint is not connected; the hierarchy trim marker is `ERR_PTR(-ENOTCONN)`. */
  ENOTCONN = 107,
}

/**
 * Hardware irq number meaning "no such hwirq": `~0UL` in `include/linux/irq.h`.
 *
 * @remarks
 * The C value is 2^64 - 1. A JavaScript number cannot hold it exactly, so the model uses the
 * nearest double (2^64). Valid hwirqs are safe integers, so no valid hwirq can ever compare
 * equal to it. It is never -1.
 */
export const INVALID_HWIRQ: number = 2 ** 64;

/** Returns the symbolic name of a negative (or positive) errno, for messages: `-22` gives `"-EINVAL"`. */
export function errnoName(value: number): string {
  const name = Errno[Math.abs(value)] as string | undefined;
  if (name === undefined) return String(value);
  return value < 0 ? `-${name}` : name;
}
