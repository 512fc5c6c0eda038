/**
 * The IPI callbacks of Linux's `struct apic` drivers, one class per APIC mode:
 * - physical flat (arch/x86/kernel/apic/ipi.c `default_send_IPI_*_phys`, apic_flat_64.c);
 * - logical flat, 32-bit style (ipi.c `default_send_IPI_mask_logical` & co., probe_32.c);
 * - physical x2APIC (arch/x86/kernel/apic/x2apic_phys.c);
 * - cluster x2APIC (arch/x86/kernel/apic/x2apic_cluster.c).
 *
 * They program the current CPU's local APIC through {@link IcrPort}. Local interrupt
 * save/restore around the sequences is not modelled: a sequence runs without yielding anyway.
 *
 * @packageDocumentation
 */
import type { Printk, ReadonlyCpumask } from '../../lib/core.js';
import {
  APIC_DEST_ALLBUT,
  APIC_DEST_ALLINC,
  APIC_DEST_LOGICAL,
  APIC_DEST_PHYSICAL,
  APIC_DEST_SELF,
  NMI_VECTOR,
  __prepareICR,
  __prepareICR2,
} from './apicdef.js';
import { checkCpumask, describeValue } from '../../lib/validate.js';
import type { ApicMode } from './config.js';

/** What the send callbacks need from the local APICs (implemented by `Apic`). */
export interface IcrPort {
  /** The current CPU (the sender); throws outside simulated code, naming `fn`. */
  thisCpu(fn: string): number;
  /** Firmware APIC ID of `cpu`. */
  apicIdOf(cpu: number): number;
  /** x2APIC logical ID of `cpu` (x2APIC modes). */
  logicalIdOf(cpu: number): number;
  /** `cpu_online_mask`. */
  readonly online: ReadonlyCpumask;
  /** `apic_mem_wait_icr_idle()` (or `_timeout()` when `timeout`) on the current CPU. */
  xapicWaitIcrIdle(timeout: boolean): void;
  /** MMIO write of `APIC_ICR2` on the current CPU. */
  xapicWriteIcr2(value: number): void;
  /** MMIO write of `APIC_ICR` on the current CPU: sends. */
  xapicWriteIcr(low: number): void;
  /** `native_x2apic_icr_write(low, dest)` on the current CPU: sends. */
  x2apicWriteIcr(low: number, dest: number): void;
  /** x2APIC `APIC_SELF_IPI` write on the current CPU: sends `vector` to self. */
  x2apicWriteSelfIpi(vector: number): void;
  /** Spends `ns` of the current CPU's time. */
  charge(ns: number): void;
}

/**
 * The IPI members of `struct apic` (arch/x86/include/asm/apic.h). Each sends from the current
 * CPU; CPU numbers are valid and masks are of the machine's width (the callers check).
 */
export interface ApicIpiOps {
  /** `apic->name`. */
  readonly name: string;
  /** `apic->send_IPI(cpu, vector)`. */
  sendIPI(cpu: number, vector: number): void;
  /** `apic->send_IPI_mask(mask, vector)`. */
  sendIPIMask(mask: ReadonlyCpumask, vector: number): void;
  /** `apic->send_IPI_mask_allbutself(mask, vector)`. */
  sendIPIMaskAllButSelf(mask: ReadonlyCpumask, vector: number): void;
  /** `apic->send_IPI_allbutself(vector)`: the all-excluding-self shorthand. */
  sendIPIAllButSelf(vector: number): void;
  /** `apic->send_IPI_all(vector)`: the all-including-self shorthand. */
  sendIPIAll(vector: number): void;
  /** `apic->send_IPI_self(vector)`. */
  sendIPISelf(vector: number): void;
}

/** The xAPIC sequences shared by the physical and logical flat drivers (arch/x86/kernel/apic/ipi.c). */
abstract class XapicIpiOps implements ApicIpiOps {
  /** The mode's name, as Linux's `apic->name`. */
  abstract readonly name: string;
  /** @param port - the sending CPU's ICR access. */
  constructor(
    /** The sending CPU's ICR access (xAPIC MMIO). */
    protected readonly port: IcrPort,
  ) {}

  /**
   * `__default_send_IPI_shortcut(shortcut, vector)`: wait for idle (bounded for NMI), then one
   * low-word write; the destination field is ignored.
   */
  protected __defaultSendIPIShortcut(shortcut: number, vector: number): void {
    this.port.xapicWaitIcrIdle(vector === NMI_VECTOR);
    this.port.xapicWriteIcr(__prepareICR(shortcut, vector, 0));
  }

  /**
   * `__default_send_IPI_dest_field(mask, vector, dest_mode)`: wait for idle, write the
   * destination into ICR2, then the low word (which sends).
   */
  protected __defaultSendIPIDestField(destMask: number, vector: number, destMode: number): void {
    this.port.xapicWaitIcrIdle(vector === NMI_VECTOR);
    this.port.xapicWriteIcr2(__prepareICR2(destMask));
    this.port.xapicWriteIcr(__prepareICR(0, vector, destMode));
  }

  abstract sendIPI(cpu: number, vector: number): void;
  abstract sendIPIMask(mask: ReadonlyCpumask, vector: number): void;
  abstract sendIPIMaskAllButSelf(mask: ReadonlyCpumask, vector: number): void;

  /** `default_send_IPI_allbutself(vector)`. */
  sendIPIAllButSelf(vector: number): void {
    this.__defaultSendIPIShortcut(APIC_DEST_ALLBUT, vector);
  }

  /** `default_send_IPI_all(vector)`. */
  sendIPIAll(vector: number): void {
    this.__defaultSendIPIShortcut(APIC_DEST_ALLINC, vector);
  }

  /** `default_send_IPI_self(vector)`. */
  sendIPISelf(vector: number): void {
    this.__defaultSendIPIShortcut(APIC_DEST_SELF, vector);
  }
}

/** `apic_physflat` (apic_flat_64.c): xAPIC physical destinations, one ICR sequence per CPU. */
export class PhysflatIpiOps extends XapicIpiOps {
  /** The mode's name, as Linux's `apic->name`. */
  readonly name = 'physical flat';

  /** `default_send_IPI_single_phys(cpu, vector)`. */
  sendIPI(cpu: number, vector: number): void {
    this.__defaultSendIPIDestField(this.port.apicIdOf(cpu), vector, APIC_DEST_PHYSICAL);
  }

  /** `default_send_IPI_mask_sequence_phys(mask, vector)`: ascending CPU order. */
  sendIPIMask(mask: ReadonlyCpumask, vector: number): void {
    const nr = mask.nrCpuIds;
    for (let cpu = mask.first(); cpu < nr; cpu = mask.next(cpu)) {
      this.__defaultSendIPIDestField(this.port.apicIdOf(cpu), vector, APIC_DEST_PHYSICAL);
    }
  }

  /** `default_send_IPI_mask_allbutself_phys(mask, vector)`: the same, skipping the sender. */
  sendIPIMaskAllButSelf(mask: ReadonlyCpumask, vector: number): void {
    const self = this.port.thisCpu('default_send_IPI_mask_allbutself_phys');
    const nr = mask.nrCpuIds;
    for (let cpu = mask.first(); cpu < nr; cpu = mask.next(cpu)) {
      if (cpu !== self)
        this.__defaultSendIPIDestField(this.port.apicIdOf(cpu), vector, APIC_DEST_PHYSICAL);
    }
  }
}

/**
 * `apic_default` of 32-bit Linux in logical flat mode: CPU `n` has logical ID `1 << n`
 * (`default_init_apic_ldr()`), so a whole mask of at most 8 CPUs is one ICR write.
 */
export class FlatIpiOps extends XapicIpiOps {
  /** The mode's name, as Linux's `apic->name`. */
  readonly name = 'flat';

  constructor(
    port: IcrPort,
    private readonly printk: Printk,
  ) {
    super(port);
  }

  /** `default_send_IPI_single(cpu, vector)`: `send_IPI_mask(cpumask_of(cpu))`. */
  sendIPI(cpu: number, vector: number): void {
    this.#sendLogical(1 << cpu, vector);
  }

  /**
   * `default_send_IPI_mask_logical(mask, vector)`: one ICR write with the mask's low word as the
   * logical destination; nothing for an empty mask; WARN if it names offline CPUs.
   */
  sendIPIMask(mask: ReadonlyCpumask, vector: number): void {
    this.#sendLogical(mask.words[0], vector);
  }

  #sendLogical(bits: number, vector: number): void {
    if (bits === 0) return;
    this.printk.warnOn((bits & ~this.port.online.words[0]) !== 0, 'default_send_IPI_mask_logical');
    this.__defaultSendIPIDestField(bits, vector, APIC_DEST_LOGICAL);
  }

  /** `default_send_IPI_mask_allbutself_logical(mask, vector)`: one ICR write per CPU but self. */
  sendIPIMaskAllButSelf(mask: ReadonlyCpumask, vector: number): void {
    const self = this.port.thisCpu('default_send_IPI_mask_allbutself_logical');
    const nr = mask.nrCpuIds;
    for (let cpu = mask.first(); cpu < nr; cpu = mask.next(cpu)) {
      if (cpu !== self) this.__defaultSendIPIDestField(1 << cpu, vector, APIC_DEST_LOGICAL);
    }
  }
}

/** The x2APIC sequences shared by the physical and cluster drivers. */
abstract class X2apicIpiOps implements ApicIpiOps {
  /** The mode's name, as Linux's `apic->name`. */
  abstract readonly name: string;
  /** @param port - the sending CPU's ICR access. */
  constructor(
    /** The sending CPU's ICR access (the x2APIC ICR MSR). */
    protected readonly port: IcrPort,
  ) {}

  /** `__x2apic_send_IPI_dest(apicid, vector, dest)`: one ICR MSR write. */
  protected __x2apicSendIPIDest(apicid: number, vector: number, dest: number): void {
    this.port.x2apicWriteIcr(__prepareICR(0, vector, dest), apicid);
  }

  /** `__x2apic_send_IPI_shorthand(vector, which)`. */
  protected __x2apicSendIPIShorthand(vector: number, which: number): void {
    this.port.x2apicWriteIcr(__prepareICR(which, vector, 0), 0);
  }

  /** `__x2apic_send_IPI_mask(mask, vector, apic_dest)` of the driver. */
  protected abstract __x2apicSendIPIMask(
    mask: ReadonlyCpumask,
    vector: number,
    apicDest: number,
  ): void;

  abstract sendIPI(cpu: number, vector: number): void;

  /** `x2apic_send_IPI_mask(mask, vector)`. */
  sendIPIMask(mask: ReadonlyCpumask, vector: number): void {
    this.__x2apicSendIPIMask(mask, vector, APIC_DEST_ALLINC);
  }

  /** `x2apic_send_IPI_mask_allbutself(mask, vector)`. */
  sendIPIMaskAllButSelf(mask: ReadonlyCpumask, vector: number): void {
    this.__x2apicSendIPIMask(mask, vector, APIC_DEST_ALLBUT);
  }

  /** `x2apic_send_IPI_allbutself(vector)`: always the shorthand. */
  sendIPIAllButSelf(vector: number): void {
    this.__x2apicSendIPIShorthand(vector, APIC_DEST_ALLBUT);
  }

  /** `x2apic_send_IPI_all(vector)`: always the shorthand. */
  sendIPIAll(vector: number): void {
    this.__x2apicSendIPIShorthand(vector, APIC_DEST_ALLINC);
  }

  /** `x2apic_send_IPI_self(vector)`: the `SELF_IPI` register. */
  sendIPISelf(vector: number): void {
    this.port.x2apicWriteSelfIpi(vector);
  }
}

/** `apic_x2apic_phys` (x2apic_phys.c): one physical ICR write per destination CPU. */
export class X2apicPhysIpiOps extends X2apicIpiOps {
  /** The mode's name, as Linux's `apic->name`. */
  readonly name = 'physical x2apic';

  /** `x2apic_send_IPI(cpu, vector)` of x2apic_phys.c. */
  sendIPI(cpu: number, vector: number): void {
    this.__x2apicSendIPIDest(this.port.apicIdOf(cpu), vector, APIC_DEST_PHYSICAL);
  }

  /** `__x2apic_send_IPI_mask(mask, vector, apic_dest)` of x2apic_phys.c: per CPU, ascending. */
  protected __x2apicSendIPIMask(mask: ReadonlyCpumask, vector: number, apicDest: number): void {
    const self = this.port.thisCpu('__x2apic_send_IPI_mask');
    const nr = mask.nrCpuIds;
    for (let cpu = mask.first(); cpu < nr; cpu = mask.next(cpu)) {
      if (apicDest === APIC_DEST_ALLBUT && cpu === self) continue;
      this.__x2apicSendIPIDest(this.port.apicIdOf(cpu), vector, APIC_DEST_PHYSICAL);
    }
  }
}

/**
 * `apic_x2apic_cluster` (x2apic_cluster.c): logical destinations; a mask send collapses the CPUs
 * of one cluster (APIC IDs sharing `apicid >> 4`) into one ICR write with their logical IDs OR-ed.
 */
export class X2apicClusterIpiOps extends X2apicIpiOps {
  /** The mode's name, as Linux's `apic->name`. */
  readonly name = 'cluster x2apic';
  /** Cluster index of each CPU. */
  readonly #clusterOf: Int32Array;
  /** CPUs of cluster `k` are `#members[#start[k] .. #start[k + 1])`, in APIC ID order. */
  readonly #start: Int32Array;
  readonly #members: Int32Array;
  /** `per_cpu(ipi_mask)`: the working copy of the mask (sends never nest, so one suffices). */
  readonly #tmp: Uint32Array;

  constructor(
    port: IcrPort,
    apicIds: readonly number[],
    private readonly clusterCollapseNs: number,
  ) {
    super(port);
    const nr = apicIds.length;
    let nClusters = 0;
    for (const id of apicIds) nClusters = Math.max(nClusters, (id >>> 4) + 1);
    this.#clusterOf = new Int32Array(nr);
    this.#start = new Int32Array(nClusters + 1);
    for (let cpu = 0; cpu < nr; cpu++) {
      this.#clusterOf[cpu] = apicIds[cpu] >>> 4;
      this.#start[this.#clusterOf[cpu] + 1]++;
    }
    for (let k = 0; k < nClusters; k++) this.#start[k + 1] += this.#start[k];
    const order = Array.from({ length: nr }, (_, cpu) => cpu).sort(
      (a, b) => apicIds[a] - apicIds[b],
    );
    this.#members = Int32Array.from(order);
    this.#tmp = new Uint32Array((nr + 31) >>> 5);
  }

  /** `x2apic_send_IPI(cpu, vector)` of x2apic_cluster.c: one logical write to the CPU's logical ID. */
  sendIPI(cpu: number, vector: number): void {
    this.__x2apicSendIPIDest(this.port.logicalIdOf(cpu), vector, APIC_DEST_LOGICAL);
  }

  /**
   * `__x2apic_send_IPI_mask(mask, vector, apic_dest)` of x2apic_cluster.c: copy the mask, drop
   * self unless "all including self", then for each remaining CPU OR the logical IDs of the
   * remaining CPUs of its cluster, send one logical IPI, and drop the cluster.
   */
  protected __x2apicSendIPIMask(mask: ReadonlyCpumask, vector: number, apicDest: number): void {
    const tmp = this.#tmp;
    tmp.set(mask.words);
    if (apicDest !== APIC_DEST_ALLINC) {
      const self = this.port.thisCpu('__x2apic_send_IPI_mask');
      tmp[self >>> 5] &= ~(1 << (self & 31));
    }
    for (let w = 0; w < tmp.length; w++) {
      while (tmp[w] !== 0) {
        const cpu = (w << 5) + 31 - Math.clz32(tmp[w] & -tmp[w]);
        const k = this.#clusterOf[cpu];
        let dest = 0;
        for (let i = this.#start[k]; i < this.#start[k + 1]; i++) {
          const c = this.#members[i];
          const bit = 1 << (c & 31);
          if ((tmp[c >>> 5] & bit) === 0) continue;
          dest |= this.port.logicalIdOf(c);
          tmp[c >>> 5] &= ~bit;
        }
        this.port.charge(this.clusterCollapseNs);
        this.__x2apicSendIPIDest(dest >>> 0, vector, APIC_DEST_LOGICAL);
      }
    }
  }
}

/** The `struct apic` IPI callbacks of `mode`. */
export function createApicIpiOps(
  mode: ApicMode,
  port: IcrPort,
  apicIds: readonly number[],
  clusterCollapseNs: number,
  printk: Printk,
): ApicIpiOps {
  switch (mode) {
    case 'xapic-phys':
      return new PhysflatIpiOps(port);
    case 'xapic-logical-flat':
      return new FlatIpiOps(port, printk);
    case 'x2apic-phys':
      return new X2apicPhysIpiOps(port);
    case 'x2apic-cluster':
      return new X2apicClusterIpiOps(port, apicIds, clusterCollapseNs);
  }
}

/**
 * The callbacks of a `struct apic` with their arguments checked: `Apic.ops`, for callers outside
 * the driver (the IPI chip and the x86 plugin check first and use the same callbacks).
 */
export class CheckedApicIpiOps implements ApicIpiOps {
  constructor(
    private readonly raw: ApicIpiOps,
    private readonly port: IcrPort,
    private readonly nrCpuIds: number,
  ) {}

  get name(): string {
    return this.raw.name;
  }

  #vector(fn: string, vector: unknown): void {
    if (typeof vector !== 'number' || !Number.isInteger(vector)) {
      throw new TypeError(`${fn}: vector is ${describeValue(vector)}; expected an integer`);
    }
    if (vector < 0 || vector > 0xff)
      throw new RangeError(`${fn}: vector is ${vector}; expected 0..255`);
    this.port.thisCpu(fn);
  }

  sendIPI(cpu: number, vector: number): void {
    if (typeof cpu !== 'number' || !Number.isInteger(cpu)) {
      throw new TypeError(`send_IPI: cpu is ${describeValue(cpu)}; expected a CPU number`);
    }
    if (cpu < 0 || cpu >= this.nrCpuIds) {
      throw new RangeError(
        `send_IPI: cpu is ${cpu}; expected a CPU number in [0, ${this.nrCpuIds})`,
      );
    }
    this.#vector('send_IPI', vector);
    this.raw.sendIPI(cpu, vector);
  }

  sendIPIMask(mask: ReadonlyCpumask, vector: number): void {
    checkCpumask('send_IPI_mask', 'mask', mask, this.nrCpuIds);
    this.#vector('send_IPI_mask', vector);
    this.raw.sendIPIMask(mask, vector);
  }

  sendIPIMaskAllButSelf(mask: ReadonlyCpumask, vector: number): void {
    checkCpumask('send_IPI_mask_allbutself', 'mask', mask, this.nrCpuIds);
    this.#vector('send_IPI_mask_allbutself', vector);
    this.raw.sendIPIMaskAllButSelf(mask, vector);
  }

  sendIPIAllButSelf(vector: number): void {
    this.#vector('send_IPI_allbutself', vector);
    this.raw.sendIPIAllButSelf(vector);
  }

  sendIPIAll(vector: number): void {
    this.#vector('send_IPI_all', vector);
    this.raw.sendIPIAll(vector);
  }

  sendIPISelf(vector: number): void {
    this.#vector('send_IPI_self', vector);
    this.raw.sendIPISelf(vector);
  }
}
