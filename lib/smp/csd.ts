/**
 * `call_single_data_t` and its flags (include/linux/smp_types.h, kernel/smp.c).
 *
 * @packageDocumentation
 */
import type { Waitable } from '../sim/cpus.js';

/** `CSD_FLAG_LOCK`. */
export const CSD_FLAG_LOCK = 0x01;
/** `CSD_FLAG_TYPE_MASK`. */
export const CSD_FLAG_TYPE_MASK = 0xf0;
/** `CSD_TYPE_ASYNC`: unlocked before the function runs. */
export const CSD_TYPE_ASYNC = 0x00;
/** `CSD_TYPE_SYNC`: unlocked after the function ran; someone is waiting. */
export const CSD_TYPE_SYNC = 0x10;
/** `CSD_TYPE_IRQ_WORK`. */
export const CSD_TYPE_IRQ_WORK = 0x20;
/** `CSD_TYPE_TTWU`: a remote task wake-up. */
export const CSD_TYPE_TTWU = 0x30;

/** `smp_call_func_t`: runs on the target CPU with interrupts disabled. */
export type SmpCallFunc = (info: unknown) => void;

/** `smp_cond_func_t`: `(cpu, info) => bool`. */
export type SmpCondFunc = (cpu: number, info: unknown) => boolean;

/** A cross-call request (`struct __call_single_data`). */
export class CallSingleData implements Waitable {
  /** `u_flags`: lock bit and type. */
  flags = 0;
  /** Function to run. */
  func: SmpCallFunc | null = null;
  /** Its argument. */
  info: unknown = undefined;
  /** Sending CPU (debug field `src`). */
  src = -1;
  /** Target CPU (debug field `dst`). */
  dst = -1;
  /** @internal Local time of the unlocking CPU's release store (0: never unlocked). */
  unlockAt = 0;
  /** @internal Next csd on the same call queue (`llist_node`). */
  next: CallSingleData | null = null;
  /** @internal The CPU whose call queue holds it now, or -1. */
  queuedOn = -1;
  /** @internal CPUs spinning on this csd's lock; null until the first one (most csds never have one). */
  waiters: number[] | null = null;

  constructor(func: SmpCallFunc | null = null, info?: unknown, flags = 0) {
    this.func = func;
    this.info = info;
    this.flags = flags;
  }

  /** `CSD_TYPE(csd)`. */
  get type(): number {
    return this.flags & CSD_FLAG_TYPE_MASK;
  }

  /** True when the lock bit is clear. */
  get satisfied(): boolean {
    return (this.flags & CSD_FLAG_LOCK) === 0;
  }

  get waitsForCpu(): number {
    return this.dst;
  }

  describe(): string {
    return `csd lock of ${funcName(this.func)}(${String(this.info)}) queued to CPU${this.dst}`;
  }

  addWaiter(cpu: number): void {
    const waiters = (this.waiters ??= []);
    if (!waiters.includes(cpu)) waiters.push(cpu);
  }
}

/** The name a function prints as in traces and reports (`%ps`). */
export function funcName(func: ((...args: never[]) => unknown) | null): string {
  if (func === null) return '(null)';
  return func.name !== '' ? func.name : '<anonymous>';
}
