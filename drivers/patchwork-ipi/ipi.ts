/**
 * PatchworkOS's IPI framework (KaiNorberg/PatchworkOS, `src/kernel/cpu/ipi.c` and
 * `include/kernel/cpu/ipi.h` at commit 34d95f75, the version the seed document describes), on the
 * simulated CPUs: a design with no irq domains and no virqs, where every IPI is a function pushed
 * onto the target CPU's queue followed by one fixed interrupt vector, `VECTOR_IPI` (0xFD).
 *
 * What it does, from the documentation and the source (../shared/spec/peers.md §1):
 * - one registered IPI chip (the local APIC), or none: `ipiChipRegister` (`EINVAL`, `EBUSY`),
 *   `ipiChipUnregister` (silently ignores a chip that is not the registered one), `ipiChipAmount`;
 * - per CPU, a ring of `IPI_QUEUE_SIZE` (16) entries with one slot always empty: 15 usable;
 * - `ipiSend(cpu, flags, func, private)`: `flags & 3` picks `IPI_SINGLE`, `IPI_BROADCAST` (every
 *   CPU, the sender included) or `IPI_OTHERS` (every CPU but `cpu`); 3 is `EINVAL`. (That is what
 *   the documentation describes. The C code switches on `flags & IPI_OTHERS`, i.e. `flags & 2`, so
 *   `IPI_BROADCAST` is taken as `IPI_SINGLE` and 3 as `IPI_OTHERS`; build the machine with
 *   `archOptions.patchworkFlagsMask: 2` to get that.) Per target:
 *   push (`ENODEV` without a chip, `ENOSYS` if the chip cannot interrupt, `EBUSY` if the ring is
 *   full; the entry is dropped), then interrupt it. A broadcast stops at the first failure; the
 *   targets before it stay queued and interrupted;
 * - `ipiWakeUp`: the interrupt without a queued function; silent;
 * - `ipiInvoke`: a software interrupt (`int 0xFD`) on the current CPU; with interrupts disabled
 *   the interrupt dispatcher panics;
 * - `ipiHandlePending`: chip `ack` if present, run queued functions until the ring is empty (with
 *   the ring's lock held, so a function that queues to its own CPU deadlocks), chip `eoi`.
 *
 * Return convention: the C one. Functions that can fail return `0` or {@link ERR} and set
 * `errno`, which the model keeps per CPU (C: per thread) and reads through
 * {@link PatchworkIpi.errno}. The errno values are POSIX's, which are Linux's: {@link Errno}.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import {
  ArchOptions,
  CoreTiming,
  CpuMasks,
  Errno,
  MachineConfig,
  Printk,
  SimCpus,
} from '../../lib/core.js';
import { checkInteger, describeValue } from '../../lib/validate.js';

/** `IPI_QUEUE_SIZE`: entries in each CPU's ring; one is always left empty, so 15 are usable. */
export const IPI_QUEUE_SIZE = 16;
/** `VECTOR_IPI`: the one interrupt vector every IPI uses. */
export const VECTOR_IPI = 0xfd;
/**
 * `ERR`: the failure value of functions returning `uint64_t` (`UINT64_MAX` in C). A JavaScript
 * number cannot hold 2^64 − 1; the model uses 2^64, the nearest double (like `INVALID_HWIRQ`).
 */
export const ERR = 2 ** 64;

/** `IPI_SINGLE` (`ipi_flags_t`): send the IPI to the specified CPU. */
export const IPI_SINGLE = 0;
/** `IPI_BROADCAST`: send the IPI to all CPUs, the specified CPU is ignored. */
export const IPI_BROADCAST = 1;
/** `IPI_OTHERS`: send the IPI to all CPUs except the specified CPU. */
export const IPI_OTHERS = 2;
/** The flags mask the documentation describes (the default): every flag value has its case. */
export const PATCHWORK_FLAGS_MASK_DOCUMENTED = 3;
/** The mask the C code applies, `IPI_OTHERS`: `IPI_BROADCAST` falls into the `IPI_SINGLE` case. */
export const PATCHWORK_FLAGS_MASK_SOURCE = IPI_OTHERS;

/** `ipi_func_data_t`: what an IPI function receives. */
export interface IpiFuncData {
  /** The CPU running the function (`self`). */
  readonly self: PatchworkCpu;
  /** The `private` pointer given to `ipi_send`. */
  readonly private: unknown;
}

/** `ipi_func_t`. */
export type IpiFunc = (data: IpiFuncData) => void;

/** `interrupt_frame_t`, reduced to the vector. */
export interface InterruptFrame {
  /** The interrupt vector. */
  readonly vector: number;
}

/**
 * `ipi_chip_t`: a name and three optional hooks. `interrupt` "should panic on failure" and
 * returns nothing.
 */
export interface IpiChip {
  /** Chip name, logged on (un)registration. */
  readonly name: string;
  /** Raise `vector` on `cpu`. */
  interrupt?(cpu: PatchworkCpu, vector: number): void;
  /** Acknowledge the interrupt on `cpu`, before the queue is drained. */
  ack?(cpu: PatchworkCpu): void;
  /** End of interrupt on `cpu`, after the queue is drained. */
  eoi?(cpu: PatchworkCpu): void;
}

/** One queued IPI (`ipi_t`). */
export interface IpiEntry {
  /** The function. */
  func: IpiFunc | null;
  /** Its `private` pointer. */
  private: unknown;
}

/** `ipi_cpu_ctx_t`: the per-CPU ring and its lock. */
export class IpiCpuCtx {
  /** The ring. */
  readonly queue: IpiEntry[] = Array.from({ length: IPI_QUEUE_SIZE }, () => ({
    func: null,
    private: null,
  }));
  /** Next entry to run. */
  readIndex = 0;
  /** Next free slot. */
  writeIndex = 0;
  /** CPU holding the ring's lock, or -1 (`lock_t`). */
  lockHolder = -1;

  /** Entries waiting. */
  get length(): number {
    return (this.writeIndex - this.readIndex + IPI_QUEUE_SIZE) % IPI_QUEUE_SIZE;
  }
}

/** `cpu_t`, reduced to what the IPI code uses: the id, the IPI context, and `errno`. */
export class PatchworkCpu {
  /** This CPU's IPI context (`cpu_t.ipi`). */
  readonly ipi = new IpiCpuCtx();
  /** `errno` of the code running on this CPU. */
  errno = 0;

  /** @internal Created by {@link PatchworkIpi}. */
  constructor(
    /** CPU id. */
    readonly id: number,
    /** @internal The framework the CPU belongs to. */
    readonly owner: object,
  ) {}
}

const PR = 'ipi: ';

/** The IPI framework of one PatchworkOS machine. */
@injectable()
export class PatchworkIpi {
  /** The CPUs in `CPU_FOR_EACH` order: those online when the machine was built. */
  readonly cpus: readonly PatchworkCpu[];
  /** `VECTOR_IPI` interrupts handled per CPU id (`ipiInvoke` included). */
  readonly interrupts: Uint32Array;
  /** IPI functions run per CPU id. */
  readonly functionsRun: Uint32Array;
  #registeredChip: IpiChip | null = null;
  /** `errno` of host-side callers (outside simulated code). */
  #hostErrno = 0;
  readonly #byId: (PatchworkCpu | undefined)[];
  readonly #sim: SimCpus;
  readonly #printk: Printk;
  readonly #timing: CoreTiming;
  /** What `ipi_send`/`ipi_wake_up` AND the flags with before the switch (3, or 2 as in the C code). */
  readonly flagsMask: number;

  /**
   * @throws RangeError for `archOptions.patchworkFlagsMask` other than 3 (the default) or 2.
   */
  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(ArchOptions) options: ArchOptions,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(SimCpus) sim: SimCpus,
    @inject(CoreTiming) timing: CoreTiming,
    @inject(Printk) printk: Printk,
  ) {
    const mask = options.patchworkFlagsMask ?? PATCHWORK_FLAGS_MASK_DOCUMENTED;
    if (mask !== PATCHWORK_FLAGS_MASK_DOCUMENTED && mask !== PATCHWORK_FLAGS_MASK_SOURCE) {
      throw new RangeError(
        `createMachine: archOptions.patchworkFlagsMask is ${describeValue(mask)}; expected 3 (documented) or 2 (as the C code)`,
      );
    }
    this.flagsMask = mask;
    this.#sim = sim;
    this.#printk = printk;
    this.#timing = timing;
    this.#byId = new Array<PatchworkCpu | undefined>(config.nrCpuIds);
    const cpus: PatchworkCpu[] = [];
    masks.online.forEach((id) => {
      const c = new PatchworkCpu(id, this);
      this.ipiCpuCtxInit(c.ipi);
      cpus.push(c);
      this.#byId[id] = c;
    });
    this.cpus = Object.freeze(cpus);
    this.interrupts = new Uint32Array(config.nrCpuIds);
    this.functionsRun = new Uint32Array(config.nrCpuIds);
  }

  /**
   * The `cpu_t` of CPU `id`.
   * @throws RangeError for a CPU this kernel did not boot.
   */
  cpu(id: number): PatchworkCpu {
    const c = Number.isInteger(id) ? this.#byId[id] : undefined;
    if (c === undefined)
      throw new RangeError(`cpu: id is ${describeValue(id)}; expected the id of a booted CPU`);
    return c;
  }

  /**
   * `cpu_get_unsafe()`: the current CPU's `cpu_t`.
   * @throws Error outside simulated code.
   */
  cpuGet(): PatchworkCpu {
    return this.cpu(this.#sim.smpProcessorId());
  }

  /** `errno` as the current code sees it (the current CPU's, or the host's outside simulated code). */
  get errno(): number {
    const c = this.#sim.current;
    return c === null ? this.#hostErrno : (this.#byId[c.cpu]?.errno ?? this.#hostErrno);
  }

  #fail(errno: Errno): number {
    const c = this.#sim.current;
    const pc = c === null ? undefined : this.#byId[c.cpu];
    if (pc === undefined) this.#hostErrno = errno;
    else pc.errno = errno;
    return ERR;
  }

  /**
   * ipiCpuCtxInit() - Initialize per-CPU IPI context: an empty ring, indexes 0, lock free.
   * Mirrors `ipi_cpu_ctx_init()` in src/kernel/cpu/ipi.c.
   * @throws TypeError if `ctx` is not an IpiCpuCtx.
   */
  ipiCpuCtxInit(ctx: IpiCpuCtx): void {
    if (!(ctx instanceof IpiCpuCtx))
      throw new TypeError(`ipiCpuCtxInit: ctx is ${describeValue(ctx)}; expected an IpiCpuCtx`);
    for (const e of ctx.queue) {
      e.func = null;
      e.private = null;
    }
    ctx.readIndex = 0;
    ctx.writeIndex = 0;
    ctx.lockHolder = -1;
  }

  /**
   * ipiHandlePending() - Handle pending IPIs on the current CPU: the chip's `ack` if it has one,
   * then every queued function in order until the ring is empty (each one called with the ring's
   * lock held), then the chip's `eoi` if it has one.
   * Mirrors `ipi_handle_pending(frame, self)` in src/kernel/cpu/ipi.c; `frame` is unused there too.
   * @throws TypeError for a `self` that is not a CPU of this machine or a `frame` that is not an object.
   */
  ipiHandlePending(frame: InterruptFrame, self: PatchworkCpu): void {
    if (typeof frame !== 'object' || (frame as unknown) === null) {
      throw new TypeError(
        `ipiHandlePending: frame is ${describeValue(frame)}; expected an interrupt frame`,
      );
    }
    this.#checkCpu('ipiHandlePending', 'self', self);
    const chip = this.#registeredChip;
    chip?.ack?.(self);
    const ctx = self.ipi;
    const cpuNow = this.#sim.current?.cpu ?? self.id;
    for (;;) {
      if (ctx.readIndex === ctx.writeIndex) break;
      const entry = ctx.queue[ctx.readIndex];
      const func = entry.func as IpiFunc;
      const data: IpiFuncData = { self, private: entry.private };
      ctx.readIndex = (ctx.readIndex + 1) % IPI_QUEUE_SIZE;
      this.#sim.charge(this.#timing.callFuncNs);
      this.functionsRun[self.id]++;
      // LOCK_SCOPE(&ctx->lock) covers the call.
      ctx.lockHolder = cpuNow;
      try {
        func(data);
      } finally {
        ctx.lockHolder = -1;
      }
    }
    this.#registeredChip?.eoi?.(self);
  }

  /**
   * ipiChipRegister() - Register an IPI chip; there can only be one at a time.
   * Mirrors `ipi_chip_register()` in src/kernel/cpu/ipi.c.
   * @returns 0, or {@link ERR} with `errno` `EINVAL` (null chip, or a chip without a string
   *   `name`, which the C code would print) or `EBUSY` (a chip is registered).
   * @throws TypeError for a `chip` that is not an object, or has hooks that are not functions.
   */
  ipiChipRegister(chip: IpiChip | null): number {
    if ((chip as IpiChip | null | undefined) == null) return this.#fail(Errno.EINVAL);
    checkChip('ipiChipRegister', chip);
    if (typeof chip.name !== 'string') return this.#fail(Errno.EINVAL);
    if (this.#registeredChip !== null) return this.#fail(Errno.EBUSY);
    this.#registeredChip = chip;
    this.#printk.prInfo(PR, `registered IPI chip '${chip.name}'`);
    return 0;
  }

  /**
   * ipiChipUnregister() - Unregister the IPI chip; a null chip, or one that is not the registered
   * one, is a no-op. Mirrors `ipi_chip_unregister()` in src/kernel/cpu/ipi.c.
   */
  ipiChipUnregister(chip: IpiChip | null): void {
    const registered = this.#registeredChip;
    // A null chip never equals a registered one: the C NULL check is this comparison too.
    if (registered === null || registered !== chip) return;
    this.#printk.prInfo(PR, `unregistered IPI chip '${registered.name}'`);
    this.#registeredChip = null;
  }

  /**
   * ipiChipAmount() - Number of registered IPI chips: 0 or 1.
   * Mirrors `ipi_chip_amount()` in src/kernel/cpu/ipi.c.
   */
  ipiChipAmount(): number {
    return this.#registeredChip !== null ? 1 : 0;
  }

  /** The registered chip, or null. */
  get registeredChip(): IpiChip | null {
    return this.#registeredChip;
  }

  /** `ipi_push()`: 0, or ERR with `ENODEV`, `ENOSYS` or `EBUSY` (the entry is dropped). */
  #push(cpu: PatchworkCpu, func: IpiFunc, priv: unknown): number {
    const chip = this.#registeredChip;
    if (chip === null) return this.#fail(Errno.ENODEV);
    if (chip.interrupt === undefined) return this.#fail(Errno.ENOSYS);
    const ctx = cpu.ipi;
    const me = this.#sim.current?.cpu ?? -1;
    if (ctx.lockHolder >= 0 && ctx.lockHolder === me) {
      throw new Error(
        `ipiSend: deadlock: CPU${me} pushes to CPU${cpu.id}'s IPI queue while holding its lock (an IPI function ` +
          'sent an IPI to its own CPU); PatchworkOS spins forever (a debug build panics)',
      );
    }
    this.#sim.charge(this.#timing.csdQueueNs);
    const nextWriteIndex = (ctx.writeIndex + 1) % IPI_QUEUE_SIZE;
    if (nextWriteIndex === ctx.readIndex) return this.#fail(Errno.EBUSY);
    const entry = ctx.queue[ctx.writeIndex];
    entry.func = func;
    entry.private = priv;
    ctx.writeIndex = nextWriteIndex;
    return 0;
  }

  /**
   * ipiSend() - Send an IPI to one or more CPUs: queue `func(private)` on each target, then raise
   * `VECTOR_IPI` there through the chip.
   * Mirrors `ipi_send(cpu, flags, func, private)` in src/kernel/cpu/ipi.c.
   *
   * @param cpu - the specified CPU (ignored by `IPI_BROADCAST`; may then be null).
   * @param flags - `IPI_SINGLE`, `IPI_BROADCAST` or `IPI_OTHERS`; only `flags & flagsMask` (3, or 2
   *   as in the C code) is looked at.
   * @param func - runs on each target in its interrupt handler, interrupts off.
   * @param priv - passed to `func` as `data.private` (`private` is a reserved word here).
   * @returns 0, or {@link ERR} with `errno`: `EINVAL` (null `func`; null `cpu` for `IPI_SINGLE` or
   *   `IPI_OTHERS`; `flags & 3 == 3` with the documented mask), `ENODEV` (no chip), `ENOSYS` (the chip cannot interrupt),
   *   `EBUSY` (a target's ring is full: some or all IPIs could not be sent).
   * @throws TypeError for arguments C could not pass: a `cpu` that is not a CPU of this machine,
   *   non-integer `flags`, a `func` that is neither a function nor null.
   */
  ipiSend(cpu: PatchworkCpu | null, flags: number, func: IpiFunc | null, priv: unknown): number {
    const fn = 'ipiSend';
    if (cpu !== null) this.#checkCpu(fn, 'cpu', cpu);
    checkInteger(fn, 'flags', flags);
    if (func !== null && typeof func !== 'function') {
      throw new TypeError(`${fn}: func is ${describeValue(func)}; expected a function or null`);
    }
    if (func === null) return this.#fail(Errno.EINVAL);
    const chip = this.#registeredChip;
    switch (flags & this.flagsMask) {
      case IPI_SINGLE: {
        if (cpu === null) return this.#fail(Errno.EINVAL);
        if (this.#push(cpu, func, priv) === ERR) return ERR;
        (chip as Required<IpiChip>).interrupt(cpu, VECTOR_IPI);
        break;
      }
      case IPI_BROADCAST: {
        for (const target of this.cpus) {
          if (this.#push(target, func, priv) === ERR) return ERR;
          (chip as Required<IpiChip>).interrupt(target, VECTOR_IPI);
        }
        break;
      }
      case IPI_OTHERS: {
        if (cpu === null) return this.#fail(Errno.EINVAL);
        for (const target of this.cpus) {
          if (target === cpu) continue;
          if (this.#push(target, func, priv) === ERR) return ERR;
          (chip as Required<IpiChip>).interrupt(target, VECTOR_IPI);
        }
        break;
      }
      default:
        return this.#fail(Errno.EINVAL);
    }
    return 0;
  }

  /**
   * ipiWakeUp() - Wake up one or more CPUs: raise `VECTOR_IPI` without queueing anything, so an
   * idle CPU passes through the interrupt path. Silent: does nothing without a chip or an
   * `interrupt` hook, for a null `cpu` with `IPI_SINGLE`/`IPI_OTHERS`, or for invalid flags.
   * Mirrors `ipi_wake_up(cpu, flags)` in src/kernel/cpu/ipi.c.
   * @throws TypeError for a `cpu` that is not a CPU of this machine, or non-integer `flags`.
   */
  ipiWakeUp(cpu: PatchworkCpu | null, flags: number): void {
    const fn = 'ipiWakeUp';
    if (cpu !== null) this.#checkCpu(fn, 'cpu', cpu);
    checkInteger(fn, 'flags', flags);
    const chip = this.#registeredChip;
    if (chip?.interrupt === undefined) return;
    switch (flags & this.flagsMask) {
      case IPI_SINGLE:
        if (cpu !== null) chip.interrupt(cpu, VECTOR_IPI);
        return;
      case IPI_BROADCAST:
        for (const target of this.cpus) chip.interrupt(target, VECTOR_IPI);
        return;
      case IPI_OTHERS:
        if (cpu === null) return;
        for (const target of this.cpus) if (target !== cpu) chip.interrupt(target, VECTOR_IPI);
        return;
      default:
        return;
    }
  }

  /**
   * ipiInvoke() - Invoke an IPI interrupt on the current CPU: `IRQ_INVOKE(VECTOR_IPI)`, a software
   * interrupt (`int 0xFD`) that enters the interrupt path at once, with interrupts off, and
   * handles pending IPIs (then, in PatchworkOS, notes and scheduling, not modelled).
   * Mirrors `ipi_invoke()` in src/kernel/cpu/ipi.c.
   * @throws Error outside simulated code, or when interrupts are disabled: PatchworkOS's
   *   dispatcher panics on a software interrupt taken with interrupts disabled. Nothing runs.
   */
  ipiInvoke(): void {
    const cpu = this.#sim.current;
    if (cpu === null) {
      throw new Error('ipiInvoke: no CPU is running; call it from task code (machine.sim.spawn)');
    }
    if (!cpu.irqsEnabled) {
      throw new Error(
        `ipiInvoke: panic: IRQ_INVOKE(VECTOR_IPI) on CPU${cpu.cpu} with interrupts disabled; the interrupt ` +
          'dispatcher panics on this as a sanity check',
      );
    }
    const flags = this.#sim.localIrqSave();
    this.#sim.charge(this.#timing.irqEntryNs);
    this.interruptHandler({ vector: VECTOR_IPI });
    this.#sim.charge(this.#timing.irqExitNs);
    this.#sim.localIrqRestore(flags);
  }

  /**
   * interruptHandler() - The IPI branch of PatchworkOS's common interrupt dispatcher: for
   * `VECTOR_IPI`, `ipi_handle_pending(frame, self)` on the current CPU. Chip drivers call it from
   * their delivery path. Mirrors `interrupt_handler()` in src/kernel/cpu/interrupt.c (the
   * after-interrupt work — notes, timeouts, `sched_do` — is not modelled).
   * @throws Error outside simulated code.
   */
  interruptHandler(frame: InterruptFrame): void {
    const self = this.cpuGet();
    this.interrupts[self.id]++;
    if (frame.vector === VECTOR_IPI) this.ipiHandlePending(frame, self);
  }

  #checkCpu(fn: string, arg: string, cpu: unknown): asserts cpu is PatchworkCpu {
    if (!(cpu instanceof PatchworkCpu)) {
      throw new TypeError(
        `${fn}: ${arg} is ${describeValue(cpu)}; expected a PatchworkCpu (pw.cpu(id)) or null`,
      );
    }
    if (cpu.owner !== this) {
      throw new TypeError(
        `${fn}: ${arg} (CPU ${cpu.id}) belongs to another machine; use pw.cpu(id) of this one`,
      );
    }
  }
}

function checkChip(fn: string, chip: unknown): asserts chip is IpiChip {
  if (typeof chip !== 'object') {
    throw new TypeError(
      `${fn}: chip is ${describeValue(chip)}; expected an IpiChip object or null`,
    );
  }
  for (const hook of ['interrupt', 'ack', 'eoi'] as const) {
    const h = (chip as Record<string, unknown>)[hook];
    if (h !== undefined && typeof h !== 'function') {
      throw new TypeError(
        `${fn}: chip.${hook} is ${describeValue(h)}; expected a function or undefined`,
      );
    }
  }
}
