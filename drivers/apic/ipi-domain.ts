/**
 * The local APIC's IPI domain: one root irq domain with `IRQ_DOMAIN_FLAG_IPI_SINGLE` and bus
 * token `DOMAIN_BUS_IPI`, whose hwirq is the vector. One reserved virq serves every CPU; its
 * chip sends by programming the sender's ICR through the APIC mode's `struct apic` callbacks.
 *
 * Linux has no such domain: x86 sends IPIs by calling `apic->send_IPI*()` directly and handles
 * system vectors through the IDT. Here the x86 plugin reserves one virq per IPI vector on this
 * domain so that x86 IPIs go through the generic IPI API (docs/linux-mapping.md, "x86").
 *
 * @packageDocumentation
 */
import {
  DOMAIN_BUS_IPI,
  Errno,
  IRQ_DOMAIN_FLAG_IPI_SINGLE,
  type Ipi,
  type Irq,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type ReadonlyCpumask,
} from '../../lib/core.js';
import { describeValue } from '../../lib/validate.js';
import { FIRST_EXTERNAL_VECTOR, NMI_VECTOR, NR_VECTORS } from './apicdef.js';
import type { ApicIpiOps } from './send.js';

/** First vector the domain hands out when no vector was requested (after the ISA range). */
export const FIRST_DYNAMIC_IPI_VECTOR = 0x40;
/** Last vector the domain hands out when no vector was requested (below `LOCAL_TIMER_VECTOR`). */
export const LAST_DYNAMIC_IPI_VECTOR = 0xeb;

/**
 * The chip of the APIC IPI domain (named after Linux's `lapic_controller`, "APIC").
 * `irq_ack` is the EOI: x86 system-vector handlers call `apic_eoi()` before their work, and
 * `handle_percpu_irq` acks before the action. An NMI needs no EOI.
 */
export class ApicIpiChip implements IrqChip {
  readonly name = 'APIC';

  constructor(
    private readonly ops: ApicIpiOps,
    /** Where the EOI goes: the machine's `Apic` (`apic_eoi()` on the current CPU). */
    private readonly apic: { apicEoi(): void },
  ) {}

  /** `ipi_send_single`: `apic->send_IPI(cpu, vector)` with the virq's hwirq as the vector. */
  ipiSendSingle(data: IrqData, cpu: number): void {
    this.ops.sendIPI(cpu, data.hwirq);
  }

  /** `ipi_send_mask`: `apic->send_IPI_mask(dest, vector)`. */
  ipiSendMask(data: IrqData, dest: ReadonlyCpumask): void {
    this.ops.sendIPIMask(dest, data.hwirq);
  }

  /** `irq_ack`: `apic_eoi()`, except for an NMI. */
  irqAck(data: IrqData): void {
    if (data.hwirq !== NMI_VECTOR) this.apic.apicEoi();
  }
}

/** The IPI domain of one machine's local APICs and its vector bookkeeping. */
export class ApicIpiDomain {
  /** The domain (`DOMAIN_BUS_IPI`, `IRQ_DOMAIN_FLAG_IPI_SINGLE`, linear map of 256 vectors). */
  readonly domain: IrqDomain;
  /** Its chip. */
  readonly chip: ApicIpiChip;
  readonly #ipi: Ipi;
  /** The vector the next `alloc` must use, or -1 to pick a free one. */
  #requested = -1;

  constructor(irq: Irq, ipi: Ipi, ops: ApicIpiOps, apic: { apicEoi(): void }) {
    this.#ipi = ipi;
    const chip = new ApicIpiChip(ops, apic);
    this.chip = chip;
    this.domain = irq.irqDomainCreateHierarchy({
      parent: null,
      flags: IRQ_DOMAIN_FLAG_IPI_SINGLE,
      size: NR_VECTORS,
      name: 'VECTOR',
      ops: {
        // irq_reserve_ipi() passes only the destination mask, so the vector comes from
        // reserveIpiVector() (or, for a plain irqReserveIpi(), the lowest free dynamic vector).
        alloc: (domain, virq, nrIrqs) => {
          const vector = this.#requested >= 0 ? this.#requested : this.#freeVector();
          if (vector < 0) return -Errno.ENOSPC;
          if (nrIrqs !== 1 || this.virqOfVector(vector) !== 0) return -Errno.EBUSY;
          return irq.irqDomainSetHwirqAndChip(domain, virq, vector, chip);
        },
        free: (domain, virq, nrIrqs) => {
          irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
        },
      },
    });
    irq.irqDomainUpdateBusToken(this.domain, DOMAIN_BUS_IPI);
  }

  /** The virq whose hwirq is `vector`, or 0. */
  virqOfVector(vector: number): number {
    return this.domain.revmap[vector]?.irq ?? 0;
  }

  #freeVector(): number {
    for (let v = FIRST_DYNAMIC_IPI_VECTOR; v <= LAST_DYNAMIC_IPI_VECTOR; v++) {
      if (this.virqOfVector(v) === 0) return v;
    }
    return -1;
  }

  /**
   * Reserves an IPI virq for `vector` over `dest`: `irqReserveIpi(domain, dest)` with the domain's
   * alloc op told which vector to map (the model's stand-in for x86's static system-vector table).
   * @returns the virq, or `irqReserveIpi()`'s negative errno (`-EBUSY` if the vector is mapped).
   * @throws TypeError/RangeError for a `vector` that is not `NMI_VECTOR` or in
   *   `[FIRST_EXTERNAL_VECTOR, 255]`, and for a bad `dest` (as `irqReserveIpi()`).
   */
  reserveIpiVector(vector: number, dest: ReadonlyCpumask): number {
    if (typeof vector !== 'number' || !Number.isInteger(vector)) {
      throw new TypeError(
        `reserveIpiVector: vector is ${describeValue(vector)}; expected an integer`,
      );
    }
    if (vector !== NMI_VECTOR && (vector < FIRST_EXTERNAL_VECTOR || vector >= NR_VECTORS)) {
      throw new RangeError(
        `reserveIpiVector: vector is 0x${vector.toString(16)}; expected NMI_VECTOR (2) or 0x20..0xff`,
      );
    }
    this.#requested = vector;
    try {
      return this.#ipi.irqReserveIpi(this.domain, dest);
    } finally {
      this.#requested = -1;
    }
  }
}
