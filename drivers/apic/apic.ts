/**
 * The local APICs of one machine: the per-CPU register files (xAPIC MMIO page or x2APIC MSRs),
 * the ICR with its delivery status, the interrupt controller the simulated CPUs take vectors
 * from, and the IPI domain whose chip sends through the ICR.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import {
  CpuMasks,
  Ipi,
  Irq,
  IrqStats,
  MachineConfig,
  Printk,
  type InterruptController,
  type ReadonlyCpumask,
  SimCpus,
  SimEngine,
  Tracer,
} from '../../lib/core.js';
import { describeValue } from '../../lib/validate.js';
import {
  APIC_DEST_SELF,
  APIC_DM_FIXED,
  APIC_ICR_BUSY,
  APIC_ICR_WRITABLE,
  APIC_DFR_FLAT,
  GET_XAPIC_DEST_FIELD,
  NMI_VECTOR,
  SET_APIC_LOGICAL_ID,
  SPURIOUS_APIC_VECTOR,
} from './apicdef.js';
import { ApicBus } from './bus.js';
import { ApicConfig, firmwareApicId } from './config.js';
import { ApicIpiDomain } from './ipi-domain.js';
import { LAPIC_VECTOR_WORDS, LocalApic } from './lapic.js';
import { ApicRegisters } from './registers.js';
import { type ApicIpiOps, CheckedApicIpiOps, createApicIpiOps, type IcrPort } from './send.js';
import { ApicTiming } from './timing.js';

const PR = 'apic: ';
/** `udelay(100)` between the polls of `apic_mem_wait_icr_idle_timeout()`. */
const ICR_TIMEOUT_POLL_NS = 100_000;
/** Polls of `apic_mem_wait_icr_idle_timeout()` before it gives up. */
const ICR_TIMEOUT_POLLS = 1000;

/** The local APICs of one machine; bound by `apicModule`. */
@injectable()
export class Apic implements InterruptController {
  readonly name = 'local-APIC';
  /** Mode and register interface. */
  readonly config: ApicConfig;
  /** Cost parameters in use. */
  readonly timing: ApicTiming;
  /** The `struct apic` IPI callbacks of the mode (shorthands included), arguments checked. */
  readonly ops: ApicIpiOps;
  /** The IPI domain (hwirq = vector) and its chip. */
  readonly ipiDomain: ApicIpiDomain;
  /** Register-level access (MMIO page, MSRs), as a test drives hardware. */
  readonly regs: ApicRegisters;
  readonly #lapics: LocalApic[] = [];
  readonly #bus: ApicBus;
  readonly #cpus: SimCpus;
  readonly #irq: Irq;
  readonly #stats: IrqStats;
  readonly #printk: Printk;
  readonly #tracer: Tracer;

  constructor(
    @inject(MachineConfig) machine: MachineConfig,
    @inject(ApicConfig) config: ApicConfig,
    @inject(ApicTiming) timing: ApicTiming,
    @inject(SimCpus) cpus: SimCpus,
    @inject(SimEngine) engine: SimEngine,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(Irq) irq: Irq,
    @inject(Ipi) ipi: Ipi,
    @inject(IrqStats) stats: IrqStats,
    @inject(Printk) printk: Printk,
    @inject(Tracer) tracer: Tracer,
  ) {
    this.config = config;
    this.timing = timing;
    this.#cpus = cpus;
    this.#irq = irq;
    this.#stats = stats;
    this.#printk = printk;
    this.#tracer = tracer;
    const nr = machine.nrCpuIds;
    const ids: number[] = [];
    const bank = new Uint32Array(nr * LAPIC_VECTOR_WORDS);
    for (let cpu = 0; cpu < nr; cpu++) {
      const l = new LocalApic(cpu, firmwareApicId(cpu, nr), config.x2apic, bank, cpu * LAPIC_VECTOR_WORDS);
      if (config.mode === 'xapic-logical-flat') {
        // default_init_apic_ldr(): flat model, logical ID 1 << cpu.
        l.dfr = APIC_DFR_FLAT;
        l.ldr = SET_APIC_LOGICAL_ID(1 << cpu);
      }
      this.#lapics.push(l);
      ids.push(l.apicId);
    }
    this.#bus = new ApicBus(this.#lapics, config.x2apic, engine, cpus, timing, printk, tracer);
    const port = new ApicIcrPort(this, this.#lapics, cpus, masks.online);
    const raw = createApicIpiOps(config.mode, port, ids, timing.clusterCollapseNs, printk);
    this.ops = new CheckedApicIpiOps(raw, port, nr);
    this.ipiDomain = new ApicIpiDomain(irq, ipi, raw, this);
    this.regs = new ApicRegisters(this, printk);
    cpus.attachInterruptController(this);
  }

  /** Number of local APICs (one per possible CPU). */
  get nrApics(): number {
    return this.#lapics.length;
  }

  /**
   * The local APIC of `cpu`.
   * @throws TypeError/RangeError for a `cpu` that is not a CPU number of this machine.
   */
  lapic(cpu: number): LocalApic {
    return this.#lapicArg('lapic', 'cpu', cpu);
  }

  /** The CPU whose local APIC has ID `apicId`, or -1 (`apic_id` → CPU, like `x86_cpu_to_apicid` reversed). */
  cpuOfApicId(apicId: number): number {
    return this.#bus.cpuOfApicId(apicId);
  }

  /** @internal Validated local APIC of argument `arg`. */
  lapicArgOf(fn: string, arg: string, cpu: unknown): LocalApic {
    return this.#lapicArg(fn, arg, cpu);
  }

  #lapicArg(fn: string, arg: string, cpu: unknown): LocalApic {
    if (typeof cpu !== 'number' || !Number.isInteger(cpu)) {
      throw new TypeError(`${fn}: ${arg} is ${describeValue(cpu)}; expected a CPU number`);
    }
    const l = this.#lapics[cpu] as LocalApic | undefined;
    if (l === undefined) {
      throw new RangeError(
        `${fn}: ${arg} is ${cpu}; expected a CPU number in [0, ${this.#lapics.length})`,
      );
    }
    return l;
  }

  /** @internal The current CPU's local APIC (the sender's); throws outside simulated code, naming `fn`. */
  thisLapic(fn: string): LocalApic {
    const c = this.#cpus.current;
    if (c === null) return noCpu(fn);
    return this.#lapics[c.cpu];
  }

  /**
   * `apic_eoi()` (arch/x86/include/asm/apic.h): EOI to the current CPU's local APIC, retiring
   * its highest in-service vector.
   * @throws Error outside simulated code.
   */
  apicEoi(): void {
    this.eoiWrite(this.thisLapic('apicEoi'));
  }

  /**
   * Reserves an IPI virq for `vector` on every CPU of `dest`; see {@link ApicIpiDomain.reserveIpiVector}.
   */
  reserveIpiVector(vector: number, dest: ReadonlyCpumask): number {
    return this.ipiDomain.reserveIpiVector(vector, dest);
  }

  // ------------------------------------------------------------------ register primitives

  /** @internal An EOI write to `l`. */
  eoiWrite(l: LocalApic): void {
    this.#cpus.chargeTrusted(this.timing.eoiNs);
    l.eoi();
    this.#recheck(l);
  }

  /** @internal A TPR write to `l`. */
  tprWrite(l: LocalApic, value: number): void {
    l.tpr = value & 0xff;
    this.#recheck(l);
  }

  /** Lets the CPU take what a priority change made deliverable. */
  #recheck(l: LocalApic): void {
    if (l.hasDeliverable()) this.#cpus.kick(l.cpu);
  }

  /** @internal An xAPIC `APIC_ICR2` write to `l`. */
  icrHighWrite(l: LocalApic, value: number): void {
    this.#cpus.chargeTrusted(this.timing.xapicIcr2WriteNs);
    l.icrHigh = (value & 0xff000000) >>> 0;
  }

  /** @internal An xAPIC ICR read of `l`: the low word with the delivery-status bit. */
  icrRead(l: LocalApic): number {
    this.#cpus.chargeTrusted(this.timing.xapicIcrReadNs);
    return (l.icrLow | (this.#cpus.localNow() < l.busyUntil ? APIC_ICR_BUSY : 0)) >>> 0;
  }

  /**
   * @internal An ICR write to `l` that sends: xAPIC low word (destination from ICR2) or x2APIC
   * ICR (`dest` is the high half); see {@link Apic.xapicIcrWrite} and {@link Apic.x2apicIcrWrite}.
   */
  icrWrite(l: LocalApic, low: number, dest: number): void {
    if (this.config.x2apic) this.x2apicIcrWrite(l, low, dest);
    else this.xapicIcrWrite(l, low);
  }

  /**
   * @internal An xAPIC write of the ICR's low word to `l`: sends to the destination latched in
   * ICR2. A write while the delivery status is busy is held until it clears; the writer's CPU
   * spends the wait.
   */
  xapicIcrWrite(l: LocalApic, low: number): void {
    const t = this.timing;
    let now = this.#cpus.localNow();
    if (now < l.busyUntil) {
      this.#cpus.chargeTrusted(l.busyUntil - now);
      now = l.busyUntil;
    }
    const depart = now + t.xapicIcrWriteNs;
    this.#cpus.chargeTrusted(t.xapicIcrWriteNs);
    l.icrLow = (low & APIC_ICR_WRITABLE) >>> 0;
    const dest = GET_XAPIC_DEST_FIELD(l.icrHigh);
    l.icrWrites++;
    if (this.#tracer.enabled) this.#traceIcrWrite(l, dest, now);
    const n = this.#bus.send(l, l.icrLow, dest, depart);
    this.#cpus.chargeTrusted(n * t.perDestNs);
    l.busyUntil = depart + t.icrBusyNs;
  }

  /** @internal An x2APIC ICR write (one 64-bit MSR write: `low`, destination `dest`) to `l`: sends. */
  x2apicIcrWrite(l: LocalApic, low: number, dest: number): void {
    const t = this.timing;
    const now = this.#cpus.localNow();
    this.#cpus.chargeTrusted(t.x2apicIcrWriteNs);
    l.icrLow = (low & APIC_ICR_WRITABLE) >>> 0;
    l.icrHigh = dest >>> 0;
    l.icrWrites++;
    if (this.#tracer.enabled) this.#traceIcrWrite(l, dest, now);
    const n = this.#bus.send(l, l.icrLow, dest, now + t.x2apicIcrWriteNs);
    this.#cpus.chargeTrusted(n * t.perDestNs);
  }

  /** The `apic_icr_write` event (out of line: the send path stays small enough to inline). */
  #traceIcrWrite(l: LocalApic, dest: number, now: number): void {
    this.#tracer.emit('apic_icr_write', this.#cpus.current?.cpu ?? -1, { apicid: l.apicId, icr: l.icrLow, dest }, now);
  }

  /**
   * @internal `apic_mem_wait_icr_idle()` on `l`: poll the ICR until it is idle; or, when `timeout`,
   * `apic_mem_wait_icr_idle_timeout()`: up to 1000 polls 100 µs apart. Every poll that reads busy
   * counts in the `RTR` row (Linux counts only the timeout variant's; see docs/linux-mapping.md).
   */
  waitIcrIdle(l: LocalApic, timeout: boolean): void {
    if (timeout) {
      this.#waitIcrIdleTimeout(l);
      return;
    }
    const r = this.timing.xapicIcrReadNs;
    const first = this.#cpus.localNow() + r;
    const retries = first >= l.busyUntil ? 0 : Math.ceil((l.busyUntil - first) / r);
    this.#cpus.chargeTrusted((retries + 1) * r);
    if (retries > 0) this.#countRetries(l, retries);
  }

  /** `apic_mem_wait_icr_idle_timeout()` on `l`: up to 1000 polls 100 µs apart. */
  #waitIcrIdleTimeout(l: LocalApic): void {
    const r = this.timing.xapicIcrReadNs;
    const t0 = this.#cpus.localNow();
    let t = t0;
    let retries: number;
    for (retries = 0; retries < ICR_TIMEOUT_POLLS; retries++) {
      t += r;
      if (t >= l.busyUntil) break;
      t += ICR_TIMEOUT_POLL_NS;
    }
    this.#cpus.chargeTrusted(t - t0);
    if (retries > 0) this.#countRetries(l, retries);
  }

  /** Busy polls of the ICR go to the `RTR` row. */
  #countRetries(l: LocalApic, retries: number): void {
    const row = this.#stats.get('RTR');
    if (row !== undefined) row.counts[l.cpu] += retries;
  }

  // ------------------------------------------------------------------ InterruptController

  /** Has `cpu` an NMI pending, or a requested vector whose class beats its PPR? */
  pending(cpu: number): boolean {
    return this.#lapics[cpu].hasDeliverable();
  }

  /** INTA: a pending NMI first (handle `NMI_VECTOR`), else the deliverable vector moves to ISR. */
  acknowledge(cpu: number): number {
    const l = this.#lapics[cpu];
    if (l.nmiPending) {
      l.nmiPending = false;
      return NMI_VECTOR;
    }
    return l.acknowledge();
  }

  /**
   * The x86 interrupt entry for a taken vector: `generic_handle_domain_irq(apic ipi domain,
   * vector)` into the virq's flow handler; a vector nothing is mapped to is spurious or unhandled.
   */
  dispatch(cpu: number, handle: number): void {
    if (this.#irq.flow.genericHandleDomainIrq(this.ipiDomain.domain, handle) !== 0)
      this.#unhandled(cpu, handle);
  }

  /** Requested vectors and a pending NMI of `cpu`. */
  pendingCount(cpu: number): number {
    return this.#lapics[cpu].pendingCount();
  }

  #unhandled(cpu: number, vector: number): void {
    const l = this.#lapics[cpu];
    if (vector === NMI_VECTOR) {
      this.#printk.prWarn('', `Uhhuh. NMI received for unknown reason 00 on CPU ${cpu}.`);
    } else if (vector === SPURIOUS_APIC_VECTOR) {
      // handle_spurious_interrupt(): count it; a vector that did reach ISR is acknowledged.
      this.#stats.inc('SPU', cpu);
      if (l.inService(vector)) this.eoiWrite(l);
      this.#printk.prWarn(
        PR,
        `Spurious APIC interrupt (vector 0xFF) on CPU#${cpu}, should never happen.`,
      );
    } else {
      // __common_interrupt(): no handler; EOI so lower priorities are not blocked forever.
      this.#printk.prWarn('', `__common_interrupt: ${cpu}.${vector} No irq handler for vector`);
      this.eoiWrite(l);
    }
  }
}

/** The error of a send primitive called outside simulated code: there is no sending APIC. */
function noCpu(fn: string): never {
  throw new Error(
    `${fn}: no CPU is running; the sending local APIC is the current CPU's, so call this from task ` +
      'code (machine.sim.spawn) or a handler, or drive a given APIC with apic.regs',
  );
}

/**
 * The sending CPU's ICR access that the `struct apic` callbacks program (one per machine). A
 * class, not an object of arrow functions: every machine would bring new closures to the same
 * call sites in the send sequences, which V8 then no longer inlines; methods share one map.
 */
class ApicIcrPort implements IcrPort {
  constructor(
    private readonly apic: Apic,
    private readonly lapics: readonly LocalApic[],
    private readonly cpus: SimCpus,
    /** `cpu_online_mask`. */
    readonly online: ReadonlyCpumask,
  ) {}

  thisCpu(fn: string): number {
    return this.apic.thisLapic(fn).cpu;
  }

  apicIdOf(cpu: number): number {
    return this.lapics[cpu].apicId;
  }

  logicalIdOf(cpu: number): number {
    return this.lapics[cpu].ldr;
  }

  xapicWaitIcrIdle(timeout: boolean): void {
    this.apic.waitIcrIdle(this.apic.thisLapic('apic_mem_wait_icr_idle'), timeout);
  }

  xapicWriteIcr2(value: number): void {
    this.apic.icrHighWrite(this.apic.thisLapic('native_apic_mem_write'), value);
  }

  xapicWriteIcr(low: number): void {
    this.apic.xapicIcrWrite(this.apic.thisLapic('native_apic_mem_write'), low);
  }

  x2apicWriteIcr(low: number, dest: number): void {
    this.apic.x2apicIcrWrite(this.apic.thisLapic('native_x2apic_icr_write'), low, dest);
  }

  x2apicWriteSelfIpi(vector: number): void {
    this.apic.x2apicIcrWrite(this.apic.thisLapic('x2apic_send_IPI_self'), APIC_DEST_SELF | APIC_DM_FIXED | vector, 0);
  }

  charge(ns: number): void {
    this.cpus.chargeTrusted(ns);
  }
}
