/**
 * The RISC-V hart-local interrupt controller (drivers/irqchip/irq-riscv-intc.c) on modelled
 * supervisor CSRs: per hart, `sip` (pending causes) and `sie` (enabled causes).
 *
 * Local interrupts are level-triggered: a cause stays pending until software (or the firmware, for
 * the software interrupt) clears its `sip` bit, so a handler that does not clear it is re-entered
 * as soon as it returns. The controller is the machine's {@link InterruptController}: `acknowledge`
 * picks the highest-priority pending, enabled cause (SEI, then SSI, then STI, as the privileged
 * spec orders them) without clearing it, and `dispatch` is `riscv_intc_irq()`.
 *
 * @packageDocumentation
 * @module genipi/drivers/riscv-intc
 */
import { ContainerModule, inject, injectable } from 'inversify';
import {
  Errno,
  InterruptController,
  Irq,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqFwspec,
  MachineConfig,
  Printk,
  SimCpus,
  type FwnodeHandle,
  irqDomainAllocNamedFwnode,
  checkInteger,
} from '../../lib/core.js';

/** `RV_IRQ_SOFT`: supervisor software interrupt (cause 1). */
export const RV_IRQ_SOFT = 1;
/** `RV_IRQ_TIMER`: supervisor timer interrupt (cause 5). */
export const RV_IRQ_TIMER = 5;
/** `RV_IRQ_EXT`: supervisor external interrupt (cause 9). */
export const RV_IRQ_EXT = 9;
/** `BITS_PER_LONG` on RV64: the INTC domain's size. */
export const RISCV_INTC_NR_IRQS = 64;

/** Causes the model's CSRs hold (one 32-bit word per hart). */
const MODELLED_CAUSES = 32;
/** Supervisor priority order of the privileged spec: external, software, timer. */
const PRIORITY = [RV_IRQ_EXT, RV_IRQ_SOFT, RV_IRQ_TIMER] as const;

/** The INTC of one machine: its domain, chip and per-hart `sip`/`sie`. */
@injectable()
export class RiscvIntc implements InterruptController {
  readonly name = 'RISC-V INTC';
  /** `intc_domain`: linear, `BITS_PER_LONG` hwirqs (= causes). */
  readonly domain: IrqDomain;
  /** `riscv_intc_chip`. */
  readonly chip: IrqChip;
  /** The node `riscv_get_intc_hwnode()` returns. */
  readonly fwnode: FwnodeHandle;
  readonly #cpus: SimCpus;
  readonly #irq: Irq;
  readonly #printk: Printk;
  readonly #sip: Uint32Array;
  readonly #sie: Uint32Array;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Irq) irq: Irq,
    @inject(Printk) printk: Printk,
  ) {
    this.#cpus = cpus;
    this.#irq = irq;
    this.#printk = printk;
    this.#sip = new Uint32Array(config.nrCpuIds);
    this.#sie = new Uint32Array(config.nrCpuIds);
    this.chip = {
      name: 'RISC-V INTC',
      irqMask: (data) => {
        this.#riscvIntcIrqMask(data);
      },
      irqUnmask: (data) => {
        this.#riscvIntcIrqUnmask(data);
      },
      // riscv_intc_irq_eoi(): nothing to do; present so chained handlers can call it.
      irqEoi: () => undefined,
    };
    this.fwnode = irqDomainAllocNamedFwnode('riscv-intc');
    this.domain = irq.irqDomainCreateLinear(this.fwnode, RISCV_INTC_NR_IRQS, {
      alloc: (domain, virq, nrIrqs, arg) => this.#riscvIntcDomainAlloc(domain, virq, nrIrqs, arg),
      free: (domain, virq, nrIrqs) => {
        irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
      },
    });
    cpus.attachInterruptController(this);
  }

  /**
   * `riscv_intc_domain_alloc()` (drivers/irqchip/irq-riscv-intc.c): one-cell fwspec, cause
   * `param[0] + i` for virq `virq + i`, per-CPU-devid with `handle_percpu_devid_irq`.
   * @returns 0, or `-EINVAL` for a malformed fwspec or a cause the model's CSRs do not hold.
   */
  #riscvIntcDomainAlloc(domain: IrqDomain, virq: number, nrIrqs: number, arg: unknown): number {
    const fwspec = arg as IrqFwspec | null;
    // irq_domain_translate_onecell()
    if (this.#printk.warnOn((fwspec?.param.length ?? 0) < 1, 'irq_domain_translate_onecell'))
      return -Errno.EINVAL;
    const hwirq = (fwspec as IrqFwspec).param[0];
    if (hwirq < 0 || hwirq + nrIrqs > MODELLED_CAUSES) return -Errno.EINVAL;
    for (let i = 0; i < nrIrqs; i++) {
      // riscv_intc_domain_map()
      this.#irq.irqSetPercpuDevid(virq + i);
      this.#irq.irqDomainSetInfo(
        domain,
        virq + i,
        hwirq + i,
        this.chip,
        null,
        this.#irq.flow.handlePercpuDevidIrq,
        null,
        null,
      );
    }
    return 0;
  }

  #thisCpu(fn: string): number {
    const c = this.#cpus.current;
    if (c === null) throw new Error(`${fn}: must run on a hart (it writes that hart's CSRs)`);
    return c.cpu;
  }

  /** `riscv_intc_irq_mask()`: `csr_clear(CSR_IE, BIT(hwirq))` on this hart. */
  #riscvIntcIrqMask(data: IrqData): void {
    this.#sie[this.#thisCpu('riscv_intc_irq_mask')] &= ~(1 << data.hwirq);
  }

  /** `riscv_intc_irq_unmask()`: `csr_set(CSR_IE, BIT(hwirq))` on this hart. */
  #riscvIntcIrqUnmask(data: IrqData): void {
    const cpu = this.#thisCpu('riscv_intc_irq_unmask');
    this.#sie[cpu] |= 1 << data.hwirq;
    if (this.pending(cpu)) this.#cpus.kick(cpu);
  }

  /** `csr_clear(CSR_IP, BIT(cause))` on the current hart (what the chained IPI handler does). */
  csrClearIp(cause: number): void {
    checkInteger('csrClearIp', 'cause', cause);
    this.#sip[this.#thisCpu('csr_clear(CSR_IP)')] &= ~(1 << cause);
  }

  /**
   * Sets `cause` pending on `cpu`'s hart, as hardware or M-mode firmware does (the SBI IPI
   * extension sets `SSIP`). The hart takes it once the cause is enabled and its interrupts are on.
   */
  raise(cpu: number, cause: number): void {
    checkInteger('RiscvIntc.raise', 'cpu', cpu);
    checkInteger('RiscvIntc.raise', 'cause', cause);
    if (cpu < 0 || cpu >= this.#sip.length) throw new RangeError(`RiscvIntc.raise: cpu is ${cpu}; expected a hart number in [0, ${this.#sip.length})`);
    if (cause < 0 || cause >= 32) throw new RangeError(`RiscvIntc.raise: cause is ${cause}; expected an interrupt cause in [0, 32)`);
    this.#sip[cpu] |= 1 << cause;
    if (this.pending(cpu)) this.#cpus.kick(cpu);
  }

  /** `sip` of `cpu`. */
  sip(cpu: number): number {
    return this.#sip[cpu];
  }

  /** `sie` of `cpu`. */
  sie(cpu: number): number {
    return this.#sie[cpu];
  }

  // ------------------------------------------------------------ InterruptController

  pending(cpu: number): boolean {
    return (this.#sip[cpu] & this.#sie[cpu]) !== 0;
  }

  /** The trap cause: highest-priority pending and enabled cause (its `sip` bit stays set). */
  acknowledge(cpu: number): number {
    const ready = this.#sip[cpu] & this.#sie[cpu];
    if (ready === 0) return -1;
    for (const cause of PRIORITY) if ((ready & (1 << cause)) !== 0) return cause;
    return 31 - Math.clz32(ready & -ready);
  }

  /**
   * `riscv_intc_irq()` (drivers/irqchip/irq-riscv-intc.c): hand the cause to the domain. A cause
   * nothing handles is warned about; the model then disables it in `sie`, because a level
   * interrupt nobody clears would otherwise trap forever.
   */
  dispatch(cpu: number, cause: number): void {
    if (this.#irq.genericHandleDomainIrq(this.domain, cause) !== 0) {
      this.#printk.prWarn('riscv-intc: ', `Failed to handle interrupt (cause: ${cause})`);
      this.#sie[cpu] &= ~(1 << cause);
    }
  }

  pendingCount(cpu: number): number {
    let n = 0;
    for (let v = this.#sip[cpu] & this.#sie[cpu]; v !== 0; v &= v - 1) n++;
    return n;
  }
}

/** The INTC driver's module: binds {@link RiscvIntc} as the machine's {@link InterruptController}. */
export const riscvIntcModule = new ContainerModule(({ bind }) => {
  bind(RiscvIntc).toSelf().inSingletonScope();
  bind<InterruptController>(InterruptController).toService(RiscvIntc);
});
