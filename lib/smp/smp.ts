/**
 * Cross-CPU function calls, mirroring kernel/smp.c: per-CPU call-single queues, csd locking,
 * `smp_call_function_single/_async/_many/_any`, `on_each_cpu*`, the receive-side flush and the
 * hot-unplug flush.
 *
 * Functions that may wait are generators: call them from task code with `yield*`, e.g.
 * `const rc = yield* machine.smp.smpCallFunctionSingle(2, fn, info, true)`. They act on the
 * current CPU, like the kernel's implicit `smp_processor_id()`.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { CpuMasks } from '../cpu.js';
import { Cpumask, type ReadonlyCpumask } from '../cpumask.js';
import { Errno } from '../errno.js';
import { MachineConfig, MachineLink } from '../machine/config.js';
import { Printk } from '../printk.js';
import { SimCpus, type SimTask } from '../sim/cpus.js';
import { SimEngine } from '../sim/engine.js';
import { FaultInjector } from '../sim/faults.js';
import { CoreTiming } from '../sim/timing.js';
import { Tracer } from '../trace/tracer.js';
import { checkBoolean, checkCpumask, checkFunction, checkInteger, describeValue } from '../validate.js';
import {
  CallSingleData,
  CSD_FLAG_LOCK,
  CSD_TYPE_ASYNC,
  CSD_TYPE_IRQ_WORK,
  CSD_TYPE_SYNC,
  CSD_TYPE_TTWU,
  funcName,
  type SmpCallFunc,
  type SmpCondFunc,
} from './csd.js';
import type { SmpOps } from './ops.js';

const PR = 'smp: ';
/** `SCF_WAIT`. */
export const SCF_WAIT = 1 << 0;
/** `SCF_RUN_LOCAL`. */
export const SCF_RUN_LOCAL = 1 << 1;

/** Options of the cross-call layer. */
export interface SmpConfig {
  /** `CONFIG_CSD_LOCK_WAIT_DEBUG` on, with `csd_lock_timeout` in ms (default 5000). 0 = off. */
  readonly csdLockTimeoutMs: number;
}
/** DI token for {@link SmpConfig}. */
export const SmpConfig: unique symbol = Symbol.for('genipi/SmpConfig');

/** Handles task wake-ups queued as `CSD_TYPE_TTWU` (the scheduler registers it). */
export type TtwuHandler = (csds: readonly CallSingleData[]) => void;

/** A CSD-lock-wait debug report (kernel/smp.c `csd_lock_wait_toolong`). */
export interface CsdReport {
  /** Number of the stuck-lock incident (`#n` in the message), per machine from 1. */
  readonly bugId: number;
  /** CPU spinning in `csd_lock_wait()`. */
  readonly waiter: number;
  /** CPU that should run the function and release the lock. */
  readonly target: number;
  /** Name of the queued function. */
  readonly func: string;
  /** How long the waiter has spun so far, in ns. */
  readonly waitedNs: number;
  /** The logged warning line. */
  readonly message: string;
  /** Whether the IPI was sent again because the target was not running a csd. */
  readonly resentIpi: boolean;
}

/** The cross-call layer of one machine. */
@injectable()
export class Smp {
  readonly #nrCpuIds: number;
  readonly #cpus: SimCpus;
  readonly #masks: CpuMasks;
  readonly #engine: SimEngine;
  readonly #timing: CoreTiming;
  readonly #printk: Printk;
  readonly #tracer: Tracer;
  readonly #link: MachineLink;
  readonly #config: SmpConfig;
  readonly #faults: FaultInjector;
  /**
   * `call_single_queue` per CPU: an intrusive singly linked list through the csds (`csd.next`,
   * the kernel's `llist_node`), FIFO, with head, tail and length per CPU. No per-CPU array
   * objects: a flush touches the csds and three typed or packed slots.
   */
  readonly #qHead: (CallSingleData | null)[];
  readonly #qTail: (CallSingleData | null)[];
  readonly #qLen: Int32Array;
  /**
   * `cfd_data.csd` per sender, per target: an array indexed by target CPU, created on the
   * sender's first multi-target call (the kernel's per-CPU csd of each sender's cfd).
   */
  readonly #cfdCsd: ((CallSingleData | undefined)[] | undefined)[] = [];
  readonly #cfdMask: (Cpumask | undefined)[] = [];
  readonly #cfdMaskIpi: (Cpumask | undefined)[] = [];
  /** `csd_data` per CPU (asynchronous single calls). */
  readonly #csdData: (CallSingleData | undefined)[] = [];
  /** CPU currently running a csd function, per CPU (for the CSD debug report). */
  readonly #runningCsd: (CallSingleData | null)[] = [];
  #warnedOffline = false;
  #ttwu: TtwuHandler | null = null;
  readonly #evCsdCheck: number;
  readonly #waitChecks = new Map<number, { csd: CallSingleData; t0: number; n: number; bugId: number }>();
  #bugId = 0;
  /** CSD-lock-wait debug reports so far. */
  readonly csdReports: CsdReport[] = [];

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(SimEngine) engine: SimEngine,
    @inject(CoreTiming) timing: CoreTiming,
    @inject(Printk) printk: Printk,
    @inject(Tracer) tracer: Tracer,
    @inject(SmpConfig) smpConfig: SmpConfig,
    @inject(MachineLink) link: MachineLink,
    @inject(FaultInjector) faults: FaultInjector,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.#faults = faults;
    this.#cpus = cpus;
    this.#masks = masks;
    this.#engine = engine;
    this.#timing = timing;
    this.#printk = printk;
    this.#tracer = tracer;
    this.#config = smpConfig;
    this.#link = link;
    this.#qHead = new Array<CallSingleData | null>(config.nrCpuIds).fill(null);
    this.#qTail = new Array<CallSingleData | null>(config.nrCpuIds).fill(null);
    this.#qLen = new Int32Array(config.nrCpuIds);
    for (let i = 0; i < config.nrCpuIds; i++) this.#runningCsd.push(null);
    cpus.addHooks({
      idleExit: () => {
        this.flushSmpCallFunctionQueue();
      },
      dying: () => {
        this.smpcfdDyingCpu();
      },
    });
    this.#evCsdCheck = engine.registerKind('csd_lock_check', (cpu) => {
      this.#csdCheck(cpu);
    });
  }

  /** Registers the scheduler's handler for `CSD_TYPE_TTWU` entries (`sched_ttwu_pending`). */
  setTtwuHandler(handler: TtwuHandler): void {
    checkFunction('setTtwuHandler', 'handler', handler);
    this.#ttwu = handler;
  }

  /** Number of csds queued on `cpu` (for invariant checks). */
  queueLength(cpu: number): number {
    this.#checkCpu('queueLength', cpu);
    return this.#qLen[cpu];
  }

  /** The csds queued on `cpu`, oldest first (a copy, for invariant checks and snapshots). */
  callQueue(cpu: number): readonly CallSingleData[] {
    this.#checkCpu('callQueue', cpu);
    const out: CallSingleData[] = [];
    for (let csd = this.#qHead[cpu]; csd !== null; csd = csd.next) out.push(csd);
    return out;
  }

  /** A CPU number of this machine: TypeError for a non-integer, RangeError outside [0, nr_cpu_ids). */
  #checkCpu(fn: string, cpu: number): void {
    checkInteger(fn, 'cpu', cpu);
    if (cpu < 0 || cpu >= this.#nrCpuIds) {
      throw new RangeError(`${fn}: cpu is ${cpu}; expected a CPU number in [0, ${this.#nrCpuIds})`);
    }
  }

  #arch(fn: string): SmpOps {
    if (this.#link.smpOps === null) {
      throw new Error(`${fn}: this machine's architecture binds no SmpOps, so it cannot send cross-call IPIs`);
    }
    return this.#link.smpOps;
  }

  #thisCpu(fn: string): number {
    const c = this.#cpus.current;
    if (c === null) {
      throw new Error(`${fn}: must run on a simulated CPU; call it from task code started with machine.sim.spawn()`);
    }
    return c.cpu;
  }

  // ------------------------------------------------------------------ csd locking

  /** `csd_lock_wait(csd)`: spin until the lock bit clears. */
  *#csdLockWait(csd: CallSingleData, site: string): SimTask<void> {
    this.#cpus.chargeTrusted(this.#timing.csdWaitNs);
    if ((csd.flags & CSD_FLAG_LOCK) === 0) {
      // Unlocked by a CPU whose step started earlier but whose store lands later (its local
      // time): keep spinning until the store is visible here.
      const visibleAt = csd.unlockAt + this.#timing.coherenceNs;
      const now = this.#cpus.localNow();
      if (csd.unlockAt > 0 && visibleAt > now) yield this.#cpus.delay(visibleAt - now);
      return;
    }
    const cpu = this.#cpus.smpProcessorId();
    this.#armCsdCheck(cpu, csd);
    yield this.#cpus.waitFor(csd, site);
    this.#disarmCsdCheck(cpu);
  }

  /** True when `csd` is unlocked and its release store is visible here: no wait needed. */
  #csdReleased(csd: CallSingleData): boolean {
    return (
      (csd.flags & CSD_FLAG_LOCK) === 0 &&
      (csd.unlockAt === 0 || csd.unlockAt + this.#timing.coherenceNs <= this.#cpus.localNow())
    );
  }

  /** `csd_lock(csd)`: wait for the lock, then take it. */
  *#csdLock(csd: CallSingleData, site: string): SimTask<void> {
    while ((csd.flags & CSD_FLAG_LOCK) !== 0) yield* this.#csdLockWait(csd, site);
    csd.flags |= CSD_FLAG_LOCK;
  }

  /** `csd_unlock(csd)`: release store of 0 to the whole flags word. */
  #csdUnlock(csd: CallSingleData): void {
    if ((csd.flags & CSD_FLAG_LOCK) === 0) this.#printk.warnOn(true, 'csd_unlock');
    csd.flags = 0;
    csd.unlockAt = this.#cpus.localNow();
    const waiters = csd.waiters;
    if (waiters !== null && waiters.length > 0) {
      this.#cpus.wakeWaiters(waiters);
      waiters.length = 0;
    }
  }

  /** `csd_do_func(func, info, csd)`: runs the function on the current CPU, traced. */
  #csdDoFunc(func: SmpCallFunc, info: unknown, csd: CallSingleData | null): void {
    const cpu = this.#cpus.smpProcessorId();
    const tr = this.#tracer;
    // The tracepoints and the oops are out of line: this runs once per call on every target.
    if (tr.enabled) this.#traceCsdFunc('csd_function_entry', cpu, func, csd);
    const prev = this.#runningCsd[cpu];
    this.#runningCsd[cpu] = csd;
    try {
      func(info);
    } catch (error) {
      this.#csdFuncOops(func, error);
    } finally {
      this.#runningCsd[cpu] = prev;
    }
    // The body's default run time is spent after its effects, which happen at entry time.
    this.#cpus.chargeTrusted(this.#timing.callFuncNs);
    if (tr.enabled) this.#traceCsdFunc('csd_function_exit', cpu, func, csd);
  }

  /** The `csd_function_entry` / `csd_function_exit` tracepoints. */
  #traceCsdFunc(event: string, cpu: number, func: SmpCallFunc, csd: CallSingleData | null): void {
    this.#tracer.emit(event, cpu, { func: funcName(func), csd: csd === null ? null : 1 }, this.#cpus.localNow());
  }

  /**
   * An oops in a csd function: the caller goes on as if it had returned, so the csd is still
   * unlocked and the rest of the queue still runs (docs/reliability.md), unless the fault policy
   * rethrows.
   */
  #csdFuncOops(func: SmpCallFunc, error: unknown): void {
    if (this.#faults.oops('csd', -1, `csd function ${funcName(func)}`, error)) throw error;
  }

  // ------------------------------------------------------------------ queueing and IPIs

  /** `send_call_function_single_ipi(cpu)`: no IPI if the target polls idle. */
  #sendCallFunctionSingleIpi(cpu: number, callsite: string): void {
    const me = this.#cpus.smpProcessorId();
    if (this.#cpus.setNrIfPolling(cpu)) {
      if (this.#tracer.enabled) this.#tracer.emit('sched_wake_idle_without_ipi', me, { cpu }, this.#cpus.localNow());
      return;
    }
    if (this.#tracer.enabled) {
      this.#tracer.emit(
        'ipi_send_cpu',
        me,
        { cpu, callsite, callback: 'generic_smp_call_function_single_interrupt' },
        this.#cpus.localNow(),
      );
    }
    this.#arch('send_call_function_single_ipi').sendCallFunctionSingleIpi(cpu);
  }

  /** `send_call_function_ipi_mask(mask)`. */
  #sendCallFunctionIpiMask(mask: ReadonlyCpumask, callsite: string): void {
    if (this.#tracer.enabled) {
      this.#tracer.emit(
        'ipi_send_cpumask',
        this.#cpus.smpProcessorId(),
        { cpumask: mask.toHex(), callsite, callback: 'generic_smp_call_function_single_interrupt' },
        this.#cpus.localNow(),
      );
    }
    this.#arch('send_call_function_ipi_mask').sendCallFunctionIpiMask(mask);
  }

  /** Pushes `csd` on `cpu`'s queue; true if the queue was empty (the caller owes the IPI). */
  #queue(cpu: number, csd: CallSingleData, callsite: string): boolean {
    const me = this.#cpus.smpProcessorId();
    if (this.#tracer.enabled) {
      this.#tracer.emit('csd_queue_cpu', me, { cpu, callsite, func: funcName(csd.func), csd: 1 }, this.#cpus.localNow());
    }
    this.#cpus.chargeTrusted(this.#timing.csdQueueNs);
    const tail = this.#qTail[cpu];
    if (tail === null) this.#qHead[cpu] = csd;
    else tail.next = csd;
    this.#qTail[cpu] = csd;
    csd.queuedOn = cpu;
    return ++this.#qLen[cpu] === 1;
  }

  /**
   * `__smp_call_single_queue(cpu, node)`: queue and send the IPI only if the queue was empty;
   * later enqueuers rely on the IPI already in flight.
   */
  __smpCallSingleQueue(cpu: number, csd: CallSingleData, callsite = 'smp_call_function_single'): void {
    this.#checkCpu('__smpCallSingleQueue', cpu);
    if (!(csd instanceof CallSingleData)) {
      throw new TypeError(`__smpCallSingleQueue: csd is ${describeValue(csd)}; expected a CallSingleData`);
    }
    if (csd.queuedOn >= 0) {
      // llist_add() of a node that is already on a list corrupts both lists in the kernel.
      throw new Error(
        `__smpCallSingleQueue: csd of ${funcName(csd.func)} is already queued (on CPU${csd.queuedOn}); a csd is on one call queue at a time — wait for it (csd_lock) before queueing it again`,
      );
    }
    if (this.#queue(cpu, csd, callsite)) this.#sendCallFunctionSingleIpi(cpu, callsite);
  }

  /** `generic_exec_single(cpu, csd)`. */
  #genericExecSingle(cpu: number, csd: CallSingleData, callsite: string): number {
    const me = this.#cpus.smpProcessorId();
    if (cpu === me) {
      const func = csd.func as SmpCallFunc;
      const info = csd.info;
      this.#csdUnlock(csd);
      const flags = this.#cpus.localIrqSave();
      this.#cpus.chargeTrusted(this.#timing.localCallNs);
      this.#csdDoFunc(func, info, null);
      this.#cpus.localIrqRestore(flags);
      return 0;
    }
    if (cpu < 0 || cpu >= this.#nrCpuIds || !this.#masks.cpuOnline(cpu)) {
      this.#csdUnlock(csd);
      return -Errno.ENXIO;
    }
    this.__smpCallSingleQueue(cpu, csd, callsite);
    return 0;
  }

  // ------------------------------------------------------------------ single-target API

  /**
   * smpCallFunctionSingle() - Run a function on a specific CPU.
   * Mirrors `smp_call_function_single()` in kernel/smp.c.
   *
   * @param cpu - target CPU; the current CPU runs `func` right here with interrupts off.
   * @param func - runs on `cpu` with interrupts disabled.
   * @param info - its argument.
   * @param wait - spin until `func` has completed on `cpu`.
   * @returns 0, or `-ENXIO` for an offline or out-of-range CPU (nothing queued).
   * @remarks WARN_ON_ONCE when called with interrupts disabled on an online CPU (deadlock risk)
   *   or from interrupt context; the call still proceeds, as in the kernel.
   */
  *smpCallFunctionSingle(cpu: number, func: SmpCallFunc, info: unknown, wait: boolean): SimTask<number> {
    const fn = 'smpCallFunctionSingle';
    checkInteger(fn, 'cpu', cpu);
    checkFunction(fn, 'func', func);
    checkBoolean(fn, 'wait', wait);
    const me = this.#thisCpu(fn);
    // preempt_disable(): pinned to this CPU until the call is done (and hot-unplug waits).
    const preempt = this.#cpus.preemptDisable();
    try {
      // Deadlock guard: a CPU spinning with interrupts off cannot answer another's call.
      this.#printk.warnOnOnce(
        this.#masks.cpuOnline(me) && this.#cpus.irqsDisabled(),
        'smp_call_function_single:irqs_disabled',
      );
      this.#printk.warnOnOnce(!this.#cpus.inTask(), 'smp_call_function_single:!in_task');
      let csd: CallSingleData;
      if (wait) {
        csd = new CallSingleData(null, undefined, CSD_FLAG_LOCK | CSD_TYPE_SYNC);
      } else {
        csd = this.#csdData[me] ??= new CallSingleData();
        yield* this.#csdLock(csd, 'smp_call_function_single');
      }
      csd.func = func;
      csd.info = info;
      csd.src = me;
      csd.dst = cpu;
      const err = this.#genericExecSingle(cpu, csd, 'smp_call_function_single');
      if (wait) yield* this.#csdLockWait(csd, 'smp_call_function_single');
      return err;
    } finally {
      this.#cpus.preemptEnable(preempt);
    }
  }

  /**
   * smpCallFunctionSingleAsync() - Run an asynchronous function on a specific CPU.
   * Mirrors `smp_call_function_single_async()` in kernel/smp.c. The caller owns `csd`; it is
   * unlocked on the target before the function runs. Usable with interrupts disabled.
   * @returns 0, `-EBUSY` if `csd` is still locked, `-ENXIO` for an offline CPU.
   */
  smpCallFunctionSingleAsync(cpu: number, csd: CallSingleData): number {
    const fn = 'smpCallFunctionSingleAsync';
    checkInteger(fn, 'cpu', cpu);
    if (!(csd instanceof CallSingleData)) throw new TypeError(`${fn}: csd is ${describeValue(csd)}; expected a CallSingleData`);
    if (typeof csd.func !== 'function') throw new TypeError(`${fn}: csd.func is ${describeValue(csd.func)}; expected a function`);
    const me = this.#thisCpu(fn);
    if ((csd.flags & CSD_FLAG_LOCK) !== 0) return -Errno.EBUSY;
    csd.flags = CSD_FLAG_LOCK | CSD_TYPE_ASYNC;
    csd.src = me;
    csd.dst = cpu;
    return this.#genericExecSingle(cpu, csd, 'smp_call_function_single_async');
  }

  /**
   * smpCallFunctionAny() - Run a function on any of the given CPUs: this CPU if in `mask`, else
   * the first online CPU of `mask` on this CPU's node, else the first online CPU of `mask`.
   * Mirrors `smp_call_function_any()` in kernel/smp.c (one NUMA node in the model).
   * @returns 0, or `-ENXIO` when no CPU of `mask` is online.
   */
  *smpCallFunctionAny(mask: ReadonlyCpumask, func: SmpCallFunc, info: unknown, wait: boolean): SimTask<number> {
    checkCpumask('smpCallFunctionAny', 'mask', mask, this.#nrCpuIds);
    const me = this.#thisCpu('smpCallFunctionAny');
    let cpu = me;
    if (!mask.testCpu(me)) {
      cpu = this.#nrCpuIds;
      for (let c = mask.first(); c < this.#nrCpuIds; c = mask.next(c)) {
        if (this.#masks.cpuOnline(c)) {
          cpu = c;
          break;
        }
      }
    }
    return yield* this.smpCallFunctionSingle(cpu, func, info, wait);
  }

  // ------------------------------------------------------------------ multi-target API

  /**
   * smpCallFunctionManyCond() - Run a function on a set of CPUs, filtered by `cond`.
   * Mirrors `smp_call_function_many_cond()` in kernel/smp.c: only online CPUs of `mask`, never
   * the caller unless `SCF_RUN_LOCAL`; one IPI per target whose queue was empty (a mask IPI if
   * more than one, the single-CPU path if exactly one); the local call runs after the IPIs are
   * sent; with `SCF_WAIT`, waits for every remote CPU that was queued.
   */
  *smpCallFunctionManyCond(
    mask: ReadonlyCpumask,
    func: SmpCallFunc,
    info: unknown,
    scfFlags: number,
    cond: SmpCondFunc | null,
  ): SimTask<void> {
    const fn = 'smpCallFunctionManyCond';
    checkCpumask(fn, 'mask', mask, this.#nrCpuIds);
    checkFunction(fn, 'func', func);
    checkInteger(fn, 'scfFlags', scfFlags);
    if (cond !== null) checkFunction(fn, 'cond', cond);
    const me = this.#thisCpu(fn);
    // The caller runs with preemption disabled (on_each_cpu*() disable it themselves).
    const preempt = this.#cpus.preemptDisable();
    try {
      const wait = (scfFlags & SCF_WAIT) !== 0;
      // lockdep_assert_irqs_enabled() is modelled as a one-time warning.
      this.#printk.warnOnOnce(
        this.#masks.cpuOnline(me) && this.#cpus.irqsDisabled(),
        'smp_call_function_many_cond:irqs_disabled',
      );
      this.#printk.warnOnOnce(!this.#cpus.inTask(), 'smp_call_function_many_cond:!in_task');
      const runLocal = (scfFlags & SCF_RUN_LOCAL) !== 0 && mask.testCpu(me) && (cond === null || cond(me, info));
      const online = this.#masks.online;
      let runRemote = false;
      for (let c = mask.first(); c < this.#nrCpuIds; c = mask.next(c)) {
        if (c !== me && online.testCpu(c)) {
          runRemote = true;
          break;
        }
      }
      const cfdMask = (this.#cfdMask[me] ??= new Cpumask(this.#nrCpuIds));
      if (runRemote) {
        const ipiMask = (this.#cfdMaskIpi[me] ??= new Cpumask(this.#nrCpuIds));
        const csds = (this.#cfdCsd[me] ??= new Array<CallSingleData | undefined>(this.#nrCpuIds).fill(undefined));
        cfdMask.copyFrom(mask);
        const w = cfdMask.words;
        const ow = online.words;
        for (let i = 0; i < w.length; i++) w[i] &= ow[i];
        cfdMask.clearCpu(me);
        ipiMask.clearAll();
        let nrCpus = 0;
        let lastCpu = -1;
        for (let cpu = cfdMask.first(); cpu < this.#nrCpuIds; cpu = cfdMask.next(cpu)) {
          if (cond !== null && !cond(cpu, info)) {
            cfdMask.clearCpu(cpu);
            continue;
          }
          let csd = csds[cpu];
          if (csd === undefined) {
            csd = new CallSingleData();
            csds[cpu] = csd;
          }
          // The common case takes the lock without creating a generator.
          if ((csd.flags & CSD_FLAG_LOCK) === 0) csd.flags |= CSD_FLAG_LOCK;
          else yield* this.#csdLock(csd, 'smp_call_function_many_cond');
          if (wait) csd.flags |= CSD_TYPE_SYNC;
          csd.func = func;
          csd.info = info;
          csd.src = me;
          csd.dst = cpu;
          if (this.#queue(cpu, csd, 'smp_call_function_many_cond')) {
            ipiMask.setCpu(cpu);
            nrCpus++;
            lastCpu = cpu;
          }
        }
        if (nrCpus === 1) this.#sendCallFunctionSingleIpi(lastCpu, 'smp_call_function_many_cond');
        else if (nrCpus > 1) this.#sendCallFunctionIpiMask(ipiMask, 'smp_call_function_many_cond');
      }
      if (runLocal && (cond === null || cond(me, info))) {
        const flags = this.#cpus.localIrqSave();
        this.#csdDoFunc(func, info, null);
        this.#cpus.localIrqRestore(flags);
      }
      if (runRemote && wait) {
        const csds = this.#cfdCsd[me] as CallSingleData[];
        for (let cpu = cfdMask.first(); cpu < this.#nrCpuIds; cpu = cfdMask.next(cpu)) {
          const csd = csds[cpu];
          if (this.#csdReleased(csd)) this.#cpus.chargeTrusted(this.#timing.csdWaitNs);
          else yield* this.#csdLockWait(csd, 'smp_call_function_many_cond');
        }
      }
    } finally {
      this.#cpus.preemptEnable(preempt);
    }
  }

  /**
   * smpCallFunctionMany() - Run a function on a set of other CPUs (never the caller).
   * Mirrors `smp_call_function_many()` in kernel/smp.c.
   */
  *smpCallFunctionMany(mask: ReadonlyCpumask, func: SmpCallFunc, info: unknown, wait: boolean): SimTask<void> {
    checkBoolean('smpCallFunctionMany', 'wait', wait);
    yield* this.smpCallFunctionManyCond(mask, func, info, wait ? SCF_WAIT : 0, null);
  }

  /** smpCallFunction() - Run a function on all other online CPUs (`smp_call_function()`). */
  *smpCallFunction(func: SmpCallFunc, info: unknown, wait: boolean): SimTask<void> {
    yield* this.smpCallFunctionMany(this.#masks.online, func, info, wait);
  }

  /**
   * onEachCpuCondMask() - Call `func` on each CPU of `mask` for which `cond` is true, the
   * caller included. Mirrors `on_each_cpu_cond_mask()` in kernel/smp.c.
   */
  *onEachCpuCondMask(
    cond: SmpCondFunc | null,
    func: SmpCallFunc,
    info: unknown,
    wait: boolean,
    mask: ReadonlyCpumask,
  ): SimTask<void> {
    checkBoolean('onEachCpuCondMask', 'wait', wait);
    yield* this.smpCallFunctionManyCond(mask, func, info, SCF_RUN_LOCAL | (wait ? SCF_WAIT : 0), cond);
  }

  /** onEachCpu() - Call `func` on every online CPU, the caller included (`on_each_cpu()`). */
  *onEachCpu(func: SmpCallFunc, info: unknown, wait: boolean): SimTask<void> {
    yield* this.onEachCpuCondMask(null, func, info, wait, this.#masks.online);
  }

  /** onEachCpuMask() - `on_each_cpu_mask(mask, func, info, wait)`. */
  *onEachCpuMask(mask: ReadonlyCpumask, func: SmpCallFunc, info: unknown, wait: boolean): SimTask<void> {
    yield* this.onEachCpuCondMask(null, func, info, wait, mask);
  }

  /** onEachCpuCond() - `on_each_cpu_cond(cond, func, info, wait)` over the online CPUs. */
  *onEachCpuCond(cond: SmpCondFunc, func: SmpCallFunc, info: unknown, wait: boolean): SimTask<void> {
    yield* this.onEachCpuCondMask(cond, func, info, wait, this.#masks.online);
  }

  /** kickAllCpusSync() - `kick_all_cpus_sync()`: an empty call on every other CPU, waited for. */
  *kickAllCpusSync(): SimTask<void> {
    yield* this.smpCallFunction(
      function doNothing() {
        /* kick_all_cpus_sync() only needs every CPU to take the IPI */
      },
      null,
      true,
    );
  }

  // ------------------------------------------------------------------ receive side

  /**
   * `generic_smp_call_function_single_interrupt()`: the call-function IPI handler body. Must run
   * on the receiving CPU with interrupts disabled.
   */
  genericSmpCallFunctionSingleInterrupt(): void {
    this.#flush(true);
  }

  /**
   * `flush_smp_call_function_queue()`: task-context flush (idle loop after a polling wake-up).
   */
  flushSmpCallFunctionQueue(): void {
    const cpu = this.#cpus.smpProcessorId();
    if (this.#qLen[cpu] === 0) return;
    const flags = this.#cpus.localIrqSave();
    this.#flush(true);
    this.#cpus.localIrqRestore(flags);
  }

  /** `smpcfd_dying_cpu()`: a dying CPU runs what is queued, without the offline warning. */
  smpcfdDyingCpu(): void {
    this.#flush(false);
  }

  /** The one-time warning of a flush on an offline CPU, naming what was queued there. */
  #warnOffline(cpu: number, head: CallSingleData): void {
    this.#warnedOffline = true;
    this.#printk.warnOn(true, '__flush_smp_call_function_queue', `IPI on offline CPU ${cpu}`);
    for (let csd: CallSingleData | null = head; csd !== null; csd = csd.next) {
      if (csd.type === CSD_TYPE_TTWU) this.#printk.prWarn(PR, 'IPI task-wakeup sent to offline CPU');
      else this.#printk.prWarn(PR, `IPI callback ${funcName(csd.func)} sent to offline CPU`);
    }
  }

  /** `__flush_smp_call_function_queue(warn_cpu_offline)`. */
  #flush(warnCpuOffline: boolean): void {
    const cpu = this.#cpus.smpProcessorId();
    const head = this.#qHead[cpu];
    if (head === null) return;
    // Take the whole queue (llist_del_all); new entries start a fresh list meanwhile.
    this.#qHead[cpu] = null;
    this.#qTail[cpu] = null;
    this.#qLen[cpu] = 0;
    if (warnCpuOffline && !this.#masks.cpuOnline(cpu) && !this.#warnedOffline) this.#warnOffline(cpu, head);
    // First: every SYNC callback, unlocked after it ran; somebody is spinning on it. (Types are
    // read before anything runs: an unlock resets a csd's type; the link is read before the
    // function runs, which may queue the csd again once it is unlocked.)
    let rest: CallSingleData[] | null = null;
    for (let csd: CallSingleData | null = head; csd !== null; ) {
      const next: CallSingleData | null = csd.next;
      csd.next = null;
      csd.queuedOn = -1;
      if (csd.type === CSD_TYPE_SYNC) {
        this.#csdDoFunc(csd.func as SmpCallFunc, csd.info, csd);
        this.#csdUnlock(csd);
      } else {
        (rest ??= []).push(csd);
      }
      csd = next;
    }
    if (rest === null) return;
    // Second: ASYNC (unlocked before the call, so the csd can be reused) and irq_work.
    let ttwu: CallSingleData[] | null = null;
    for (const csd of rest) {
      const type = csd.type;
      if (type === CSD_TYPE_ASYNC) {
        const func = csd.func as SmpCallFunc;
        const info = csd.info;
        this.#csdUnlock(csd);
        this.#csdDoFunc(func, info, csd);
      } else if (type === CSD_TYPE_IRQ_WORK) {
        this.#csdDoFunc(csd.func as SmpCallFunc, csd.info, csd);
        this.#csdUnlock(csd);
      } else {
        (ttwu ??= []).push(csd);
      }
    }
    // Third: remote task wake-ups.
    if (ttwu !== null) {
      if (this.#ttwu === null) throw new Error('smp: TTWU csd queued but no scheduler handler is registered');
      this.#ttwu(ttwu);
    }
  }


  // ------------------------------------------------------------------ CSD lock-wait debug

  #armCsdCheck(cpu: number, csd: CallSingleData): void {
    const ms = this.#config.csdLockTimeoutMs;
    if (ms <= 0) return;
    this.#waitChecks.set(cpu, { csd, t0: this.#engine.now, n: 0, bugId: 0 });
    this.#engine.scheduleDaemon(this.#engine.now + ms * 1_000_000, this.#evCsdCheck, cpu, 0);
  }

  #disarmCsdCheck(cpu: number): void {
    const w = this.#waitChecks.get(cpu);
    if (w === undefined) return;
    this.#waitChecks.delete(cpu);
    if (w.n > 0) {
      this.#printk.prWarn(PR, `csd: CSD lock (#${w.bugId}) got unstuck on CPU#${String(cpu).padStart(2, '0')}, CPU#${String(w.csd.dst).padStart(2, '0')} released the lock.`);
    }
  }

  /** `csd_lock_wait_toolong()`: report a stuck csd, re-send the IPI if the target is not running one. */
  #csdCheck(cpu: number): void {
    const w = this.#waitChecks.get(cpu);
    if (w === undefined || (w.csd.flags & CSD_FLAG_LOCK) === 0) return;
    const now = this.#engine.now;
    if (w.n === 0) w.bugId = ++this.#bugId;
    w.n++;
    const target = w.csd.dst;
    const running = target >= 0 ? this.#runningCsd[target] : null;
    const resend = target >= 0 && running === null && this.#link.smpOps !== null;
    const message =
      `csd: ${w.n === 1 ? 'Detected' : 'Continued'} non-responsive CSD lock (#${w.bugId}) on CPU#${cpu}, ` +
      `waiting ${now - w.t0} ns for CPU#${String(target).padStart(2, '0')} ${funcName(w.csd.func)}(${String(w.csd.info)}).` +
      (running === null ? ' csd: CSD lock is unresponsive.' : ` csd: CPU#${target} is handling ${running === w.csd ? 'this' : 'a prior'} request.`);
    this.#printk.prWarn(PR, message);
    this.csdReports.push({ bugId: w.bugId, waiter: cpu, target, func: funcName(w.csd.func), waitedNs: now - w.t0, message, resentIpi: resend });
    if (resend) {
      const ops = this.#link.smpOps;
      this.#cpus.withCurrent(cpu, () => {
        ops.sendCallFunctionSingleIpi(target);
      });
    }
    const online = Math.max(1, this.#masks.numOnlineCpus());
    const k = w.n === 1 ? 1 : Math.floor(Math.floor(Math.log2(online)) / 2) + 1;
    this.#engine.scheduleDaemon(now + this.#config.csdLockTimeoutMs * 1_000_000 * k, this.#evCsdCheck, cpu, 0);
  }
}
