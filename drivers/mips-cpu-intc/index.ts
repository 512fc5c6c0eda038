/**
 * The MIPS CPU interrupt controller, mirroring drivers/irqchip/irq-mips-cpu.c on top of the
 * coprocessor-0 interrupt state of every simulated CPU.
 *
 * Each CPU has eight interrupt lines, the `IP0`–`IP7` bits of its CP0 Cause register; lines 2–7
 * are hardware lines driven by devices (a mailbox block, a GIC pin), level-triggered: a line
 * stays asserted until the device lowers it. The CPU takes an interrupt when a line is asserted,
 * its `IM` bit in the Status register is set, and Status.IE (the simulated CPU's interrupt
 * enable) is on; `plat_irq_dispatch()` then handles the highest pending line through the
 * controller's irq domain.
 *
 * @packageDocumentation
 * @module genipi/drivers/mips-cpu-intc
 */
import { ContainerModule, inject, injectable } from 'inversify';
import {
  type InterruptController,
  Irq,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqFwspec,
  MachineConfig,
  Printk,
  SimCpus,
  Errno,
  checkInteger,
} from '../../lib/core.js';

/** Number of CPU interrupt lines (`IP0`–`IP7`). */
export const MIPS_CPU_IRQ_LINES = 8;
/** `STATUSF_IP2` … `STATUSF_IP7` as a line mask (bits 2–7): the hardware lines. */
export const MIPS_CPU_HW_LINES = 0xfc;

/**
 * The per-CPU interrupt controller of a MIPS machine: Cause.IP (line levels), Status.IM (line
 * masks), the `mips_cpu_intc` irq domain and the `MIPS` chip. Attach it to the CPUs once with
 * {@link MipsCpuIntc.attach}.
 */
@injectable()
export class MipsCpuIntc implements InterruptController {
  readonly name = 'MIPS';
  /** The root domain of the CPU lines: hwirq = line number (`irq_domain_add_legacy()` in C). */
  readonly domain: IrqDomain;
  /**
   * `mips_cpu_irq_controller`: ack and mask clear the line's Status.IM bit of the current CPU,
   * unmask and EOI set it again.
   */
  readonly chip: IrqChip;
  /** Line numbers each CPU took with no mapping behind them (`spurious_interrupt()`), per CPU. */
  readonly spurious: Uint32Array;
  readonly #ip: Uint8Array;
  readonly #im: Uint8Array;
  readonly #cpus: SimCpus;
  readonly #irq: Irq;
  readonly #printk: Printk;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Irq) irq: Irq,
    @inject(Printk) printk: Printk,
  ) {
    this.#ip = new Uint8Array(config.nrCpuIds);
    this.#im = new Uint8Array(config.nrCpuIds);
    this.spurious = new Uint32Array(config.nrCpuIds);
    this.#cpus = cpus;
    this.#irq = irq;
    this.#printk = printk;
    const mask = (data: IrqData): void => {
      this.#maskMipsIrq(data);
    };
    const unmask = (data: IrqData): void => {
      this.#unmaskMipsIrq(data);
    };
    this.chip = Object.freeze({
      name: 'MIPS',
      irqAck: mask,
      irqMask: mask,
      irqUnmask: unmask,
      irqEoi: unmask,
      irqDisable: mask,
      irqEnable: unmask,
    });
    this.domain = irq.irqDomainCreateLinear('mips-cpu-intc', MIPS_CPU_IRQ_LINES, {
      // mips_cpu_intc_map(): the line's virq gets the MIPS chip and handle_percpu_irq.
      alloc: (domain, virq, nrIrqs, arg) => {
        const line = (arg as IrqFwspec).param[0];
        if (!Number.isInteger(line) || line < 0 || line + nrIrqs > MIPS_CPU_IRQ_LINES)
          return -Errno.EINVAL;
        for (let i = 0; i < nrIrqs; i++) {
          irq.irqDomainSetInfo(
            domain,
            virq + i,
            line + i,
            this.chip,
            null,
            irq.flow.handlePercpuIrq,
            null,
            null,
          );
        }
        return 0;
      },
      free: (domain, virq, nrIrqs) => {
        irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
      },
    });
  }

  /** Connects this controller to the simulated CPUs (once per machine). */
  attach(): void {
    this.#cpus.attachInterruptController(this);
  }

  /**
   * Maps CPU line `line` to a virq (`irq_create_mapping(mips_cpu_domain, line)` in C): the virq
   * gets the `MIPS` chip and `handle_percpu_irq`.
   * @returns the virq, or a negative errno from the allocator.
   * @throws RangeError for a line outside 0–7.
   */
  irqCreateMapping(line: number): number {
    checkLine('irqCreateMapping', line);
    const existing = this.#irq.irqFindMapping(this.domain, line);
    if (existing !== 0) return existing;
    return this.#irq.irqDomainAllocIrqs(this.domain, 1, {
      fwnode: this.domain.fwnode,
      param: [line],
    });
  }

  /**
   * `change_c0_status(ST0_IM, …)` for `cpu`: sets the Status.IM bits of `lines` (a mask of
   * lines, bit n = line n) and clears the others. Platform bring-up code calls it per CPU.
   * @throws RangeError for a CPU outside the machine or a mask beyond 8 bits.
   */
  changeC0StatusIm(cpu: number, lines: number): void {
    this.#checkCpu('changeC0StatusIm', cpu);
    if (!Number.isInteger(lines) || lines < 0 || lines > 0xff) {
      throw new RangeError(
        `changeC0StatusIm: lines is ${String(lines)}; expected a line mask from 0 to 0xff`,
      );
    }
    this.#im[cpu] = lines;
    if ((this.#ip[cpu] & lines) !== 0) this.#cpus.kick(cpu);
  }

  /** Status.IM of `cpu` (bit n = line n enabled). */
  statusIm(cpu: number): number {
    this.#checkCpu('statusIm', cpu);
    return this.#im[cpu];
  }

  /** Cause.IP of `cpu` (bit n = line n asserted). */
  causeIp(cpu: number): number {
    this.#checkCpu('causeIp', cpu);
    return this.#ip[cpu];
  }

  /**
   * A device drives CPU `cpu`'s line `line` to `asserted` (the wire, not a register). Trusted:
   * devices call it with valid numbers.
   */
  setLine(cpu: number, line: number, asserted: boolean): void {
    checkInteger('setLine', 'cpu', cpu);
    checkInteger('setLine', 'line', line);
    if (cpu < 0 || cpu >= this.#ip.length) throw new RangeError(`setLine: cpu is ${cpu}; expected a CPU number in [0, ${this.#ip.length})`);
    if (line < 0 || line >= MIPS_CPU_IRQ_LINES) throw new RangeError(`setLine: line is ${line}; expected an interrupt line in [0, ${MIPS_CPU_IRQ_LINES})`);
    const bit = 1 << line;
    if (asserted) {
      if ((this.#ip[cpu] & bit) !== 0) return;
      this.#ip[cpu] |= bit;
      if ((this.#im[cpu] & bit) !== 0) this.#cpus.kick(cpu);
    } else {
      this.#ip[cpu] &= ~bit;
    }
  }

  pending(cpu: number): boolean {
    return (this.#ip[cpu] & this.#im[cpu]) !== 0;
  }

  /** `plat_irq_dispatch()` picks the highest pending, enabled line (`fls(pending) - 1`). */
  acknowledge(cpu: number): number {
    const pending = this.#ip[cpu] & this.#im[cpu];
    return pending === 0 ? -1 : 31 - Math.clz32(pending);
  }

  /** `do_domain_IRQ(mips_cpu_domain, line)`; a line with no virq is spurious and gets masked. */
  dispatch(cpu: number, line: number): void {
    if (this.#irq.flow.genericHandleDomainIrq(this.domain, line) !== 0) {
      // Level lines stay asserted: mask the unmapped line on this CPU instead of looping on it.
      this.#im[cpu] &= ~(1 << line);
      this.spurious[cpu]++;
      this.#printk.prWarn(
        '',
        `spurious interrupt on CPU${cpu} line IP${line}: no handler; line masked`,
      );
    }
  }

  pendingCount(cpu: number): number {
    let n = 0;
    for (let bits = this.#ip[cpu] & this.#im[cpu]; bits !== 0; bits &= bits - 1) n++;
    return n;
  }

  /** The CPU whose Status register a chip hook changes: the current one, or the boot CPU. */
  #thisCpu(): number {
    return this.#cpus.current?.cpu ?? 0;
  }

  /** `mask_mips_irq()`: `clear_c0_status(IE_SW0 << hwirq)` on this CPU. */
  #maskMipsIrq(data: IrqData): void {
    this.#im[this.#thisCpu()] &= ~(1 << data.hwirq);
  }

  /** `unmask_mips_irq()`: `set_c0_status(IE_SW0 << hwirq)` on this CPU. */
  #unmaskMipsIrq(data: IrqData): void {
    const cpu = this.#thisCpu();
    const bit = 1 << data.hwirq;
    this.#im[cpu] |= bit;
    if ((this.#ip[cpu] & bit) !== 0) this.#cpus.kick(cpu);
  }

  #checkCpu(fn: string, cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.#ip.length) {
      throw new RangeError(
        `${fn}: cpu is ${String(cpu)}; expected a CPU number in [0, ${this.#ip.length})`,
      );
    }
  }
}

function checkLine(fn: string, line: number): void {
  if (!Number.isInteger(line) || line < 0 || line >= MIPS_CPU_IRQ_LINES) {
    throw new RangeError(
      `${fn}: line is ${String(line)}; expected a CPU interrupt line from 0 to 7`,
    );
  }
}

/** The driver module: binds {@link MipsCpuIntc} (the arch attaches it). */
export const mipsCpuIntcModule = new ContainerModule(({ bind }) => {
  bind(MipsCpuIntc).toSelf().inSingletonScope();
});
