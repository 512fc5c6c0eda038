/**
 * The GICv3 interrupt controller, as far as IPIs go: drivers/irqchip/irq-gic-v3.c on a modelled
 * distributor, redistributors and CPU interfaces.
 *
 * - **SGIs.** Each CPU has 16 software-generated interrupts (INTIDs 0–15) with per-CPU pending,
 *   active and enable bits (its redistributor's `GICR_ISPENDR0`/`ISACTIVER0`/`ISENABLER0`).
 *   All SGIs have the same priority, as Linux programs them, so while one is active (acknowledged
 *   and not yet EOI'd) the CPU takes no other; a second SGI of the same INTID while pending
 *   coalesces, one arriving while active stays pending and is taken after the EOI.
 * - **CPU interface.** The driver is the machine's {@link InterruptController}: `acknowledge` is
 *   a read of `ICC_IAR1_EL1` (lowest pending INTID, pending → active), `dispatch` is
 *   `gic_handle_irq()`, and the chip's `irq_eoi` writes `ICC_EOIR1_EL1` (priority drop and
 *   deactivation: EOImode 0, the mode of a kernel not running at EL2).
 * - **Affinity routing.** Sends build `ICC_SGI1R_EL1` values exactly as `gic_ipi_send_mask()`
 *   does: one write per run of target CPUs (in CPU order) that share Aff3.Aff2.Aff1 and the upper
 *   nibble of Aff0 (the range selector), with a 16-bit target list. {@link Gicv3.traceSgi1r}
 *   records the writes; each write sets the SGI pending on every PE its target list names.
 * - **Boot.** Like `gic_smp_init()`, the constructor allocates the 8 non-secure SGIs from the GIC
 *   domain and hands them to the architecture with `set_smp_ipi_range(base, 8)`
 *   ({@link Arm64IpiRange}).
 *
 * @packageDocumentation
 * @module genipi/drivers/gicv3
 */
import { ContainerModule, inject, injectable } from 'inversify';
import {
  Errno,
  Irq,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqFwspec,
  InterruptController,
  MachineConfig,
  Printk,
  type ReadonlyCpumask,
  SimCpus,
  irqDomainAllocNamedFwnode,
} from '../../lib/core.js';
import { Arm64IpiRange, CpuLogicalMap, mpidrAffinityLevel } from '../../arch/arm64/asm.js';

/** Number of SGIs per CPU (INTIDs 0–15). */
export const GIC_NR_SGIS = 16;
/** Non-secure SGIs Linux allocates for IPIs (`gic_smp_init()`). */
export const GIC_NR_IPI_SGIS = 8;
/** The INTID `ICC_IAR1_EL1` returns when nothing is pending (`ICC_IAR1_EL1_SPURIOUS`). */
export const GIC_SPURIOUS_INTID = 1023;

/** `ICC_SGI1R_TARGET_LIST_SHIFT` (include/linux/irqchip/arm-gic-v3.h): the 16-bit target list. */
export const ICC_SGI1R_TARGET_LIST_SHIFT = 0;
/** `ICC_SGI1R_AFFINITY_1_SHIFT`: Aff1 of the targets. */
export const ICC_SGI1R_AFFINITY_1_SHIFT = 16;
/** `ICC_SGI1R_SGI_ID_SHIFT`: the SGI INTID. */
export const ICC_SGI1R_SGI_ID_SHIFT = 24;
/** `ICC_SGI1R_AFFINITY_2_SHIFT`: Aff2 of the targets. */
export const ICC_SGI1R_AFFINITY_2_SHIFT = 32;
/** `ICC_SGI1R_IRQ_ROUTING_MODE_BIT`: 1 = all but self (Linux never sets it). */
export const ICC_SGI1R_IRQ_ROUTING_MODE_BIT = 40;
/** `ICC_SGI1R_RS_SHIFT`: range selector, Aff0 bits 7–4 of the targets. */
export const ICC_SGI1R_RS_SHIFT = 44;
/** `ICC_SGI1R_AFFINITY_3_SHIFT`: Aff3 of the targets. */
export const ICC_SGI1R_AFFINITY_3_SHIFT = 48;

/** One write of `ICC_SGI1R_EL1`: the 64-bit value and its fields. */
export interface Sgi1rWrite {
  /** CPU that wrote the register (-1 for a host-side send). */
  readonly cpu: number;
  /** The register value. */
  readonly value: bigint;
  /** `Aff3` of the targets. */
  readonly aff3: number;
  /** `Aff2` of the targets. */
  readonly aff2: number;
  /** `Aff1` of the targets. */
  readonly aff1: number;
  /** Range selector: Aff0 bits 7–4 of the targets. */
  readonly rs: number;
  /** SGI INTID. */
  readonly intid: number;
  /** 16-bit target list: bit `n` targets Aff0 = `rs * 16 + n`. */
  readonly targetList: number;
}

/** `MPIDR_TO_SGI_CLUSTER_ID(mpidr)`: the MPIDR without Aff0 bits 3–0. */
function sgiClusterId(mpidr: number): number {
  return mpidr - (mpidr % 16);
}

/**
 * `gic_send_sgi(cluster_id, tlist, irq)`'s register value (drivers/irqchip/irq-gic-v3.c).
 */
export function gicSgi1rValue(clusterId: number, tlist: number, intid: number): bigint {
  const aff3 = BigInt(mpidrAffinityLevel(clusterId, 3));
  const aff2 = BigInt(mpidrAffinityLevel(clusterId, 2));
  const aff1 = BigInt(mpidrAffinityLevel(clusterId, 1));
  const rs = BigInt((mpidrAffinityLevel(clusterId, 0) >> 4) & 0xf);
  return (
    (aff3 << BigInt(ICC_SGI1R_AFFINITY_3_SHIFT)) |
    (aff2 << BigInt(ICC_SGI1R_AFFINITY_2_SHIFT)) |
    (BigInt(intid) << BigInt(ICC_SGI1R_SGI_ID_SHIFT)) |
    (aff1 << BigInt(ICC_SGI1R_AFFINITY_1_SHIFT)) |
    (rs << BigInt(ICC_SGI1R_RS_SHIFT)) |
    (BigInt(tlist) << BigInt(ICC_SGI1R_TARGET_LIST_SHIFT))
  );
}

/** The GICv3 of one machine: its irq domain, chip and per-CPU interfaces. */
@injectable()
export class Gicv3 implements InterruptController {
  readonly name = 'GICv3';
  /** The GIC's irq domain (`gic_data.domain`, a tree domain; not an IPI domain). */
  readonly domain: IrqDomain;
  /** `gic_chip`. */
  readonly chip: IrqChip;
  /** First virq of the 8 IPI SGIs, or a negative errno if `gic_smp_init()` failed. */
  readonly baseSgi: number;
  /** `ICC_EOIR1_EL1` writes per CPU. */
  readonly eoiCount: Uint32Array;
  readonly #nrCpuIds: number;
  readonly #cpus: SimCpus;
  readonly #irq: Irq;
  readonly #printk: Printk;
  readonly #map: CpuLogicalMap;
  /** Per-CPU SGI state: pending, active and enabled bits (bit n = INTID n). */
  readonly #pending: Uint16Array;
  readonly #active: Uint16Array;
  readonly #enabled: Uint16Array;
  #sgi1rLog: Sgi1rWrite[] | null = null;
  /** `ICC_SGI1R_EL1` writes so far. */
  sgi1rCount = 0;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Irq) irq: Irq,
    @inject(Printk) printk: Printk,
    @inject(CpuLogicalMap) map: CpuLogicalMap,
    @inject(Arm64IpiRange) arch: Arm64IpiRange,
  ) {
    const nr = config.nrCpuIds;
    this.#nrCpuIds = nr;
    this.#cpus = cpus;
    this.#irq = irq;
    this.#printk = printk;
    this.#map = map;
    this.#pending = new Uint16Array(nr);
    this.#active = new Uint16Array(nr);
    // gic_cpu_config(): every SGI enabled on every CPU interface at CPU init.
    this.#enabled = new Uint16Array(nr).fill(0xffff);
    this.eoiCount = new Uint32Array(nr);
    this.chip = {
      name: 'GICv3',
      irqMask: (data) => {
        this.#gicMaskIrq(data);
      },
      irqUnmask: (data) => {
        this.#gicUnmaskIrq(data);
      },
      irqEoi: (data) => {
        this.#gicEoiIrq(data);
      },
      ipiSendMask: (data, mask) => {
        this.#gicIpiSendMask(data, mask);
      },
    };
    const fwnode = irqDomainAllocNamedFwnode('GICv3');
    this.domain = irq.irqDomainCreateTree(fwnode, {
      alloc: (domain, virq, nrIrqs, arg) => this.#gicIrqDomainAlloc(domain, virq, nrIrqs, arg),
      free: (domain, virq, nrIrqs) => {
        irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
      },
    });
    cpus.attachInterruptController(this);
    // gic_smp_init(): register the 8 non-secure SGIs and hand them to the architecture.
    const sgiFwspec: IrqFwspec = { fwnode, param: [0] };
    this.baseSgi = irq.irqDomainAllocIrqs(this.domain, GIC_NR_IPI_SGIS, sgiFwspec);
    if (
      printk.warnOn(
        this.baseSgi <= 0,
        'gic_smp_init',
        `cannot allocate the IPI SGIs (${this.baseSgi})`,
      )
    )
      return;
    arch.setSmpIpiRange(this.baseSgi, GIC_NR_IPI_SGIS);
  }

  /**
   * Starts recording `ICC_SGI1R_EL1` writes (off by default so long runs do not grow a log).
   * @returns the live log; later writes are appended to it.
   */
  traceSgi1r(): Sgi1rWrite[] {
    this.#sgi1rLog ??= [];
    return this.#sgi1rLog;
  }

  /** SGIs pending on `cpu` (bit n = INTID n). */
  pendingSgis(cpu: number): number {
    return this.#pending[cpu];
  }

  /** SGIs active (acknowledged, not yet EOI'd) on `cpu`. */
  activeSgis(cpu: number): number {
    return this.#active[cpu];
  }

  /** SGIs enabled on `cpu`'s redistributor. */
  enabledSgis(cpu: number): number {
    return this.#enabled[cpu];
  }

  /**
   * `gic_irq_domain_alloc()` (drivers/irqchip/irq-gic-v3.c) for one-cell SGI fwspecs: SGI
   * `param[0] + i` for virq `virq + i`, each per-CPU-devid with `handle_percpu_devid_irq`.
   * @returns 0, or `-EINVAL` for a fwspec that is not a one-cell SGI specifier.
   */
  #gicIrqDomainAlloc(domain: IrqDomain, virq: number, nrIrqs: number, arg: unknown): number {
    // gic_irq_domain_translate(): only the one-cell SGI form is modelled.
    const fwspec = arg as IrqFwspec | null;
    const hwirq = fwspec?.param.length === 1 ? fwspec.param[0] : -1;
    if (hwirq < 0 || hwirq + nrIrqs > GIC_NR_SGIS) return -Errno.EINVAL;
    const irq = this.#irq;
    for (let i = 0; i < nrIrqs; i++) {
      // gic_irq_domain_map(), SGI range.
      irq.irqSetPercpuDevid(virq + i);
      irq.irqDomainSetInfo(
        domain,
        virq + i,
        hwirq + i,
        this.chip,
        null,
        irq.flow.handlePercpuDevidIrq,
        null,
        null,
      );
    }
    return 0;
  }

  #thisCpu(fn: string): number {
    const c = this.#cpus.current;
    if (c === null)
      throw new Error(`${fn}: must run on a CPU (it writes that CPU's GIC registers)`);
    return c.cpu;
  }

  /** `gic_mask_irq()` for an SGI: clear its enable bit in this CPU's redistributor. */
  #gicMaskIrq(data: IrqData): void {
    const cpu = this.#thisCpu('gic_mask_irq');
    this.#enabled[cpu] &= ~(1 << data.hwirq);
  }

  /** `gic_unmask_irq()` for an SGI: set its enable bit; a pending SGI is then signalled. */
  #gicUnmaskIrq(data: IrqData): void {
    const cpu = this.#thisCpu('gic_unmask_irq');
    this.#enabled[cpu] |= 1 << data.hwirq;
    if (this.pending(cpu)) this.#cpus.kick(cpu);
  }

  /** `gic_eoi_irq()`: write `ICC_EOIR1_EL1`: priority drop and deactivation on this CPU. */
  #gicEoiIrq(data: IrqData): void {
    const cpu = this.#thisCpu('gic_eoi_irq');
    this.eoiCount[cpu]++;
    this.#active[cpu] &= ~(1 << data.hwirq);
    if (this.pending(cpu)) this.#cpus.kick(cpu);
  }

  /**
   * `gic_ipi_send_mask()` (drivers/irqchip/irq-gic-v3.c): refuse (WARN) an INTID ≥ 16; then, for
   * each run of targets sharing a cluster id (`gic_compute_target_list()`), one `ICC_SGI1R_EL1`
   * write (`gic_send_sgi()`).
   */
  #gicIpiSendMask(data: IrqData, mask: ReadonlyCpumask): void {
    if (
      this.#printk.warnOn(
        data.hwirq >= GIC_NR_SGIS,
        'gic_ipi_send_mask',
        `hwirq ${data.hwirq} is not an SGI`,
      )
    )
      return;
    const nr = this.#nrCpuIds;
    const map = this.#map;
    // dsb(ishst): stores before the send are visible to the targets (the model is sequential).
    for (let cpu = mask.first(); cpu < nr; cpu = mask.next(cpu)) {
      const clusterId = sgiClusterId(map.cpuLogicalMap(cpu));
      // gic_compute_target_list(): extend the run while the next target is in the same cluster.
      let tlist = 0;
      let mpidr = map.cpuLogicalMap(cpu);
      for (;;) {
        tlist |= 1 << (mpidr & 0xf);
        const next = mask.next(cpu);
        if (next >= nr) break;
        mpidr = map.cpuLogicalMap(next);
        if (sgiClusterId(mpidr) !== clusterId) break;
        cpu = next;
      }
      this.#gicSendSgi(clusterId, tlist, data.hwirq);
    }
    // isb(): the writes above have taken effect.
  }

  /** `gic_send_sgi(cluster_id, tlist, irq)`: one `ICC_SGI1R_EL1` write, and its effect. */
  #gicSendSgi(clusterId: number, tlist: number, intid: number): void {
    this.sgi1rCount++;
    const log = this.#sgi1rLog;
    if (log !== null) {
      log.push({
        cpu: this.#cpus.current?.cpu ?? -1,
        value: gicSgi1rValue(clusterId, tlist, intid),
        aff3: mpidrAffinityLevel(clusterId, 3),
        aff2: mpidrAffinityLevel(clusterId, 2),
        aff1: mpidrAffinityLevel(clusterId, 1),
        rs: (mpidrAffinityLevel(clusterId, 0) >> 4) & 0xf,
        intid,
        targetList: tlist,
      });
    }
    // The distributor: set the SGI pending on every PE the target list names.
    const base = clusterId;
    for (let bit = 0; bit < 16; bit++) {
      if ((tlist & (1 << bit)) === 0) continue;
      const cpu = this.#map.getLogicalIndex(base + bit);
      if (cpu < 0) continue;
      this.#pending[cpu] |= 1 << intid;
      if (this.pending(cpu)) this.#cpus.kick(cpu);
    }
  }

  // ------------------------------------------------------------ InterruptController

  /** Deliverable: an enabled SGI is pending and none is active (all SGIs share one priority). */
  pending(cpu: number): boolean {
    return this.#active[cpu] === 0 && (this.#pending[cpu] & this.#enabled[cpu]) !== 0;
  }

  /** A read of `ICC_IAR1_EL1`: the lowest deliverable INTID goes pending → active; -1 if spurious (1023). */
  acknowledge(cpu: number): number {
    if (!this.pending(cpu)) return -1;
    const ready = this.#pending[cpu] & this.#enabled[cpu];
    const intid = 31 - Math.clz32(ready & -ready);
    this.#pending[cpu] &= ~(1 << intid);
    this.#active[cpu] |= 1 << intid;
    return intid;
  }

  /**
   * `gic_handle_irq()` → `__gic_handle_irq()` (drivers/irqchip/irq-gic-v3.c): hand the INTID to
   * the domain; an unmapped one WARNs once ("Unexpected interrupt") and is deactivated.
   */
  dispatch(cpu: number, intid: number): void {
    if (this.#irq.genericHandleDomainIrq(this.domain, intid) !== 0) {
      this.#printk.warnOnOnce(true, '__gic_handle_irq', `Unexpected interrupt (irqnr ${intid})`);
      // gic_deactivate_unhandled()
      this.#active[cpu] &= ~(1 << intid);
    }
  }

  pendingCount(cpu: number): number {
    let n = 0;
    for (let v = this.#pending[cpu]; v !== 0; v &= v - 1) n++;
    return n;
  }
}

/** The GICv3 driver's module: binds {@link Gicv3} as the machine's {@link InterruptController}. */
export const gicv3Module = new ContainerModule(({ bind }) => {
  bind(Gicv3).toSelf().inSingletonScope();
  bind<InterruptController>(InterruptController).toService(Gicv3);
});
