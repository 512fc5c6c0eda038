/**
 * Faults: what happens when code running on a simulated CPU throws, and fault injection.
 *
 * The kernel calls out to code it does not control at a few places: irq chip callbacks, irq
 * action handlers, cross-call functions and task code. In genipi any of these may throw (a bug in
 * a plugin, a failed `expect` in a test, or an {@link InjectedFault}). Each such throw is caught at
 * the boundary where the kernel made the call and becomes an **oops**: a {@link FaultRecord} with
 * the CPU, the irq, the call site and the stack, kept in {@link FaultInjector.records} (and
 * `machine.oopses`) and logged. The code around the boundary then goes on as if the callback had
 * returned, so the machine stays consistent: interrupt depth and flags are restored, csds are
 * unlocked, queues keep their entries. What happens next is the machine's {@link FaultPolicy}:
 *
 * - `'stop'` (default): the run stops after the current event and `machine.run()` rethrows the
 *   first oops' error (a host-side call outside `run()` rethrows at once). The machine can be run
 *   again and resumes where it stopped.
 * - `'continue'`: the oops is only recorded; the simulation goes on.
 *
 * A {@link FaultPlan} installed with {@link FaultInjector.setPlan} injects faults: a chip IPI
 * callback or an irq handler that throws, an interrupt delivery dropped or delayed by N ns.
 * Dropped and delayed deliveries are recorded too (kind `dropped` / `delayed`); they are events,
 * not failures, and never stop the run.
 *
 * Where each boundary is and what "as if it had returned" means there is in docs/reliability.md.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { Printk } from '../printk.js';
import { describeValue } from '../validate.js';
import { SimEngine } from './engine.js';

/** Where a fault happened or was injected. */
export type FaultSite =
  /** An irq chip IPI callback (`ipi_send_single` / `ipi_send_mask`) called by kernel/irq/ipi.c. */
  | 'chip'
  /** An irq action handler (`request_irq` / `request_percpu_irq`) called by a flow handler. */
  | 'handler'
  /** A cross-call function (`smp_call_func_t`) run by kernel/smp.c. */
  | 'csd'
  /** Interrupt entry: the controller's dispatch threw outside any of the above. */
  | 'irq-entry'
  /** Task code (a generator spawned on a CPU). */
  | 'task'
  /** Delivery of an interrupt to a CPU (injected drops and delays only). */
  | 'delivery';

/** Where a fault plan is consulted: what is about to run, on which CPU, for which irq. */
export interface FaultContext {
  /** The site kind. */
  readonly site: FaultSite;
  /** CPU the code runs on (the sender for chip callbacks, the target for deliveries); -1 on the host. */
  readonly cpu: number;
  /** The virq involved, or -1. */
  readonly irq: number;
  /** The kernel function or callback about to run, e.g. `ipi_send_mask: test-ipi.ipiSendMask`. */
  readonly callsite: string;
}

/** What a plan decides for one delivery: `null` delivers normally. */
export type DeliveryFault =
  | {
      /** The interrupt never reaches the CPU. */
      readonly kind: 'drop';
    }
  | {
      /** The interrupt reaches the CPU `ns` later than it would have. */
      readonly kind: 'delay';
      /** Extra latency in ns, a non-negative integer. */
      readonly ns: number;
    }
  | null;

/**
 * A fault-injection plan. Each hook is optional and consulted just before the callback it names;
 * it must be deterministic (draw from the machine's `Rng` or count calls, never `Math.random`).
 */
export interface FaultPlan {
  /** Return true to make this chip IPI callback throw an {@link InjectedFault} instead of running. */
  readonly chip?: (ctx: FaultContext) => boolean;
  /** Return true to make this irq action handler throw an {@link InjectedFault} instead of running. */
  readonly handler?: (ctx: FaultContext) => boolean;
  /** Drop or delay this delivery, or return null to deliver it normally. */
  readonly delivery?: (ctx: FaultContext) => DeliveryFault;
}

/** The error an injected fault throws. */
export class InjectedFault extends Error {
  /** @param context - where the fault was injected. */
  constructor(readonly context: FaultContext) {
    super(`injected fault at ${context.callsite} on CPU${context.cpu}${context.irq >= 0 ? ` (irq ${context.irq})` : ''}`);
    this.name = 'InjectedFault';
  }
}

/** What the machine does after an oops; see the module documentation. */
export type FaultPolicy = 'stop' | 'continue';

/** Fault settings of one machine. Token and interface share the name. */
export interface FaultConfig {
  /** What happens after an oops. */
  readonly policy: FaultPolicy;
}
/** DI token for {@link FaultConfig}. */
export const FaultConfig: unique symbol = Symbol.for('genipi/FaultConfig');

/** One oops, dropped delivery or delayed delivery. */
export interface FaultRecord {
  /** Sequence number within the machine, from 0. */
  readonly seq: number;
  /** `oops`: code threw; `dropped` / `delayed`: an injected delivery fault. */
  readonly kind: 'oops' | 'dropped' | 'delayed';
  /** Simulated time (ns). */
  readonly time: number;
  /** CPU it happened on (the target CPU for deliveries), or -1 on the host. */
  readonly cpu: number;
  /** The virq involved, or -1. */
  readonly irq: number;
  /** The site kind. */
  readonly site: FaultSite;
  /** The kernel function or callback, e.g. `irq handler "IPI call"`. */
  readonly callsite: string;
  /** One line: what was thrown, or what was done to the delivery. */
  readonly message: string;
  /** The thrown error's stack (or the message when it has none). */
  readonly stack: string;
  /** True if a {@link FaultPlan} caused it. */
  readonly injected: boolean;
  /** The thrown value (`undefined` for deliveries). */
  readonly error: unknown;
  /** For `delayed`: the extra latency in ns. */
  readonly delayNs?: number;
}

/** The details of a run stopped by an oops (`RunResult.stall` with `kind: 'oops'`). */
export const OOPS_STOP_KIND = 'oops';

/** Oops recording, the fault policy and fault injection of one machine. */
@injectable()
export class FaultInjector {
  /** The machine's fault policy. */
  readonly policy: FaultPolicy;
  readonly #engine: SimEngine;
  readonly #printk: Printk;
  readonly #records: FaultRecord[] = [];
  readonly #oopses: FaultRecord[] = [];
  #plan: FaultPlan | null = null;
  #currentCpu: () => number = () => -1;

  constructor(
    @inject(SimEngine) engine: SimEngine,
    @inject(Printk) printk: Printk,
    @inject(FaultConfig) config: FaultConfig,
  ) {
    this.#engine = engine;
    this.#printk = printk;
    this.policy = config.policy;
  }

  /** Every oops and delivery fault so far, oldest first. */
  get records(): readonly FaultRecord[] {
    return this.#records;
  }

  /** The oopses so far (records of kind `oops`), oldest first. */
  get oopses(): readonly FaultRecord[] {
    return this.#oopses;
  }

  /** The installed plan, or null. */
  get plan(): FaultPlan | null {
    return this.#plan;
  }

  /**
   * Installs a fault-injection plan (null removes it).
   * @throws TypeError if `plan` is not an object whose hooks are functions.
   */
  setPlan(plan: FaultPlan | null): void {
    if (plan !== null) {
      if (typeof plan !== 'object') {
        throw new TypeError(`FaultInjector.setPlan: plan is ${describeValue(plan)}; expected { chip?, handler?, delivery? } or null`);
      }
      for (const key of ['chip', 'handler', 'delivery'] as const) {
        const hook: unknown = plan[key];
        if (hook !== undefined && typeof hook !== 'function') {
          throw new TypeError(`FaultInjector.setPlan: plan.${key} is ${describeValue(hook)}; expected a function`);
        }
      }
    }
    this.#plan = plan;
  }

  /** @internal The CPU model tells the injector how to find the current CPU. */
  setCpuSource(current: () => number): void {
    this.#currentCpu = current;
  }

  /**
   * @internal True while a plan is set. Hot paths test it before building the callsite string
   * of {@link FaultInjector.check}, so a machine without a plan pays one field read per site.
   */
  get injecting(): boolean {
    return this.#plan !== null;
  }

  /**
   * @internal Consulted just before a chip IPI callback or an irq handler runs: throws an
   * {@link InjectedFault} if the plan says so.
   */
  check(site: 'chip' | 'handler', irq: number, callsite: string): void {
    const plan = this.#plan;
    if (plan === null || (site === 'chip' ? plan.chip : plan.handler) === undefined) return;
    const ctx: FaultContext = { site, cpu: this.#currentCpu(), irq, callsite };
    if (site === 'chip' ? plan.chip?.(ctx) : plan.handler?.(ctx)) throw new InjectedFault(ctx);
  }

  /**
   * @internal Consulted by an interrupt controller when an interrupt arrives for `cpu`: null to
   * deliver it, or a drop / delay (already recorded).
   * @throws TypeError if the plan returns something that is not a {@link DeliveryFault}.
   */
  delivery(cpu: number, irq: number, callsite: string): DeliveryFault {
    const plan = this.#plan;
    if (plan?.delivery === undefined) return null;
    const ctx: FaultContext = { site: 'delivery', cpu, irq, callsite };
    const f = plan.delivery(ctx);
    if (f === null) return null;
    const kind = (f as { kind?: unknown } | undefined)?.kind;
    if (kind === 'drop') {
      this.#record('dropped', ctx, 'delivery dropped', undefined, true);
      return f;
    }
    const ns = (f as { ns?: unknown }).ns;
    if (kind !== 'delay' || typeof ns !== 'number' || !Number.isSafeInteger(ns) || ns < 0) {
      throw new TypeError(
        `FaultPlan.delivery returned ${describeValue(f)}; expected null, { kind: 'drop' } or { kind: 'delay', ns } with integer ns >= 0`,
      );
    }
    this.#record('delayed', ctx, `delivery delayed by ${ns} ns`, undefined, true, ns);
    return f;
  }

  /**
   * @internal Records an oops caught at a kernel boundary and applies the policy.
   * @returns true if the caller must rethrow `error` now: policy `stop` outside a run (inside a
   *   run the engine is asked to stop after the current event instead).
   */
  oops(site: FaultSite, irq: number, callsite: string, error: unknown): boolean {
    const cpu = this.#currentCpu();
    const ctx: FaultContext = { site, cpu, irq, callsite };
    const message = error instanceof Error ? `${error.name}: ${error.message}` : `threw ${describeValue(error)}`;
    const rec = this.#record('oops', ctx, message, error, error instanceof InjectedFault);
    if (this.policy !== 'stop') return false;
    if (!this.#engine.running) return true;
    this.#engine.stop({ kind: OOPS_STOP_KIND, message: `Oops on CPU${cpu} in ${callsite}: ${message}`, details: rec });
    return false;
  }

  #record(
    kind: FaultRecord['kind'],
    ctx: FaultContext,
    message: string,
    error: unknown,
    injected: boolean,
    delayNs?: number,
  ): FaultRecord {
    const stack =
      error instanceof Error && typeof error.stack === 'string' ? error.stack : `${message}\n    at ${ctx.callsite}`;
    const rec: FaultRecord = {
      seq: this.#records.length,
      kind,
      time: this.#engine.now,
      cpu: ctx.cpu,
      irq: ctx.irq,
      site: ctx.site,
      callsite: ctx.callsite,
      message,
      stack,
      injected,
      error,
      ...(delayNs === undefined ? {} : { delayNs }),
    };
    this.#records.push(rec);
    if (kind === 'oops') {
      this.#oopses.push(rec);
      this.#printk.prWarn(
        '',
        `Oops: ${message} [CPU${ctx.cpu}${ctx.irq >= 0 ? ` irq ${ctx.irq}` : ''}] in ${ctx.callsite}`,
      );
    }
    return rec;
  }
}
