/**
 * Flow handlers and generic dispatch, mirroring kernel/irq/chip.c (`handle_percpu_irq`,
 * `handle_percpu_devid_irq`, `handle_edge_irq`, `handle_simple_irq`), kernel/irq/handle.c
 * (`handle_irq_event_percpu`) and kernel/irq/irqdesc.c (`generic_handle_irq`,
 * `generic_handle_domain_irq`). They run on the current simulated CPU.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { Errno } from '../errno.js';
import { Printk } from '../printk.js';
import { SimCpus } from '../sim/cpus.js';
import { checkInteger } from '../validate.js';
import { FaultInjector } from '../sim/faults.js';
import { Tracer } from '../trace/tracer.js';
import type { IrqDesc, IrqFlowHandler } from './irqdata.js';
import { IrqDescTable } from './irqdesc.js';
import type { IrqDomain } from './irqdomain-defs.js';
import { IrqDomainRegistry } from './irqdomain.js';
import { IrqReturn, type IrqAction } from './irqaction.js';

/** Observes handler entry and exit (the `irq_handler_entry`/`irq_handler_exit` tracepoints). */
export interface IrqHandlerObserver {
  /** `irq_handler_entry`: `action` of `irq` is about to run. */
  entry(irq: number, action: IrqAction): void;
  /** `irq_handler_exit`: `action` of `irq` returned `ret`. */
  exit(irq: number, action: IrqAction, ret: IrqReturn): void;
}

/** Flow handlers and dispatch of one machine. */
@injectable()
export class IrqFlow {
  readonly #cpus: SimCpus;
  readonly #descs: IrqDescTable;
  readonly #domains: IrqDomainRegistry;
  readonly #printk: Printk;
  readonly #tracer: Tracer;
  readonly #faults: FaultInjector;
  readonly #observers: IrqHandlerObserver[] = [];
  #spuriousWarned = false;
  /** `handle_percpu_irq` bound to this machine. */
  readonly handlePercpuIrq: IrqFlowHandler;
  /** `handle_percpu_devid_irq` bound to this machine. */
  readonly handlePercpuDevidIrq: IrqFlowHandler;
  /** `handle_edge_irq` bound to this machine. */
  readonly handleEdgeIrq: IrqFlowHandler;
  /** `handle_simple_irq` bound to this machine. */
  readonly handleSimpleIrq: IrqFlowHandler;
  /** `handle_bad_irq` bound to this machine. */
  readonly handleBadIrq: IrqFlowHandler;

  constructor(
    @inject(SimCpus) cpus: SimCpus,
    @inject(IrqDescTable) descs: IrqDescTable,
    @inject(IrqDomainRegistry) domains: IrqDomainRegistry,
    @inject(Printk) printk: Printk,
    @inject(Tracer) tracer: Tracer,
    @inject(FaultInjector) faults: FaultInjector,
  ) {
    this.#tracer = tracer;
    this.#faults = faults;
    this.#cpus = cpus;
    this.#descs = descs;
    this.#domains = domains;
    this.#printk = printk;
    this.handlePercpuIrq = (desc) => {
      this.#percpu(desc);
    };
    this.handlePercpuDevidIrq = (desc) => {
      this.#percpuDevid(desc);
    };
    this.handleEdgeIrq = (desc) => {
      this.#edge(desc);
    };
    this.handleSimpleIrq = (desc) => {
      this.#simple(desc);
    };
    this.handleBadIrq = (desc) => {
      this.#bad(desc);
    };
  }

  /** Adds a handler observer (tracing). */
  addObserver(o: IrqHandlerObserver): void {
    this.#observers.push(o);
  }

  /** `kstat_incr_irqs_this_cpu(desc)`. */
  #kstat(desc: IrqDesc): number {
    const cpu = this.#cpus.smpProcessorId();
    desc.kstatIncr(cpu);
    return cpu;
  }

  /** `handle_irq_event_percpu(desc)`: run every action; count the unhandled. */
  handleIrqEventPercpu(desc: IrqDesc): IrqReturn {
    let ret = IrqReturn.IRQ_NONE;
    // Indexed loops on the interrupt path: a for-of that is not optimized away allocates an
    // iterator per interrupt.
    const actions = desc.actions;
    for (let i = 0; i < actions.length; i++) ret |= this.#run(desc.irq, actions[i], actions[i].devId);
    if (ret === IrqReturn.IRQ_NONE) desc.irqsUnhandled++;
    return ret;
  }

  #run(irq: number, action: IrqAction, devId: unknown): IrqReturn {
    // With nothing watching (no tracer, observer or fault plan) an action is a call in a try:
    // the watched path is out of line, so this stays small enough to inline into the flow.
    if (this.#tracer.enabled || this.#observers.length !== 0 || this.#faults.injecting) {
      return this.#runWatched(irq, action, devId);
    }
    try {
      return action.handler(irq, devId);
    } catch (error) {
      return this.#handlerOops(irq, action, error);
    }
  }

  /** {@link IrqFlow.#run} with tracepoints, observers and the fault plan around the action. */
  #runWatched(irq: number, action: IrqAction, devId: unknown): IrqReturn {
    const tr = this.#tracer;
    if (tr.enabled) this.#traceEntry(irq, action);
    const observers = this.#observers;
    for (let i = 0; i < observers.length; i++) observers[i].entry(irq, action);
    let ret: IrqReturn;
    try {
      if (this.#faults.injecting) this.#faults.check('handler', irq, `irq handler "${action.name}"`);
      ret = action.handler(irq, devId);
    } catch (error) {
      ret = this.#handlerOops(irq, action, error);
    }
    for (let i = 0; i < observers.length; i++) observers[i].exit(irq, action, ret);
    if (tr.enabled) this.#traceExit(irq, ret);
    return ret;
  }

  /**
   * An oops in the handler: the flow handler finishes (EOI) and the action counts as unhandled,
   * unless the fault policy rethrows.
   */
  #handlerOops(irq: number, action: IrqAction, error: unknown): IrqReturn {
    if (this.#faults.oops('handler', irq, `irq handler "${action.name}"`, error)) throw error;
    return IrqReturn.IRQ_NONE;
  }

  /** `irq_handler_entry` (the tracepoints are out of line: the handler path stays small enough to inline). */
  #traceEntry(irq: number, action: IrqAction): void {
    this.#tracer.emit('irq_handler_entry', this.#cpus.smpProcessorId(), { irq, name: action.name }, this.#cpus.localNow());
  }

  /** `irq_handler_exit`. */
  #traceExit(irq: number, ret: IrqReturn): void {
    const name = ret === IrqReturn.IRQ_NONE ? 'unhandled' : 'handled';
    this.#tracer.emit('irq_handler_exit', this.#cpus.smpProcessorId(), { irq, ret: name }, this.#cpus.localNow());
  }

  #percpu(desc: IrqDesc): void {
    const chip = desc.irqData.chip;
    this.#kstat(desc);
    chip?.irqAck?.(desc.irqData);
    this.handleIrqEventPercpu(desc);
    chip?.irqEoi?.(desc.irqData);
  }

  #percpuDevid(desc: IrqDesc): void {
    const chip = desc.irqData.chip;
    const cpu = this.#kstat(desc);
    chip?.irqAck?.(desc.irqData);
    const action = desc.actions[0] as IrqAction | undefined;
    if (action !== undefined) {
      const devIds = action.percpuDevId;
      this.#run(desc.irq, action, devIds === null ? action.devId : devIds[cpu]);
    } else {
      const enabled = desc.percpuEnabled?.testCpu(cpu) ?? false;
      if (enabled) desc.percpuEnabled?.clearCpu(cpu);
      if (!this.#spuriousWarned) {
        this.#spuriousWarned = true;
        this.#printk.prWarn('genirq: ', `Spurious${enabled ? ' and unmasked' : ''} percpu IRQ${desc.irq} on CPU${cpu}`);
      }
    }
    chip?.irqEoi?.(desc.irqData);
  }

  #edge(desc: IrqDesc): void {
    const chip = desc.irqData.chip;
    this.#kstat(desc);
    chip?.irqAck?.(desc.irqData);
    this.handleIrqEventPercpu(desc);
  }

  #simple(desc: IrqDesc): void {
    this.#kstat(desc);
    this.handleIrqEventPercpu(desc);
  }

  #bad(desc: IrqDesc): void {
    this.#kstat(desc);
    this.#printk.prWarn('', `unexpected IRQ trap at vector ${desc.irqData.hwirq.toString(16)} (irq ${desc.irq})`);
    desc.irqData.chip?.irqAck?.(desc.irqData);
  }

  /**
   * `generic_handle_irq_desc(desc)`: run its flow handler (`handle_bad_irq` if none was set).
   */
  genericHandleIrqDesc(desc: IrqDesc): void {
    (desc.handleIrq ?? this.handleBadIrq)(desc);
  }

  /**
   * `generic_handle_irq(irq)`: 0, or `-EINVAL` for an irq with no descriptor.
   * @throws TypeError if `irq` is not an integer.
   */
  genericHandleIrq(irq: number): number {
    checkInteger('genericHandleIrq', 'irq', irq);
    const desc = irq >= 0 ? this.#descs.lookup(irq) : undefined;
    if (desc === undefined) return -Errno.EINVAL;
    this.genericHandleIrqDesc(desc);
    return 0;
  }

  /**
   * `generic_handle_domain_irq(domain, hwirq)`: resolve `hwirq` in `domain` and run the virq's
   * flow handler. 0, or `-EINVAL` if nothing is mapped there.
   * @throws TypeError if `domain` is not an IrqDomain of this machine or `hwirq` not an integer.
   */
  genericHandleDomainIrq(domain: IrqDomain, hwirq: number): number {
    this.#domains.checkDomain('genericHandleDomainIrq', 'domain', domain, false);
    checkInteger('genericHandleDomainIrq', 'hwirq', hwirq);
    const data = this.#domains.resolve(domain, hwirq);
    if (data === undefined) return -Errno.EINVAL;
    const desc = this.#descs.lookup(data.irq);
    if (desc === undefined) return -Errno.EINVAL;
    this.genericHandleIrqDesc(desc);
    return 0;
  }
}
