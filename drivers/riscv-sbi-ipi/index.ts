/**
 * IPIs through the SBI firmware, multiplexed with ipi-mux: arch/riscv/kernel/sbi-ipi.c and the
 * SBI IPI extension it calls (`sbi_send_ipi()`, arch/riscv/kernel/sbi.c).
 *
 * The hardware gives each hart one supervisor software interrupt (`SSIP`, INTC cause 1). The
 * provider maps it to a per-CPU virq on the INTC domain, creates 8 vIPIs with
 * `ipi_mux_create(8, sbi_send_ipi)`, installs a chained handler on the parent that clears `SSIP`
 * and then calls `ipi_mux_process()`, and hands the vIPIs to the arch with
 * `riscv_ipi_set_virq_range(virq, 8)` (the arch uses 6).
 *
 * @packageDocumentation
 * @module genipi/drivers/riscv-sbi-ipi
 */
import { ContainerModule, inject, injectable } from 'inversify';
import {
  DOMAIN_BUS_ANY,
  Irq,
  type IrqDesc,
  IRQ_NOPROBE,
  IRQ_NOREQUEST,
  IRQ_NOTHREAD,
  MachineConfig,
  Printk,
  checkInteger,
} from '../../lib/core.js';
import { RiscvIpiProvider, RiscvIpiRange } from '../../arch/riscv/asm.js';
import { RV_IRQ_SOFT, RiscvIntc } from '../riscv-intc/index.js';

/** `BITS_PER_BYTE`: the number of vIPIs the SBI provider creates. */
export const SBI_IPI_NR_VIPIS = 8;

/** The SBI IPI provider of one machine. */
@injectable()
export class SbiIpi implements RiscvIpiProvider {
  readonly name = 'sbi-ipi';
  /** `sbi_ipi_virq`: the parent (INTC software interrupt) virq, or 0 if the provider stood down. */
  readonly sbiIpiVirq: number = 0;
  /** First vIPI virq from `ipi_mux_create()`, or 0 / a negative errno if the provider stood down. */
  readonly muxVirq: number = 0;
  /** `sbi_send_ipi()` calls (SBI ecalls) per target CPU. */
  readonly ecalls: Uint32Array;
  readonly #intc: RiscvIntc;
  readonly #irq: Irq;

  /**
   * `sbi_ipi_init()` (arch/riscv/kernel/sbi-ipi.c), run when the arch's `init_IRQ()` asks for
   * the provider. Stands down (logging why) if another provider set the virq range already, the
   * INTC domain is missing, or the mapping or mux cannot be created.
   */
  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(RiscvIntc) intc: RiscvIntc,
    @inject(Irq) irq: Irq,
    @inject(Printk) printk: Printk,
    @inject(RiscvIpiRange) arch: RiscvIpiRange,
  ) {
    this.#intc = intc;
    this.#irq = irq;
    this.ecalls = new Uint32Array(config.nrCpuIds);
    if (arch.riscvIpiHaveVirqRange()) return;
    const domain = irq.irqFindMatchingFwnode(intc.fwnode, DOMAIN_BUS_ANY);
    if (domain === null) {
      printk.prWarn('riscv: ', 'unable to find INTC IRQ domain');
      return;
    }
    // irq_create_mapping(domain, RV_IRQ_SOFT): the model has only the hierarchical path, so the
    // mapping is allocated with a one-cell fwspec through the INTC's alloc op.
    const parent = irq.irqDomainAllocIrqs(domain, 1, { fwnode: intc.fwnode, param: [RV_IRQ_SOFT] });
    if (parent <= 0) {
      printk.prWarn('riscv: ', 'unable to create INTC IRQ mapping');
      return;
    }
    const virq = irq.ipiMuxCreate(SBI_IPI_NR_VIPIS, (cpu) => {
      this.sbiSendIpi(cpu);
    });
    if (virq <= 0) {
      printk.prWarn('riscv: ', 'unable to create muxed IPIs');
      irq.irqDomainFreeIrqs(parent, 1);
      this.muxVirq = virq;
      return;
    }
    this.sbiIpiVirq = parent;
    this.muxVirq = virq;
    // irq_set_chained_handler(sbi_ipi_virq, sbi_ipi_handle)
    irq.settings.irqSetHandler(
      parent,
      (desc) => {
        this.#sbiIpiHandle(desc);
      },
      null,
    );
    irq.irqSetStatusFlags(parent, IRQ_NOPROBE | IRQ_NOREQUEST | IRQ_NOTHREAD);
    // cpuhp "irqchip/sbi-ipi:starting" → sbi_ipi_starting_cpu() on every CPU as it comes up.
    for (let cpu = 0; cpu < config.nrCpuIds; cpu++) this.sbiIpiStartingCpu(cpu);
    arch.riscvIpiSetVirqRange(virq, SBI_IPI_NR_VIPIS);
    printk.prInfo('riscv: ', 'providing IPIs using SBI IPI extension');
  }

  /** `sbi_ipi_starting_cpu(cpu)` (arch/riscv/kernel/sbi-ipi.c): enable the parent on `cpu`. */
  sbiIpiStartingCpu(cpu: number): void {
    this.#irq.enablePercpuIrq(this.sbiIpiVirq, cpu);
  }

  /**
   * `sbi_send_ipi(cpu)` (arch/riscv/kernel/sbi.c): the SBI IPI extension ecall; the firmware
   * sets `SSIP` on the target hart. It is ipi-mux's parent send.
   */
  sbiSendIpi(cpu: number): void {
    checkInteger('sbiSendIpi', 'cpu', cpu);
    if (cpu < 0 || cpu >= this.ecalls.length) throw new RangeError(`sbiSendIpi: cpu is ${cpu}; expected a hart number in [0, ${this.ecalls.length})`);
    this.ecalls[cpu]++;
    this.#intc.raise(cpu, RV_IRQ_SOFT);
  }

  /**
   * `sbi_ipi_handle(desc)` (arch/riscv/kernel/sbi-ipi.c), the chained handler of the parent:
   * `chained_irq_enter`, clear `SSIP` (`csr_clear(CSR_IP, IE_SIE)`), `ipi_mux_process()`,
   * `chained_irq_exit` (the INTC chip's EOI).
   */
  #sbiIpiHandle(desc: IrqDesc): void {
    const chip = desc.irqData.chip;
    this.#intc.csrClearIp(RV_IRQ_SOFT);
    this.#irq.ipiMuxProcess();
    chip?.irqEoi?.(desc.irqData);
  }
}

/** The SBI IPI provider's module: binds {@link SbiIpi} as the RISC-V {@link RiscvIpiProvider}. */
export const sbiIpiModule = new ContainerModule(({ bind }) => {
  bind(SbiIpi).toSelf().inSingletonScope();
  bind<RiscvIpiProvider>(RiscvIpiProvider).toService(SbiIpi);
});
