/**
 * The Linux 2.6 (i386) TLB shootdown that *Understanding the Linux Kernel* describes, mirroring
 * arch/i386/kernel/smp.c of 2.6.x: `flush_tlb_others()`, `flush_tlb_mm()`, `flush_tlb_page()` and
 * the `INVALIDATE_TLB_VECTOR` handler `smp_invalidate_interrupt()`. One machine-wide
 * `flush_cpumask`/`flush_mm`/`flush_va` triple, guarded by `tlbstate_lock`, carries the request;
 * the initiator sends the vector to the mask and spins until every target cleared its bit.
 *
 * It is an alternative to the modern csd-based shootdown of `machine.tlb.flushTlbMmRange()`, set
 * up only with `archOptions.tlbModel: 'ulk'`. Flushing itself (and the `TLB` count of remote
 * flushes) is `machine.tlb.flushTlbFunc()`.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import {
  Cpumask,
  CpuMasks,
  IrqReturn,
  MachineConfig,
  MmStruct,
  type ReadonlyCpumask,
  SimCpus,
  type SimTask,
  Tlb,
  type Waitable,
} from '../../lib/core.js';
import { checkCpumask, checkInteger, describeValue } from '../../lib/validate.js';
import { X86Ipi } from './ipi.js';
import { X86Irq } from './irq.js';
import { X86Config } from './options.js';
import { INVALIDATE_TLB_VECTOR } from './vectors.js';

/** `FLUSH_ALL` (2.6 i386 `TLB_FLUSH_ALL`): flush the whole address space. */
export const FLUSH_ALL = 0xffffffff;

/** `flush_cpumask` as something the initiator spins on. */
class FlushCpumaskWait implements Waitable {
  readonly waiters: number[] = [];
  constructor(readonly mask: Cpumask) {}
  get satisfied(): boolean {
    return this.mask.empty();
  }
  get waitsForCpu(): number {
    const cpu = this.mask.first();
    return cpu < this.mask.nrCpuIds ? cpu : -1;
  }
  describe(): string {
    return `flush_cpumask {${this.mask.toString()}} to clear (INVALIDATE_TLB_VECTOR)`;
  }
  addWaiter(cpu: number): void {
    this.waiters.push(cpu);
  }
}

/** `tlbstate_lock`. */
class TlbstateLock implements Waitable {
  owner = -1;
  readonly waiters: number[] = [];
  get satisfied(): boolean {
    return this.owner < 0;
  }
  get waitsForCpu(): number {
    return this.owner;
  }
  describe(): string {
    return `tlbstate_lock held by CPU${this.owner}`;
  }
  addWaiter(cpu: number): void {
    this.waiters.push(cpu);
  }
}

/** The 2.6 TLB shootdown of one machine (x86-specific API: `machine.get(X86Arch).ulkTlb`). */
@injectable()
export class X86UlkTlb {
  /** True when `archOptions.tlbModel` is `'ulk'`. */
  readonly enabled: boolean;
  readonly #nrCpuIds: number;
  readonly #ipi: X86Ipi;
  readonly #tlb: Tlb;
  readonly #cpus: SimCpus;
  readonly #masks: CpuMasks;
  readonly #flush: FlushCpumaskWait;
  readonly #lock = new TlbstateLock();
  /** `flush_mm`, `flush_va` and the initiator, as one `flush_tlb_info` for `flushTlbFunc`. */
  #info: {
    mm: MmStruct;
    start: number;
    end: number;
    initiatingCpu: number;
    freedTables: boolean;
  } | null = null;
  /** Per-CPU working copy of `mm->cpu_vm_mask` minus self (held across the lock wait). */
  readonly #others: (Cpumask | undefined)[] = [];

  constructor(
    @inject(MachineConfig) machine: MachineConfig,
    @inject(X86Config) config: X86Config,
    @inject(X86Irq) irqs: X86Irq,
    @inject(X86Ipi) ipi: X86Ipi,
    @inject(Tlb) tlb: Tlb,
    @inject(SimCpus) cpus: SimCpus,
    @inject(CpuMasks) masks: CpuMasks,
  ) {
    this.#nrCpuIds = machine.nrCpuIds;
    this.#ipi = ipi;
    this.#tlb = tlb;
    this.#cpus = cpus;
    this.#masks = masks;
    this.#flush = new FlushCpumaskWait(new Cpumask(machine.nrCpuIds));
    this.enabled = config.tlbModel === 'ulk';
    if (this.enabled) {
      irqs.sysvecInstall(INVALIDATE_TLB_VECTOR, 'invalidate_interrupt', () => {
        this.smpInvalidateInterrupt();
        return IrqReturn.IRQ_HANDLED;
      });
    }
  }

  /** `flush_cpumask`: CPUs that have not yet handled the current request. */
  get flushCpumask(): ReadonlyCpumask {
    return this.#flush.mask;
  }

  #check(fn: string): number {
    if (!this.enabled) {
      throw new Error(
        `${fn}: the 2.6 TLB shootdown is not set up; create the machine with archOptions.tlbModel: 'ulk'`,
      );
    }
    return this.#cpus.smpProcessorId();
  }

  /**
   * smpInvalidateInterrupt() - `smp_invalidate_interrupt()`: a CPU not in `flush_cpumask` does
   * nothing; otherwise it flushes `flush_va` (or everything) of `flush_mm` if that is its active
   * mm (a lazy CPU leaves the mm instead) and clears its bit, releasing the initiator when the mask
   * is empty.
   */
  smpInvalidateInterrupt(): void {
    const cpu = this.#cpus.smpProcessorId();
    const flush = this.#flush;
    if (!flush.mask.testCpu(cpu) || this.#info === null) return;
    this.#tlb.flushTlbFunc(this.#info);
    flush.mask.clearCpu(cpu);
    if (flush.mask.empty() && flush.waiters.length > 0) {
      this.#cpus.wakeWaiters(flush.waiters);
      flush.waiters.length = 0;
    }
  }

  /**
   * flushTlbOthers() - `flush_tlb_others(cpumask, mm, va)`: take `tlbstate_lock`, publish `mm` and
   * `va`, add `cpumask` to `flush_cpumask`, send `INVALIDATE_TLB_VECTOR` to `cpumask`
   * (`send_IPI_mask`), spin until `flush_cpumask` is empty, release the lock.
   * @param va - a page number, or {@link FLUSH_ALL}.
   * @throws RangeError/TypeError where 2.6 has a `BUG_ON`: an empty `cpumask`, one with offline
   *   CPUs or the caller, or no `mm`. Error if the machine was not built with `tlbModel: 'ulk'`.
   */
  *flushTlbOthers(cpumask: ReadonlyCpumask, mm: MmStruct, va: number): SimTask<void> {
    const fn = 'flushTlbOthers';
    const me = this.#check(fn);
    checkCpumask(fn, 'cpumask', cpumask, this.#nrCpuIds);
    if (!(mm instanceof MmStruct))
      throw new TypeError(`${fn}: mm is ${describeValue(mm)}; expected an MmStruct`);
    checkInteger(fn, 'va', va);
    if (cpumask.empty())
      throw new RangeError(`${fn}: cpumask is empty (BUG_ON(cpus_empty(cpumask)))`);
    if (!cpumask.subset(this.#masks.online)) {
      throw new RangeError(
        `${fn}: cpumask {${cpumask.toString()}} names offline CPUs; only online CPUs can be flushed`,
      );
    }
    if (cpumask.testCpu(me))
      throw new RangeError(`${fn}: cpumask contains the calling CPU ${me}; flush it locally`);
    yield* this.#spinLock();
    this.#info = {
      mm,
      start: va === FLUSH_ALL ? 0 : va,
      end: va === FLUSH_ALL ? Number.MAX_SAFE_INTEGER : va + 1,
      initiatingCpu: me,
      freedTables: false,
    };
    const w = this.#flush.mask.words;
    for (let i = 0; i < w.length; i++) w[i] |= cpumask.words[i];
    this.#ipi.sendIPIMask(cpumask, INVALIDATE_TLB_VECTOR);
    while (!this.#flush.satisfied) yield this.#cpus.waitFor(this.#flush, 'flush_tlb_others');
    this.#info = null;
    this.#spinUnlock();
  }

  *#spinLock(): SimTask<void> {
    const lock = this.#lock;
    while (lock.owner >= 0) yield this.#cpus.waitFor(lock, 'flush_tlb_others:tlbstate_lock');
    lock.owner = this.#cpus.smpProcessorId();
  }

  #spinUnlock(): void {
    const lock = this.#lock;
    lock.owner = -1;
    if (lock.waiters.length > 0) {
      this.#cpus.wakeWaiters(lock.waiters);
      lock.waiters.length = 0;
    }
  }

  /**
   * flushTlbMm() - `flush_tlb_mm(mm)`: flush `mm` here (a CPU that is not using it leaves it) and
   * on the other online CPUs of `mm`'s cpumask through {@link X86UlkTlb.flushTlbOthers}.
   */
  *flushTlbMm(mm: MmStruct): SimTask<void> {
    yield* this.#flushMm('flushTlbMm', mm, FLUSH_ALL);
  }

  /**
   * flushTlbPage() - `flush_tlb_page(vma, va)` with the vma's mm: flush page `va` of `mm` here and
   * on the other online CPUs of `mm`'s cpumask.
   */
  *flushTlbPage(mm: MmStruct, va: number): SimTask<void> {
    checkInteger('flushTlbPage', 'va', va);
    yield* this.#flushMm('flushTlbPage', mm, va);
  }

  *#flushMm(fn: string, mm: MmStruct, va: number): SimTask<void> {
    const me = this.#check(fn);
    if (!(mm instanceof MmStruct))
      throw new TypeError(`${fn}: mm is ${describeValue(mm)}; expected an MmStruct`);
    // cpu_mask = mm->cpu_vm_mask minus self; CPUs unplugged since are skipped (2.6 cleared them).
    const others = (this.#others[me] ??= new Cpumask(this.#nrCpuIds));
    const w = others.words;
    const mw = mm.cpumask.words;
    const ow = this.#masks.online.words;
    for (let i = 0; i < w.length; i++) w[i] = mw[i] & ow[i];
    others.clearCpu(me);
    const local = {
      mm,
      start: va === FLUSH_ALL ? 0 : va,
      end: va === FLUSH_ALL ? Number.MAX_SAFE_INTEGER : va + 1,
      initiatingCpu: me,
      freedTables: false,
    };
    const flags = this.#cpus.localIrqSave();
    this.#tlb.flushTlbFunc(local);
    this.#cpus.localIrqRestore(flags);
    if (!others.empty()) yield* this.flushTlbOthers(others, mm, va);
  }
}
