/**
 * IPI multiplexing, mirroring kernel/irq/ipi-mux.c: up to 32 virtual IPIs (vIPIs) carried by
 * one per-CPU parent IPI. Used by the RISC-V SBI IPI provider (and, in Linux, by IMSIC and the
 * Apple AIC).
 *
 * The kernel's per-CPU `enable` and `bits` atomics are two `Uint32Array`s indexed by CPU. The
 * memory-ordering argument of the C code (spec §6.5) reduces, in a single-threaded model, to:
 * a send sets the pending bit and raises the parent IPI only if the bit was newly pending and the
 * target has the vIPI enabled; an unmask sets the enable bit and raises a self parent IPI if the
 * vIPI is already pending; processing takes exactly the pending ∧ enabled bits.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import type { ReadonlyCpumask } from '../cpumask.js';
import { Errno } from '../errno.js';
import { MachineConfig } from '../machine/config.js';
import { SimCpus } from '../sim/cpus.js';
import { checkInteger, describeValue } from '../validate.js';
import type { IrqChip } from './chip.js';
import { IrqFlow } from './handle.js';
import type { IrqData } from './irqdata.js';
import {
  DomainBusToken,
  IRQ_DOMAIN_FLAG_IPI_SINGLE,
  type IrqDomain,
  irqDomainAllocNamedFwnode,
} from './irqdomain-defs.js';
import { IrqDomainHierarchy } from './irqdomain-hierarchy.js';
import { IrqDomainRegistry } from './irqdomain.js';
import { IrqManage } from './manage.js';

/** `BITS_PER_TYPE(int)`: the most vIPIs one mux can carry. */
export const IPI_MUX_MAX_IPI = 32;

/** The parent send callback of a mux: raise the parent IPI on `cpu` (`mux_send(cpu)`). */
export type IpiMuxSend = (cpu: number) => void;

/** Per-CPU state (`struct ipi_mux_cpu`): one word of enable bits and one of pending bits per CPU. */
interface IpiMuxPcpu {
  /** `enable`: the vIPIs each CPU has unmasked. */
  readonly enable: Uint32Array;
  /** `bits`: the vIPIs pending for each CPU. */
  readonly bits: Uint32Array;
}

/**
 * The ipi-mux of one machine (kernel/irq/ipi-mux.c). Reach it as `machine.irq.ipiMux`; the C
 * file's globals (`ipi_mux_domain`, `ipi_mux_send`, `ipi_mux_pcpu`) are its fields.
 */
@injectable()
export class IpiMux {
  readonly #nrCpuIds: number;
  readonly #cpus: SimCpus;
  readonly #domains: IrqDomainRegistry;
  readonly #hierarchy: IrqDomainHierarchy;
  readonly #manage: IrqManage;
  readonly #flow: IrqFlow;
  #domain: IrqDomain | null = null;
  #send: IpiMuxSend | null = null;
  #pcpu: IpiMuxPcpu | null = null;
  /** `ipi_mux_chip`: the chip of every vIPI level ("IPI Mux"). */
  readonly chip: IrqChip;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(IrqDomainRegistry) domains: IrqDomainRegistry,
    @inject(IrqDomainHierarchy) hierarchy: IrqDomainHierarchy,
    @inject(IrqManage) manage: IrqManage,
    @inject(IrqFlow) flow: IrqFlow,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.#cpus = cpus;
    this.#domains = domains;
    this.#hierarchy = hierarchy;
    this.#manage = manage;
    this.#flow = flow;
    this.chip = {
      name: 'IPI Mux',
      irqMask: (data) => {
        this.#ipiMuxMask(data);
      },
      irqUnmask: (data) => {
        this.#ipiMuxUnmask(data);
      },
      ipiSendMask: (data, mask) => {
        this.#ipiMuxSendMask(data, mask);
      },
    };
  }

  /** The mux domain (`ipi_mux_domain`, named `IPI-Mux-6`), or null before a successful create. */
  get domain(): IrqDomain | null {
    return this.#domain;
  }

  /** `cpu`'s enable word (which vIPIs it has unmasked); 0 before a successful create. */
  enableMask(cpu: number): number {
    return this.#pcpu?.enable[cpu] ?? 0;
  }

  /** `cpu`'s pending word (which vIPIs wait to be processed there); 0 before a successful create. */
  pendingMask(cpu: number): number {
    return this.#pcpu?.bits[cpu] ?? 0;
  }

  /** This CPU's per-CPU state; the kernel would dereference a null per-CPU pointer otherwise. */
  #thisCpu(fn: string): { pcpu: IpiMuxPcpu; cpu: number } {
    const pcpu = this.#pcpu;
    if (pcpu === null) {
      throw new Error(
        `${fn}: ipi-mux was not created; the kernel would dereference a NULL per-CPU pointer. Call ipiMuxCreate() first.`,
      );
    }
    return { pcpu, cpu: this.#cpus.smpProcessorId() };
  }

  /** `ipi_mux_mask()` (kernel/irq/ipi-mux.c): clear the vIPI's bit in this CPU's enable word. */
  #ipiMuxMask(data: IrqData): void {
    const { pcpu, cpu } = this.#thisCpu('ipi_mux_mask');
    pcpu.enable[cpu] &= ~(1 << data.hwirq);
  }

  /**
   * `ipi_mux_unmask()` (kernel/irq/ipi-mux.c): set the vIPI's bit in this CPU's enable word; if
   * it is already pending, raise the parent IPI on this CPU so it is not lost.
   */
  #ipiMuxUnmask(data: IrqData): void {
    const { pcpu, cpu } = this.#thisCpu('ipi_mux_unmask');
    const ibit = 1 << data.hwirq;
    pcpu.enable[cpu] |= ibit;
    // smp_mb__after_atomic(): the pending read is ordered after the enable write.
    if ((pcpu.bits[cpu] & ibit) !== 0) (this.#send as IpiMuxSend)(cpu);
  }

  /**
   * `ipi_mux_send_mask()` (kernel/irq/ipi-mux.c): for each target ascending, set the vIPI
   * pending; raise the parent IPI only if the bit was not pending before and the target has the
   * vIPI enabled. Repeated sends before the target processes coalesce.
   */
  #ipiMuxSendMask(data: IrqData, mask: ReadonlyCpumask): void {
    const pcpu = this.#pcpu;
    if (pcpu === null) {
      throw new Error(
        'ipi_mux_send_mask: ipi-mux was not created; the kernel would dereference a NULL per-CPU pointer',
      );
    }
    const ibit = 1 << data.hwirq;
    const send = this.#send as IpiMuxSend;
    const nr = this.#nrCpuIds;
    for (let cpu = mask.first(); cpu < nr; cpu = mask.next(cpu)) {
      // atomic_fetch_or_release() then smp_mb__after_atomic().
      const pending = pcpu.bits[cpu];
      pcpu.bits[cpu] = pending | ibit;
      if ((pending & ibit) === 0 && (pcpu.enable[cpu] & ibit) !== 0) send(cpu);
    }
  }

  /**
   * ipiMuxProcess() - Process multiplexed virtual IPIs.
   * Mirrors `ipi_mux_process()` in kernel/irq/ipi-mux.c. Called by the parent IPI's handler on the
   * receiving CPU: atomically takes the pending bits this CPU has enabled (masked ones stay
   * pending) and runs each vIPI's flow handler, lowest vIPI first.
   * @throws Error if the mux was not created (a NULL per-CPU pointer in the kernel) or when
   *   called outside simulated code (there is no current CPU).
   */
  ipiMuxProcess(): void {
    const { pcpu, cpu } = this.#thisCpu('ipiMuxProcess');
    // Only this CPU changes its own enable word, so a plain read suffices.
    const en = pcpu.enable[cpu];
    // atomic_fetch_andnot(en, &bits) & en.
    const old = pcpu.bits[cpu];
    pcpu.bits[cpu] = old & ~en;
    let ipis = (old & en) >>> 0;
    const domain = this.#domain as IrqDomain;
    for (let hwirq = 0; ipis !== 0; hwirq++, ipis >>>= 1) {
      if ((ipis & 1) !== 0) this.#flow.genericHandleDomainIrq(domain, hwirq);
    }
  }

  /**
   * ipiMuxCreate() - Create virtual IPIs multiplexed on top of a single parent IPI.
   * Mirrors `ipi_mux_create()` in kernel/irq/ipi-mux.c.
   *
   * Creates the linear domain `IPI-Mux` of `nrIpi` hwirqs (flag `IRQ_DOMAIN_FLAG_IPI_SINGLE`, bus
   * token `DOMAIN_BUS_IPI`, so it is renamed `IPI-Mux-6`) and allocates `nrIpi` virqs on it: vIPI
   * `i` is virq `base + i` with hwirq `i`, chip "IPI Mux", per-CPU-devid, flow handler
   * `handle_percpu_devid_irq`. Request them with `requestPercpuIrq` and enable them per CPU.
   *
   * @param nrIpi - number of vIPIs, at most 32.
   * @param muxSend - raises the parent IPI on a CPU; called with the target CPU.
   * @returns the first virq; `-EEXIST` if a mux exists already; `-EINVAL` for `nrIpi > 32` (a
   *   negative count is a huge unsigned number in C) or a null `muxSend`; for `nrIpi == 0` the
   *   descriptor allocator's `-EINVAL`. A failed create leaves nothing behind and may be retried.
   * @throws TypeError if `nrIpi` is not an integer or `muxSend` is neither null nor a function.
   */
  ipiMuxCreate(nrIpi: number, muxSend: IpiMuxSend | null): number {
    checkInteger('ipiMuxCreate', 'nrIpi', nrIpi);
    // Plain JavaScript callers may pass undefined for the C NULL.
    const send: unknown = muxSend;
    const missing = send === null || send === undefined;
    if (!missing && typeof send !== 'function') {
      throw new TypeError(
        `ipiMuxCreate: muxSend is ${describeValue(send)}; expected a function (cpu) => void or null`,
      );
    }
    if (this.#domain !== null) return -Errno.EEXIST;
    if (nrIpi < 0 || nrIpi > IPI_MUX_MAX_IPI || missing) return -Errno.EINVAL;
    const pcpu: IpiMuxPcpu = {
      enable: new Uint32Array(this.#nrCpuIds),
      bits: new Uint32Array(this.#nrCpuIds),
    };
    const fwnode = irqDomainAllocNamedFwnode('IPI-Mux');
    const domain = this.#domains.irqDomainCreateLinear(fwnode, nrIpi, {
      alloc: (d, virq, nrIrqs) => this.#ipiMuxDomainAlloc(d, virq, nrIrqs),
      free: (d, virq, nrIrqs) => {
        this.#hierarchy.irqDomainFreeIrqsTop(d, virq, nrIrqs);
      },
    });
    domain.flags |= IRQ_DOMAIN_FLAG_IPI_SINGLE;
    this.#domains.irqDomainUpdateBusToken(domain, DomainBusToken.DOMAIN_BUS_IPI);
    const rc = this.#hierarchy.irqDomainAllocIrqs(domain, nrIpi, null);
    if (rc <= 0) {
      this.#domains.irqDomainRemove(domain);
      return rc;
    }
    this.#pcpu = pcpu;
    this.#domain = domain;
    this.#send = muxSend;
    return rc;
  }

  /**
   * `ipi_mux_domain_alloc()` (kernel/irq/ipi-mux.c): vIPI `i` of this allocation gets hwirq `i`
   * (so all vIPIs must be allocated in one call), the mux chip and `handle_percpu_devid_irq`.
   */
  #ipiMuxDomainAlloc(domain: IrqDomain, virq: number, nrIrqs: number): number {
    for (let i = 0; i < nrIrqs; i++) {
      this.#manage.irqSetPercpuDevid(virq + i);
      this.#hierarchy.irqDomainSetInfo(
        domain,
        virq + i,
        i,
        this.chip,
        null,
        this.#flow.handlePercpuDevidIrq,
        null,
        null,
      );
    }
    return 0;
  }
}
