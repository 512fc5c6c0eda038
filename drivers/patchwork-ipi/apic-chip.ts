/**
 * PatchworkOS's local APIC as its IPI chip ("Local APIC IPI", module `drivers/apic`,
 * `src/modules/drivers/apic/apic.c` at 34d95f75), on genipi's x86 local APIC driver
 * (drivers/apic), and the x86 machine that runs PatchworkOS's IPI framework instead of Linux's.
 *
 * The chip's `interrupt(cpu, vector)` looks up the target's APIC ID in a per-CPU table (IDs are
 * firmware-assigned and need not equal CPU numbers), writes it to `APIC_ICR2` bits 24–31 and then
 * writes `APIC_ICR` with the vector, fixed delivery, physical destination and no shorthand. It
 * does not poll the delivery-status bit, and uses the xAPIC MMIO page only (in x2APIC mode the
 * write is refused). `eoi(cpu)` writes `APIC_EOI`; there is no `ack`.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { type Arch, CpuMasks, type IrqDomain, Irq, SimCpus } from '../../lib/core.js';
import {
  APIC_DEST_PHYSICAL,
  APIC_DM_FIXED,
  APIC_EOI,
  APIC_ICR,
  APIC_ICR2,
  Apic,
  SET_APIC_DEST_FIELD,
} from '../apic/index.js';
import { type IpiChip, type PatchworkCpu, PatchworkIpi, VECTOR_IPI } from './ipi.js';

/** The local APIC IPI chip of PatchworkOS. */
@injectable()
export class PatchworkApicChip implements IpiChip {
  readonly name = 'Local APIC IPI';
  /** `lapic_id` per CPU id (the module's per-CPU table). */
  readonly #lapicIds: number[];
  readonly #apic: Apic;
  readonly #sim: SimCpus;

  constructor(@inject(Apic) apic: Apic, @inject(SimCpus) sim: SimCpus) {
    this.#apic = apic;
    this.#sim = sim;
    this.#lapicIds = Array.from({ length: apic.nrApics }, (_, cpu) => apic.lapic(cpu).apicId);
  }

  /**
   * `interrupt(cpu, vector)`: ICR-high = the target's APIC ID, then ICR-low = `vector |
   * APIC_DM_FIXED | APIC_DEST_PHYSICAL`, through the current CPU's local APIC (the boot CPU's
   * when called from the host).
   */
  interrupt(cpu: PatchworkCpu, vector: number): void {
    const self = this.#sim.current?.cpu ?? 0;
    this.#apic.regs.writeRegister(self, APIC_ICR2, SET_APIC_DEST_FIELD(this.#lapicIds[cpu.id]));
    this.#apic.regs.writeRegister(
      self,
      APIC_ICR,
      (vector & 0xff) | APIC_DM_FIXED | APIC_DEST_PHYSICAL,
    );
  }

  /** `eoi(cpu)`: a write of `APIC_EOI` on `cpu`'s local APIC. */
  eoi(cpu: PatchworkCpu): void {
    this.#apic.regs.writeRegister(cpu.id, APIC_EOI, 0);
  }

  /**
   * The APIC module's init: register this chip (`ipi_chip_register(&chip)`).
   * @returns what {@link PatchworkIpi.ipiChipRegister} returns (0, or `ERR` with `errno`).
   */
  moduleInit(pw: PatchworkIpi): number {
    return pw.ipiChipRegister(this);
  }
}

/**
 * An x86 machine running PatchworkOS's IPI framework: the local APICs (their interrupt controller
 * attached), and `VECTOR_IPI` wired to PatchworkOS's interrupt dispatcher. Nothing of Linux's
 * cross-call layer is set up (no `SmpOps`), and no chip is registered until someone calls
 * {@link PatchworkApicChip.moduleInit} or `ipiChipRegister`.
 */
@injectable()
export class PatchworkX86Arch implements Arch {
  readonly name = 'patchwork-x86';
  /** PatchworkOS has no irq domains. */
  readonly ipiDomain: IrqDomain | null = null;
  /** The IPI framework. */
  readonly pw: PatchworkIpi;
  /** The virq the model uses to route vector 0xFD from the APIC to the dispatcher. */
  readonly vectorIpiVirq: number;

  constructor(
    @inject(Apic) apic: Apic,
    @inject(PatchworkIpi) pw: PatchworkIpi,
    @inject(Irq) irq: Irq,
    @inject(CpuMasks) masks: CpuMasks,
  ) {
    this.pw = pw;
    // The IDT entry of VECTOR_IPI: the APIC delivers vectors through its domain (hwirq = vector);
    // this vector's flow handler is PatchworkOS's interrupt_handler(), which acks and EOIs itself.
    const virq = apic.reserveIpiVector(VECTOR_IPI, masks.possible);
    if (virq <= 0)
      throw new Error(`patchwork-x86: cannot route vector 0x${VECTOR_IPI.toString(16)}: ${virq}`);
    irq.settings.irqSetHandler(
      virq,
      () => {
        pw.interruptHandler({ vector: VECTOR_IPI });
      },
      'patchwork',
    );
    this.vectorIpiVirq = virq;
  }
}
