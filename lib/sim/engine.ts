/**
 * The discrete-event engine: an integer-nanosecond clock and a priority queue of events.
 *
 * Events are `(time, kind, a, b)` records kept in typed arrays and recycled through a free list,
 * so scheduling an event allocates nothing once the arrays have grown. Handlers are registered
 * once per kind. Events at the same nanosecond run in the order they were queued (FIFO; a
 * re-armed timer counts as queued when it was re-armed).
 *
 * Besides one-shot events there are *timers*: slots owned for the machine's life that hold at
 * most one pending event and can be re-armed (moved to another time, given another kind) or
 * disarmed in place. A simulated CPU keeps its timeline in one: the end of a delay, then the
 * handler of an interrupt that preempts it, then the resume — one queued event instead of a
 * stale one plus new ones.
 *
 * @packageDocumentation
 */
import { injectable } from 'inversify';
import { checkFunction, describeValue } from '../validate.js';
import { EventQueue } from './event-queue.js';

/** Numbers per event record: kind, a, b, flags. */
const REC = 4;
/** Record flag: a daemon event. */
const F_DAEMON = 1;
/** Record flag: a timer slot (never returned to the free list). */
const F_TIMER = 2;
/** The last time an event may have: times are integers of ns, exact only up to 2^53 − 1. */
const MAX_TIME = Number.MAX_SAFE_INTEGER;

/** Reads simulated time. Token and interface share the name. */
export interface Clock {
  /** Current simulated time in integer nanoseconds. */
  readonly now: number;
}
/** DI token for {@link Clock}. */
export const Clock: unique symbol = Symbol.for('genipi/Clock');

/** An event handler: receives the two payload numbers of its event. */
export type EventHandler = (a: number, b: number) => void;

/** Something that can explain why the simulation cannot make progress. */
export type StallCheck = () => StallReport | null;

/** Why a run stopped early. */
export interface StallReport {
  /** What kind of stall, e.g. `deadlock`. */
  readonly kind: string;
  /** Human-readable report, one line per stuck CPU after the first. */
  readonly message: string;
  /** Machine-readable specifics of the report, if any. */
  readonly details?: unknown;
}

/** Result of {@link SimEngine.run}. */
export interface RunResult {
  /** Simulated time when the run ended. */
  readonly now: number;
  /** Events handled during this run. */
  readonly events: number;
  /** `idle`: queue drained; `until`: time limit; `maxEvents`; `stalled`: a stall check fired; `stopped`. */
  readonly reason: 'idle' | 'until' | 'maxEvents' | 'stalled' | 'stopped';
  /** The stall report when `reason` is `stalled` (or a stop reason). */
  readonly stall: StallReport | null;
}

/** The error for a number that is not a timer (out of line: the timer checks stay small enough to inline). */
function notTimer(fn: string, timer: number): never {
  throw new RangeError(`${fn}: ${describeValue(timer)} is not a timer; expected a number from createTimer`);
}

/** The per-machine discrete-event engine. */
@injectable()
export class SimEngine implements Clock {
  #now = 0;
  readonly #queue = new EventQueue(1024);
  /**
   * Event records, one 32-byte record per slot (`REC` numbers: kind, a, b, flags) so that
   * scheduling or firing an event touches one cache line, not one per field.
   */
  #rec = new Float64Array(1024 * REC);
  #capacity = 1024;
  #free = new Int32Array(1024);
  #daemons = 0;
  #freeTop = 0;
  #slots = 0;
  readonly #handlers: EventHandler[] = [];
  readonly #names: string[] = [];
  readonly #stallChecks: StallCheck[] = [];
  readonly #drainHooks: (() => void)[] = [];
  #total = 0;
  #stop: StallReport | null = null;
  #running = false;

  /** Current simulated time (ns). */
  get now(): number {
    return this.#now;
  }

  /** Events handled since the machine was built. */
  get eventsHandled(): number {
    return this.#total;
  }

  /** Events waiting in the queue. */
  get pending(): number {
    return this.#queue.length;
  }

  /** True while {@link SimEngine.run} is executing. */
  get running(): boolean {
    return this.#running;
  }

  /** Registers an event kind; returns its number for {@link SimEngine.schedule}. */
  registerKind(name: string, handler: EventHandler): number {
    this.#handlers.push(handler);
    this.#names.push(name);
    return this.#handlers.length - 1;
  }

  /** Registers a check consulted when the queue drains (deadlock detection). */
  addStallCheck(check: StallCheck): void {
    this.#stallChecks.push(check);
  }

  /**
   * Registers a hook called when only daemon events remain, before the stall checks. It may
   * schedule the events of work it was deferring (a CPU's lazy interrupt exit); if it does, the
   * run goes on with them.
   */
  addDrainHook(hook: () => void): void {
    checkFunction('SimEngine.addDrainHook', 'hook', hook);
    this.#drainHooks.push(hook);
  }

  /**
   * Schedules event `kind` at absolute time `at` (ns, not before now).
   * @throws RangeError for a time in the past or not an integer.
   */
  schedule(at: number, kind: number, a: number, b: number): void {
    this.#push(at, kind, a, b, 0);
  }

  /**
   * Schedules a daemon event: like {@link SimEngine.schedule}, but it does not keep the
   * simulation alive. When only daemon events remain, the stall checks run (a watchdog that
   * re-arms itself can therefore never hide a deadlock).
   */
  scheduleDaemon(at: number, kind: number, a: number, b: number): void {
    this.#push(at, kind, a, b, 1);
    this.#daemons++;
  }

  /**
   * {@link SimEngine.schedule} for the machine's own layers, whose arguments are right by
   * construction (a registered kind, a time of `now` or later made of validated costs): only a
   * time past 2^53 ns is checked (see {@link SimEngine.armTrusted}), so that the send paths that
   * inline it stay within V8's inlining budget.
   * @throws RangeError, as {@link SimEngine.schedule} does, for a time past 2^53 − 1; nothing changes.
   * @internal
   */
  scheduleTrusted(at: number, kind: number, a: number, b: number): void {
    if (at > MAX_TIME) this.#badEvent('SimEngine.schedule', at, kind);
    this.#queueEvent(at, kind, a, b, 0);
  }

  #push(at: number, kind: number, a: number, b: number, daemon: number): void {
    this.#checkEvent('SimEngine.schedule', at, kind);
    this.#queueEvent(at, kind, a, b, daemon);
  }

  /** Writes a fresh slot's record and queues it at `at` (the arguments are checked). */
  #queueEvent(at: number, kind: number, a: number, b: number, daemon: number): void {
    const slot = this.#alloc();
    const rec = this.#rec;
    const r = slot * REC;
    rec[r] = kind;
    rec[r + 1] = a;
    rec[r + 2] = b;
    rec[r + 3] = daemon;
    this.#queue.insert(slot, at);
  }

  /**
   * A registered kind, and a time that is an integer not before now. The throwing half is a
   * separate method: this one stays small enough for V8 to inline into every scheduling path.
   */
  #checkEvent(fn: string, at: number, kind: number): void {
    // `kind >>> 0 === kind`: a non-negative integer (not NaN, not a string); the time is a safe
    // integer not before now. Kept compact: it is inlined into every scheduling path.
    if (!(kind >>> 0 === kind && kind < this.#handlers.length && at >= this.#now && Number.isSafeInteger(at))) {
      this.#badEvent(fn, at, kind);
    }
  }

  #badEvent(fn: string, at: number, kind: number): never {
    if (!(kind >= 0 && kind < this.#handlers.length) || !Number.isInteger(kind)) {
      throw new RangeError(`${fn}: kind is ${describeValue(kind)}; expected a number from registerKind`);
    }
    throw new RangeError(
      `${fn}: time ${at} for ${this.#names[kind] ?? kind} is before now (${this.#now}) or not an integer`,
    );
  }

  #alloc(): number {
    if (this.#freeTop > 0) return this.#free[--this.#freeTop];
    const slot = this.#slots++;
    if (slot >= this.#capacity) this.#grow();
    return slot;
  }

  /** Creates a timer: a slot that holds at most one pending event (see {@link SimEngine.arm}). */
  createTimer(): number {
    const slot = this.#alloc();
    this.#rec[slot * REC + 3] = F_TIMER;
    return slot;
  }

  /**
   * Arms `timer` to fire event `kind(a, b)` at `at`, replacing whatever it held (a pending
   * event of the timer is moved, not duplicated).
   * @throws RangeError for a time in the past or not an integer, an unregistered kind, or a
   *   number that is not a timer of this engine. Nothing changes then.
   */
  arm(timer: number, at: number, kind: number, a: number, b: number): void {
    this.#checkTimer('SimEngine.arm', timer);
    this.#checkEvent('SimEngine.arm', at, kind);
    this.#setTimer(timer, at, kind, a, b);
  }

  /**
   * {@link SimEngine.arm} for the machine's own layers, whose arguments are right by construction
   * (their timer, a registered kind, `now` plus validated costs): only the sum is checked, for a
   * time past 2^53 ns (a validated delay of about 104 days added to a late `now`). Kept tiny so
   * that V8 inlines it into the interrupt path without spending that path's inlining budget on
   * the full checks.
   * @throws RangeError, as {@link SimEngine.arm} does, for a time past 2^53 − 1; nothing changes.
   * @internal
   */
  armTrusted(timer: number, at: number, kind: number, a: number, b: number): void {
    if (at > MAX_TIME) this.#badEvent('SimEngine.arm', at, kind);
    this.#setTimer(timer, at, kind, a, b);
  }

  /** Writes `timer`'s record and (re)queues it at `at` (the arguments are checked). */
  #setTimer(timer: number, at: number, kind: number, a: number, b: number): void {
    const rec = this.#rec;
    const r = timer * REC;
    rec[r] = kind;
    rec[r + 1] = a;
    rec[r + 2] = b;
    this.#queue.set(timer, at);
  }

  /**
   * Cancels the pending event of `timer`, if any.
   * @throws RangeError for a number that is not a timer of this engine.
   */
  disarm(timer: number): void {
    this.#checkTimer('SimEngine.disarm', timer);
    this.#queue.remove(timer);
  }

  /**
   * Does `timer` hold a pending event?
   * @throws RangeError for a number that is not a timer of this engine.
   */
  armed(timer: number): boolean {
    this.#checkTimer('SimEngine.armed', timer);
    return this.#queue.has(timer);
  }

  #checkTimer(fn: string, timer: number): void {
    // Only a timer's record has F_TIMER (timer slots are never freed, unused records are 0), and
    // `timer >>> 0 === timer` rules out what would index a record by coercion (a fraction, a
    // numeric string); a negative or too large number reads undefined.
    if (this.#rec[timer * REC + 3] !== F_TIMER || timer >>> 0 !== timer) notTimer(fn, timer);
  }

  #grow(): void {
    const n = this.#capacity * 2;
    const rec = new Float64Array(n * REC);
    rec.set(this.#rec);
    this.#rec = rec;
    const free = new Int32Array(n);
    free.set(this.#free);
    this.#free = free;
    this.#capacity = n;
    this.#queue.reserveSlots(n);
  }

  /** Asks a running {@link SimEngine.run} to stop after the current event. */
  stop(report: StallReport): void {
    this.#stop = report;
  }

  /**
   * Runs events in time order.
   * @param until - stop before any event later than this time (ns); the clock advances to it.
   * @param maxEvents - stop after this many events.
   */
  run(until = Infinity, maxEvents = Infinity): RunResult {
    if (this.#running) throw new Error('SimEngine.run: already running (run() is not re-entrant)');
    this.#running = true;
    this.#stop = null;
    let events = 0;
    let daemonTurn = false;
    const q = this.#queue;
    const handlers = this.#handlers;
    try {
      for (;;) {
        // The hot loop: limits are checked once per batch, not per event. Storage arrays are
        // re-read after each handler because scheduling may grow (replace) them.
        while (events < maxEvents && (q.length > this.#daemons || daemonTurn)) {
          daemonTurn = false;
          const slot = q.popUntil(until);
          if (slot < 0) break;
          const at = q.lastKey;
          this.#now = at;
          const rec = this.#rec;
          const r = slot * REC;
          const kind = rec[r];
          const a = rec[r + 1];
          const b = rec[r + 2];
          const flags = rec[r + 3];
          if (flags !== F_TIMER) {
            this.#free[this.#freeTop++] = slot;
            if (flags === F_DAEMON) this.#daemons--;
          }
          events++;
          this.#total++;
          handlers[kind](a, b);
          // A handler may have called stop(); the compiler cannot see that.
          if ((this.#stop as StallReport | null) !== null) break;
        }
        const stop = this.#stop as StallReport | null;
        if (stop !== null) {
          return { now: this.#now, events, reason: 'stopped', stall: stop };
        }
        // Deferred work first: a drain hook may schedule events, and then nothing is stalled.
        if (q.length === this.#daemons) for (const hook of this.#drainHooks) hook();
        if (q.length === this.#daemons) {
          for (const check of this.#stallChecks) {
            const report = check();
            if (report !== null) return { now: this.#now, events, reason: 'stalled', stall: report };
          }
          if (q.length === 0) {
            if (until !== Infinity && until > this.#now) this.#now = until;
            return { now: this.#now, events, reason: 'idle', stall: null };
          }
        }
        if (events >= maxEvents) return { now: this.#now, events, reason: 'maxEvents', stall: null };
        if ((q.peekKey() as number) > until) {
          // The clock never goes back, even for an `until` in the past.
          if (until > this.#now) this.#now = until;
          return { now: this.#now, events, reason: 'until', stall: null };
        }
        // Only daemon events are left and no stall check fired: let the next one run.
        daemonTurn = true;
      }
    } finally {
      this.#running = false;
    }
  }
}
