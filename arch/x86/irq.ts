/**
 * x86 system vectors for IPIs and their handlers (arch/x86/kernel/smp.c `sysvec_reschedule_ipi`,
 * `sysvec_call_function`, `sysvec_call_function_single`; arch/x86/kernel/irq_work.c
 * `sysvec_irq_work`; arch/x86/kernel/nmi.c `exc_nmi`), the architecture interrupt statistics of
 * `arch_show_interrupts()` (arch/x86/kernel/irq.c) and the x86 `irq_vectors` trace events.
 *
 * At boot every IPI vector gets one virq, reserved with `irqReserveIpi()` over the possible CPUs
 * on the APIC IPI domain (hwirq = vector), with `handle_percpu_irq` and one action. The virqs are
 * `IRQ_HIDDEN`: as in Linux, system vectors show in `/proc/interrupts` as the rows below, not as
 * numbered lines.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import {
  CpuMasks,
  IRQ_HIDDEN,
  Irq,
  type IrqHandler,
  IrqReturn,
  IrqStats,
  Printk,
  Sched,
  SimCpus,
  Smp,
  Tracer,
} from '../../lib/core.js';
import { checkFunction } from '../../lib/validate.js';
import { Apic } from '../../drivers/apic/index.js';
import { X86Ipi } from './ipi.js';
import {
  CALL_FUNCTION_SINGLE_VECTOR,
  CALL_FUNCTION_VECTOR,
  IRQ_WORK_VECTOR,
  NMI_VECTOR,
  RESCHEDULE_VECTOR,
} from './vectors.js';

/** The rows of x86 `arch_show_interrupts()` this model keeps, in its order, with its descriptions. */
export const X86_IRQ_STAT_ROWS: readonly (readonly [string, string])[] = Object.freeze([
  ['NMI', 'Non-maskable interrupts'],
  ['LOC', 'Local timer interrupts'],
  ['SPU', 'Spurious interrupts'],
  ['PMI', 'Performance monitoring interrupts'],
  ['IWI', 'IRQ work interrupts'],
  ['RTR', 'APIC ICR read retries'],
  ['RES', 'Rescheduling interrupts'],
  ['CAL', 'Function call interrupts'],
  ['TLB', 'TLB shootdowns'],
  ['TRM', 'Thermal event interrupts'],
  ['THR', 'Threshold APIC interrupts'],
  ['DFR', 'Deferred Error APIC interrupts'],
  ['MCE', 'Machine check exceptions'],
  ['MCP', 'Machine check polls'],
] as const);

/** An NMI handler (`nmi_handler_t` of `NMI_LOCAL`): runs on the CPU that took the NMI; true if handled. */
export type NmiHandler = (cpu: number) => boolean;

/** x86 IPI vectors, their handlers and the architecture statistics of one machine. */
@injectable()
export class X86Irq {
  /** The virq of each installed vector. */
  readonly #virqs = new Map<number, number>();
  readonly #nmiHandlers = new Map<string, NmiHandler>();
  readonly #irq: Irq;
  readonly #apic: Apic;
  readonly #ipi: X86Ipi;
  readonly #stats: IrqStats;
  readonly #tracer: Tracer;
  readonly #cpus: SimCpus;
  readonly #masks: CpuMasks;
  readonly #printk: Printk;

  constructor(
    @inject(Apic) apic: Apic,
    @inject(X86Ipi) ipi: X86Ipi,
    @inject(Irq) irq: Irq,
    @inject(IrqStats) stats: IrqStats,
    @inject(Tracer) tracer: Tracer,
    @inject(Smp) smp: Smp,
    @inject(Sched) sched: Sched,
    @inject(SimCpus) cpus: SimCpus,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(Printk) printk: Printk,
  ) {
    this.#irq = irq;
    this.#apic = apic;
    this.#ipi = ipi;
    this.#stats = stats;
    this.#tracer = tracer;
    this.#cpus = cpus;
    this.#masks = masks;
    this.#printk = printk;
    for (const [label, description] of X86_IRQ_STAT_ROWS) stats.define(label, description);
    // Installed in the order of arch/x86/kernel/idt.c apic_idts[]; the NMI is an exception vector.
    // generic_smp_call_function_interrupt() is the single-interrupt flush (include/linux/smp.h);
    // irq_work_run() has no work lists to run in the model.
    const callFunction = (): void => {
      smp.genericSmpCallFunctionSingleInterrupt();
    };
    this.sysvecInstall(
      RESCHEDULE_VECTOR,
      'sysvec_reschedule_ipi',
      this.#sysvec('reschedule', RESCHEDULE_VECTOR, 'RES', () => {
        sched.schedulerIpi();
      }),
    );
    this.sysvecInstall(
      CALL_FUNCTION_VECTOR,
      'sysvec_call_function',
      this.#sysvec('call_function', CALL_FUNCTION_VECTOR, 'CAL', callFunction),
    );
    this.sysvecInstall(
      CALL_FUNCTION_SINGLE_VECTOR,
      'sysvec_call_function_single',
      this.#sysvec('call_function_single', CALL_FUNCTION_SINGLE_VECTOR, 'CAL', callFunction),
    );
    this.sysvecInstall(
      IRQ_WORK_VECTOR,
      'sysvec_irq_work',
      this.#sysvec('irq_work', IRQ_WORK_VECTOR, 'IWI', () => undefined),
    );
    this.sysvecInstall(NMI_VECTOR, 'exc_nmi', () => {
      this.#excNmi();
      return IrqReturn.IRQ_HANDLED;
    });
  }

  /** The virq installed for `vector`, or 0. */
  virqOf(vector: number): number {
    return this.#virqs.get(vector) ?? 0;
  }

  /**
   * sysvecInstall() - Give `vector` a handler. Mirrors `sysvec_install(vector, function)`
   * (arch/x86/include/asm/desc.h), which puts the handler in the IDT; here: reserve an IPI virq for
   * the vector over the possible CPUs on the APIC IPI domain, `handle_percpu_irq`, `IRQ_HIDDEN`, and
   * `request_irq(virq, handler, 0, name, NULL)`.
   * @returns the virq.
   * @throws Error if the vector is taken or no virq is free (a boot failure).
   */
  sysvecInstall(vector: number, name: string, handler: IrqHandler): number {
    checkFunction('sysvecInstall', 'handler', handler);
    const virq = this.#apic.reserveIpiVector(vector, this.#masks.possible);
    if (virq <= 0) {
      throw new Error(
        `x86: cannot install ${name} on vector 0x${vector.toString(16)}: irqReserveIpi returned ${virq} (vector taken, or nrIrqs too small)`,
      );
    }
    this.#irq.irqSetChipAndHandlerName(
      virq,
      this.#apic.ipiDomain.chip,
      this.#irq.flow.handlePercpuIrq,
      'percpu',
    );
    this.#irq.irqSetStatusFlags(virq, IRQ_HIDDEN);
    this.#irq.requestIrq(virq, handler, 0, name, null);
    this.#virqs.set(vector, virq);
    return virq;
  }

  /**
   * The action of a `DEFINE_IDTENTRY_SYSVEC` IPI handler (the EOI came first, from the flow
   * handler's `irq_ack`): trace `<event>_entry`, count in `row`, do the work, trace `<event>_exit`.
   */
  #sysvec(event: string, vector: number, row: string, work: () => void): IrqHandler {
    const entry = `${event}_entry`;
    const exit = `${event}_exit`;
    // The row is looked up once (rows are declared while the machine is built), not per interrupt.
    const counts = this.#stats.get(row)?.counts ?? null;
    return () => {
      const cpu = this.#cpus.smpProcessorId();
      const tr = this.#tracer;
      if (tr.enabled) this.#traceSysvec(entry, cpu, vector);
      if (counts !== null) counts[cpu]++;
      work();
      if (tr.enabled) this.#traceSysvec(exit, cpu, vector);
      return IrqReturn.IRQ_HANDLED;
    };
  }

  /** A `<event>_entry` / `<event>_exit` tracepoint of a system-vector handler (out of line). */
  #traceSysvec(event: string, cpu: number, vector: number): void {
    this.#tracer.emit(event, cpu, { vector }, this.#cpus.localNow());
  }

  /**
   * `exc_nmi()` → `default_do_nmi()` (arch/x86/kernel/nmi.c): count the NMI, run the `NMI_LOCAL`
   * handlers; if none handled it, report an unknown NMI.
   */
  #excNmi(): void {
    const cpu = this.#cpus.smpProcessorId();
    this.#stats.inc('NMI', cpu);
    let handled = false;
    for (const h of this.#nmiHandlers.values()) handled = h(cpu) || handled;
    if (!handled) {
      this.#printk.prWarn('', `Uhhuh. NMI received for unknown reason 00 on CPU ${cpu}.`);
      this.#printk.prWarn('', 'Dazed and confused, but trying to continue');
    }
  }

  /**
   * registerNmiHandler() - `register_nmi_handler(NMI_LOCAL, handler, 0, name)`
   * (arch/x86/include/asm/nmi.h): `handler(cpu)` runs on every NMI, in registration order. A
   * second registration under `name` replaces the first.
   * @returns 0.
   */
  registerNmiHandler(name: string, handler: NmiHandler): number {
    checkFunction('registerNmiHandler', 'handler', handler);
    this.#nmiHandlers.set(name, handler);
    return 0;
  }

  /** unregisterNmiHandler() - `unregister_nmi_handler(NMI_LOCAL, name)`. */
  unregisterNmiHandler(name: string): void {
    this.#nmiHandlers.delete(name);
  }

  /**
   * archIrqWorkRaise() - `arch_irq_work_raise()` (arch/x86/kernel/irq_work.c): a self-IPI on
   * `IRQ_WORK_VECTOR` from the current CPU.
   */
  archIrqWorkRaise(): void {
    this.#ipi.sendIPISelf(IRQ_WORK_VECTOR);
  }
}
