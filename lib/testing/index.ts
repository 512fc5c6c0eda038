/**
 * `genipi/testing`: the IPI driver conformance kit.
 *
 * A plugin author runs the kit from their own test suite against their architecture or driver
 * `ContainerModule`s. It boots machines of several sizes and checks the contract every IPI driver
 * must meet, whatever its hardware:
 *
 * | Check | What it asks of the driver |
 * |---|---|
 * | `boot` | the machine builds, binds `SmpOps`, attaches an interrupt controller, and boots without warnings |
 * | `domain-layout` | IPI domains carry one IPI flag and the IPI bus token; every mapped hwirq maps back to its virq; reservations have one hwirq (SINGLE) or one distinct hwirq per CPU (PER_CPU), and `ipiGetHwirq` agrees |
 * | `reserved-delivery` | every CPU of a reservation runs the handler exactly once per IPI sent to it, and no other CPU runs it |
 * | `cross-call-delivery` | `smpCallFunctionSingle`, `onEachCpu`, `smpCallFunctionMany` and `smpSendReschedule` reach exactly their targets |
 * | `coalescing` | floods of asynchronous calls followed by synchronous ones lose nothing: every function runs exactly once |
 * | `ack-eoi-order` | handlers run only inside an interrupt the controller acknowledged, on that CPU; a chip's ack comes before and its EOI after the handler, once per handling; nothing stays pending |
 * | `offline-cpus` | offline CPUs are skipped (`-ENXIO` for single calls) and a CPU that was unplugged and brought back receives IPIs again |
 * | `bad-arguments` | rejected reservations, sends and calls return their error and change nothing: no descriptor, mapping, queued call or interrupt |
 *
 * Reservation checks run on the domains {@link IpiDriverConformanceOptions.reservableDomains}
 * returns (by default `machine.ipiDomain` when it is not null); an arch whose IPIs are not
 * `irq_reserve_ipi()` reservations (arm64, RISC-V, x86) still gets every other check.
 *
 * The kit has no test-runner dependency: pass your runner's `describe` and `it`
 * ({@link describeIpiDriverConformance}), or call {@link runIpiDriverConformance} or a single
 * check's `run` and handle the {@link ConformanceError} it throws.
 *
 * @example
 * ```ts
 * import { describe, it } from '@jest/globals';
 * import { describeIpiDriverConformance } from 'genipi/testing';
 * import { doorbellArchModule } from './doorbell.js';
 *
 * describeIpiDriverConformance({ name: 'doorbell', modules: doorbellArchModule }, { describe, it });
 * ```
 *
 * @packageDocumentation
 * @module genipi/testing
 */
import type { ContainerModule } from 'inversify';
import {
  CallSingleData,
  Cpumask,
  DOMAIN_BUS_IPI,
  Errno,
  INVALID_HWIRQ,
  IRQ_DOMAIN_FLAG_NO_MAP,
  IRQ_PER_CPU_DEVID,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  IrqReturn,
  type Machine,
  type MachineOptions,
  type ReadonlyCpumask,
  type SimTask,
  SmpOps,
  errnoName,
  irqDomainIsIpi,
  irqDomainIsIpiPerCpu,
  irqDomainIsIpiSingle,
} from '../core.js';
import { createMachine } from '../index.js';

/** The two functions of a test runner the kit uses (jest's, vitest's or `node:test`'s). */
export interface ConformanceTestApi {
  /** Groups tests. */
  describe(name: string, fn: () => void): void;
  /** Declares one test; it fails when `fn` throws. */
  it(name: string, fn: () => void): void;
}

/** Architecture options: fixed, or computed per machine size. */
export type ConformanceArchOptions =
  Readonly<Record<string, unknown>> | ((nrCpus: number) => Readonly<Record<string, unknown>>);

/** What to test. */
export interface IpiDriverConformanceOptions {
  /** Name shown in test titles and failure messages. */
  readonly name: string;
  /**
   * The driver under test: its `ContainerModule`s in load order (one of them binds `Arch`), a
   * single module, or a built-in architecture name.
   */
  readonly modules: string | ContainerModule | readonly ContainerModule[];
  /** `archOptions` for every machine, or a function of the machine size. */
  readonly archOptions?: ConformanceArchOptions;
  /** Machine sizes (`nrCpus`) to test; default {@link DEFAULT_CONFORMANCE_SIZES}. */
  readonly sizes?: readonly number[];
  /**
   * Domains the kit may reserve IPIs on with `irqReserveIpi`. Default: `machine.ipiDomain` if it
   * is not null. Return `[]` for an arch whose IPI domain must not take further reservations.
   */
  readonly reservableDomains?: (machine: Machine) => readonly IrqDomain[];
  /** Event budget for one simulation run before the kit calls it a livelock; default 2,000,000. */
  readonly maxEvents?: number;
}

/** Default machine sizes: one CPU, a pair, an odd count, and more than 16 (two GIC target lists). */
export const DEFAULT_CONFORMANCE_SIZES: readonly number[] = Object.freeze([1, 2, 5, 17]);

/** A failed conformance check. The message says which driver, size and check, and what went wrong. */
export class ConformanceError extends Error {
  /** `'ConformanceError'`. */
  override readonly name = 'ConformanceError';

  constructor(
    /** The driver's name. */
    readonly driver: string,
    /** Machine size. */
    readonly nrCpus: number,
    /** The check's id (`reserved-delivery`, …). */
    readonly check: string,
    /** What went wrong. */
    readonly detail: string,
  ) {
    super(`[${driver}, ${nrCpus} CPU${nrCpus === 1 ? '' : 's'}] ${check}: ${detail}`);
  }
}

/** One conformance check. */
export interface ConformanceCheck {
  /** Stable id, used in messages (`coalescing`). */
  readonly id: string;
  /** Test title. */
  readonly title: string;
  /** Runs the check on a fresh machine of `nrCpus` CPUs; throws {@link ConformanceError} on failure. */
  run(options: IpiDriverConformanceOptions, nrCpus: number): void;
}

/** A failure from {@link runIpiDriverConformance}. */
export interface ConformanceFailure {
  /** The check's id. */
  readonly check: string;
  /** Machine size. */
  readonly nrCpus: number;
  /** The failure. */
  readonly error: ConformanceError;
}

// ------------------------------------------------------------------------------------------
// Plumbing

/** The context of one check run: how to fail, boot and settle. */
class Ctx {
  constructor(
    readonly options: IpiDriverConformanceOptions,
    readonly nrCpus: number,
    readonly check: string,
  ) {}

  fail(detail: string): never {
    throw new ConformanceError(this.options.name, this.nrCpus, this.check, detail);
  }

  assert(condition: boolean, detail: () => string): asserts condition {
    if (!condition) this.fail(detail());
  }

  boot(extra: Partial<MachineOptions> = {}): Machine {
    const o = this.options;
    const archOptions =
      typeof o.archOptions === 'function' ? o.archOptions(this.nrCpus) : o.archOptions;
    try {
      return createMachine({ arch: o.modules, nrCpus: this.nrCpus, archOptions, ...extra });
    } catch (e) {
      return this.fail(`the machine does not boot: ${message(e)}`);
    }
  }

  /** Runs the simulation until nothing is left to do; fails on a deadlock or a livelock. */
  settle(m: Machine, what: string): void {
    const r = m.run({ maxEvents: this.options.maxEvents ?? 2_000_000 });
    if (r.reason === 'idle') return;
    if (r.reason === 'maxEvents') {
      this.fail(
        `${what}: the simulation did not settle within ${r.events} events; an interrupt keeps firing ` +
          '(a level interrupt the handler never clears?) or IPIs are sent in a loop',
      );
    }
    this.fail(
      `${what}: the simulation stopped (${r.reason}): ${r.stall?.message ?? 'no report'}\n` +
        "an IPI was lost (never delivered, or delivered to the wrong CPU) or an interrupt was never EOI'd",
    );
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function cpuList(cpus: readonly number[]): string {
  return cpus.length === 0 ? '(none)' : cpus.join(',');
}

/** Runs `fn` as task code on `cpu`, then settles. */
function onCpu(ctx: Ctx, m: Machine, cpu: number, what: string, fn: () => void): void {
  m.sim.spawn(
    cpu,
    function* () {
      fn();
      yield m.sim.delay(0);
    },
    { name: `conformance:${what}` },
  );
  ctx.settle(m, what);
}

/** A CPU other than `cpu` that is online, or `cpu` itself on a one-CPU machine. */
function otherOnline(m: Machine, cpu: number): number {
  const online = m.cpuOnlineMask;
  for (let c = online.next(cpu); c < m.nrCpuIds; c = online.next(c)) return c;
  const first = online.first();
  return first !== cpu ? first : cpu;
}

function runCheck(ctx: Ctx, body: () => void): void {
  try {
    body();
  } catch (e) {
    if (e instanceof ConformanceError) throw e;
    ctx.fail(`threw ${e instanceof Error ? e.name : 'a non-Error'}: ${message(e)}`);
  }
}

function reservable(ctx: Ctx, m: Machine): readonly IrqDomain[] {
  const f = ctx.options.reservableDomains;
  if (f === undefined) return m.ipiDomain === null ? [] : [m.ipiDomain];
  const domains = f(m);
  for (const d of domains) {
    ctx.assert(
      m.irq.domains.domains.includes(d),
      () => "reservableDomains returned a domain that is not one of this machine's",
    );
  }
  return domains;
}

function isPerCpu(d: IrqDomain): boolean {
  // Both flags: the core treats the domain as SINGLE (spec row 8).
  return irqDomainIsIpiPerCpu(d) && !irqDomainIsIpiSingle(d);
}

/** Destination masks a reservation on `d` is tried with. */
function reservationMasks(m: Machine, d: IrqDomain): Cpumask[] {
  const n = m.nrCpuIds;
  const masks = [Cpumask.full(n)];
  if (n >= 2)
    masks.push(
      Cpumask.of(
        n,
        Array.from({ length: n - 1 }, (_, i) => i + 1),
      ),
    );
  if (!isPerCpu(d) && n >= 3)
    masks.push(
      Cpumask.of(
        n,
        Array.from({ length: Math.ceil(n / 2) }, (_, i) => 2 * i),
      ),
    );
  return masks;
}

/** One live reservation with a counting handler on each of its virqs. */
interface Reservation {
  readonly domain: IrqDomain;
  readonly base: number;
  readonly dest: ReadonlyCpumask;
  readonly perCpu: boolean;
  /** `counts.get(virq)[cpu]`: handler runs. */
  readonly counts: Map<number, Uint32Array>;
}

function reserve(ctx: Ctx, m: Machine, d: IrqDomain, dest: ReadonlyCpumask): Reservation {
  const base = m.ipi.irqReserveIpi(d, dest);
  ctx.assert(
    base > 0,
    () =>
      `irqReserveIpi(${d.name}, {${dest.toString()}}) returned ${errnoName(base)}; a valid reservation must succeed`,
  );
  const perCpu = isPerCpu(d);
  const nr = perCpu ? dest.weight() : 1;
  const counts = new Map<number, Uint32Array>();
  for (let i = 0; i < nr; i++) {
    const virq = base + i;
    const desc = m.irq.irqToDesc(virq);
    ctx.assert(
      desc !== null,
      () => `reservation {${dest.toString()}} on ${d.name}: virq ${virq} has no descriptor`,
    );
    const c = new Uint32Array(m.nrCpuIds);
    counts.set(virq, c);
    const handler = (irq: number): IrqReturn => {
      (counts.get(irq) as Uint32Array)[m.sim.smpProcessorId()]++;
      return IrqReturn.IRQ_HANDLED;
    };
    let rc: number;
    if ((desc.irqCommonData.statusFlags & IRQ_PER_CPU_DEVID) !== 0) {
      rc = m.irq.requestPercpuIrq(virq, handler, 'conformance', null);
      if (rc === 0)
        dest.forEach((cpu) => {
          m.irq.enablePercpuIrq(virq, cpu);
        });
    } else {
      // A consumer of a reserved IPI picks the flow handler if the domain did not (MIPS does
      // irq_set_handler(virq, handle_percpu_irq)).
      if (desc.handleIrq === null)
        m.irq.settings.irqSetHandler(virq, m.irq.flow.handlePercpuIrq, 'percpu');
      rc = m.irq.requestIrq(virq, handler, 0, 'conformance', null);
    }
    ctx.assert(
      rc === 0,
      () =>
        `requesting a handler on reserved virq ${virq} returned ${errnoName(rc)}; reserved IPIs must be requestable`,
    );
  }
  return { domain: d, base, dest, perCpu, counts };
}

/** A copy of the per-virq, per-CPU handler counts. */
function snapshot(r: Reservation): Map<number, number[]> {
  return new Map([...r.counts].map(([v, c]) => [v, Array.from(c)]));
}

/** Checks that exactly `expected` (virq, cpu) → +1 deliveries happened since `before`. */
function expectDeliveries(
  ctx: Ctx,
  r: Reservation,
  before: Map<number, number[]>,
  expected: ReadonlyMap<string, number>,
  what: string,
): void {
  for (const [virq, counts] of r.counts) {
    const old = before.get(virq) as number[];
    for (let cpu = 0; cpu < counts.length; cpu++) {
      const got = counts[cpu] - old[cpu];
      const want = expected.get(`${virq}:${cpu}`) ?? 0;
      if (got === want) continue;
      if (want === 0) {
        ctx.fail(
          `${what}: CPU ${cpu} ran the handler of virq ${virq} ${got} time(s) but nothing was sent to it there (misrouted or duplicated IPI)`,
        );
      }
      ctx.fail(
        `${what}: CPU ${cpu} ran the handler of virq ${virq} ${got} time(s); expected exactly ${want} ` +
          (got < want
            ? "(the driver lost an IPI, or never EOI'd an earlier one)"
            : '(the driver delivered an IPI twice)'),
      );
    }
  }
}

/** The virq a send to `cpu` must run on `cpu`. */
function virqFor(r: Reservation, cpu: number): number {
  return r.perCpu ? r.base + cpu - r.dest.first() : r.base;
}

function destroy(ctx: Ctx, m: Machine, r: Reservation, mapcountBefore: number): void {
  const rc = m.ipi.irqDestroyIpi(r.base, r.dest);
  ctx.assert(
    rc === 0,
    () => `irqDestroyIpi(${r.base}, {${r.dest.toString()}}) returned ${errnoName(rc)}; expected 0`,
  );
  for (const virq of r.counts.keys()) {
    ctx.assert(
      m.irq.irqToDesc(virq) === null,
      () =>
        `irqDestroyIpi(${r.base}, {${r.dest.toString()}}) left virq ${virq} allocated (the domain's free op?)`,
    );
  }
  ctx.assert(
    r.domain.mapcount === mapcountBefore,
    () =>
      `after irqDestroyIpi the domain ${r.domain.name} has mapcount ${r.domain.mapcount}; it had ${mapcountBefore} before the reservation`,
  );
}

// ------------------------------------------------------------------------------------------
// Checks

/** `boot`: the machine builds and is ready for IPIs. */
function checkBoot(ctx: Ctx): void {
  const m = ctx.boot();
  ctx.assert(
    typeof m.arch === 'string' && m.arch !== '',
    () => 'Arch.name is empty; give the architecture a name',
  );
  ctx.assert(
    m.sim.interruptController.name !== 'none',
    () =>
      'no interrupt controller is attached: call machine.sim.attachInterruptController() (SimCpus) while the arch is built, or IPIs are never taken',
  );
  ctx.assert(
    m.container.isBound(SmpOps),
    () =>
      'the arch binds no SmpOps, so cross calls and reschedules cannot send IPIs; bind SmpOps in its module',
  );
  if (m.ipiDomain !== null) {
    ctx.assert(
      irqDomainIsIpi(m.ipiDomain),
      () =>
        `Arch.ipiDomain "${m.ipiDomain?.name ?? ''}" has neither IRQ_DOMAIN_FLAG_IPI_PER_CPU nor IRQ_DOMAIN_FLAG_IPI_SINGLE; irqReserveIpi would reject it`,
    );
  }
  const splats = m.warnings.filter((w) => w.kind === 'WARN');
  ctx.assert(
    splats.length === 0,
    () => `booting hit WARN_ON:\n${splats.map((w) => `  ${w.message}`).join('\n')}`,
  );
}

/** Every mapped level of every descriptor resolves back through its domain's reverse map. */
function checkMappings(ctx: Ctx, m: Machine, when: string): void {
  for (const d of m.irq.domains.domains) {
    if (!irqDomainIsIpi(d)) continue;
    ctx.assert(
      !(irqDomainIsIpiPerCpu(d) && irqDomainIsIpiSingle(d)),
      () =>
        `${when}: domain "${d.name}" sets both IRQ_DOMAIN_FLAG_IPI_PER_CPU and IRQ_DOMAIN_FLAG_IPI_SINGLE; the core treats it as SINGLE, set exactly one`,
    );
    ctx.assert(
      d.busToken === DOMAIN_BUS_IPI,
      () =>
        `${when}: IPI domain "${d.name}" has bus token ${d.busToken}; call irqDomainUpdateBusToken(domain, DOMAIN_BUS_IPI) so it can be found as an IPI domain`,
    );
  }
  for (const virq of m.irq.descs.allocatedIrqs()) {
    const desc = m.irq.irqToDesc(virq);
    if (desc === null) continue;
    for (let level: IrqData | null = desc.irqData; level !== null; level = level.parentData) {
      const d = level.domain;
      if (d === null || (d.flags & IRQ_DOMAIN_FLAG_NO_MAP) !== 0) continue;
      const back = m.irq.irqFindMapping(d, level.hwirq);
      ctx.assert(
        back === virq,
        () =>
          `${when}: virq ${virq} has hwirq ${level.hwirq} in domain "${d.name}", but that hwirq maps back to virq ${back}; two virqs share a hwirq (the alloc op must give each virq its own)`,
      );
      if (irqDomainIsIpi(d) && level === desc.irqData) {
        const chip: IrqChip | null = level.chip;
        ctx.assert(
          chip?.ipiSendSingle !== undefined || chip?.ipiSendMask !== undefined,
          () =>
            `${when}: virq ${virq} of IPI domain "${d.name}" has chip "${chip?.name ?? 'null'}" with neither ipiSendSingle nor ipiSendMask`,
        );
      }
    }
  }
}

/** `domain-layout`: flags, bus tokens, reverse maps, and the hwirq layout of reservations. */
function checkDomainLayout(ctx: Ctx): void {
  const m = ctx.boot();
  checkMappings(ctx, m, 'after boot');
  for (const d of reservable(ctx, m)) {
    ctx.assert(irqDomainIsIpi(d), () => `reservable domain "${d.name}" is not an IPI domain`);
    for (const dest of reservationMasks(m, d)) {
      const before = d.mapcount;
      const r = reserve(ctx, m, d, dest);
      const where = `reservation {${dest.toString()}} on ${d.name}`;
      checkMappings(ctx, m, `after ${where}`);
      const seen = new Map<number, number>();
      for (let cpu = 0; cpu < m.nrCpuIds; cpu++) {
        const hwirq = m.ipi.ipiGetHwirq(r.base, cpu);
        if (!dest.testCpu(cpu)) {
          ctx.assert(
            hwirq === INVALID_HWIRQ,
            () =>
              `${where}: ipiGetHwirq(${r.base}, ${cpu}) is ${hwirq} for a CPU outside the reservation; expected INVALID_HWIRQ`,
          );
          continue;
        }
        ctx.assert(
          hwirq !== INVALID_HWIRQ,
          () =>
            `${where}: ipiGetHwirq(${r.base}, ${cpu}) is INVALID_HWIRQ for a CPU of the reservation`,
        );
        const own = m.irq.irqToDesc(virqFor(r, cpu))?.irqData.hwirq;
        ctx.assert(
          hwirq === own,
          () =>
            `${where}: ipiGetHwirq(${r.base}, ${cpu}) is ${hwirq} but CPU ${cpu}'s virq ${virqFor(r, cpu)} has hwirq ${String(own)}`,
        );
        if (r.perCpu) {
          const other = seen.get(hwirq);
          ctx.assert(
            other === undefined,
            () =>
              `${where}: ipiGetHwirq(${r.base}, cpu) is ${hwirq} for both CPU ${other} and CPU ${cpu}; a per-CPU IPI domain must give each CPU its own hwirq`,
          );
          seen.set(hwirq, cpu);
        } else {
          ctx.assert(
            seen.size === 0 || seen.has(hwirq),
            () =>
              `${where}: ipiGetHwirq(${r.base}, ${cpu}) is ${hwirq} but CPU ${[...seen.values()][0]} got ${[...seen.keys()][0]}; a SINGLE IPI domain has one hwirq for all CPUs`,
          );
          seen.set(hwirq, cpu);
        }
      }
      const expected = r.perCpu ? dest.weight() : 1;
      ctx.assert(
        r.counts.size === expected,
        () => `${where}: ${r.counts.size} virqs; expected ${expected}`,
      );
      destroy(ctx, m, r, before);
    }
  }
}

/** `reserved-delivery`: each CPU of a reservation gets exactly what was sent to it. */
function checkReservedDelivery(ctx: Ctx): void {
  const m = ctx.boot();
  for (const d of reservable(ctx, m)) {
    for (const dest of reservationMasks(m, d)) {
      const mapcount = d.mapcount;
      const r = reserve(ctx, m, d, dest);
      const where = `reservation {${dest.toString()}} on ${d.name} (base virq ${r.base})`;
      // One single send per target, each settled on its own, from another CPU.
      for (let cpu = dest.first(); cpu < m.nrCpuIds; cpu = dest.next(cpu)) {
        const before = snapshot(r);
        const sender = otherOnline(m, cpu);
        let rc = 0;
        const target = cpu;
        onCpu(ctx, m, sender, 'ipiSendSingle', () => {
          rc = m.ipi.ipiSendSingle(r.base, target);
        });
        const what = `${where}: ipiSendSingle(${r.base}, ${cpu}) from CPU ${sender}`;
        ctx.assert(rc === 0, () => `${what} returned ${errnoName(rc)}`);
        expectDeliveries(ctx, r, before, new Map([[`${virqFor(r, cpu)}:${cpu}`, 1]]), what);
      }
      // Mask sends: the whole reservation, then every other CPU of it.
      const alternate = Cpumask.of(
        m.nrCpuIds,
        dest.toArray().filter((_, i) => i % 2 === 0),
      );
      for (const mask of [dest, alternate]) {
        const before = snapshot(r);
        let rc = 0;
        onCpu(ctx, m, 0, 'ipiSendMask', () => {
          rc = m.ipi.ipiSendMask(r.base, mask);
        });
        const what = `${where}: ipiSendMask(${r.base}, {${mask.toString()}}) from CPU 0`;
        ctx.assert(rc === 0, () => `${what} returned ${errnoName(rc)}`);
        const want = new Map<string, number>();
        mask.forEach((cpu) => want.set(`${virqFor(r, cpu)}:${cpu}`, 1));
        expectDeliveries(ctx, r, before, want, what);
      }
      destroy(ctx, m, r, mapcount);
    }
  }
}

/** `cross-call-delivery`: every cross-call API and the reschedule IPI reach exactly their targets. */
function checkCrossCallDelivery(ctx: Ctx): void {
  const m = ctx.boot();
  const n = m.nrCpuIds;
  // ran[s * n + t]: calls from sender s that ran on CPU t.
  const ran = new Uint32Array(n * n);
  const wrongCpu: string[] = [];
  const record = (info: unknown): void => {
    const [s, t] = (info as string).split('->').map(Number);
    const cpu = m.sim.smpProcessorId();
    if (cpu !== t) wrongCpu.push(`call from CPU ${s} for CPU ${t} ran on CPU ${cpu}`);
    ran[s * n + cpu]++;
  };
  const rcs: string[] = [];
  // smpCallFunctionSingle(wait) from every CPU to every CPU, all senders at once.
  for (let s = 0; s < n; s++) {
    m.sim.spawn(s, function* () {
      for (let t = 0; t < n; t++) {
        const rc = yield* m.smp.smpCallFunctionSingle(t, record, `${s}->${t}`, true);
        if (rc !== 0)
          rcs.push(`smpCallFunctionSingle(${t}) from CPU ${s} returned ${errnoName(rc)}`);
      }
    });
  }
  ctx.settle(m, 'smpCallFunctionSingle(t, func, info, true) from every CPU to every CPU');
  ctx.assert(rcs.length === 0, () => rcs.join('; '));
  ctx.assert(wrongCpu.length === 0, () => wrongCpu.join('; '));
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < n; t++) {
      const got = ran[s * n + t];
      ctx.assert(
        got === 1,
        () =>
          `smpCallFunctionSingle(${t}, …, wait) from CPU ${s} ran ${got} time(s) on CPU ${t}; expected exactly once`,
      );
    }
  }
  // onEachCpu(wait) from every CPU, and smpCallFunctionMany(all, wait) from CPU 0.
  const each = new Uint32Array(n * n);
  for (let s = 0; s < n; s++) {
    m.sim.spawn(s, function* () {
      yield* m.smp.onEachCpu(
        (info) => {
          each[(info as number) * n + m.sim.smpProcessorId()]++;
        },
        s,
        true,
      );
    });
  }
  ctx.settle(m, 'onEachCpu(func, info, true) from every CPU');
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < n; t++) {
      const got = each[s * n + t];
      ctx.assert(
        got === 1,
        () =>
          `onEachCpu(…, wait) from CPU ${s} ran ${got} time(s) on CPU ${t}; expected exactly once`,
      );
    }
  }
  const many = new Uint32Array(n);
  m.sim.spawn(0, function* () {
    yield* m.smp.smpCallFunctionMany(
      Cpumask.full(n),
      () => {
        many[m.sim.smpProcessorId()]++;
      },
      null,
      true,
    );
  });
  ctx.settle(m, 'smpCallFunctionMany(all CPUs, func, info, true) from CPU 0');
  for (let t = 0; t < n; t++) {
    const want = t === 0 ? 0 : 1;
    ctx.assert(
      many[t] === want,
      () =>
        `smpCallFunctionMany(all, …, wait) from CPU 0 ran ${many[t]} time(s) on CPU ${t}; expected ${want}`,
    );
  }
  // Reschedule IPIs, one at a time: exactly the target takes it.
  for (let t = 0; t < n; t++) {
    const s = otherOnline(m, t);
    if (s === t) continue;
    const ipis = Array.from(m.sched.schedulerIpis);
    const irqs = Array.from({ length: n }, (_, c) => m.sim.cpu(c).irqCount);
    onCpu(ctx, m, s, 'smpSendReschedule', () => {
      m.sched.smpSendReschedule(t);
    });
    for (let c = 0; c < n; c++) {
      const got = m.sched.schedulerIpis[c] - ipis[c];
      const want = c === t ? 1 : 0;
      ctx.assert(
        got === want,
        () =>
          `smpSendReschedule(${t}) from CPU ${s}: scheduler_ipi() ran ${got} time(s) on CPU ${c}; expected ${want}`,
      );
      const took = m.sim.cpu(c).irqCount - irqs[c];
      ctx.assert(
        c === t ? took >= 1 : took === 0,
        () =>
          `smpSendReschedule(${t}) from CPU ${s}: CPU ${c} took ${took} interrupt(s)${c === t ? '' : ' though the IPI was not for it'}`,
      );
    }
  }
}

/** `coalescing`: floods of async calls, then sync calls; nothing is lost or run twice. */
function checkCoalescing(ctx: Ctx): void {
  const m = ctx.boot();
  const n = m.nrCpuIds;
  const rounds = 6;
  const ran = new Map<string, number>();
  const bad: string[] = [];
  const fn = (info: unknown): void => {
    const key = info as string;
    const t = Number(key.split(':')[1]);
    const cpu = m.sim.smpProcessorId();
    if (cpu !== t) bad.push(`${key} ran on CPU ${cpu}`);
    ran.set(key, (ran.get(key) ?? 0) + 1);
  };
  const expected: string[] = [];
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < n; t++) {
      if (t === s) continue;
      for (let k = 0; k < rounds; k++) expected.push(`${s}:${t}:async${k}`);
      expected.push(`${s}:${t}:sync`);
    }
    for (let k = 0; k < 3; k++)
      expected.push(...Array.from({ length: n }, (_, t) => `${s}:${t}:each${k}`));
  }
  for (let s = 0; s < n; s++) {
    m.sim.spawn(s, function* (): SimTask<void> {
      for (let k = 0; k < rounds; k++) {
        for (let t = 0; t < n; t++) {
          if (t === s) continue;
          const rc = m.smp.smpCallFunctionSingleAsync(
            t,
            new CallSingleData(fn, `${s}:${t}:async${k}`),
          );
          if (rc !== 0)
            bad.push(`smpCallFunctionSingleAsync(${t}) from CPU ${s} returned ${errnoName(rc)}`);
        }
        // Let some of the IPIs land while more calls are queued behind them.
        if (k % 2 === 1) yield m.sim.delay(50 * (s + 1));
      }
      for (let t = 0; t < n; t++) {
        if (t === s) continue;
        const rc = yield* m.smp.smpCallFunctionSingle(t, fn, `${s}:${t}:sync`, true);
        if (rc !== 0)
          bad.push(`smpCallFunctionSingle(${t}, wait) from CPU ${s} returned ${errnoName(rc)}`);
      }
      for (let k = 0; k < 3; k++) {
        // Asynchronous on_each_cpu: each call re-locks the same per-target csds.
        yield* m.smp.onEachCpu(
          (info) => {
            fn(`${info as string}:${m.sim.smpProcessorId()}:each${k}`);
          },
          String(s),
          k === 2,
        );
      }
    });
  }
  ctx.settle(
    m,
    `${rounds} rounds of smpCallFunctionSingleAsync to every other CPU, then synchronous calls, from every CPU at once`,
  );
  ctx.assert(bad.length === 0, () => bad.slice(0, 5).join('; '));
  const missing = expected.filter((key) => ran.get(key) !== 1);
  ctx.assert(
    missing.length === 0,
    () =>
      `calls that did not run exactly once (sender:target:call = runs): ${missing
        .slice(0, 8)
        .map((key) => `${key}=${ran.get(key) ?? 0}`)
        .join(
          ', ',
        )}${missing.length > 8 ? `, … (${missing.length} in all)` : ''}; a coalesced IPI lost a cross call`,
  );
  ctx.assert(
    ran.size === expected.length,
    () => `${ran.size - expected.length} unexpected calls ran`,
  );
  // Reschedule floods coalesce but never vanish.
  for (let t = 0; t < n; t++) {
    const s = otherOnline(m, t);
    if (s === t) continue;
    const before = m.sched.schedulerIpis[t];
    onCpu(ctx, m, s, 'smpSendReschedule flood', () => {
      for (let k = 0; k < 4; k++) m.sched.smpSendReschedule(t);
    });
    const got = m.sched.schedulerIpis[t] - before;
    ctx.assert(
      got >= 1 && got <= 4,
      () =>
        `4 back-to-back smpSendReschedule(${t}) from CPU ${s} ran scheduler_ipi() ${got} time(s) on CPU ${t}; expected 1 to 4`,
    );
  }
}

/** One observed event of the ack/EOI protocol. */
interface ProtocolEvent {
  readonly kind: 'ack' | 'dispatch' | 'dispatch-end' | 'chip-ack' | 'chip-eoi' | 'entry' | 'exit';
  readonly cpu: number;
  /** virq (chip and handler events) or controller handle (ack and dispatch). */
  readonly id: number;
}

function wrapMethod(
  obj: object,
  key: string,
  wrap: (orig: (...args: never[]) => unknown) => (...args: never[]) => unknown,
): boolean {
  const o = obj as Record<string, unknown>;
  const orig = o[key];
  if (typeof orig !== 'function' || !Object.isExtensible(obj)) return false;
  const desc = Object.getOwnPropertyDescriptor(obj, key);
  if (desc !== undefined && desc.writable !== true && desc.configurable !== true) return false;
  const bound = (orig as (...args: never[]) => unknown).bind(obj);
  Object.defineProperty(obj, key, {
    value: wrap(bound),
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return true;
}

/** `ack-eoi-order`: the handler runs inside the acknowledged interrupt, between the chip's ack and EOI. */
function checkAckEoiOrder(ctx: Ctx): void {
  const m = ctx.boot();
  const n = m.nrCpuIds;
  const log: ProtocolEvent[] = [];
  const cur = (): number => m.sim.current?.cpu ?? -1;
  const reservations: Reservation[] = [];
  for (const d of reservable(ctx, m)) reservations.push(reserve(ctx, m, d, Cpumask.full(n)));
  // Warm up the arch so IPI virqs it sets up lazily exist before the chips are instrumented.
  m.sim.spawn(0, function* () {
    yield* m.smp.onEachCpu(() => undefined, null, true);
  });
  ctx.settle(m, 'warm-up onEachCpu');
  const intc = m.sim.interruptController;
  const wrapped =
    wrapMethod(intc, 'acknowledge', (orig) => (...args) => {
      const cpu = args[0] as number;
      const h = orig(...args) as number;
      if (h >= 0) log.push({ kind: 'ack', cpu, id: h });
      return h;
    }) &&
    wrapMethod(intc, 'dispatch', (orig) => (...args) => {
      const [cpu, h] = args as unknown as [number, number];
      log.push({ kind: 'dispatch', cpu, id: h });
      orig(...args);
      log.push({ kind: 'dispatch-end', cpu, id: h });
    });
  ctx.assert(
    wrapped,
    () =>
      `interrupt controller "${intc.name}" is frozen; the kit must observe acknowledge() and dispatch()`,
  );
  const eoiChips = new Set<IrqChip>();
  const ackChips = new Set<IrqChip>();
  for (const virq of m.irq.descs.allocatedIrqs()) {
    for (
      let level: IrqData | null = m.irq.irqToDesc(virq)?.irqData ?? null;
      level !== null;
      level = level.parentData
    ) {
      const chip = level.chip;
      if (chip === null) continue;
      if (
        !eoiChips.has(chip) &&
        wrapMethod(chip, 'irqEoi', (orig) => (...args) => {
          log.push({ kind: 'chip-eoi', cpu: cur(), id: (args[0] as unknown as IrqData).irq });
          return orig(...args);
        })
      )
        eoiChips.add(chip);
      if (
        !ackChips.has(chip) &&
        wrapMethod(chip, 'irqAck', (orig) => (...args) => {
          log.push({ kind: 'chip-ack', cpu: cur(), id: (args[0] as unknown as IrqData).irq });
          return orig(...args);
        })
      )
        ackChips.add(chip);
    }
  }
  m.irq.flow.addObserver({
    entry: (irq) => log.push({ kind: 'entry', cpu: cur(), id: irq }),
    exit: (irq) => log.push({ kind: 'exit', cpu: cur(), id: irq }),
  });
  // Workload: cross calls from every CPU, reschedules, and sends on the reservations.
  for (let s = 0; s < n; s++) {
    m.sim.spawn(s, function* () {
      yield* m.smp.onEachCpu(() => undefined, null, true);
      if (n > 1) m.sched.smpSendReschedule((s + 1) % n);
      for (const r of reservations) m.ipi.ipiSendMask(r.base, r.dest);
      yield* m.smp.smpCallFunctionSingle((s + 1) % n, () => undefined, null, true);
    });
  }
  ctx.settle(m, 'cross calls, reschedules and reserved IPIs from every CPU');
  const chipOf = (virq: number): IrqChip | null => m.irq.irqToDesc(virq)?.irqData.chip ?? null;
  // Replay per CPU.
  const open = new Map<number, { h: number; events: ProtocolEvent[] }>();
  const lastAck = new Map<number, number>();
  const checkSegment = (cpu: number, events: readonly ProtocolEvent[]): void => {
    const ids = new Set(
      events
        .filter((e) => e.kind === 'entry' || e.kind === 'chip-eoi' || e.kind === 'chip-ack')
        .map((e) => e.id),
    );
    for (const virq of ids) {
      const chip = chipOf(virq);
      const needsEoi = chip !== null && eoiChips.has(chip);
      let state: 'idle' | 'acked' | 'running' | 'done' = 'idle';
      const seq = events.filter(
        (e) =>
          e.id === virq && e.kind !== 'dispatch' && e.kind !== 'dispatch-end' && e.kind !== 'ack',
      );
      for (let i = 0; i < seq.length; i++) {
        const e = seq[i];
        if (e.kind === 'chip-ack') {
          ctx.assert(
            state !== 'running',
            () => `CPU ${cpu}: the chip acked virq ${virq} while its handler was running`,
          );
          state = 'acked';
        } else if (e.kind === 'entry') {
          ctx.assert(
            !(state === 'done' && needsEoi),
            () =>
              `CPU ${cpu}: virq ${virq}'s handler ran again before the chip's EOI of the previous one`,
          );
          state = 'running';
        } else if (e.kind === 'exit') {
          state = 'done';
        } else {
          ctx.assert(
            state !== 'running',
            () => `CPU ${cpu}: EOI of virq ${virq} while its handler was still running`,
          );
          ctx.assert(
            !(state !== 'done' && seq.slice(i + 1).some((x) => x.kind === 'entry')),
            () =>
              `CPU ${cpu}: EOI of virq ${virq} before its handler ran (EOI must come after the handler)`,
          );
          state = 'idle';
        }
      }
      ctx.assert(
        !(state === 'done' && needsEoi),
        () =>
          `CPU ${cpu}: no EOI of virq ${virq} (chip "${chip?.name ?? ''}") after its handler ran`,
      );
      const acks = seq.filter((e) => e.kind === 'chip-ack').length;
      const entries = seq.filter((e) => e.kind === 'entry').length;
      if (chip !== null && ackChips.has(chip) && entries > 0) {
        ctx.assert(
          acks >= entries,
          () =>
            `CPU ${cpu}: virq ${virq}'s handler ran ${entries} time(s) but its chip acked it ${acks} time(s)`,
        );
      }
    }
  };
  for (const e of log) {
    if (e.kind === 'ack') {
      ctx.assert(
        !open.has(e.cpu),
        () =>
          `CPU ${e.cpu}: the controller was acknowledged again while handling interrupt ${open.get(e.cpu)?.h ?? -1}`,
      );
      lastAck.set(e.cpu, e.id);
      continue;
    }
    if (e.kind === 'dispatch') {
      ctx.assert(
        lastAck.get(e.cpu) === e.id,
        () => `CPU ${e.cpu}: dispatch of ${e.id} without an acknowledge that returned it`,
      );
      lastAck.delete(e.cpu);
      open.set(e.cpu, { h: e.id, events: [] });
      continue;
    }
    if (e.kind === 'dispatch-end') {
      const seg = open.get(e.cpu);
      open.delete(e.cpu);
      if (seg !== undefined) checkSegment(e.cpu, seg.events);
      continue;
    }
    const seg = e.cpu >= 0 ? open.get(e.cpu) : undefined;
    const what =
      e.kind === 'entry' || e.kind === 'exit'
        ? 'the handler'
        : e.kind === 'chip-eoi'
          ? 'an EOI'
          : 'a chip ack';
    ctx.assert(
      seg !== undefined,
      () =>
        `${what} of virq ${e.id} ran ${e.cpu < 0 ? 'outside any CPU' : `on CPU ${e.cpu} outside an interrupt the controller delivered`}; IPIs must be handled in the target CPU's interrupt entry (InterruptController.dispatch)`,
    );
    seg.events.push(e);
  }
  for (let cpu = 0; cpu < n; cpu++) {
    if (!m.cpuOnlineMask.testCpu(cpu)) continue;
    const left = intc.pendingCount(cpu);
    ctx.assert(
      left === 0,
      () => `CPU ${cpu} still has ${left} interrupt(s) pending after everything settled`,
    );
  }
  for (const r of reservations) {
    r.dest.forEach((cpu) => {
      const got = (r.counts.get(virqFor(r, cpu)) as Uint32Array)[cpu];
      ctx.assert(
        got >= 1 && got <= n,
        () =>
          `${n} concurrent ipiSendMask(${r.base}, all) ran the handler ${got} time(s) on CPU ${cpu}; expected 1 to ${n} (sends may coalesce, but not vanish)`,
      );
    });
  }
}

/** `offline-cpus`: offline CPUs are skipped; a CPU brought back gets IPIs again. */
function checkOfflineCpus(ctx: Ctx): void {
  const n = ctx.nrCpus;
  if (n < 2) return;
  const off = n - 1;
  const online = Array.from({ length: n - 1 }, (_, i) => i);
  // Offline at boot.
  {
    const m = ctx.boot({ onlineCpus: online });
    const runs = new Uint32Array(n);
    const count = (): void => {
      runs[m.sim.smpProcessorId()]++;
    };
    let rc = 0;
    m.sim.spawn(0, function* () {
      rc = yield* m.smp.smpCallFunctionSingle(off, count, null, true);
      yield* m.smp.onEachCpu(count, null, true);
      yield* m.smp.smpCallFunctionMany(Cpumask.full(n), count, null, true);
    });
    ctx.settle(m, `cross calls with CPU ${off} offline since boot`);
    ctx.assert(
      rc === -Errno.ENXIO,
      () =>
        `smpCallFunctionSingle(${off}) to an offline CPU returned ${errnoName(rc)}; expected -ENXIO`,
    );
    ctx.assert(
      runs[off] === 0 && m.sim.cpu(off).irqCount === 0,
      () =>
        `offline CPU ${off} ran ${runs[off]} call(s) and took ${m.sim.cpu(off).irqCount} interrupt(s)`,
    );
    for (let c = 0; c < off; c++) {
      const want = c === 0 ? 1 : 2;
      ctx.assert(
        runs[c] === want,
        () => `with CPU ${off} offline, CPU ${c} ran ${runs[c]} call(s); expected ${want}`,
      );
    }
    ctx.assert(
      m.warnings.length === 0,
      () => `warnings: ${m.warnings.map((w) => w.message).join('; ')}`,
    );
  }
  // Hot-unplug and back.
  {
    const m = ctx.boot();
    const runs = new Uint32Array(n);
    const ranOn = (c: number): number => runs[c];
    const count = (): void => {
      runs[m.sim.smpProcessorId()]++;
    };
    m.sim.cpuDown(off);
    ctx.settle(m, `cpuDown(${off})`);
    let rc = 0;
    m.sim.spawn(0, function* () {
      rc = yield* m.smp.smpCallFunctionSingle(off, count, null, true);
      yield* m.smp.onEachCpu(count, null, true);
    });
    ctx.settle(m, `cross calls after cpuDown(${off})`);
    ctx.assert(
      rc === -Errno.ENXIO && runs[off] === 0,
      () =>
        `after cpuDown(${off}): smpCallFunctionSingle returned ${errnoName(rc)} and CPU ${off} ran ${runs[off]} call(s); expected -ENXIO and none`,
    );
    m.sim.cpuUp(off);
    ctx.settle(m, `cpuUp(${off})`);
    const before = m.sched.schedulerIpis[off];
    let rcBack = 0;
    m.sim.spawn(0, function* () {
      rcBack = yield* m.smp.smpCallFunctionSingle(off, count, null, true);
      yield* m.smp.onEachCpu(count, null, true);
      m.sched.smpSendReschedule(off);
    });
    ctx.settle(
      m,
      `cross calls to CPU ${off} after it came back online (does the driver re-enable its IPIs?)`,
    );
    ctx.assert(
      rcBack === 0,
      () => `smpCallFunctionSingle(${off}) after cpuUp returned ${errnoName(rcBack)}`,
    );
    const back = ranOn(off);
    ctx.assert(
      back === 2,
      () =>
        `CPU ${off} ran ${back} call(s) after coming back online; expected 2 (its earlier count was 0)`,
    );
    ctx.assert(
      m.sched.schedulerIpis[off] - before === 1,
      () => `CPU ${off} did not take the reschedule IPI after coming back online`,
    );
  }
}

/** Everything a rejected call must leave alone. */
function machineState(m: Machine): string {
  const n = m.nrCpuIds;
  const intc = m.sim.interruptController;
  return JSON.stringify({
    irqs: [...m.irq.descs.allocatedIrqs()],
    domains: m.irq.domains.domains.map((d) => [d.name, d.flags, d.mapcount]),
    pending: Array.from({ length: n }, (_, c) => intc.pendingCount(c)),
    queues: Array.from({ length: n }, (_, c) => m.smp.queueLength(c)),
  });
}

/** `bad-arguments`: rejected calls return their error and change nothing. */
function checkBadArguments(ctx: Ctx): void {
  const m = ctx.boot();
  const n = m.nrCpuIds;
  const irqCounts = (): number[] => Array.from({ length: n }, (_, c) => m.sim.cpu(c).irqCount);
  const expectRejected = (what: string, call: () => number, want: number): void => {
    const before = machineState(m);
    const irqs = irqCounts();
    let rc = 0;
    onCpu(ctx, m, 0, what, () => {
      rc = call();
    });
    ctx.assert(
      rc === want,
      () =>
        `${what} returned ${rc === INVALID_HWIRQ ? 'INVALID_HWIRQ' : errnoName(rc)}; expected ${want === INVALID_HWIRQ ? 'INVALID_HWIRQ' : errnoName(want)}`,
    );
    const after = machineState(m);
    ctx.assert(
      after === before,
      () => `${what} was rejected but changed the machine:\n  before ${before}\n  after  ${after}`,
    );
    const took = irqCounts().map((v, c) => v - irqs[c]);
    ctx.assert(
      took.every((v) => v === 0),
      () =>
        `${what} was rejected but CPUs ${cpuList(took.flatMap((v, c) => (v > 0 ? [c] : [])))} took interrupts`,
    );
  };
  for (const d of reservable(ctx, m)) {
    expectRejected(
      `irqReserveIpi(${d.name}, {})`,
      () => m.ipi.irqReserveIpi(d, new Cpumask(n)),
      -Errno.EINVAL,
    );
    if (isPerCpu(d) && n >= 3) {
      expectRejected(
        `irqReserveIpi(${d.name}, {0,2}) on a per-CPU domain`,
        () => m.ipi.irqReserveIpi(d, Cpumask.of(n, [0, 2])),
        -Errno.EINVAL,
      );
    }
    if (n < 2) continue;
    const dest = Cpumask.of(
      n,
      Array.from({ length: n - 1 }, (_, i) => i + 1),
    );
    const r = reserve(ctx, m, d, dest);
    const before = snapshot(r);
    const all = Cpumask.full(n);
    expectRejected(
      `ipiSendSingle(${r.base}, 0) to a CPU outside the reservation`,
      () => m.ipi.ipiSendSingle(r.base, 0),
      -Errno.EINVAL,
    );
    expectRejected(
      `ipiSendSingle(${r.base}, ${n}) to CPU nr_cpu_ids`,
      () => m.ipi.ipiSendSingle(r.base, n),
      -Errno.EINVAL,
    );
    expectRejected(
      `ipiSendMask(${r.base}, all CPUs) beyond the reservation`,
      () => m.ipi.ipiSendMask(r.base, all),
      -Errno.EINVAL,
    );
    expectRejected(
      `ipiGetHwirq(${r.base}, 0) for a CPU outside the reservation`,
      () => m.ipi.ipiGetHwirq(r.base, 0),
      INVALID_HWIRQ,
    );
    expectRejected(
      `irqDestroyIpi(${r.base}, all CPUs) beyond the reservation`,
      () => m.ipi.irqDestroyIpi(r.base, all),
      -Errno.EINVAL,
    );
    expectRejected('irqDestroyIpi(0, …)', () => m.ipi.irqDestroyIpi(0, dest), -Errno.EINVAL);
    expectDeliveries(ctx, r, before, new Map(), 'after the rejected sends');
  }
  const count = { runs: 0 };
  const fn = (): void => {
    count.runs++;
  };
  for (const cpu of [n, -1]) {
    const before = machineState(m);
    const irqs = irqCounts();
    let rc = 0;
    m.sim.spawn(0, function* () {
      rc = yield* m.smp.smpCallFunctionSingle(cpu, fn, null, true);
    });
    ctx.settle(m, `smpCallFunctionSingle(${cpu})`);
    ctx.assert(
      rc === -Errno.ENXIO,
      () => `smpCallFunctionSingle(${cpu}) returned ${errnoName(rc)}; expected -ENXIO`,
    );
    ctx.assert(count.runs === 0, () => `smpCallFunctionSingle(${cpu}) ran the function`);
    ctx.assert(
      machineState(m) === before,
      () => `smpCallFunctionSingle(${cpu}) was rejected but changed the machine`,
    );
    ctx.assert(
      irqCounts().every((v, c) => v === irqs[c]),
      () => `smpCallFunctionSingle(${cpu}) was rejected but some CPU took an interrupt`,
    );
  }
}

function defineCheck(id: string, title: string, body: (ctx: Ctx) => void): ConformanceCheck {
  return Object.freeze({
    id,
    title,
    run(options: IpiDriverConformanceOptions, nrCpus: number): void {
      checkOptions(options);
      const ctx = new Ctx(options, nrCpus, id);
      runCheck(ctx, () => {
        body(ctx);
      });
    },
  });
}

/** Every check of the kit, in the order {@link describeIpiDriverConformance} runs them. */
export const ipiConformanceChecks: readonly ConformanceCheck[] = Object.freeze([
  defineCheck('boot', 'boots, attaches an interrupt controller and binds SmpOps', checkBoot),
  defineCheck(
    'domain-layout',
    'IPI domain flags, bus token and hwirq layout are consistent',
    checkDomainLayout,
  ),
  defineCheck(
    'reserved-delivery',
    'every CPU of a reservation receives exactly the IPIs sent to it',
    checkReservedDelivery,
  ),
  defineCheck(
    'cross-call-delivery',
    'cross calls and reschedules reach exactly their targets',
    checkCrossCallDelivery,
  ),
  defineCheck('coalescing', 'coalesced IPIs never lose a cross call', checkCoalescing),
  defineCheck(
    'ack-eoi-order',
    'handlers run inside the acknowledged interrupt, between ack and EOI',
    checkAckEoiOrder,
  ),
  defineCheck(
    'offline-cpus',
    'offline CPUs are skipped and receive IPIs again once back online',
    checkOfflineCpus,
  ),
  defineCheck(
    'bad-arguments',
    'bad arguments are rejected without changing anything',
    checkBadArguments,
  ),
]);

/** The check with id `id`. @throws RangeError for an unknown id. */
export function ipiConformanceCheck(id: string): ConformanceCheck {
  const c = ipiConformanceChecks.find((x) => x.id === id);
  if (c === undefined) {
    throw new RangeError(
      `ipiConformanceCheck: no check "${id}"; the checks are ${ipiConformanceChecks.map((x) => x.id).join(', ')}`,
    );
  }
  return c;
}

function checkOptions(options: IpiDriverConformanceOptions): void {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('IPI driver conformance: options must be an object { name, modules, … }');
  }
  if (typeof options.name !== 'string' || options.name === '') {
    throw new TypeError('IPI driver conformance: options.name must be a non-empty string');
  }
  for (const n of options.sizes ?? []) {
    if (!Number.isInteger(n) || n < 1 || n > 8192) {
      throw new RangeError(
        `IPI driver conformance: options.sizes contains ${String(n)}; expected CPU counts from 1 to 8192`,
      );
    }
  }
}

/**
 * Declares the conformance suite with your test runner: one `describe` per machine size and one
 * `it` per check. Call it at the top level of a test file.
 *
 * @param options - the driver and how to test it.
 * @param api - your runner's `describe` and `it` (e.g. from `@jest/globals`).
 * @throws TypeError / RangeError for malformed options, when called.
 */
export function describeIpiDriverConformance(
  options: IpiDriverConformanceOptions,
  api: ConformanceTestApi,
): void {
  checkOptions(options);
  const sizes = options.sizes ?? DEFAULT_CONFORMANCE_SIZES;
  api.describe(`IPI driver conformance: ${options.name}`, () => {
    for (const n of sizes) {
      api.describe(`with ${n} CPU${n === 1 ? '' : 's'}`, () => {
        for (const check of ipiConformanceChecks) {
          api.it(`${check.id}: ${check.title}`, () => {
            check.run(options, n);
          });
        }
      });
    }
  });
}

/**
 * Runs every check at every size and returns the failures (empty when the driver conforms).
 * For runners other than jest-style ones, and for scripts.
 */
export function runIpiDriverConformance(
  options: IpiDriverConformanceOptions,
): ConformanceFailure[] {
  checkOptions(options);
  const failures: ConformanceFailure[] = [];
  for (const n of options.sizes ?? DEFAULT_CONFORMANCE_SIZES) {
    for (const check of ipiConformanceChecks) {
      try {
        check.run(options, n);
      } catch (e) {
        if (!(e instanceof ConformanceError)) throw e;
        failures.push({ check: check.id, nrCpus: n, error: e });
      }
    }
  }
  return failures;
}
