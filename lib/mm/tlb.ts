/**
 * A TLB model and the x86-style shootdown path of arch/x86/mm/tlb.c: per-CPU TLBs caching
 * (address space, page) translations, `mm_cpumask`, lazy-TLB CPUs, and `flush_tlb_mm_range()`
 * that flushes locally and cross-calls the other CPUs of the address space that are not lazy.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { Cpumask } from '../cpumask.js';
import { IrqStats } from '../irq/stats.js';
import { MachineConfig } from '../machine/config.js';
import { SimCpus, type SimTask } from '../sim/cpus.js';
import { CoreTiming } from '../sim/timing.js';
import { Smp } from '../smp/smp.js';
import { checkBoolean, checkInteger, describeValue } from '../validate.js';

/** `tlb_single_page_flush_ceiling`: above this many pages a full flush is cheaper. */
export const TLB_SINGLE_PAGE_FLUSH_CEILING = 33;

/** An address space (`struct mm_struct`), reduced to what TLB shootdown needs. */
export class MmStruct {
  /** `mm_cpumask(mm)`: CPUs that may hold translations of this mm. */
  readonly cpumask: Cpumask;
  /**
   * @param id - number of the address space, unique per machine.
   * @param nrCpuIds - width of its cpumask.
   */
  constructor(
    readonly id: number,
    nrCpuIds: number,
  ) {
    this.cpumask = new Cpumask(nrCpuIds);
  }
}

/** `struct flush_tlb_info`. */
export interface FlushTlbInfo {
  /** The address space to flush. */
  readonly mm: MmStruct;
  /** First page to flush. */
  readonly start: number;
  /** Page after the last one to flush (`[start, end)`). */
  readonly end: number;
  /** CPU that asked for the flush. */
  readonly initiatingCpu: number;
  /** Page tables were freed, so lazy-TLB CPUs must flush too. */
  readonly freedTables: boolean;
}

/** TLBs and shootdowns of one machine. */
@injectable()
export class Tlb {
  readonly #nrCpuIds: number;
  readonly #cpus: SimCpus;
  readonly #smp: Smp;
  readonly #timing: CoreTiming;
  readonly #stats: IrqStats;
  readonly #tlbs: Map<MmStruct, Set<number>>[] = [];
  readonly #loaded: (MmStruct | null)[] = [];
  readonly #lazy: Uint8Array;
  #nextMm = 1;
  /** The address spaces this machine allocated (another machine's are refused). */
  readonly #mms = new WeakSet<MmStruct>();
  /** Remote flushes received per CPU (`NR_TLB_REMOTE_FLUSH_RECEIVED`). */
  readonly remoteFlushes: Uint32Array;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Smp) smp: Smp,
    @inject(CoreTiming) timing: CoreTiming,
    @inject(IrqStats) stats: IrqStats,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.#cpus = cpus;
    this.#smp = smp;
    this.#timing = timing;
    this.#stats = stats;
    this.#lazy = new Uint8Array(config.nrCpuIds);
    this.remoteFlushes = new Uint32Array(config.nrCpuIds);
  }

  #tlb(cpu: number): Map<MmStruct, Set<number>> {
    return (this.#tlbs[cpu] ??= new Map());
  }

  /** A new address space. */
  mmAlloc(): MmStruct {
    const mm = new MmStruct(this.#nextMm++, this.#nrCpuIds);
    this.#mms.add(mm);
    return mm;
  }

  /** Throws unless `mm` is an address space of this machine. */
  #checkMm(fn: string, mm: unknown): asserts mm is MmStruct {
    if (!(mm instanceof MmStruct)) throw new TypeError(`${fn}: mm is ${describeValue(mm)}; expected an MmStruct from machine.tlb.mmAlloc()`);
    if (!this.#mms.has(mm)) throw new TypeError(`${fn}: mm ${mm.id} belongs to another machine; use machine.tlb.mmAlloc()`);
  }

  /** Throws unless `cpu` is a CPU number of this machine. */
  #checkCpu(fn: string, cpu: number): void {
    checkInteger(fn, 'cpu', cpu);
    if (cpu < 0 || cpu >= this.#nrCpuIds) throw new RangeError(`${fn}: cpu is ${cpu}; expected a CPU number in [0, ${this.#nrCpuIds})`);
  }

  /** `switch_mm()` on the current CPU: `mm` becomes loaded and non-lazy; the CPU joins its mask. */
  switchMm(mm: MmStruct): void {
    this.#checkMm('switchMm', mm);
    const cpu = this.#cpus.smpProcessorId();
    this.#loaded[cpu] = mm;
    this.#lazy[cpu] = 0;
    mm.cpumask.setCpu(cpu);
  }

  /** `enter_lazy_tlb()` on the current CPU: keep the mm loaded but skip it in shootdowns. */
  enterLazyTlb(): void {
    this.#lazy[this.#cpus.smpProcessorId()] = 1;
  }

  /** Is `cpu` in lazy-TLB mode? */
  isLazy(cpu: number): boolean {
    this.#checkCpu('isLazy', cpu);
    return this.#lazy[cpu] !== 0;
  }

  /** The current CPU accesses `page` of its loaded mm and caches the translation. */
  touch(page: number): void {
    checkInteger('Tlb.touch', 'page', page);
    const cpu = this.#cpus.smpProcessorId();
    const mm = this.#loaded[cpu] as MmStruct | null | undefined;
    if (mm === null || mm === undefined) throw new Error(`Tlb.touch: CPU${cpu} has no mm loaded; switchMm() first`);
    let set = this.#tlb(cpu).get(mm);
    if (set === undefined) {
      set = new Set();
      this.#tlb(cpu).set(mm, set);
    }
    set.add(page);
  }

  /** Does `cpu`'s TLB hold a translation of `page` in `mm`? */
  cached(cpu: number, mm: MmStruct, page: number): boolean {
    this.#checkCpu('cached', cpu);
    this.#checkMm('cached', mm);
    checkInteger('cached', 'page', page);
    return this.#tlbs[cpu]?.get(mm)?.has(page) ?? false;
  }

  /**
   * `flush_tlb_func(info)`: runs on each CPU of a shootdown (the initiator too). A CPU whose
   * loaded mm is another leaves the mask; a lazy CPU switches away; otherwise the range (or,
   * above the ceiling, the whole mm) is dropped. Remote runs count in the `TLB` row.
   */
  readonly flushTlbFunc = (arg: unknown): void => {
    const info = arg as FlushTlbInfo;
    if (typeof arg !== 'object' || arg === null || !this.#mms.has(info.mm)) {
      throw new TypeError(`flushTlbFunc: info is ${describeValue(arg)}; expected a FlushTlbInfo of this machine`);
    }
    const cpu = this.#cpus.smpProcessorId();
    const local = cpu === info.initiatingCpu;
    const loaded = this.#loaded[cpu] ?? null;
    if (loaded !== info.mm) {
      info.mm.cpumask.clearCpu(cpu);
      this.#tlbs[cpu]?.delete(info.mm);
      return;
    }
    if (this.#lazy[cpu] !== 0) {
      // Leave lazy mode: switch to init_mm, dropping this mm's translations.
      this.#loaded[cpu] = null;
      this.#lazy[cpu] = 0;
      info.mm.cpumask.clearCpu(cpu);
      this.#tlbs[cpu]?.delete(info.mm);
      return;
    }
    const pages = info.end - info.start;
    const set = this.#tlbs[cpu]?.get(info.mm);
    if (pages > TLB_SINGLE_PAGE_FLUSH_CEILING) {
      set?.clear();
      this.#cpus.charge(this.#timing.tlbFlushPageNs * TLB_SINGLE_PAGE_FLUSH_CEILING);
    } else {
      for (let p = info.start; p < info.end; p++) set?.delete(p);
      this.#cpus.charge(this.#timing.tlbFlushPageNs * pages);
    }
    if (!local) {
      this.remoteFlushes[cpu]++;
      this.#stats.inc('TLB', cpu);
    }
  };

  /** `should_flush_tlb(cpu, info)`: skip lazy CPUs (they flush when they switch back). */
  readonly shouldFlushTlb = (cpu: number): boolean => this.#lazy[cpu] === 0;

  /**
   * `flush_tlb_mm_range(mm, start, end, stride_shift, freed_tables)` from the current CPU:
   * pages `[start, end)`. Cross-calls the CPUs of `mm_cpumask(mm)` (lazy ones skipped unless
   * page tables were freed) and waits for them; flushes locally when only this CPU is involved.
   */
  *flushTlbMmRange(mm: MmStruct, start: number, end: number, freedTables = false): SimTask<void> {
    this.#checkMm('flushTlbMmRange', mm);
    checkInteger('flushTlbMmRange', 'start', start);
    checkInteger('flushTlbMmRange', 'end', end);
    checkBoolean('flushTlbMmRange', 'freedTables', freedTables);
    if (end < start) throw new RangeError(`flushTlbMmRange: end ${end} is before start ${start}`);
    const cpu = this.#cpus.smpProcessorId();
    this.#cpus.charge(this.#timing.tlbFlushLocalNs);
    const info: FlushTlbInfo = { mm, start, end, initiatingCpu: cpu, freedTables };
    let other = false;
    for (let c = mm.cpumask.first(); c < this.#nrCpuIds; c = mm.cpumask.next(c)) {
      if (c !== cpu) {
        other = true;
        break;
      }
    }
    if (other) {
      // native_flush_tlb_multi()
      if (freedTables) yield* this.#smp.onEachCpuMask(mm.cpumask, this.flushTlbFunc, info, true);
      else yield* this.#smp.onEachCpuCondMask(this.shouldFlushTlb, this.flushTlbFunc, info, true, mm.cpumask);
    } else if (this.#loaded[cpu] === mm) {
      const flags = this.#cpus.localIrqSave();
      this.flushTlbFunc(info);
      this.#cpus.localIrqRestore(flags);
    }
  }
}
