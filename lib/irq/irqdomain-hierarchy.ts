/**
 * Hierarchical allocation and freeing, mirroring the `CONFIG_IRQ_DOMAIN_HIERARCHY` half of
 * kernel/irq/irqdomain.c.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { Errno } from '../errno.js';
import { Printk } from '../printk.js';
import {
  checkBoolean,
  checkChip,
  checkHandler,
  checkIrqNumber,
  checkNullableString,
  describeValue,
} from '../validate.js';
import { IRQ_CHIP_DISCONNECTED, type IrqChip, noIrqChip } from './chip.js';
import { IRQ_NOREQUEST, IrqData, type IrqFlowHandler } from './irqdata.js';
import { IrqDescTable } from './irqdesc.js';
import type { IrqDomain } from './irqdomain-defs.js';
import { IrqDomainRegistry } from './irqdomain.js';
import { IrqSettings } from './settings.js';

const PR = 'irq: ';

/** Hierarchical irq allocation for one machine. */
@injectable()
export class IrqDomainHierarchy {
  readonly #descs: IrqDescTable;
  readonly #domains: IrqDomainRegistry;
  readonly #settings: IrqSettings;
  readonly #printk: Printk;

  constructor(
    @inject(IrqDescTable) descs: IrqDescTable,
    @inject(IrqDomainRegistry) domains: IrqDomainRegistry,
    @inject(IrqSettings) settings: IrqSettings,
    @inject(Printk) printk: Printk,
  ) {
    this.#descs = descs;
    this.#domains = domains;
    this.#settings = settings;
    this.#printk = printk;
  }

  /**
   * `irq_domain_alloc_descs(virq, cnt, hwirq, node, affinity)`: `virq >= 0` allocates exactly
   * that range (`-EEXIST` if taken); otherwise first fit from `hwirq % nr_irqs` (or 1), retried
   * from 1. virq 0 is never handed out.
   */
  irqDomainAllocDescs(virq: number, cnt: number, hwirq: number): number {
    checkIrqNumber('irqDomainAllocDescs', 'virq', virq, true);
    checkIrqNumber('irqDomainAllocDescs', 'cnt', cnt);
    checkIrqNumber('irqDomainAllocDescs', 'hwirq', hwirq);
    if (virq >= 0) return this.#descs.irqAllocDescs(virq, virq, cnt);
    let hint = hwirq % this.#descs.nrIrqs;
    if (hint === 0) hint++;
    let result = this.#descs.irqAllocDescs(-1, hint, cnt);
    if (result <= 0 && hint > 1) result = this.#descs.irqAllocDescs(-1, 1, cnt);
    return result;
  }

  /**
   * `__irq_domain_alloc_irqs(domain, irq_base, nr_irqs, node, arg, realloc, affinity)`.
   *
   * Allocates descriptors (unless `realloc` with a given base), builds the `irq_data` chain for
   * every ancestor, calls `domain.ops.alloc`, validates the chain (trim check), then inserts the
   * reverse mappings. On any failure everything it did is undone, descriptors included.
   *
   * @returns the first virq, or `-EINVAL` (no domain and no default, or a bad chain), `-ENOSYS`
   *   (no alloc op), the descriptor allocator's error, or the alloc op's error.
   */
  __irqDomainAllocIrqs(
    domain: IrqDomain | null,
    irqBase: number,
    nrIrqs: number,
    arg: unknown,
    realloc: boolean,
  ): number {
    const fn = '__irqDomainAllocIrqs';
    this.#domains.checkDomain(fn, 'domain', domain, true);
    checkIrqNumber(fn, 'irqBase', irqBase, true);
    checkIrqNumber(fn, 'nrIrqs', nrIrqs);
    checkBoolean(fn, 'realloc', realloc);
    const d = domain ?? this.#domains.irqGetDefaultHost();
    if (this.#printk.warnOn(d === null, 'irq_domain_alloc_irqs', 'domain is NULL; cannot allocate IRQ')) {
      return -Errno.EINVAL;
    }
    const dom = d as IrqDomain;
    let virq: number;
    if (realloc && irqBase >= 0) {
      virq = irqBase;
      for (let i = 0; i < nrIrqs; i++) {
        if (this.#descs.lookup(virq + i) === undefined) {
          throw new Error(
            `${fn}: realloc of virq ${virq + i}, which has no descriptor (the kernel would oops); allocate descriptors first`,
          );
        }
      }
    } else {
      virq = this.irqDomainAllocDescs(irqBase, nrIrqs, 0);
      if (virq < 0) {
        this.#printk.prDebug(PR, `cannot allocate IRQ(base ${irqBase}, count ${nrIrqs})`);
        return virq;
      }
    }
    this.#allocIrqData(dom, virq, nrIrqs);
    let ret = this.#allocIrqsHierarchy(dom, virq, nrIrqs, arg);
    if (ret >= 0) {
      for (let i = 0; i < nrIrqs; i++) {
        ret = this.#trimHierarchy(virq + i);
        if (ret !== 0) break;
      }
    }
    if (ret < 0) {
      this.#freeIrqData(virq, nrIrqs);
      this.#descs.irqFreeDescs(virq, nrIrqs);
      return ret;
    }
    for (let i = 0; i < nrIrqs; i++) this.#insertIrq(virq + i);
    return virq;
  }

  /** `irq_domain_alloc_irqs(domain, nr_irqs, node, arg)`: any base, no realloc. */
  irqDomainAllocIrqs(domain: IrqDomain | null, nrIrqs: number, arg: unknown): number {
    this.#domains.checkDomain('irqDomainAllocIrqs', 'domain', domain, true);
    checkIrqNumber('irqDomainAllocIrqs', 'nrIrqs', nrIrqs);
    return this.__irqDomainAllocIrqs(domain, -1, nrIrqs, arg, false);
  }

  /**
   * `irq_domain_alloc_irqs_parent(domain, irq_base, nr_irqs, arg)`: call the parent's alloc op.
   * @returns `-ENOSYS` without a parent (or without a parent alloc op), else the op's result.
   */
  irqDomainAllocIrqsParent(domain: IrqDomain, irqBase: number, nrIrqs: number, arg: unknown): number {
    this.#domains.checkDomain('irqDomainAllocIrqsParent', 'domain', domain, false);
    checkIrqNumber('irqDomainAllocIrqsParent', 'irqBase', irqBase);
    checkIrqNumber('irqDomainAllocIrqsParent', 'nrIrqs', nrIrqs);
    if (domain.parent === null) return -Errno.ENOSYS;
    return this.#allocIrqsHierarchy(domain.parent, irqBase, nrIrqs, arg);
  }

  /** `irq_domain_free_irqs_parent(domain, irq_base, nr_irqs)`: free at the parent level. */
  irqDomainFreeIrqsParent(domain: IrqDomain, irqBase: number, nrIrqs: number): void {
    this.#checkRange('irqDomainFreeIrqsParent', domain, 'irqBase', irqBase, nrIrqs);
    if (domain.parent !== null) this.#freeIrqsHierarchy(domain.parent, irqBase, nrIrqs);
  }

  /**
   * `irq_domain_set_hwirq_and_chip(domain, virq, hwirq, chip, chip_data)`: set up the level of
   * `virq` that belongs to `domain`. A null chip means `no_irq_chip`.
   * @returns 0, or `-ENOENT` if `virq` has no level in `domain`.
   */
  irqDomainSetHwirqAndChip(
    domain: IrqDomain,
    virq: number,
    hwirq: number,
    chip: IrqChip | null,
    chipData?: unknown,
  ): number {
    this.#checkLevelArgs('irqDomainSetHwirqAndChip', domain, virq, hwirq, chip);
    const data = this.#domains.irqDomainGetIrqData(domain, virq);
    if (data === null) return -Errno.ENOENT;
    data.hwirq = hwirq;
    data.chip = chip ?? noIrqChip;
    data.chipData = chipData;
    return 0;
  }

  /**
   * `irq_domain_set_info(domain, virq, hwirq, chip, chip_data, handler, handler_data,
   * handler_name)`: hwirq and chip of the level, plus the descriptor's flow handler.
   */
  irqDomainSetInfo(
    domain: IrqDomain,
    virq: number,
    hwirq: number,
    chip: IrqChip | null,
    chipData: unknown,
    handler: IrqFlowHandler | null,
    handlerData: unknown,
    handlerName: string | null,
  ): void {
    // Everything is checked first, so a bad handler cannot leave the level half set up.
    this.#checkLevelArgs('irqDomainSetInfo', domain, virq, hwirq, chip);
    checkHandler('irqDomainSetInfo', 'handler', handler);
    checkNullableString('irqDomainSetInfo', 'handlerName', handlerName);
    this.irqDomainSetHwirqAndChip(domain, virq, hwirq, chip, chipData);
    this.#settings.irqSetHandler(virq, handler, handlerName);
    this.#settings.irqSetHandlerData(virq, handlerData);
  }

  /** `irq_domain_reset_irq_data(irq_data)`: hwirq 0, `no_irq_chip`, no chip data. */
  irqDomainResetIrqData(data: IrqData): void {
    if (!(data instanceof IrqData)) {
      throw new TypeError(
        `irqDomainResetIrqData: data is ${describeValue(data)}; expected an IrqData`,
      );
    }
    if (data.domain !== null) {
      this.#domains.checkDomain('irqDomainResetIrqData', 'data.domain', data.domain, false);
    }
    data.hwirq = 0;
    data.chip = noIrqChip;
    data.chipData = undefined;
  }

  /**
   * `irq_domain_free_irqs_common(domain, virq, nr_irqs)`: reset this domain's levels and free
   * the parent levels.
   */
  irqDomainFreeIrqsCommon(domain: IrqDomain, virq: number, nrIrqs: number): void {
    this.#checkRange('irqDomainFreeIrqsCommon', domain, 'virq', virq, nrIrqs);
    for (let i = 0; i < nrIrqs; i++) {
      const data = this.#domains.irqDomainGetIrqData(domain, virq + i);
      if (data !== null) this.irqDomainResetIrqData(data);
    }
    this.irqDomainFreeIrqsParent(domain, virq, nrIrqs);
  }

  /**
   * `irq_domain_free_irqs_top(domain, virq, nr_irqs)`: also clears the flow handler and handler
   * data; the usual `free` op of a top-level domain.
   */
  irqDomainFreeIrqsTop(domain: IrqDomain, virq: number, nrIrqs: number): void {
    this.#checkRange('irqDomainFreeIrqsTop', domain, 'virq', virq, nrIrqs);
    for (let i = 0; i < nrIrqs; i++) {
      this.#settings.irqSetHandlerData(virq + i, undefined);
      this.#settings.irqSetHandler(virq + i, null);
    }
    this.irqDomainFreeIrqsCommon(domain, virq, nrIrqs);
  }

  /**
   * `irq_domain_disconnect_hierarchy(domain, virq)`: mark the level of `virq` in `domain` to be
   * trimmed off (with everything below it) once allocation completes.
   * @returns 0, or `-EINVAL` if there is no such level.
   */
  irqDomainDisconnectHierarchy(domain: IrqDomain, virq: number): number {
    this.#domains.checkDomain('irqDomainDisconnectHierarchy', 'domain', domain, false);
    checkIrqNumber('irqDomainDisconnectHierarchy', 'virq', virq, true);
    const data = this.#domains.irqDomainGetIrqData(domain, virq);
    if (data === null) return -Errno.EINVAL;
    data.chip = IRQ_CHIP_DISCONNECTED;
    return 0;
  }

  /**
   * `irq_domain_free_irqs(virq, nr_irqs)`: remove the reverse mappings of every level, call the
   * outermost domain's `free` op once per virq, free the level data and the descriptors.
   *
   * Warns "NULL pointer, cannot free irq" and frees nothing when `virq` has no descriptor, no
   * domain, or its domain has no `free` op.
   * @throws Error when a later virq of the range has no descriptor: the kernel dereferences a
   *   null pointer there. Nothing is changed before the throw.
   */
  irqDomainFreeIrqs(virq: number, nrIrqs: number): void {
    checkIrqNumber('irqDomainFreeIrqs', 'virq', virq, true);
    checkIrqNumber('irqDomainFreeIrqs', 'nrIrqs', nrIrqs);
    const data = virq >= 0 ? (this.#descs.lookup(virq)?.irqData ?? null) : null;
    const domain = data?.domain ?? null;
    if (
      this.#printk.warnOn(
        domain?.ops.free === undefined,
        'irq_domain_free_irqs',
        'NULL pointer, cannot free irq',
      )
    ) {
      return;
    }
    for (let i = 1; i < nrIrqs; i++) {
      if (this.#descs.lookup(virq + i) === undefined) {
        throw new Error(
          `irqDomainFreeIrqs: virq ${virq + i} in [${virq}, ${virq + nrIrqs}) has no descriptor; ` +
            'the kernel would dereference NULL in irq_domain_free_irq_data(). Nothing was freed.',
        );
      }
    }
    for (let i = 0; i < nrIrqs; i++) this.#removeIrq(virq + i);
    this.#freeIrqsHierarchy(domain as IrqDomain, virq, nrIrqs);
    this.#freeIrqData(virq, nrIrqs);
    this.#descs.irqFreeDescs(virq, nrIrqs);
  }

  /** Checks the (domain, first virq, count) arguments of the free helpers. */
  #checkRange(fn: string, domain: IrqDomain, baseArg: string, base: number, nrIrqs: number): void {
    this.#domains.checkDomain(fn, 'domain', domain, false);
    checkIrqNumber(fn, baseArg, base, true);
    checkIrqNumber(fn, 'nrIrqs', nrIrqs);
  }

  /** Checks the (domain, virq, hwirq, chip) arguments of the level setters. */
  #checkLevelArgs(
    fn: string,
    domain: IrqDomain,
    virq: number,
    hwirq: number,
    chip: IrqChip | null,
  ): void {
    this.#domains.checkDomain(fn, 'domain', domain, false);
    checkIrqNumber(fn, 'virq', virq, true);
    checkIrqNumber(fn, 'hwirq', hwirq);
    checkChip(fn, 'chip', chip);
  }

  /** `irq_domain_alloc_irqs_hierarchy()`. */
  #allocIrqsHierarchy(domain: IrqDomain, virq: number, nrIrqs: number, arg: unknown): number {
    if (domain.ops.alloc === undefined) {
      this.#printk.prDebug(PR, 'domain->ops->alloc() is NULL');
      return -Errno.ENOSYS;
    }
    const ret: unknown = domain.ops.alloc(domain, virq, nrIrqs, arg);
    if (typeof ret !== 'number' || !Number.isInteger(ret)) {
      // Undo what __irqDomainAllocIrqs built before reporting the plugin bug.
      this.#freeIrqData(virq, nrIrqs);
      this.#descs.irqFreeDescs(virq, nrIrqs);
      throw new TypeError(
        `domain "${domain.name}" ops.alloc returned ${String(ret)}; it must return 0 or a negative errno. ` +
          'The allocation was undone.',
      );
    }
    return ret;
  }

  /** `irq_domain_free_irqs_hierarchy()`: the free op once per virq that has a level here. */
  #freeIrqsHierarchy(domain: IrqDomain, virq: number, nrIrqs: number): void {
    if (domain.ops.free === undefined) return;
    for (let i = 0; i < nrIrqs; i++) {
      if (this.#domains.irqDomainGetIrqData(domain, virq + i) !== null) {
        domain.ops.free(domain, virq + i, 1);
      }
    }
  }

  /** `irq_domain_alloc_irq_data()`: outermost level gets `domain`, one new level per ancestor. */
  #allocIrqData(domain: IrqDomain, virq: number, nrIrqs: number): void {
    for (let i = 0; i < nrIrqs; i++) {
      let data = (this.#descs.lookup(virq + i) as { irqData: IrqData }).irqData;
      data.domain = domain;
      for (let parent = domain.parent; parent !== null; parent = parent.parent) {
        const level = new IrqData(data.irq, data.common, parent, null);
        data.parentData = level;
        data = level;
      }
    }
  }

  /** `irq_domain_free_irq_data()`: drop every parent level and detach the domain. */
  #freeIrqData(virq: number, nrIrqs: number): void {
    for (let i = 0; i < nrIrqs; i++) {
      const data = this.#descs.lookup(virq + i)?.irqData;
      if (data === undefined) continue;
      data.parentData = null;
      data.domain = null;
    }
  }

  /** `irq_domain_trim_hierarchy()`: validate the chain; cut it at a disconnect marker. */
  #trimHierarchy(virq: number): number {
    const top = (this.#descs.lookup(virq) as { irqData: IrqData }).irqData;
    if (top.chip === null || top.chip === IRQ_CHIP_DISCONNECTED) return -Errno.EINVAL;
    let tail: IrqData | null = null;
    let prev = top;
    for (let d = top.parentData; d !== null; prev = d, d = d.parentData) {
      // Like the kernel's `irqd->chip && tail`: the marker is a non-null chip too.
      if (d.chip !== null && tail !== null) return -Errno.EINVAL;
      if (d.chip === null && tail === null) return -Errno.EINVAL;
      if (d.chip === IRQ_CHIP_DISCONNECTED) tail = prev;
    }
    if (tail === null) return 0;
    const cut = tail.parentData as IrqData;
    this.#printk.prInfo(PR, `IRQ${virq}: trimming hierarchy from ${cut.domain?.name ?? '?'}`);
    tail.parentData = null;
    return 0;
  }

  /** `irq_domain_insert_irq()`: count and reverse-map every level; the virq becomes requestable. */
  #insertIrq(virq: number): void {
    for (let d = this.#descs.lookup(virq)?.irqData ?? null; d !== null; d = d.parentData) {
      const domain = d.domain as IrqDomain;
      domain.mapcount++;
      this.#domains.setMapping(domain, d.hwirq, d);
    }
    this.#settings.irqClearStatusFlags(virq, IRQ_NOREQUEST);
  }

  /** `irq_domain_remove_irq()`: not requestable, no chip or handler, every level unmapped. */
  #removeIrq(virq: number): void {
    this.#settings.irqSetStatusFlags(virq, IRQ_NOREQUEST);
    this.#settings.irqSetChipAndHandlerName(virq, null, null, null);
    for (let d = this.#descs.lookup(virq)?.irqData ?? null; d !== null; d = d.parentData) {
      const domain = d.domain;
      if (domain === null) continue;
      domain.mapcount--;
      this.#domains.clearMapping(domain, d.hwirq);
    }
  }
}
