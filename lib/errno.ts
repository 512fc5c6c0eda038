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
  ENOENT = 2,
  ENXIO = 6,
  ENOMEM = 12,
  EBUSY = 16,
  EEXIST = 17,
  ENODEV = 19,
  EINVAL = 22,
  ENOSPC = 28,
  ENOSYS = 38,
  ENOTCONN = 107,
}

/**
 * Hardware irq number meaning "no such hwirq": `~0UL` in `include/linux/irqdomain.h`.
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
