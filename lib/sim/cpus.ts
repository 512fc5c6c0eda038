/**
 * Simulated CPU cores: what each CPU is doing (idle, running task code, spinning, in an
 * interrupt), local interrupt enable, taking interrupts, and the "current CPU" of code that runs.
 *
 * Execution model (see docs/simulation.md): task code is a generator. Plain statements run
 * instantly in simulated time but may {@link SimCpus.charge} the current CPU; `yield sim.delay(ns)`
 * spends time (interruptible when interrupts are enabled); `yield sim.waitFor(w)` spins until `w`
 * is satisfied, still taking interrupts when they are enabled. Interrupt handlers are plain
 * functions that run on the current CPU with interrupts disabled.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { CpuMasks } from '../cpu.js';
import { MachineConfig } from '../machine/config.js';
import { Printk } from '../printk.js';
import { SimEngine, type StallReport } from './engine.js';
import { FaultInjector } from './faults.js';
import type { InterruptController } from './intc.js';
import { CoreTiming } from './timing.js';
import { checkBoolean, checkFunction, checkInteger, describeValue } from '../validate.js';

/** The controller of a machine whose arch attached none: nothing is ever pending. */
const noInterruptController: InterruptController = Object.freeze({
  name: 'none',
  pending: () => false,
  acknowledge: () => -1,
  dispatch: () => undefined,
  pendingCount: () => 0,
});

/** Something task code can spin on. */
export interface Waitable {
  /** True once the waiter may proceed. */
  readonly satisfied: boolean;
  /** CPU expected to satisfy it, or -1 if unknown (for the deadlock report). */
  readonly waitsForCpu: number;
  /** One line describing what is awaited (for the deadlock report). */
  describe(): string;
  /** Remember `cpu` so the releaser can wake it (see {@link SimCpus.wakeWaiters}). */
  addWaiter(cpu: number): void;
}

/** What task code yields to the CPU. */
export type SimYield =
  | {
      /** Spend time (see {@link SimCpus.delay}). */
      readonly kind: 'delay';
      /** How long, in ns. */
      readonly ns: number;
    }
  | {
      /** Spin until a condition holds (see {@link SimCpus.waitFor}). */
      readonly kind: 'wait';
      /** What is awaited. */
      readonly on: Waitable;
      /** The waiting caller, for deadlock reports. */
      readonly site: string;
    };

/** Task code: a generator run by a simulated CPU. */
export type SimTask<T = unknown> = Generator<SimYield, T, undefined>;

/** A task body: called once on its CPU with the CPU number. */
export type SimTaskFn<T = unknown> = (cpu: number) => SimTask<T>;

/** How an idle CPU waits: `halt` sleeps until an interrupt; `poll` spins on `need_resched`. */
export type IdleMode = 'halt' | 'poll';

/** A queued or running task. */
export interface TaskHandle<T = unknown> {
  /** The task's name, for reports. */
  readonly name: string;
  /** The CPU the task runs on. */
  readonly cpu: number;
  /** True when the task has returned. */
  readonly done: boolean;
  /** The task's return value once done. */
  readonly result: T | undefined;
}

/**
 * `%GeneratorPrototype%.next`. Task generators are resumed by calling it, not by looking `next` up
 * on each generator: every generator function has a prototype object of its own, so the tasks
 * of distinct closures (one per CPU, as `spawn` in a loop makes them) are that many receiver
 * shapes at one property load in {@link SimCpus}. Past a few thousand of them the load misses
 * V8's megamorphic stub cache on every resume: 160 ns a resume instead of 18 with 8192 tasks.
 */
const generatorNext = Reflect.get(Object.getPrototypeOf(prototypeProbe.prototype) as object, 'next') as (
  this: SimTask,
) => IteratorResult<SimYield, unknown>;

/** Never called: its prototype's prototype is `%GeneratorPrototype%`. */
function* prototypeProbe(): Generator<never> {
  yield* [];
}

class TaskRecord<T = unknown> implements TaskHandle<T> {
  done = false;
  result: T | undefined = undefined;
  gen: SimTask<T> | null = null;
  /** `gen.next` is the built-in one (a plain generator): resume it through `generatorNext`. */
  builtinNext = false;
  constructor(
    readonly name: string,
    public cpu: number,
    readonly fn: SimTaskFn<T>,
  ) {}
}

/** State of one simulated CPU. Read it through {@link SimCpus.cpu}; change it through the API. */
export class SimCpu {
  /** Executing (not dead after hot-unplug). */
  alive = true;
  /** Local interrupts enabled (`!irqs_disabled()`). */
  irqsEnabled = true;
  /** Hard-irq nesting depth (0 or 1: handlers run with interrupts off). */
  hardirq = 0;
  /** `TIF_NEED_RESCHED`. */
  needResched = false;
  /** Idle waiting style. */
  idleMode: IdleMode = 'halt';
  /** In the idle loop. */
  idle = true;
  /** `TIF_POLLING_NRFLAG`: polling idle, woken by setting need_resched without an IPI. */
  polling = false;
  /** Interrupts taken. */
  irqCount = 0;
  /** @internal */ task: TaskRecord | null = null;
  /** @internal */ readonly runQueue: TaskRecord[] = [];
  /** @internal */ waiting: Waitable | null = null;
  /** @internal */ waitSite = '';
  /** @internal */ waitSince = 0;
  /** @internal */ busyUntil = 0;
  /** @internal */ remaining = -1;
  /** @internal The CPU's timeline timer: delay end, interrupt handler, interrupt exit. */
  timer = -1;
  /**
   * @internal Lazy interrupt exit: while >= 0 the CPU is in hard-irq context until this time and
   * no event marks the exit (see `SimCpus.#finishHandler`); -1 otherwise.
   */
  exitAt = -1;
  /** @internal */ savedIrqs = true;
  /** @internal */ takeScheduled = false;
  /** @internal */ charge = 0;
  /** @internal Hot-plug epoch of a dying step waiting for this CPU to leave hard-irq context, or -1. */
  dyingEpoch = -1;

  /** @param cpu - this CPU's number. */
  constructor(readonly cpu: number) {}

  /** What the CPU is doing, for reports. */
  get state(): 'dead' | 'irq' | 'idle' | 'spinning' | 'running' {
    if (!this.alive) return 'dead';
    if (this.hardirq > 0) return 'irq';
    if (this.task === null) return 'idle';
    return this.waiting !== null && !this.waiting.satisfied ? 'spinning' : 'running';
  }
}

/** Hooks other layers register on CPU events. */
export interface CpuHooks {
  /** An idle CPU leaves the idle loop (runs on that CPU, interrupts disabled). */
  idleExit?(cpu: number): void;
  /** A CPU dies (runs on that CPU): `smpcfd_dying_cpu` flushes its call queue here. */
  dying?(cpu: number): void;
}

/**
 * Throws the error a bad time span gets: TypeError for a non-integer, else RangeError. Kept out
 * of the hot methods that check spans so that they stay small enough to inline.
 */
function badNs(fn: string, ns: number): never {
  checkInteger(fn, 'ns', ns);
  throw new RangeError(`${fn}: ns is ${ns}; expected a non-negative integer`);
}

/** The error of a call that needs a current CPU outside simulated code (out of line: hot callers inline). */
function noCurrentCpu(fn: string): never {
  throw new Error(`${fn}: no CPU is running; call this from task code (machine.sim.spawn) or a handler`);
}

/** The simulated CPU cores of one machine. */
@injectable()
export class SimCpus {
  readonly #cpus: SimCpu[] = [];
  readonly #engine: SimEngine;
  readonly #masks: CpuMasks;
  readonly #timing: CoreTiming;
  readonly #printk: Printk;
  readonly #faults: FaultInjector;
  #intc: InterruptController = noInterruptController;
  readonly #hooks: CpuHooks[] = [];
  #current: SimCpu | null = null;
  readonly #evResume: number;
  readonly #evTake: number;
  readonly #evHandle: number;
  readonly #evExit: number;
  readonly #evPoke: number;
  readonly #evSpawn: number;
  readonly #evDying: number;
  readonly #spawnQueue: TaskRecord[] = [];
  #taskSeq = 0;
  /** The last {@link SimCpus.delay} handed out (NaN matches no `ns`). */
  #lastDelay: Extract<SimYield, { kind: 'delay' }> = Object.freeze({ kind: 'delay', ns: NaN });
  /** Interrupts a CPU had taken but not yet handled when it died (reported, not lost silently). */
  droppedOnDeath = 0;
  /** Hot-plug epoch: bumped by every {@link SimCpus.cpuDown}. */
  #epoch = 0;
  /** Open preempt-disabled sections, by the epoch they started in. */
  readonly #sections = new Map<number, number>();
  /** Dying callbacks waiting for older sections to close: `[cpu, epoch]`. */
  readonly #deferredDying: [number, number][] = [];

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimEngine) engine: SimEngine,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(CoreTiming) timing: CoreTiming,
    @inject(Printk) printk: Printk,
    @inject(FaultInjector) faults: FaultInjector,
  ) {
    this.#engine = engine;
    this.#masks = masks;
    this.#timing = timing;
    this.#printk = printk;
    this.#faults = faults;
    faults.setCpuSource(() => this.#current?.cpu ?? -1);
    for (let i = 0; i < config.nrCpuIds; i++) {
      const c = new SimCpu(i);
      c.alive = masks.cpuOnline(i);
      c.timer = engine.createTimer();
      this.#cpus.push(c);
    }
    this.#evResume = engine.registerKind('cpu_resume', (cpu) => {
      this.#advance(this.#cpus[cpu]);
    });
    this.#evPoke = engine.registerKind('cpu_poke', (cpu) => {
      this.#advance(this.#cpus[cpu]);
    });
    this.#evTake = engine.registerKind('irq_take', (cpu) => {
      this.#onTake(this.#cpus[cpu]);
    });
    this.#evHandle = engine.registerKind('irq_handle', (cpu, handle) => {
      this.#onHandle(this.#cpus[cpu], handle);
    });
    this.#evExit = engine.registerKind('irq_exit', (cpu) => {
      this.#onExit(this.#cpus[cpu]);
    });
    this.#evSpawn = engine.registerKind('task_spawn', (index) => {
      const t = this.#spawnQueue[index];
      this.#enqueue(t);
    });
    this.#evDying = engine.registerKind('cpu_dying', (cpu, epoch) => {
      this.#tryDying(this.#cpus[cpu], epoch);
    });
    engine.addStallCheck(() => this.#stallCheck());
    engine.addDrainHook(() => {
      this.#flushLazyExits();
    });
  }

  /** Number of CPUs (`nr_cpu_ids`). */
  get nrCpuIds(): number {
    return this.#cpus.length;
  }

  /**
   * Connects the architecture's per-CPU interrupt controller. Called once by the arch while the
   * machine is built (the controller depends on services that depend on the CPUs, so it attaches
   * itself rather than being injected here).
   * @throws Error if one is attached already.
   */
  attachInterruptController(intc: InterruptController): void {
    const shape = intc as Partial<InterruptController> | null;
    if (
      typeof shape !== 'object' ||
      shape === null ||
      typeof shape.pending !== 'function' ||
      typeof shape.acknowledge !== 'function' ||
      typeof shape.dispatch !== 'function' ||
      typeof shape.pendingCount !== 'function'
    ) {
      throw new TypeError(
        `attachInterruptController: intc is ${describeValue(intc)}; expected an InterruptController (pending, acknowledge, dispatch, pendingCount)`,
      );
    }
    if (this.#intc !== noInterruptController) {
      throw new Error(`attachInterruptController: ${this.#intc.name} is attached already; one per machine`);
    }
    this.#intc = intc;
  }

  /** The attached interrupt controller. */
  get interruptController(): InterruptController {
    return this.#intc;
  }

  /** Registers hooks (the smp layer uses them). */
  addHooks(hooks: CpuHooks): void {
    this.#hooks.push(hooks);
  }

  /** State of CPU `cpu`. */
  cpu(cpu: number): SimCpu {
    const c = this.#cpus[cpu] as SimCpu | undefined;
    if (c === undefined || typeof cpu !== 'number') return this.#badCpu('SimCpus.cpu', cpu);
    if (c.exitAt >= 0 && c.exitAt <= this.#engine.now) this.#finishExit(c);
    return c;
  }

  /** Throws the error a bad CPU argument gets: TypeError for a non-integer, else RangeError. */
  #badCpu(fn: string, cpu: unknown): never {
    checkInteger(fn, 'cpu', cpu);
    throw new RangeError(`${fn}: cpu ${cpu} is not a CPU of this machine (0..${this.#cpus.length - 1})`);
  }

  // ---------------------------------------------------------------- current CPU

  /** The CPU whose code is running now, or null outside simulated code. */
  get current(): SimCpu | null {
    return this.#current;
  }

  /**
   * `smp_processor_id()`.
   * @throws Error outside simulated code (there is no current CPU).
   */
  smpProcessorId(): number {
    const c = this.#current;
    if (c === null) return noCurrentCpu('smpProcessorId');
    return c.cpu;
  }

  /** `in_task()`: running task code (not an interrupt handler). */
  inTask(): boolean {
    return this.#current !== null && this.#current.hardirq === 0;
  }

  /** `in_irq()` / `in_hardirq()`. */
  inIrq(): boolean {
    return this.#current !== null && this.#current.hardirq > 0;
  }

  /**
   * Runs host-side `fn` as if on `cpu` (its current CPU is `cpu` meanwhile); what it charges is
   * discarded. Used for actions taken on behalf of a CPU outside its task code, such as the
   * CSD-lock watchdog re-sending an IPI from the waiter.
   */
  withCurrent<T>(cpu: number, fn: () => T): T {
    const c = this.cpu(cpu);
    checkFunction('withCurrent', 'fn', fn);
    const prev = this.#current;
    const charge = c.charge;
    this.#current = c;
    try {
      return fn();
    } finally {
      this.#current = prev;
      c.charge = charge;
    }
  }

  /** `irqs_disabled()` on the current CPU. */
  irqsDisabled(): boolean {
    return !this.#need('irqsDisabled').irqsEnabled;
  }

  /** Simulated time as seen by the current CPU: event time plus what it has charged so far. */
  localNow(): number {
    const c = this.#current;
    return this.#engine.now + (c === null ? 0 : c.charge);
  }

  /** Spends `ns` of the current CPU's time in straight-line code (no-op outside simulated code). */
  charge(ns: number): void {
    if (!Number.isSafeInteger(ns) || ns < 0) badNs('SimCpus.charge', ns);
    const c = this.#current;
    if (c !== null) c.charge += ns;
  }

  /**
   * @internal {@link SimCpus.charge} without the argument check, for the model's own costs:
   * timing-profile values (checked when the machine was built) and sums and products of them.
   * Its bytecode is under V8's small-function size, so it is inlined wherever it is called,
   * whatever the caller's inlining budget; the checked `charge` is not, and the IPI path charges
   * half a dozen costs per IPI.
   */
  chargeTrusted(ns: number): void {
    const c = this.#current;
    if (c !== null) c.charge += ns;
  }

  #need(fn: string): SimCpu {
    const c = this.#current;
    if (c === null) return noCurrentCpu(fn);
    return c;
  }

  /** `local_irq_disable()`. */
  localIrqDisable(): void {
    this.#need('localIrqDisable').irqsEnabled = false;
  }

  /** `local_irq_enable()`: pending interrupts are taken at the task's next yield. */
  localIrqEnable(): void {
    this.#need('localIrqEnable').irqsEnabled = true;
  }

  /** `local_irq_save()`: disables interrupts and returns the previous state. */
  localIrqSave(): boolean {
    const c = this.#need('localIrqSave');
    const flags = c.irqsEnabled;
    c.irqsEnabled = false;
    return flags;
  }

  /** `local_irq_restore(flags)`. */
  localIrqRestore(flags: boolean): void {
    checkBoolean('localIrqRestore', 'flags', flags);
    this.#need('localIrqRestore').irqsEnabled = flags;
  }

  /**
   * What task code yields to spend `ns` (interruptible if interrupts are enabled). The result is
   * frozen, and a repeat of the last `ns` returns the same object: a loop that yields one delay
   * allocates nothing per iteration.
   */
  delay(ns: number): SimYield {
    const last = this.#lastDelay;
    if (ns === last.ns) return last;
    if (!Number.isSafeInteger(ns) || ns < 0) badNs('SimCpus.delay', ns);
    return (this.#lastDelay = Object.freeze({ kind: 'delay', ns }));
  }

  /** What task code yields to spin until `on` is satisfied; `site` names the caller. */
  waitFor(on: Waitable, site: string): SimYield {
    const w = on as Partial<Waitable> | null;
    if (typeof w !== 'object' || w === null || typeof w.addWaiter !== 'function' || typeof w.describe !== 'function' || !('satisfied' in w)) {
      throw new TypeError(`SimCpus.waitFor: on is ${describeValue(on)}; expected a Waitable (satisfied, waitsForCpu, describe, addWaiter)`);
    }
    if (typeof site !== 'string') throw new TypeError(`SimCpus.waitFor: site is ${describeValue(site)}; expected a string`);
    return { kind: 'wait', on, site };
  }

  // ---------------------------------------------------------------- tasks

  /**
   * Queues task code on `cpu`, at time `at` (default now). Host-side: no IPI is involved; an
   * idle target simply starts it. Use the scheduler's wake-up path for in-simulation wake-ups.
   * @throws RangeError for a CPU that is not online, TypeError for a non-function.
   */
  spawn<T>(cpu: number, fn: SimTaskFn<T>, options: { at?: number; name?: string } = {}): TaskHandle<T> {
    checkInteger('spawn', 'cpu', cpu);
    if (cpu < 0 || cpu >= this.#cpus.length) {
      throw new RangeError(`spawn: cpu is ${cpu}; expected a CPU number in [0, ${this.#cpus.length})`);
    }
    if (!this.#masks.cpuOnline(cpu)) {
      throw new RangeError(`spawn: cpu ${cpu} is offline; bring it online first or pick an online CPU`);
    }
    if (typeof fn !== 'function') {
      throw new TypeError(`spawn: fn is ${describeValue(fn)}; expected a generator function (cpu) => SimTask`);
    }
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw new TypeError(`spawn: options is ${describeValue(options)}; expected { at?, name? }`);
    }
    const at = options.at ?? this.#engine.now;
    checkInteger('spawn', 'options.at', at);
    if (at < this.#engine.now) {
      throw new RangeError(`spawn: options.at is ${at}; expected an integer time not before now (${this.#engine.now})`);
    }
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw new TypeError(`spawn: options.name is ${describeValue(options.name)}; expected a string`);
    }
    const name = options.name ?? (fn.name !== '' ? fn.name : `task${++this.#taskSeq}`);
    const t = new TaskRecord<T>(name, cpu, fn);
    this.#spawnQueue.push(t);
    this.#engine.schedule(at, this.#evSpawn, this.#spawnQueue.length - 1, 0);
    return t;
  }

  #enqueue(t: TaskRecord): void {
    const c = this.#cpus[t.cpu];
    if (!c.alive || !this.#masks.cpuOnline(t.cpu)) {
      // Migrate work off a CPU that is offline (dead, or dying: it would die with the task
      // queued), as the scheduler would.
      const target = this.#masks.online.first();
      t.cpu = target;
      this.#cpus[target].runQueue.push(t);
      this.#poke(this.#cpus[target]);
      return;
    }
    c.runQueue.push(t);
    this.#poke(c);
  }

  /** Sets `need_resched` on `cpu`; a polling-idle CPU notices it without an interrupt. */
  setNeedResched(cpu: number): void {
    const c = this.cpu(cpu);
    c.needResched = true;
    // A halted CPU finishing an interrupt looks at need_resched when the interrupt exits.
    if (c.exitAt >= 0 && c.remaining < 0) this.#exitExplicitly(c);
    if (c.idle && c.polling) {
      this.#engine.schedule(this.localNow() + this.#timing.pollWakeNs, this.#evPoke, cpu, 0);
    }
  }

  /**
   * `set_nr_if_polling()`: if `cpu` is polling idle, set `need_resched` (it will wake without an
   * IPI) and return true; otherwise return false and the caller sends an IPI.
   */
  setNrIfPolling(cpu: number): boolean {
    const c = this.cpu(cpu);
    if (!(c.alive && c.idle && c.polling && c.hardirq === 0)) return false;
    this.setNeedResched(cpu);
    return true;
  }

  /** Sets how `cpu` idles. */
  setIdleMode(cpu: number, mode: IdleMode): void {
    if (!(['halt', 'poll'] as unknown[]).includes(mode)) {
      throw new TypeError(`setIdleMode: mode is ${JSON.stringify(mode)}; expected 'halt' or 'poll'`);
    }
    const c = this.cpu(cpu);
    c.idleMode = mode;
    if (c.idle && c.hardirq === 0) c.polling = mode === 'poll';
  }

  // ---------------------------------------------------------------- interrupts

  /**
   * The interrupt controller has something for `cpu`: take it as soon as the CPU allows
   * (immediately if interrupts are enabled, else when they are re-enabled).
   */
  kick(cpu: number): void {
    const c = this.cpu(cpu);
    if (c.takeScheduled) return;
    if (this.#current === null && this.#engine.running) {
      // Called from an event handler (a delivery), not from some CPU's code: no re-entrancy
      // risk, so take it now instead of through another event.
      this.#onTake(c);
      return;
    }
    c.takeScheduled = true;
    // Raised by some CPU's code: the interrupt exists from that CPU's local time on, not from
    // the start of its step.
    this.#engine.schedule(this.localNow(), this.#evTake, cpu, 0);
  }

  /** Wakes every CPU spinning on a waitable at the time the releasing CPU's store is visible. */
  wakeWaiters(waiters: readonly number[]): void {
    const at = this.localNow() + this.#timing.coherenceNs;
    for (const cpu of waiters) this.#engine.schedule(at, this.#evPoke, cpu, 0);
  }

  #poke(c: SimCpu): void {
    this.#engine.schedule(this.#engine.now, this.#evPoke, c.cpu, 0);
  }

  /** Spends `ns` from now: the CPU's timeline timer fires `cpu_resume` when it is over. */
  #busy(c: SimCpu, ns: number): void {
    c.busyUntil = this.#engine.now + ns;
    this.#engine.armTrusted(c.timer, c.busyUntil, this.#evResume, c.cpu, 0);
  }

  #onTake(c: SimCpu): void {
    c.takeScheduled = false;
    // Still in its interrupt: the exit event takes it, as irq_exit would (hardirq stays 1).
    this.#settleExit(c);
    if (!c.alive || c.hardirq > 0 || !c.irqsEnabled) return;
    // Acknowledge at once rather than ask `pending` first: it returns -1, changing nothing, when
    // nothing is deliverable (the InterruptController contract), and the priority logic of a
    // delivered interrupt then runs once, not twice.
    const handle = this.#intc.acknowledge(c.cpu);
    if (handle >= 0) this.#enterIrq(c, handle);
  }

  /**
   * Takes an interrupt that `pending` reported: acknowledges it and enters it (a controller that
   * then has nothing after all gets the CPU looked at again).
   */
  #takeIrq(c: SimCpu): void {
    const handle = this.#intc.acknowledge(c.cpu);
    if (handle < 0) {
      this.#poke(c);
      return;
    }
    this.#enterIrq(c, handle);
  }

  /**
   * Enters the acknowledged interrupt `handle`: moves the CPU's timeline to the handler. A delay
   * in progress is preempted: the rest is remembered and its resume is replaced, not left stale.
   */
  #enterIrq(c: SimCpu, handle: number): void {
    const now = this.#engine.now;
    if (c.busyUntil > now) {
      c.remaining = c.busyUntil - now;
      c.busyUntil = now;
    }
    const halted = c.idle && !c.polling && c.task === null;
    c.hardirq = 1;
    c.savedIrqs = c.irqsEnabled;
    c.irqsEnabled = false;
    c.irqCount++;
    const entry = this.#timing.irqEntryNs + (halted ? this.#timing.haltWakeNs : 0);
    this.#engine.armTrusted(c.timer, now + entry, this.#evHandle, c.cpu, handle);
  }

  #onHandle(c: SimCpu, handle: number): void {
    if (!c.alive) {
      this.#dropOnDeath(c, handle);
      return;
    }
    this.#current = c;
    c.charge = 0;
    let failed: { error: unknown } | null = null;
    try {
      this.#intc.dispatch(c.cpu, handle);
    } catch (error) {
      failed = this.#entryOops(handle, error);
    } finally {
      this.#current = null;
    }
    const exitAt = this.#engine.now + c.charge + this.#timing.irqExitNs;
    c.charge = 0;
    this.#finishHandler(c, exitAt);
    if (failed !== null) throw failed.error;
  }

  /**
   * An oops the handler boundaries did not catch: the interrupt is finished all the same, so the
   * CPU leaves hard-irq context with its flags restored (docs/reliability.md). Returns the error
   * to rethrow after that when the fault policy says so, else null.
   */
  #entryOops(handle: number, error: unknown): { error: unknown } | null {
    return this.#faults.oops('irq-entry', handle, `${this.#intc.name} dispatch of ${handle}`, error) ? { error } : null;
  }

  /**
   * The CPU died between taking the interrupt and running its handler; its dying callbacks
   * already flushed what the interrupt was for. Say so rather than lose it silently.
   */
  #dropOnDeath(c: SimCpu, handle: number): void {
    c.hardirq = 0;
    c.irqsEnabled = c.savedIrqs;
    this.droppedOnDeath++;
    this.#printk.prWarn('smpboot: ', `CPU${c.cpu} died before handling interrupt ${handle}; dropped`);
  }

  /**
   * After the handler: the interrupt exits at `exitAt`. When the exit would only restore the
   * flags and go back to what the CPU was doing, no event marks it (a *lazy exit*): the CPU
   * stays in hard-irq context until `exitAt` and whatever looks at it later finishes the exit
   * first (`#finishExit`). A preempted delay's resume is armed at once for `exitAt` plus the
   * rest. Anything that needs the exit to act (an interrupt arriving, a task queued, a dying
   * step, need_resched on a halted CPU) turns it back into an `irq_exit` event at `exitAt`
   * (`#exitExplicitly`), so the timeline is the same as with an exit event every time.
   */
  #finishHandler(c: SimCpu, exitAt: number): void {
    // One arm site for both outcomes: V8 may inline the engine's arm, and the queue under it, at
    // each call site, so one site costs the interrupt path half the inlined code of two.
    let at = exitAt;
    let kind = this.#evExit;
    if (this.#exitsLazily(c)) {
      c.exitAt = exitAt;
      if (c.remaining < 0) {
        this.#engine.disarm(c.timer);
        return;
      }
      at = c.busyUntil = exitAt + c.remaining;
      kind = this.#evResume;
    }
    this.#engine.armTrusted(c.timer, at, kind, c.cpu, 0);
  }

  /**
   * May this interrupt exit lazily: would `irq_exit` only restore the flags and go back to a
   * preempted delay, a spin that still waits, or an idle loop with nothing to do?
   */
  #exitsLazily(c: SimCpu): boolean {
    return (
      c.alive &&
      c.dyingEpoch < 0 &&
      !(c.savedIrqs && this.#intc.pending(c.cpu)) &&
      (c.remaining >= 0 ||
        (c.task === null ? c.idle && c.runQueue.length === 0 && !c.needResched : c.waiting !== null && !c.waiting.satisfied))
    );
  }

  /** Completes a lazy exit whose time has come (the state `irq_exit` would have left). */
  #finishExit(c: SimCpu): void {
    c.exitAt = -1;
    c.hardirq = 0;
    c.irqsEnabled = c.savedIrqs;
    if (c.remaining >= 0) {
      // Its resume is armed already (for busyUntil).
      c.remaining = -1;
    } else if (c.task === null && c.idle && c.runQueue.length === 0 && !c.needResched) {
      c.polling = c.idleMode === 'poll';
    }
  }

  /**
   * Before acting on a CPU that may be in a lazy exit: finishes the exit if its time has come,
   * else turns it into an `irq_exit` event (the CPU stays in hard-irq context until then).
   */
  #settleExit(c: SimCpu): void {
    if (c.exitAt < 0) return;
    if (c.exitAt <= this.#engine.now) this.#finishExit(c);
    else this.#exitExplicitly(c);
  }

  /** Turns a lazy exit still ahead into an `irq_exit` event at its time. */
  #exitExplicitly(c: SimCpu): void {
    const at = c.exitAt;
    c.exitAt = -1;
    if (c.remaining >= 0) c.busyUntil = this.#engine.now;
    this.#engine.arm(c.timer, at, this.#evExit, c.cpu, 0);
  }

  /**
   * When the queue drains (rare: the end of a run, or only watchdogs left): lazy exits still
   * ahead become events, so the run ends after them. A scan, like the stall check after it.
   */
  #flushLazyExits(): void {
    for (const c of this.#cpus) this.#settleExit(c);
  }

  #onExit(c: SimCpu): void {
    c.hardirq = 0;
    c.irqsEnabled = c.savedIrqs;
    if (c.dyingEpoch >= 0) {
      // Its dying step waited for this interrupt to finish.
      const epoch = c.dyingEpoch;
      c.dyingEpoch = -1;
      this.#tryDying(c, epoch);
      if (!c.alive) return;
    }
    // A CPU that died during the handler (it unplugged itself) takes nothing more; what is
    // pending stays pending until it is back.
    if (c.alive && c.irqsEnabled && this.#intc.pending(c.cpu)) {
      this.#takeIrq(c);
      return;
    }
    if (c.remaining >= 0) {
      const rest = c.remaining;
      c.remaining = -1;
      this.#busy(c, rest);
      return;
    }
    this.#advance(c);
  }

  // ---------------------------------------------------------------- the core loop

  #advance(c: SimCpu): void {
    const engine = this.#engine;
    if (c.exitAt >= 0) {
      if (c.exitAt <= engine.now) this.#finishExit(c);
      else {
        // Still in its interrupt. With a resume armed, that resume continues the CPU; otherwise
        // the exit must look at what changed (a task queued, a waitable released).
        if (c.remaining < 0) this.#exitExplicitly(c);
        return;
      }
    }
    for (;;) {
      if (!c.alive || c.hardirq > 0 || c.busyUntil > engine.now || c.remaining >= 0) return;
      if (c.irqsEnabled && this.#intc.pending(c.cpu)) {
        this.#takeIrq(c);
        return;
      }
      if (c.task === null) {
        if (c.idle) {
          if (c.runQueue.length === 0 && !c.needResched) {
            c.polling = c.idleMode === 'poll';
            return;
          }
          this.#exitIdle(c);
          if (c.charge > 0) {
            const ns = c.charge;
            c.charge = 0;
            this.#busy(c, ns);
            return;
          }
          continue;
        }
        const next = c.runQueue.shift();
        if (next === undefined) {
          c.idle = true;
          c.polling = c.idleMode === 'poll';
          return;
        }
        c.task = next;
      }
      if (c.waiting !== null) {
        if (!c.waiting.satisfied) return;
        c.waiting = null;
      }
      const task = c.task;
      this.#current = c;
      let r: IteratorResult<SimYield, unknown>;
      try {
        let gen = task.gen;
        if (gen === null) {
          gen = task.gen = task.fn(c.cpu);
          task.builtinNext = gen.next === generatorNext;
        }
        r = task.builtinNext ? generatorNext.call(gen) : gen.next();
      } catch (error) {
        this.#taskOops(c, task, error);
        return;
      } finally {
        this.#current = null;
      }
      const charge = c.charge;
      c.charge = 0;
      if (r.done === true) {
        task.done = true;
        task.result = r.value;
        c.task = null;
        if (!c.irqsEnabled) {
          // The kernel would complain when scheduling with interrupts off; recover loudly.
          this.#printk.warnOn(true, 'finish_task', `task ${task.name} on CPU${c.cpu} returned with interrupts disabled`);
          c.irqsEnabled = true;
        }
        if (charge > 0) {
          this.#busy(c, charge);
          return;
        }
        continue;
      }
      const y = r.value;
      if (y.kind === 'delay') {
        this.#busy(c, charge + y.ns);
        // The code before this yield may have re-enabled interrupts that became pending while
        // they were off (their take was dropped then): take them where it did, not after the delay.
        if (c.irqsEnabled && !c.takeScheduled && this.#intc.pending(c.cpu)) {
          c.takeScheduled = true;
          engine.schedule(engine.now + charge, this.#evTake, c.cpu, 0);
        }
        return;
      }
      if (!y.on.satisfied) {
        c.waiting = y.on;
        c.waitSite = y.site;
        c.waitSince = engine.now + charge;
        y.on.addWaiter(c.cpu);
      }
      if (charge > 0) {
        this.#busy(c, charge);
        return;
      }
    }
  }

  /**
   * Task code threw: the task is killed, as an oops kills the current task in Linux. The CPU
   * leaves it with interrupts enabled and goes on with its next task (or idles).
   */
  #taskOops(c: SimCpu, task: TaskRecord, error: unknown): void {
    task.done = true;
    c.task = null;
    c.waiting = null;
    c.charge = 0;
    if (!c.irqsEnabled) {
      this.#printk.warnOn(true, 'finish_task', `task ${task.name} on CPU${c.cpu} died with interrupts disabled`);
      c.irqsEnabled = true;
    }
    this.#poke(c);
    if (this.#faults.oops('task', -1, `task ${task.name}`, error)) throw error;
  }

  #exitIdle(c: SimCpu): void {
    c.idle = false;
    c.polling = false;
    c.needResched = false;
    this.#current = c;
    const saved = c.irqsEnabled;
    c.irqsEnabled = false;
    try {
      for (const h of this.#hooks) h.idleExit?.(c.cpu);
    } finally {
      c.irqsEnabled = saved;
      this.#current = null;
    }
  }

  // ---------------------------------------------------------------- hot-plug

  /**
   * Takes `cpu` offline: clears its online bit now; after `teardownNs` the dying callbacks run on
   * it (the smp layer flushes its call queue) and it stops executing. Interrupts that arrive in
   * between are still taken (the "IPI on offline CPU" window).
   * @throws RangeError for the last online CPU, an offline CPU, or a CPU with queued tasks.
   */
  cpuDown(cpu: number, teardownNs = 0): void {
    const c = this.cpu(cpu);
    // Checked before anything changes: a bad delay must not leave the CPU offline and never dying.
    checkInteger('cpuDown', 'teardownNs', teardownNs);
    if (teardownNs < 0 || !Number.isSafeInteger(this.#engine.now + teardownNs)) {
      throw new RangeError(`cpuDown: teardownNs is ${teardownNs}; expected a non-negative integer (and a time that fits)`);
    }
    if (!this.#masks.cpuOnline(cpu)) throw new RangeError(`cpuDown: cpu ${cpu} is already offline`);
    if (this.#masks.numOnlineCpus() === 1) throw new RangeError(`cpuDown: cpu ${cpu} is the last online CPU`);
    if (c.task !== null || c.runQueue.length > 0) {
      throw new RangeError(`cpuDown: cpu ${cpu} still has task code; let it finish before unplugging`);
    }
    this.#masks.setCpuOnline(cpu, false);
    this.#engine.schedule(this.#engine.now + teardownNs, this.#evDying, cpu, ++this.#epoch);
  }

  /**
   * `preempt_disable()` around a cross-call section (kernel/smp.c runs them with preemption
   * off). Linux takes a CPU down under `stop_machine()`, which cannot run while any CPU is in such
   * a section; here a CPU's dying callbacks wait until every section open when
   * {@link SimCpus.cpuDown} was called has closed. Returns the token for
   * {@link SimCpus.preemptEnable}.
   */
  preemptDisable(): number {
    const epoch = this.#epoch;
    this.#sections.set(epoch, (this.#sections.get(epoch) ?? 0) + 1);
    return epoch;
  }

  /** `preempt_enable()`: closes a section opened by {@link SimCpus.preemptDisable}. */
  preemptEnable(token: number): void {
    const open = this.#sections.get(token);
    if (open === undefined) throw new Error(`preemptEnable: no open section for token ${describeValue(token)}`);
    if (open > 1) this.#sections.set(token, open - 1);
    else this.#sections.delete(token);
    if (this.#deferredDying.length === 0) return;
    const ready = this.#deferredDying.filter(([, epoch]) => !this.#olderSectionsOpen(epoch));
    for (const entry of ready) {
      this.#deferredDying.splice(this.#deferredDying.indexOf(entry), 1);
      this.#engine.schedule(this.localNow(), this.#evDying, entry[0], entry[1]);
    }
  }

  #olderSectionsOpen(epoch: number): boolean {
    for (const e of this.#sections.keys()) if (e < epoch) return true;
    return false;
  }

  /**
   * The dying step of a CPU going down, when `stop_machine()` could run it: after every
   * cross-call section older than the {@link SimCpus.cpuDown} has closed, and in task context
   * (a CPU in the middle of an interrupt finishes it first).
   */
  #tryDying(c: SimCpu, epoch: number): void {
    if (this.#olderSectionsOpen(epoch)) {
      this.#deferredDying.push([c.cpu, epoch]);
      return;
    }
    this.#settleExit(c);
    if (c.hardirq > 0) {
      c.dyingEpoch = epoch;
      return;
    }
    this.#onDying(c);
  }

  #onDying(c: SimCpu): void {
    this.#current = c;
    const saved = c.irqsEnabled;
    c.irqsEnabled = false;
    try {
      for (const h of this.#hooks) h.dying?.(c.cpu);
    } finally {
      c.irqsEnabled = saved;
      this.#current = null;
    }
    const pending = this.#intc.pendingCount(c.cpu);
    if (pending > 0) {
      this.#printk.prWarn('smpboot: ', `CPU${c.cpu} went offline with ${pending} pending interrupt(s); they stay pending until it is back`);
    }
    c.alive = false;
    c.idle = true;
    c.polling = false;
    // It stops executing: whatever idle-loop time was left (a delay an interrupt preempted)
    // is gone, and a pending resume must not fire after it is back.
    c.remaining = -1;
    c.busyUntil = this.#engine.now;
    this.#engine.disarm(c.timer);
  }

  /**
   * Brings `cpu` back online: it starts executing in the idle loop and takes what is pending.
   * @throws RangeError if it is online or not yet dead.
   */
  cpuUp(cpu: number): void {
    const c = this.cpu(cpu);
    if (this.#masks.cpuOnline(cpu)) throw new RangeError(`cpuUp: cpu ${cpu} is already online`);
    if (c.alive) throw new RangeError(`cpuUp: cpu ${cpu} is still tearing down; run the simulation first`);
    c.alive = true;
    c.irqsEnabled = true;
    this.#masks.setCpuOnline(cpu, true);
    this.#poke(c);
  }

  // ---------------------------------------------------------------- deadlock detection

  #stallCheck(): StallReport | null {
    const spinning = this.#cpus.filter((c) => c.alive && c.waiting !== null && !c.waiting.satisfied);
    if (spinning.length === 0) return null;
    const lines: string[] = [];
    const waitsFor = new Map<number, number>();
    for (const c of spinning) {
      const w = c.waiting as Waitable;
      waitsFor.set(c.cpu, w.waitsForCpu);
      lines.push(
        `CPU${c.cpu} (irqs ${c.irqsEnabled ? 'on' : 'off'}) spinning since ${c.waitSince} ns in ${c.waitSite}: ${w.describe()}`,
      );
    }
    const cycle = findCycle(waitsFor);
    const head =
      cycle === null
        ? 'no CPU can make progress: every waiter spins on something nothing will release'
        : `wait-for cycle ${cycle.map((c) => `CPU${c}`).join(' -> ')}`;
    return {
      kind: 'deadlock',
      message: `deadlock: ${head}\n${lines.join('\n')}`,
      details: { cycle, waiters: spinning.map((c) => c.cpu) },
    };
  }
}

function findCycle(edges: ReadonlyMap<number, number>): number[] | null {
  for (const start of edges.keys()) {
    const path: number[] = [];
    const seen = new Set<number>();
    let cur: number | undefined = start;
    while (cur !== undefined && cur >= 0 && !seen.has(cur)) {
      seen.add(cur);
      path.push(cur);
      cur = edges.get(cur);
    }
    if (cur !== undefined && cur >= 0 && seen.has(cur)) {
      const from = path.indexOf(cur);
      return [...path.slice(from), cur];
    }
  }
  return null;
}
