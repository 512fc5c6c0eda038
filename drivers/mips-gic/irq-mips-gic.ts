/**
 * The Linux MIPS GIC irqchip driver, mirroring drivers/irqchip/irq-mips-gic.c: the GIC root
 * domain, the generic-IPI child domain (`IRQ_DOMAIN_FLAG_IPI_PER_CPU`, bus token
 * `DOMAIN_BUS_IPI`) with its pool of reserved shared interrupts, the edge and level chips, and the
 * chained dispatch from the CPU's GIC line.
 *
 * Quirks of the C driver that are kept (spec §12.5): the IPI alloc op's "enough space" loop
 * compares against `nr_irqs` instead of `base + nr_irqs`, so it only checks anything when the
 * first free reserved interrupt is below `nr_irqs`; and it then claims `nr_irqs` interrupts from
 * the base whether or not they were all free.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { bitmapClear, bitmapSet, bitsToWords, findNextBit } from '../../lib/bitmap.js';
import {
  ArchOptions,
  CpuMasks,
  DOMAIN_BUS_IPI,
  type DomainBusToken,
  Errno,
  type FwnodeHandle,
  IRQ_DOMAIN_FLAG_IPI_PER_CPU,
  IRQ_NOPROBE,
  IRQ_NOREQUEST,
  IRQ_NOTHREAD,
  Irq,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqFlowHandler,
  type IrqFwspec,
  MachineConfig,
  type ReadonlyCpumask,
  SimCpus,
  irqDomainAllocNamedFwnode,
  isCpumask,
  checkInteger,
} from '../../lib/core.js';
import { MipsCpuIntc } from '../mips-cpu-intc/index.js';
import {
  GIC_CPU_PIN_OFFSET,
  GIC_MAP_PIN_MAP_TO_PIN,
  GIC_MAX_INTRS,
  GIC_TRIG_EDGE,
  GIC_TRIG_LEVEL,
  GIC_WEDGE_RW,
  MipsGicHw,
} from './hw.js';

/** `GIC_NUM_LOCAL_INTRS`: local interrupts come first in the hwirq space. */
export const GIC_NUM_LOCAL_INTRS = 7;
/** `GIC_SHARED_HWIRQ_BASE`. */
export const GIC_SHARED_HWIRQ_BASE = GIC_NUM_LOCAL_INTRS;
/** `GIC_SHARED` (include/dt-bindings/interrupt-controller/mips-gic.h): fwspec param 0. */
export const GIC_SHARED = 0;
/** `GIC_LOCAL`. */
export const GIC_LOCAL = 1;
/** `IRQ_TYPE_EDGE_RISING` (include/dt-bindings/interrupt-controller/irq.h). */
export const IRQ_TYPE_EDGE_RISING = 1;
/** `IRQ_TYPE_LEVEL_HIGH`. */
export const IRQ_TYPE_LEVEL_HIGH = 4;
/** `GIC_POL_ACTIVE_HIGH` / `GIC_POL_RISING_EDGE`. */
const GIC_POL_ACTIVE_HIGH = 1;

/** `GIC_SHARED_TO_HWIRQ(x)`: the hwirq of shared interrupt `x`. */
export function gicSharedToHwirq(intr: number): number {
  return intr + GIC_SHARED_HWIRQ_BASE;
}

/** `GIC_HWIRQ_TO_SHARED(x)`: the shared interrupt of hwirq `x`. */
export function gicHwirqToShared(hwirq: number): number {
  return hwirq - GIC_SHARED_HWIRQ_BASE;
}

/**
 * The GIC irqchip driver of one machine, initialised when it is constructed (`gic_of_init()`).
 *
 * Options (`createMachine({ archOptions })`): `gicSharedIntrs` (see {@link MipsGicHw}) and
 * `gicReservedIpiVectors: [first, count]`, the device-tree property `mti,reserved-ipi-vectors`;
 * without it the top `2 × num_possible_cpus()` shared interrupts are the IPI pool.
 */
@injectable()
export class MipsGic {
  /** The device. */
  readonly hw: MipsGicHw;
  /** The GIC's firmware node (its device-tree node in Linux). */
  readonly fwnode: FwnodeHandle;
  /** `gic_irq_domain`: the root domain, hwirqs `[0, 7 + gic_shared_intrs)`. */
  readonly gicIrqDomain: IrqDomain;
  /** `gic_ipi_domain`: child of the root, `IRQ_DOMAIN_FLAG_IPI_PER_CPU`, `DOMAIN_BUS_IPI`. */
  readonly gicIpiDomain: IrqDomain;
  /** `gic_edge_irq_controller` ("MIPS GIC"): ack, mask, unmask and `ipi_send_single` only. */
  readonly gicEdgeIrqController: IrqChip;
  /** `gic_level_irq_controller` ("MIPS GIC"): mask and unmask. */
  readonly gicLevelIrqController: IrqChip;
  /** virq of the CPU line the GIC is chained from (`gic_cpu_pin + GIC_CPU_PIN_OFFSET`). */
  readonly cascadeVirq: number;
  /** `gic_cpu_pin`: the GIC output pin every interrupt is routed to. */
  readonly gicCpuPin = 0;
  /** `gic_irq_dispatch()` bound to this machine: the chained flow handler of the cascade. */
  readonly gicIrqDispatch: IrqFlowHandler;
  /** `ipi_resrv`: shared interrupts reserved for IPIs. */
  readonly #ipiResrv: Uint32Array;
  /** `ipi_available`: reserved shared interrupts not allocated yet. */
  readonly #ipiAvailable: Uint32Array;
  /** `pcpu_masks`: per CPU, the shared interrupts unmasked towards it. */
  readonly #pcpuMasks: Uint32Array[];
  /** Effective affinity (the one CPU) of each shared interrupt, or -1. */
  readonly #effectiveCpu: Int32Array;
  readonly #irq: Irq;
  readonly #cpus: SimCpus;
  readonly #possible: ReadonlyCpumask;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(ArchOptions) options: ArchOptions,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(Irq) irq: Irq,
    @inject(SimCpus) cpus: SimCpus,
    @inject(MipsGicHw) hw: MipsGicHw,
    @inject(MipsCpuIntc) cpuIntc: MipsCpuIntc,
  ) {
    this.hw = hw;
    this.#irq = irq;
    this.#cpus = cpus;
    this.#possible = masks.possible;
    const shared = hw.sharedIntrs;
    const words = bitsToWords(GIC_MAX_INTRS);
    this.#ipiResrv = new Uint32Array(words);
    this.#ipiAvailable = new Uint32Array(words);
    this.#pcpuMasks = Array.from({ length: config.nrCpuIds }, () => new Uint32Array(words));
    this.#effectiveCpu = new Int32Array(shared).fill(-1);
    const mask = (d: IrqData): void => {
      this.gicMaskIrq(d);
    };
    const unmask = (d: IrqData): void => {
      this.gicUnmaskIrq(d);
    };
    this.gicEdgeIrqController = Object.freeze({
      name: 'MIPS GIC',
      irqAck: (d: IrqData): void => {
        this.gicAckIrq(d);
      },
      irqMask: mask,
      irqUnmask: unmask,
      // gic_send_ipi(d, cpu) ignores cpu: the interrupt is already routed to that CPU's VP.
      ipiSendSingle: (d: IrqData): void => {
        this.gicSendIpi(d);
      },
    });
    this.gicLevelIrqController = Object.freeze({
      name: 'MIPS GIC',
      irqMask: mask,
      irqUnmask: unmask,
    });
    this.gicIrqDispatch = () => {
      this.#gicHandleSharedInt();
    };

    // gic_basic_init(): every shared interrupt active high, level, masked.
    for (let i = 0; i < shared; i++) {
      hw.changeGicPol(i, GIC_POL_ACTIVE_HIGH);
      hw.changeGicTrig(i, GIC_TRIG_LEVEL);
      hw.writeGicRmask(i);
    }
    this.fwnode = irqDomainAllocNamedFwnode('mips-gic');
    this.gicIrqDomain = irq.irqDomainCreateLinear(this.fwnode, GIC_NUM_LOCAL_INTRS + shared, {
      alloc: (d, virq, nrIrqs, arg) => this.#gicIrqDomainAlloc(d, virq, nrIrqs, arg),
      free: (d, virq, nrIrqs) => {
        irq.irqDomainFreeIrqsTop(d, virq, nrIrqs);
      },
    });
    this.gicIpiDomain = this.#gicRegisterIpiDomain(options, masks.possible.weight());

    // The GIC is chained from CPU line IP2 (pin 0): irq_set_chained_handler(virq, gic_irq_dispatch).
    this.cascadeVirq = cpuIntc.irqCreateMapping(this.gicCpuPin + GIC_CPU_PIN_OFFSET);
    if (this.cascadeVirq <= 0)
      throw new Error(`mips-gic: cannot map the cascade CPU line (${this.cascadeVirq})`);
    irq.settings.irqSetHandler(this.cascadeVirq, this.gicIrqDispatch, null);
    irq.irqSetStatusFlags(this.cascadeVirq, IRQ_NOREQUEST | IRQ_NOPROBE | IRQ_NOTHREAD);
  }

  /** Shared interrupts reserved for IPIs (`ipi_resrv`), ascending. */
  ipiReserved(): number[] {
    return bits(this.#ipiResrv, this.hw.sharedIntrs);
  }

  /** Reserved shared interrupts not allocated to an IPI yet (`ipi_available`), ascending. */
  ipiAvailable(): number[] {
    return bits(this.#ipiAvailable, this.hw.sharedIntrs);
  }

  /** Shared interrupts unmasked towards `cpu` (`pcpu_masks`), ascending. */
  pcpuMask(cpu: number): number[] {
    checkInteger('pcpuMask', 'cpu', cpu);
    if (cpu < 0 || cpu >= this.#pcpuMasks.length) throw new RangeError(`pcpuMask: cpu is ${cpu}; expected a CPU number in [0, ${this.#pcpuMasks.length})`);
    return bits(this.#pcpuMasks[cpu], this.hw.sharedIntrs);
  }

  /** `gic_register_ipi_domain()`: the IPI domain and its pool. */
  #gicRegisterIpiDomain(options: ArchOptions, numPossibleCpus: number): IrqDomain {
    const irq = this.#irq;
    const shared = this.hw.sharedIntrs;
    const ipiDomain = irq.irqDomainCreateHierarchy({
      parent: this.gicIrqDomain,
      flags: IRQ_DOMAIN_FLAG_IPI_PER_CPU,
      size: GIC_NUM_LOCAL_INTRS + shared,
      fwnode: this.fwnode,
      ops: {
        // irq_reserve_ipi() passes the destination mask; anything else is a caller bug.
        alloc: (d, virq, nrIrqs, arg) =>
          isCpumask(arg) ? this.gicIpiDomainAlloc(d, virq, nrIrqs, arg) : -Errno.EINVAL,
        free: (d, virq, nrIrqs) => {
          this.gicIpiDomainFree(d, virq, nrIrqs);
        },
        match: (d, node, busToken) => this.gicIpiDomainMatch(d, node, busToken),
      },
    });
    irq.irqDomainUpdateBusToken(ipiDomain, DOMAIN_BUS_IPI);
    const v = options.gicReservedIpiVectors;
    if (v !== undefined) {
      // of_property_read_u32_array(node, "mti,reserved-ipi-vectors", v, 2)
      if (
        !Array.isArray(v) ||
        v.length !== 2 ||
        !v.every((x) => Number.isInteger(x) && (x as number) >= 0) ||
        (v[0] as number) + (v[1] as number) > shared
      ) {
        throw new RangeError(
          `mips-gic: archOptions.gicReservedIpiVectors is ${JSON.stringify(v)}; expected [first, count] within the ${shared} shared interrupts`,
        );
      }
      bitmapSet(this.#ipiResrv, v[0] as number, v[1] as number);
    } else {
      // Reserve 2 interrupts per possible CPU/VP for use as IPIs (arch/mips SMP needs them).
      const numIpis = 2 * numPossibleCpus;
      if (numIpis > shared) {
        throw new RangeError(
          `mips-gic: ${numPossibleCpus} possible CPUs need ${numIpis} IPI interrupts but the GIC has ${shared} shared ` +
            'interrupts; use fewer CPUs, more archOptions.gicSharedIntrs or archOptions.gicReservedIpiVectors',
        );
      }
      bitmapSet(this.#ipiResrv, shared - numIpis, numIpis);
    }
    this.#ipiAvailable.set(this.#ipiResrv);
    return ipiDomain;
  }

  /**
   * gicIpiDomainAlloc() - Allocate per-CPU IPIs from the reserved pool.
   * Mirrors `gic_ipi_domain_alloc()` in drivers/irqchip/irq-mips-gic.c: base = the lowest
   * available reserved interrupt (none: `-ENOMEM`); the "enough space" check (quirk: bound
   * `nr_irqs`, not `base + nr_irqs`; `-EBUSY`); claim `nrIrqs` from base; then for the i-th CPU
   * of `ipimask`: hwirq = `GIC_SHARED_TO_HWIRQ(base + i)` with the edge chip at this level and
   * the parent's, type edge-rising, routed to that CPU. Errors give the claimed bits back.
   */
  gicIpiDomainAlloc(d: IrqDomain, virq: number, nrIrqs: number, ipimask: ReadonlyCpumask): number {
    const irq = this.#irq;
    const shared = this.hw.sharedIntrs;
    const baseHwirq = findNextBit(this.#ipiAvailable, shared, 0);
    if (baseHwirq === shared) return -Errno.ENOMEM;
    // Check that we have enough space (the C bound is nr_irqs: spec §12.5).
    for (let i = baseHwirq; i < nrIrqs; i++) {
      if ((this.#ipiAvailable[i >>> 5] & (1 << (i & 31))) === 0) return -Errno.EBUSY;
    }
    bitmapClear(this.#ipiAvailable, baseHwirq, nrIrqs);
    let i = 0;
    let ret: number;
    for (let cpu = ipimask.first(); cpu < ipimask.nrCpuIds; cpu = ipimask.next(cpu)) {
      const hwirq = gicSharedToHwirq(baseHwirq + i);
      ret = irq.irqDomainSetHwirqAndChip(d, virq + i, hwirq, this.gicEdgeIrqController, null);
      if (ret === 0 && d.parent !== null) {
        ret = irq.irqDomainSetHwirqAndChip(
          d.parent,
          virq + i,
          hwirq,
          this.gicEdgeIrqController,
          null,
        );
      }
      // irq_set_irq_type(virq + i, IRQ_TYPE_EDGE_RISING) reaches gic_set_type() with the outer level.
      if (ret === 0)
        ret = this.gicSetType(irq.irqGetIrqData(virq + i) as IrqData, IRQ_TYPE_EDGE_RISING);
      if (ret === 0) ret = this.gicSharedIrqDomainMap(d, virq + i, hwirq, cpu);
      if (ret !== 0) {
        bitmapSet(this.#ipiAvailable, baseHwirq, nrIrqs);
        return ret;
      }
      i++;
    }
    return 0;
  }

  /**
   * gicIpiDomainFree() - Give IPI interrupts back to the pool.
   * Mirrors `gic_ipi_domain_free()`: base = the shared interrupt of the virq's (outermost) hwirq;
   * `nrIrqs` interrupts from there become available again. Routing and levels are left as they are.
   */
  gicIpiDomainFree(_d: IrqDomain, virq: number, nrIrqs: number): void {
    const data = this.#irq.irqGetIrqData(virq);
    if (data === null) return;
    bitmapSet(this.#ipiAvailable, gicHwirqToShared(data.hwirq), nrIrqs);
  }

  /**
   * gicIpiDomainMatch() - Match the IPI domain by bus token.
   * Mirrors `gic_ipi_domain_match()`: only `DOMAIN_BUS_IPI`, and a null node or the GIC's own.
   */
  gicIpiDomainMatch(d: IrqDomain, node: FwnodeHandle | null, busToken: DomainBusToken): boolean {
    if (busToken !== DOMAIN_BUS_IPI) return false;
    const isIpi = d.busToken === busToken;
    return (node === null || d.fwnode === node) && isIpi;
  }

  /**
   * gicSharedIrqDomainMap() - Route a shared interrupt to one CPU.
   * Mirrors `gic_shared_irq_domain_map()`: effective affinity = `{cpu}`; `GIC_MAP_PIN` =
   * map-to-pin | `gic_cpu_pin`; `GIC_MAP_VP` = the CPU's VP. Returns 0.
   */
  gicSharedIrqDomainMap(_d: IrqDomain, _virq: number, hwirq: number, cpu: number): number {
    const intr = gicHwirqToShared(hwirq);
    this.#effectiveCpu[intr] = cpu;
    this.hw.writeGicMapPin(intr, GIC_MAP_PIN_MAP_TO_PIN | this.gicCpuPin);
    this.hw.writeGicMapVp(intr, cpu);
    return 0;
  }

  /**
   * gicSetType() - Set trigger and flow handler.
   * Mirrors `gic_set_type()` (reached through `irq_set_irq_type()`): edge types get
   * `GIC_TRIG_EDGE`, the edge chip and `handle_edge_irq`; level types `GIC_TRIG_LEVEL` and the
   * level chip. The model has no `handle_level_irq`, so a level interrupt keeps its flow handler.
   * @returns 0, or `-EINVAL` for data that is not a shared GIC interrupt or an unknown type.
   */
  gicSetType(d: IrqData, type: number): number {
    const desc = this.#irq.irqToDesc(d.irq);
    const intr = gicHwirqToShared(d.hwirq);
    if (desc === null || intr < 0 || intr >= this.hw.sharedIntrs) return -Errno.EINVAL;
    if (type === IRQ_TYPE_EDGE_RISING) {
      this.hw.changeGicPol(intr, GIC_POL_ACTIVE_HIGH);
      this.hw.changeGicTrig(intr, GIC_TRIG_EDGE);
      // irq_set_chip_handler_name_locked(d, &gic_edge_irq_controller, handle_edge_irq, NULL)
      d.chip = this.gicEdgeIrqController;
      this.#irq.settings.irqSetHandler(d.irq, this.#irq.flow.handleEdgeIrq, null);
      return 0;
    }
    if (type === IRQ_TYPE_LEVEL_HIGH) {
      this.hw.changeGicPol(intr, GIC_POL_ACTIVE_HIGH);
      this.hw.changeGicTrig(intr, GIC_TRIG_LEVEL);
      d.chip = this.gicLevelIrqController;
      return 0;
    }
    return -Errno.EINVAL;
  }

  /**
   * gicSendIpi() - `gic_send_ipi(d, cpu)`: `write_gic_wedge(GIC_WEDGE_RW | intr)`. The C `cpu`
   * argument is unused (the interrupt is routed to that CPU already), so the model drops it.
   */
  gicSendIpi(d: IrqData): void {
    this.hw.writeGicWedge(GIC_WEDGE_RW | gicHwirqToShared(d.hwirq));
  }

  /** gicAckIrq() - `gic_ack_irq()`: `write_gic_wedge(intr)` clears the edge's pending bit. */
  gicAckIrq(d: IrqData): void {
    this.hw.writeGicWedge(gicHwirqToShared(d.hwirq));
  }

  /** gicMaskIrq() - `gic_mask_irq()`: `write_gic_rmask(intr)` and clear it from every CPU's mask. */
  gicMaskIrq(d: IrqData): void {
    const intr = gicHwirqToShared(d.hwirq);
    this.hw.writeGicRmask(intr);
    this.#gicClearPcpuMasks(intr);
  }

  /**
   * gicUnmaskIrq() - `gic_unmask_irq()`: `write_gic_smask(intr)`, then the interrupt goes into the
   * `pcpu_masks` of the first CPU of its effective affinity only.
   */
  gicUnmaskIrq(d: IrqData): void {
    const intr = gicHwirqToShared(d.hwirq);
    this.hw.writeGicSmask(intr);
    this.#gicClearPcpuMasks(intr);
    const cpu = this.#effectiveCpu[intr];
    if (cpu >= 0) this.#pcpuMasks[cpu][intr >>> 5] |= 1 << (intr & 31);
  }

  /** `gic_clear_pcpu_masks(intr)`: for every possible CPU. */
  #gicClearPcpuMasks(intr: number): void {
    const bit = ~(1 << (intr & 31));
    for (
      let cpu = this.#possible.first();
      cpu < this.#possible.nrCpuIds;
      cpu = this.#possible.next(cpu)
    ) {
      this.#pcpuMasks[cpu][intr >>> 5] &= bit;
    }
  }

  /**
   * `gic_handle_shared_int(chained = true)`: on the current CPU, every pending shared interrupt
   * of its `pcpu_masks`, ascending, through `generic_handle_domain_irq(gic_irq_domain, hwirq)`.
   */
  #gicHandleSharedInt(): void {
    const cpu = this.#cpus.smpProcessorId();
    const mask = this.#pcpuMasks[cpu];
    const words = bitsToWords(this.hw.sharedIntrs);
    for (let w = 0; w < words; w++) {
      let pending = this.hw.readGicPendWord(w) & mask[w];
      while (pending !== 0) {
        const bit = 31 - Math.clz32(pending & -pending);
        pending &= pending - 1;
        this.#irq.flow.genericHandleDomainIrq(this.gicIrqDomain, gicSharedToHwirq((w << 5) + bit));
      }
    }
  }

  /**
   * `gic_irq_domain_alloc()` for device interrupts (fwspec `[GIC_SHARED, intr, type]`): a shared
   * interrupt reserved for IPIs is refused with `-EBUSY`; others get the level chip and are
   * routed to CPU 0 (`gic_irq_domain_map()`). Local interrupts are not modelled (`-EINVAL`).
   */
  #gicIrqDomainAlloc(d: IrqDomain, virq: number, nrIrqs: number, arg: unknown): number {
    const fwspec = arg as IrqFwspec | null;
    if (fwspec === null || typeof fwspec !== 'object') return -Errno.EINVAL;
    const param: readonly unknown[] = fwspec.param;
    const first = param[1];
    if (param[0] !== GIC_SHARED) return -Errno.EINVAL;
    if (
      typeof first !== 'number' ||
      !Number.isInteger(first) ||
      first < 0 ||
      first + nrIrqs > this.hw.sharedIntrs
    ) {
      return -Errno.EINVAL;
    }
    for (let i = 0; i < nrIrqs; i++) {
      const intr = first + i;
      // Verify that shared irqs don't conflict with an IPI irq.
      if ((this.#ipiResrv[intr >>> 5] & (1 << (intr & 31))) !== 0) return -Errno.EBUSY;
      const hwirq = gicSharedToHwirq(intr);
      const ret = this.#irq.irqDomainSetHwirqAndChip(
        d,
        virq + i,
        hwirq,
        this.gicLevelIrqController,
        null,
      );
      if (ret !== 0) return ret;
      this.gicSharedIrqDomainMap(d, virq + i, hwirq, 0);
    }
    return 0;
  }
}

function bits(words: Uint32Array, size: number): number[] {
  const out: number[] = [];
  for (let i = findNextBit(words, size, 0); i < size; i = findNextBit(words, size, i + 1))
    out.push(i);
  return out;
}
