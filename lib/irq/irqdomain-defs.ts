/**
 * Irq domain types, flags and predicates, mirroring include/linux/irqdomain.h and
 * include/linux/irqdomain_defs.h.
 *
 * @packageDocumentation
 */
import type { MachineLink } from '../machine/config.js';
import type { IrqData } from './irqdata.js';

/** `IRQ_DOMAIN_FLAG_HIERARCHY`: set at creation iff the ops have `alloc`. */
export const IRQ_DOMAIN_FLAG_HIERARCHY = 1 << 0;
/** `IRQ_DOMAIN_NAME_ALLOCATED`. */
export const IRQ_DOMAIN_NAME_ALLOCATED = 1 << 1;
/** `IRQ_DOMAIN_FLAG_IPI_PER_CPU`: one virq (and hwirq) per CPU. */
export const IRQ_DOMAIN_FLAG_IPI_PER_CPU = 1 << 2;
/** `IRQ_DOMAIN_FLAG_IPI_SINGLE`: one virq (and hwirq) for all CPUs. */
export const IRQ_DOMAIN_FLAG_IPI_SINGLE = 1 << 3;
/** `IRQ_DOMAIN_FLAG_MSI`. */
export const IRQ_DOMAIN_FLAG_MSI = 1 << 4;
/** `IRQ_DOMAIN_FLAG_ISOLATED_MSI`. */
export const IRQ_DOMAIN_FLAG_ISOLATED_MSI = 1 << 5;
/** `IRQ_DOMAIN_FLAG_NO_MAP`: the domain maps hwirq n to virq n directly. */
export const IRQ_DOMAIN_FLAG_NO_MAP = 1 << 6;
/** `IRQ_DOMAIN_FLAG_NONCORE`: this bit and above are driver-private. */
export const IRQ_DOMAIN_FLAG_NONCORE = 1 << 16;

/** `enum irq_domain_bus_token` (current numbering: `DOMAIN_BUS_IPI` is 6). */
export enum DomainBusToken {
  /** Matches any domain in lookups; the token of a fresh domain. */
  DOMAIN_BUS_ANY = 0,
  /** Wired interrupt lines. */
  DOMAIN_BUS_WIRED = 1,
  /** Generic MSI. */
  DOMAIN_BUS_GENERIC_MSI = 2,
  /** PCI MSI. */
  DOMAIN_BUS_PCI_MSI = 3,
  /** Platform MSI. */
  DOMAIN_BUS_PLATFORM_MSI = 4,
  /** Nexus (an intermediate domain). */
  DOMAIN_BUS_NEXUS = 5,
  /** IPI domains (5 in kernels before `DOMAIN_BUS_GENERIC_MSI` was inserted). */
  DOMAIN_BUS_IPI = 6,
  /** Freescale Management Complex MSI. */
  DOMAIN_BUS_FSL_MC_MSI = 7,
  /** TI SCI INTA MSI. */
  DOMAIN_BUS_TI_SCI_INTA_MSI = 8,
  /** Wake-up interrupts. */
  DOMAIN_BUS_WAKEUP = 9,
  /** Intel VMD MSI. */
  DOMAIN_BUS_VMD_MSI = 10,
}
/** `DOMAIN_BUS_ANY`. */
export const DOMAIN_BUS_ANY = DomainBusToken.DOMAIN_BUS_ANY;
/** `DOMAIN_BUS_WIRED`. */
export const DOMAIN_BUS_WIRED = DomainBusToken.DOMAIN_BUS_WIRED;
/** `DOMAIN_BUS_IPI`. */
export const DOMAIN_BUS_IPI = DomainBusToken.DOMAIN_BUS_IPI;

/**
 * A firmware node handle (`struct fwnode_handle`): an identity that domains are matched by.
 * Create one with `irqDomainAllocNamedFwnode(name)`; compare by identity.
 */
export class FwnodeHandle {
  /** @param name - the node's name; domains created on this node take it as their name. */
  constructor(readonly name: string) {}
}

/** `struct irq_fwspec`: a firmware interrupt specifier. */
export interface IrqFwspec {
  /** The node of the controller the specifier is for. */
  readonly fwnode: FwnodeHandle | null;
  /** Controller-specific cells (`param[]`, `param_count` is its length). */
  readonly param: readonly number[];
}

/**
 * `struct irq_domain_ops`. Every hook is optional. For hierarchical domains `alloc` and `free`
 * are the ones that matter; `match`/`select` customise {@link IrqDomainRegistry.irqFindMatchingFwnode}.
 */
export interface IrqDomainOps {
  /** `match(d, node, bus_token)`. */
  match?(domain: IrqDomain, node: FwnodeHandle | null, busToken: DomainBusToken): boolean;
  /** `select(d, fwspec, bus_token)`. */
  select?(domain: IrqDomain, fwspec: IrqFwspec, busToken: DomainBusToken): boolean;
  /**
   * `alloc(d, virq, nr_irqs, arg)`: set up `nrIrqs` levels from `virq`. For IPI domains `arg` is
   * the destination {@link Cpumask} passed to `irq_reserve_ipi`. Returns 0 or a negative errno.
   */
  alloc?(domain: IrqDomain, virq: number, nrIrqs: number, arg: unknown): number;
  /** `free(d, virq, nr_irqs)`: undo `alloc`; called once per virq with `nrIrqs = 1`. */
  free?(domain: IrqDomain, virq: number, nrIrqs: number): void;
}

/**
 * An irq domain (`struct irq_domain`): a hwirq number space with its reverse map and, in a
 * hierarchy, a parent. Create domains through the machine (`machine.irq.irqDomainCreate…`);
 * a domain belongs to exactly one machine.
 */
export class IrqDomain {
  /** Domain name (renamed to `"<name>-<token>"` by a bus-token update). */
  name: string;
  /** `IRQ_DOMAIN_FLAG_*` bits. */
  flags: number;
  /** `bus_token`. */
  busToken: DomainBusToken = DomainBusToken.DOMAIN_BUS_ANY;
  /** Firmware node this domain is matched by. */
  readonly fwnode: FwnodeHandle | null;
  /** Domain operations. */
  readonly ops: IrqDomainOps;
  /** `host_data`: private data of the driver that created the domain. */
  readonly hostData: unknown;
  /** Parent domain in a hierarchy, or null for a root domain. */
  readonly parent: IrqDomain | null;
  /** `hwirq_max`. */
  readonly hwirqMax: number;
  /** `revmap_size`: hwirqs below this use the linear map, the rest the tree. */
  readonly revmapSize: number;
  /** `mapcount`: number of mapped (virq, level) pairs in this domain. */
  mapcount = 0;
  /** @internal Linear reverse map, `revmap[hwirq]`. */
  readonly revmap: (IrqData | undefined)[];
  /** @internal Tree reverse map for hwirqs at or above `revmapSize`. */
  readonly revmapTree = new Map<number, IrqData>();
  /** @internal The machine this domain belongs to. */
  readonly machine: MachineLink;

  /** @internal Use the machine's `irqDomainCreate…` functions. */
  constructor(init: {
    name: string;
    flags: number;
    fwnode: FwnodeHandle | null;
    ops: IrqDomainOps;
    hostData: unknown;
    parent: IrqDomain | null;
    hwirqMax: number;
    revmapSize: number;
    machine: MachineLink;
  }) {
    this.name = init.name;
    this.flags = init.flags;
    this.fwnode = init.fwnode;
    this.ops = init.ops;
    this.hostData = init.hostData;
    this.parent = init.parent;
    this.hwirqMax = init.hwirqMax;
    this.revmapSize = init.revmapSize;
    this.revmap = new Array<IrqData | undefined>(init.revmapSize);
    this.machine = init.machine;
  }
}

/** `irq_domain_is_hierarchy()`. */
export function irqDomainIsHierarchy(domain: IrqDomain): boolean {
  return (domain.flags & IRQ_DOMAIN_FLAG_HIERARCHY) !== 0;
}

/** `irq_domain_is_ipi()`: the domain has the PER_CPU or the SINGLE IPI flag. */
export function irqDomainIsIpi(domain: IrqDomain): boolean {
  return (domain.flags & (IRQ_DOMAIN_FLAG_IPI_PER_CPU | IRQ_DOMAIN_FLAG_IPI_SINGLE)) !== 0;
}

/** `irq_domain_is_ipi_per_cpu()`. */
export function irqDomainIsIpiPerCpu(domain: IrqDomain): boolean {
  return (domain.flags & IRQ_DOMAIN_FLAG_IPI_PER_CPU) !== 0;
}

/** `irq_domain_is_ipi_single()`. */
export function irqDomainIsIpiSingle(domain: IrqDomain): boolean {
  return (domain.flags & IRQ_DOMAIN_FLAG_IPI_SINGLE) !== 0;
}

/** `irq_domain_alloc_named_fwnode(name)`: a new firmware node identity. */
export function irqDomainAllocNamedFwnode(name: string): FwnodeHandle {
  return new FwnodeHandle(name);
}
