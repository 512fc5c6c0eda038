/**
 * Domain creation, lookup and reverse mapping, mirroring the non-hierarchical half of
 * kernel/irq/irqdomain.c.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { MachineLink } from '../machine/config.js';
import { Printk } from '../printk.js';
import { checkIrqNumber, describeValue } from '../validate.js';
import type { IrqData } from './irqdata.js';
import { IrqDescTable } from './irqdesc.js';
import {
  DomainBusToken,
  FwnodeHandle,
  IRQ_DOMAIN_FLAG_HIERARCHY,
  IRQ_DOMAIN_FLAG_NO_MAP,
  IRQ_DOMAIN_NAME_ALLOCATED,
  IrqDomain,
  type IrqDomainOps,
  type IrqFwspec,
} from './irqdomain-defs.js';

const PR = 'irq: ';

/** Throws unless `value` is a {@link FwnodeHandle} or null. */
function checkFwnode(fn: string, arg: string, value: unknown): void {
  if (value !== null && !(value instanceof FwnodeHandle)) {
    throw new TypeError(
      `${fn}: ${arg} is ${describeValue(value)}; expected a FwnodeHandle or null`,
    );
  }
}

/** Arguments of {@link IrqDomainRegistry.irqDomainCreateHierarchy}, in the C argument order. */
export interface IrqDomainHierarchyInfo {
  /** Parent domain, or null for a root domain. */
  readonly parent: IrqDomain | null;
  /** `IRQ_DOMAIN_FLAG_*` bits OR-ed into the new domain's flags. */
  readonly flags: number;
  /** Linear reverse-map size; 0 makes a tree-only domain. */
  readonly size: number;
  /** Firmware node; if omitted, a node named `name` is allocated. */
  readonly fwnode?: FwnodeHandle | null;
  /** Domain name when no `fwnode` is given. */
  readonly name?: string;
  /** Domain operations. */
  readonly ops: IrqDomainOps;
  /** Driver-private data. */
  readonly hostData?: unknown;
}

/** The error of `IrqDomainRegistry.checkDomain` for a domain that is not one of this machine. */
function badDomain(fn: string, arg: string, domain: unknown): never {
  if (!(domain instanceof IrqDomain)) {
    throw new TypeError(`${fn}: ${arg} is ${describeValue(domain)}; expected an IrqDomain`);
  }
  throw new TypeError(`${fn}: ${arg} "${domain.name}" belongs to another machine; use a domain created by this machine`);
}

/**
 * All irq domains of one machine: creation (`irq_domain_create_*`), lookup
 * (`irq_find_matching_*`), bus tokens, the default host and the reverse map.
 */
@injectable()
export class IrqDomainRegistry {
  /** Domains, newest first (the kernel adds at the head of its list). */
  readonly #domains: IrqDomain[] = [];
  readonly #link: MachineLink;
  readonly #descs: IrqDescTable;
  readonly #printk: Printk;
  #defaultDomain: IrqDomain | null = null;
  #unknownCount = 0;

  constructor(
    @inject(MachineLink) link: MachineLink,
    @inject(IrqDescTable) descs: IrqDescTable,
    @inject(Printk) printk: Printk,
  ) {
    this.#link = link;
    this.#descs = descs;
    this.#printk = printk;
  }

  /** Domains of this machine, newest first. */
  get domains(): readonly IrqDomain[] {
    return this.#domains;
  }

  /**
   * Throws unless `domain` is an {@link IrqDomain} of this machine (or null when allowed).
   * @internal
   */
  checkDomain(fn: string, arg: string, domain: unknown, nullable: boolean): void {
    // Compact, with the errors out of line: this runs on every interrupt (generic_handle_domain_irq).
    if (domain instanceof IrqDomain ? domain.machine !== this.#link : !(domain === null && nullable)) {
      badDomain(fn, arg, domain);
    }
  }

  /**
   * `irq_domain_create_hierarchy(parent, flags, size, fwnode, ops, host_data)`
   * (kernel/irq/irqdomain.c): a domain whose reverse map is linear of `size` (or a tree when
   * `size` is 0), with `flags` OR-ed in and `parent` recorded. `IRQ_DOMAIN_FLAG_HIERARCHY` is
   * set iff `ops.alloc` exists.
   * @throws TypeError on malformed arguments (the C function would crash or misbehave).
   */
  irqDomainCreateHierarchy(info: IrqDomainHierarchyInfo): IrqDomain {
    const fn = 'irqDomainCreateHierarchy';
    if (typeof (info as unknown) !== 'object' || (info as unknown) === null) {
      throw new TypeError(`${fn}: info is ${describeValue(info)}; expected { parent, flags, size, ops, … }`);
    }
    this.checkDomain(fn, 'info.parent', info.parent, true);
    checkIrqNumber(fn, 'info.flags', info.flags);
    checkIrqNumber(fn, 'info.size', info.size);
    return this.#create(fn, {
      fwnode: info.fwnode ?? null,
      name: info.name,
      size: info.size,
      hwirqMax: info.size === 0 ? 0xffffffff : info.size,
      ops: info.ops,
      hostData: info.hostData,
      flags: info.flags,
      parent: info.parent,
    });
  }

  /**
   * `irq_domain_create_linear(fwnode, size, ops, host_data)`: a root domain with a linear reverse
   * map of `size` entries. `fwnode` may be a name, for convenience.
   */
  irqDomainCreateLinear(
    fwnode: FwnodeHandle | string | null,
    size: number,
    ops: IrqDomainOps,
    hostData?: unknown,
  ): IrqDomain {
    const fn = 'irqDomainCreateLinear';
    checkIrqNumber(fn, 'size', size);
    const node = typeof fwnode === 'string' ? new FwnodeHandle(fwnode) : fwnode;
    return this.#create(fn, {
      fwnode: node,
      name: undefined,
      size,
      hwirqMax: size,
      ops,
      hostData,
      flags: 0,
      parent: null,
    });
  }

  /** `irq_domain_create_tree(fwnode, ops, host_data)`: a root domain with only a tree map. */
  irqDomainCreateTree(fwnode: FwnodeHandle | string | null, ops: IrqDomainOps, hostData?: unknown): IrqDomain {
    const node = typeof fwnode === 'string' ? new FwnodeHandle(fwnode) : fwnode;
    return this.#create('irqDomainCreateTree', {
      fwnode: node,
      name: undefined,
      size: 0,
      hwirqMax: 0xffffffff,
      ops,
      hostData,
      flags: 0,
      parent: null,
    });
  }

  #create(
    fn: string,
    o: {
      fwnode: FwnodeHandle | null;
      name: string | undefined;
      size: number;
      hwirqMax: number;
      ops: IrqDomainOps;
      hostData: unknown;
      flags: number;
      parent: IrqDomain | null;
    },
  ): IrqDomain {
    if (typeof o.ops !== 'object' || (o.ops as unknown) === null) {
      throw new TypeError(`${fn}: ops is ${describeValue(o.ops)}; expected an IrqDomainOps object`);
    }
    checkFwnode(fn, 'fwnode', o.fwnode);
    if (o.name !== undefined && typeof o.name !== 'string') {
      throw new TypeError(`${fn}: name is ${describeValue(o.name)}; expected a string`);
    }
    const fwnode = o.fwnode ?? (o.name !== undefined ? new FwnodeHandle(o.name) : null);
    const name = fwnode?.name ?? `unknown-${++this.#unknownCount}`;
    let flags = o.flags;
    // irq_domain_check_hierarchy(): the flag follows the ops, not the presence of a parent.
    if (typeof o.ops.alloc === 'function') flags |= IRQ_DOMAIN_FLAG_HIERARCHY;
    const domain = new IrqDomain({
      name,
      flags,
      fwnode,
      ops: o.ops,
      hostData: o.hostData,
      parent: o.parent,
      hwirqMax: o.hwirqMax,
      revmapSize: o.size,
      machine: this.#link,
    });
    this.#domains.unshift(domain);
    this.#printk.prDebug(PR, `Added domain ${name}`);
    return domain;
  }

  /**
   * `irq_domain_remove(domain)`: unlinks the domain. Like the kernel, mappings must already be
   * gone; a domain with a non-zero `mapcount` is refused with a thrown error instead of the
   * kernel's use-after-free.
   */
  irqDomainRemove(domain: IrqDomain): void {
    this.checkDomain('irqDomainRemove', 'domain', domain, false);
    if (domain.mapcount !== 0) {
      throw new Error(
        `irqDomainRemove: domain "${domain.name}" still has ${domain.mapcount} mappings; free its irqs first`,
      );
    }
    const i = this.#domains.indexOf(domain);
    if (i >= 0) this.#domains.splice(i, 1);
    if (this.#defaultDomain === domain) this.#defaultDomain = null;
  }

  /**
   * `irq_domain_update_bus_token(domain, bus_token)`: no-op if unchanged, else sets the token and
   * renames the domain `"<name>-<token>"`.
   */
  irqDomainUpdateBusToken(domain: IrqDomain, busToken: DomainBusToken): void {
    this.checkDomain('irqDomainUpdateBusToken', 'domain', domain, false);
    checkIrqNumber('irqDomainUpdateBusToken', 'busToken', busToken);
    if (domain.busToken === busToken) return;
    domain.busToken = busToken;
    domain.name = `${domain.name}-${busToken}`;
    domain.flags |= IRQ_DOMAIN_NAME_ALLOCATED;
  }

  /**
   * `irq_find_matching_fwspec(fwspec, bus_token)`: the first domain (newest first) whose `select`
   * op accepts the fwspec (when the token is not ANY), else whose `match` op accepts the node,
   * else whose fwnode is the node and whose token matches. Null if none.
   */
  irqFindMatchingFwspec(fwspec: IrqFwspec, busToken: DomainBusToken): IrqDomain | null {
    const fn = 'irqFindMatchingFwspec';
    if (typeof fwspec !== 'object' || (fwspec as unknown) === null) {
      throw new TypeError(`${fn}: fwspec is ${describeValue(fwspec)}; expected { fwnode, param }`);
    }
    checkFwnode(fn, 'fwspec.fwnode', fwspec.fwnode);
    checkIrqNumber(fn, 'busToken', busToken);
    return this.#findMatching(fwspec, busToken);
  }

  #findMatching(fwspec: IrqFwspec, busToken: DomainBusToken): IrqDomain | null {
    const node = fwspec.fwnode;
    for (const h of this.#domains) {
      let rc: boolean;
      if (h.ops.select !== undefined && busToken !== DomainBusToken.DOMAIN_BUS_ANY) {
        rc = h.ops.select(h, fwspec, busToken);
      } else if (h.ops.match !== undefined) {
        rc = h.ops.match(h, node, busToken);
      } else {
        rc =
          node !== null &&
          h.fwnode === node &&
          (busToken === DomainBusToken.DOMAIN_BUS_ANY || h.busToken === busToken);
      }
      if (rc) return h;
    }
    return null;
  }

  /** `irq_find_matching_fwnode(fwnode, bus_token)`. */
  irqFindMatchingFwnode(fwnode: FwnodeHandle | null, busToken: DomainBusToken): IrqDomain | null {
    checkFwnode('irqFindMatchingFwnode', 'fwnode', fwnode);
    checkIrqNumber('irqFindMatchingFwnode', 'busToken', busToken);
    return this.#findMatching({ fwnode, param: [] }, busToken);
  }

  /** `irq_find_matching_host(node, bus_token)`: the device-node spelling of the above. */
  irqFindMatchingHost(node: FwnodeHandle | null, busToken: DomainBusToken): IrqDomain | null {
    checkFwnode('irqFindMatchingHost', 'node', node);
    checkIrqNumber('irqFindMatchingHost', 'busToken', busToken);
    return this.#findMatching({ fwnode: node, param: [] }, busToken);
  }

  /** `irq_set_default_host(domain)`. */
  irqSetDefaultHost(domain: IrqDomain | null): void {
    this.checkDomain('irqSetDefaultHost', 'domain', domain, true);
    this.#defaultDomain = domain;
  }

  /** `irq_get_default_host()`. */
  irqGetDefaultHost(): IrqDomain | null {
    return this.#defaultDomain;
  }

  /**
   * `irq_domain_get_irq_data(domain, virq)`: the level of `virq` that belongs to `domain`, or null.
   */
  irqDomainGetIrqData(domain: IrqDomain, virq: number): IrqData | null {
    this.checkDomain('irqDomainGetIrqData', 'domain', domain, false);
    checkIrqNumber('irqDomainGetIrqData', 'virq', virq, true);
    for (let d = this.#descs.lookup(virq)?.irqData ?? null; d !== null; d = d.parentData) {
      if (d.domain === domain) return d;
    }
    return null;
  }

  /**
   * `irq_find_mapping(domain, hwirq)` (include/linux/irqdomain.h → `__irq_resolve_mapping`):
   * the virq mapped to `hwirq` in `domain`, or 0. A null domain means the default domain.
   */
  irqFindMapping(domain: IrqDomain | null, hwirq: number): number {
    this.checkDomain('irqFindMapping', 'domain', domain, true);
    checkIrqNumber('irqFindMapping', 'hwirq', hwirq);
    const d = domain ?? this.#defaultDomain;
    if (d === null) return 0;
    if ((d.flags & IRQ_DOMAIN_FLAG_NO_MAP) !== 0) {
      if (hwirq < d.hwirqMax) {
        const data = this.irqDomainGetIrqData(d, hwirq);
        if (data !== null && data.hwirq === hwirq) return hwirq;
      }
      return 0;
    }
    const data = hwirq < d.revmapSize ? d.revmap[hwirq] : d.revmapTree.get(hwirq);
    return data?.irq ?? 0;
  }

  /** Trusted reverse lookup for delivery hot paths: the level data mapped to `hwirq`, or undefined. */
  resolve(domain: IrqDomain, hwirq: number): IrqData | undefined {
    return hwirq < domain.revmapSize ? domain.revmap[hwirq] : domain.revmapTree.get(hwirq);
  }

  /** `irq_domain_set_mapping()`: record `hwirq → data` in the reverse map. @internal */
  setMapping(domain: IrqDomain, hwirq: number, data: IrqData): void {
    if ((domain.flags & IRQ_DOMAIN_FLAG_NO_MAP) !== 0) return;
    if (hwirq < domain.revmapSize) domain.revmap[hwirq] = data;
    else domain.revmapTree.set(hwirq, data);
  }

  /** `irq_domain_clear_mapping()`. @internal */
  clearMapping(domain: IrqDomain, hwirq: number): void {
    if ((domain.flags & IRQ_DOMAIN_FLAG_NO_MAP) !== 0) return;
    if (hwirq < domain.revmapSize) domain.revmap[hwirq] = undefined;
    else domain.revmapTree.delete(hwirq);
  }
}
