/**
 * The `machine.irq` facade: descriptor and domain operations of one machine under their Linux
 * names. Each method delegates to the service that mirrors its C file.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import type { IrqChip } from './chip.js';
import type { IrqData, IrqDesc, IrqFlowHandler } from './irqdata.js';
import { IrqDescTable } from './irqdesc.js';
import type { DomainBusToken, FwnodeHandle, IrqDomain, IrqDomainOps, IrqFwspec } from './irqdomain-defs.js';
import { IrqDomainHierarchy } from './irqdomain-hierarchy.js';
import { type IrqDomainHierarchyInfo, IrqDomainRegistry } from './irqdomain.js';
import { IrqSettings } from './settings.js';
import { IrqFlow } from './handle.js';
import { IrqManage } from './manage.js';
import type { IrqHandler } from './irqaction.js';
import { IpiMux, type IpiMuxSend } from './ipi-mux.js';

/**
 * Irq descriptor and domain API of one machine (kernel/irq/irqdesc.c, irqdomain.c, chip.c).
 * See the delegated services for the full contracts.
 */
@injectable()
export class Irq {
  /** Descriptor table (kernel/irq/irqdesc.c). */
  readonly descs: IrqDescTable;
  /** Domain registry (kernel/irq/irqdomain.c, non-hierarchical part). */
  readonly domains: IrqDomainRegistry;
  /** Hierarchical allocation (kernel/irq/irqdomain.c, hierarchy part). */
  readonly hierarchy: IrqDomainHierarchy;
  /** Per-virq setters (kernel/irq/chip.c). */
  readonly settings: IrqSettings;
  /** Flow handlers and dispatch (kernel/irq/chip.c, handle.c). */
  readonly flow: IrqFlow;
  /** Handler registration (kernel/irq/manage.c). */
  readonly manage: IrqManage;
  /** IPI multiplexing (kernel/irq/ipi-mux.c). */
  readonly ipiMux: IpiMux;

  constructor(
    @inject(IrqDescTable) descs: IrqDescTable,
    @inject(IrqDomainRegistry) domains: IrqDomainRegistry,
    @inject(IrqDomainHierarchy) hierarchy: IrqDomainHierarchy,
    @inject(IrqSettings) settings: IrqSettings,
    @inject(IrqFlow) flow: IrqFlow,
    @inject(IrqManage) manage: IrqManage,
    @inject(IpiMux) ipiMux: IpiMux,
  ) {
    this.ipiMux = ipiMux;
    this.flow = flow;
    this.manage = manage;
    this.descs = descs;
    this.domains = domains;
    this.hierarchy = hierarchy;
    this.settings = settings;
  }

  /** `nr_irqs`. */
  get nrIrqs(): number {
    return this.descs.nrIrqs;
  }

  /** `irq_to_desc(irq)`. */
  irqToDesc(irq: number): IrqDesc | null {
    return this.descs.irqToDesc(irq);
  }

  /** `irq_get_irq_data(irq)`. */
  irqGetIrqData(irq: number): IrqData | null {
    return this.descs.irqGetIrqData(irq);
  }

  /** `irq_alloc_descs(irq, from, cnt, node)`. */
  irqAllocDescs(irq: number, from: number, cnt: number): number {
    return this.descs.irqAllocDescs(irq, from, cnt);
  }

  /** `irq_free_descs(from, cnt)`. */
  irqFreeDescs(from: number, cnt: number): void {
    this.descs.irqFreeDescs(from, cnt);
  }

  /** `irq_domain_create_hierarchy(parent, flags, size, fwnode, ops, host_data)`. */
  irqDomainCreateHierarchy(info: IrqDomainHierarchyInfo): IrqDomain {
    return this.domains.irqDomainCreateHierarchy(info);
  }

  /** `irq_domain_create_linear(fwnode, size, ops, host_data)`. */
  irqDomainCreateLinear(
    fwnode: FwnodeHandle | string | null,
    size: number,
    ops: IrqDomainOps,
    hostData?: unknown,
  ): IrqDomain {
    return this.domains.irqDomainCreateLinear(fwnode, size, ops, hostData);
  }

  /** `irq_domain_create_tree(fwnode, ops, host_data)`. */
  irqDomainCreateTree(fwnode: FwnodeHandle | string | null, ops: IrqDomainOps, hostData?: unknown): IrqDomain {
    return this.domains.irqDomainCreateTree(fwnode, ops, hostData);
  }

  /** `irq_domain_remove(domain)`. */
  irqDomainRemove(domain: IrqDomain): void {
    this.domains.irqDomainRemove(domain);
  }

  /** `irq_domain_update_bus_token(domain, bus_token)`. */
  irqDomainUpdateBusToken(domain: IrqDomain, busToken: DomainBusToken): void {
    this.domains.irqDomainUpdateBusToken(domain, busToken);
  }

  /** `irq_find_matching_fwspec(fwspec, bus_token)`. */
  irqFindMatchingFwspec(fwspec: IrqFwspec, busToken: DomainBusToken): IrqDomain | null {
    return this.domains.irqFindMatchingFwspec(fwspec, busToken);
  }

  /** `irq_find_matching_fwnode(fwnode, bus_token)`. */
  irqFindMatchingFwnode(fwnode: FwnodeHandle | null, busToken: DomainBusToken): IrqDomain | null {
    return this.domains.irqFindMatchingFwnode(fwnode, busToken);
  }

  /** `irq_find_matching_host(node, bus_token)`. */
  irqFindMatchingHost(node: FwnodeHandle | null, busToken: DomainBusToken): IrqDomain | null {
    return this.domains.irqFindMatchingHost(node, busToken);
  }

  /** `irq_set_default_host(domain)`. */
  irqSetDefaultHost(domain: IrqDomain | null): void {
    this.domains.irqSetDefaultHost(domain);
  }

  /** `irq_find_mapping(domain, hwirq)`: the virq, or 0. */
  irqFindMapping(domain: IrqDomain | null, hwirq: number): number {
    return this.domains.irqFindMapping(domain, hwirq);
  }

  /** `irq_domain_get_irq_data(domain, virq)`. */
  irqDomainGetIrqData(domain: IrqDomain, virq: number): IrqData | null {
    return this.domains.irqDomainGetIrqData(domain, virq);
  }

  /** `irq_domain_alloc_descs(virq, cnt, hwirq, node, affinity)`. */
  irqDomainAllocDescs(virq: number, cnt: number, hwirq: number): number {
    return this.hierarchy.irqDomainAllocDescs(virq, cnt, hwirq);
  }

  /** `__irq_domain_alloc_irqs(domain, irq_base, nr_irqs, node, arg, realloc, affinity)`. */
  __irqDomainAllocIrqs(
    domain: IrqDomain | null,
    irqBase: number,
    nrIrqs: number,
    arg: unknown,
    realloc: boolean,
  ): number {
    return this.hierarchy.__irqDomainAllocIrqs(domain, irqBase, nrIrqs, arg, realloc);
  }

  /** `irq_domain_alloc_irqs(domain, nr_irqs, node, arg)`. */
  irqDomainAllocIrqs(domain: IrqDomain | null, nrIrqs: number, arg: unknown): number {
    return this.hierarchy.irqDomainAllocIrqs(domain, nrIrqs, arg);
  }

  /** `irq_domain_alloc_irqs_parent(domain, irq_base, nr_irqs, arg)`. */
  irqDomainAllocIrqsParent(domain: IrqDomain, irqBase: number, nrIrqs: number, arg: unknown): number {
    return this.hierarchy.irqDomainAllocIrqsParent(domain, irqBase, nrIrqs, arg);
  }

  /** `irq_domain_free_irqs_parent(domain, irq_base, nr_irqs)`. */
  irqDomainFreeIrqsParent(domain: IrqDomain, irqBase: number, nrIrqs: number): void {
    this.hierarchy.irqDomainFreeIrqsParent(domain, irqBase, nrIrqs);
  }

  /** `irq_domain_set_hwirq_and_chip(domain, virq, hwirq, chip, chip_data)`. */
  irqDomainSetHwirqAndChip(
    domain: IrqDomain,
    virq: number,
    hwirq: number,
    chip: IrqChip | null,
    chipData?: unknown,
  ): number {
    return this.hierarchy.irqDomainSetHwirqAndChip(domain, virq, hwirq, chip, chipData);
  }

  /** `irq_domain_set_info(domain, virq, hwirq, chip, chip_data, handler, handler_data, handler_name)`. */
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
    this.hierarchy.irqDomainSetInfo(domain, virq, hwirq, chip, chipData, handler, handlerData, handlerName);
  }

  /** `irq_domain_reset_irq_data(irq_data)`. */
  irqDomainResetIrqData(data: IrqData): void {
    this.hierarchy.irqDomainResetIrqData(data);
  }

  /** `irq_domain_free_irqs_common(domain, virq, nr_irqs)`. */
  irqDomainFreeIrqsCommon(domain: IrqDomain, virq: number, nrIrqs: number): void {
    this.hierarchy.irqDomainFreeIrqsCommon(domain, virq, nrIrqs);
  }

  /** `irq_domain_free_irqs_top(domain, virq, nr_irqs)`. */
  irqDomainFreeIrqsTop(domain: IrqDomain, virq: number, nrIrqs: number): void {
    this.hierarchy.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
  }

  /** `irq_domain_free_irqs(virq, nr_irqs)`. */
  irqDomainFreeIrqs(virq: number, nrIrqs: number): void {
    this.hierarchy.irqDomainFreeIrqs(virq, nrIrqs);
  }

  /** `irq_domain_disconnect_hierarchy(domain, virq)`. */
  irqDomainDisconnectHierarchy(domain: IrqDomain, virq: number): number {
    return this.hierarchy.irqDomainDisconnectHierarchy(domain, virq);
  }

  /** `irq_set_status_flags(irq, set)`. */
  irqSetStatusFlags(irq: number, set: number): void {
    this.settings.irqSetStatusFlags(irq, set);
  }

  /** `irq_clear_status_flags(irq, clr)`. */
  irqClearStatusFlags(irq: number, clr: number): void {
    this.settings.irqClearStatusFlags(irq, clr);
  }

  /** `irq_set_chip_and_handler_name(irq, chip, handle, name)`. */
  irqSetChipAndHandlerName(
    irq: number,
    chip: IrqChip | null,
    handler: IrqFlowHandler | null,
    name: string | null,
  ): void {
    this.settings.irqSetChipAndHandlerName(irq, chip, handler, name);
  }

  /** `request_irq(irq, handler, flags, name, dev)`. */
  requestIrq(irq: number, handler: IrqHandler, flags: number, name: string, dev: unknown): number {
    return this.manage.requestIrq(irq, handler, flags, name, dev);
  }

  /** `free_irq(irq, dev)`. */
  freeIrq(irq: number, dev: unknown): string | null {
    return this.manage.freeIrq(irq, dev);
  }

  /** `irq_set_percpu_devid(irq)`. */
  irqSetPercpuDevid(irq: number): number {
    return this.manage.irqSetPercpuDevid(irq);
  }

  /** `request_percpu_irq(irq, handler, devname, percpu_dev_id)`. */
  requestPercpuIrq(irq: number, handler: IrqHandler, devname: string, percpuDevId: readonly unknown[] | null): number {
    return this.manage.requestPercpuIrq(irq, handler, devname, percpuDevId);
  }

  /** `enable_percpu_irq(irq, type)` on `cpu` (default: the current CPU). */
  enablePercpuIrq(irq: number, cpu?: number): void {
    this.manage.enablePercpuIrq(irq, cpu);
  }

  /** `ipi_mux_create(nr_ipi, mux_send)` (kernel/irq/ipi-mux.c): the first vIPI virq or a negative errno. */
  ipiMuxCreate(nrIpi: number, muxSend: IpiMuxSend | null): number {
    return this.ipiMux.ipiMuxCreate(nrIpi, muxSend);
  }

  /** `ipi_mux_process()` (kernel/irq/ipi-mux.c): run this CPU's pending, enabled vIPIs. */
  ipiMuxProcess(): void {
    this.ipiMux.ipiMuxProcess();
  }

  /** `generic_handle_domain_irq(domain, hwirq)`. */
  genericHandleDomainIrq(domain: IrqDomain, hwirq: number): number {
    return this.flow.genericHandleDomainIrq(domain, hwirq);
  }

  /** `generic_handle_irq(irq)`. */
  genericHandleIrq(irq: number): number {
    return this.flow.genericHandleIrq(irq);
  }
}
