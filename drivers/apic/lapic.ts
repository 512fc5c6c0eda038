/**
 * The state of one local APIC: identity, logical destination, priorities, the IRR/ISR vector
 * bitmaps, a pending NMI, the ICR latch and its delivery status, and counters.
 *
 * Priority rules follow the Intel SDM (vol. 3, ch. 11, "Interrupt, Task, and Processor Priority")
 * as QEMU's `hw/intc/apic.c` implements them: PPR is the higher of TPR and the class of the
 * highest in-service vector; a requested vector is delivered only if its class beats PPR's; EOI
 * retires the highest in-service vector.
 *
 * @packageDocumentation
 */
import { priorityClass, x2apicLogicalId } from './apicdef.js';

/** Index of the highest set bit of the 256-bit vector bitmap at `words[base…base+7]`, or -1. */
function highestBit(words: Uint32Array, base: number): number {
  for (let w = 7; w >= 0; w--) {
    const word = words[base + w];
    if (word !== 0) return (w << 5) + 31 - Math.clz32(word);
  }
  return -1;
}

/** 32-bit words of one APIC's IRR and ISR together (8 each): one 64-byte cache line. */
export const LAPIC_VECTOR_WORDS = 16;

/** One CPU's local APIC. Read it through `Apic.lapic(cpu)`; change it through the `Apic` API. */
export class LocalApic {
  /** Task priority register (bits 0–7). */
  tpr = 0;
  /** Logical destination register, raw (xAPIC: ID in bits 24–31; x2APIC: derived, read-only). */
  ldr: number;
  /** Destination format register (xAPIC): model in bits 28–31, 0xF flat, 0x0 cluster. */
  dfr = 0xffffffff;
  /** Spurious-interrupt vector register (stored; software disable is not modelled). */
  spiv = 0x1ff;
  /** Error status register. */
  esr = 0;
  /** ICR low word as last written (without the busy bit). */
  icrLow = 0;
  /** ICR high word: xAPIC `APIC_ICR2` raw, x2APIC the 32-bit destination. */
  icrHigh = 0;
  /** Local time until which the xAPIC delivery-status bit reads busy. */
  busyUntil = 0;
  /** An NMI is pending. */
  nmiPending = false;
  /**
   * IRR (words 0–7) and ISR (words 8–15) of this APIC, at {@link LocalApic.irr}'s offset in a
   * bank shared by all APICs of the machine: the vector state of 8192 CPUs is one contiguous
   * array, one cache line per CPU, instead of two small heap objects each.
   */
  readonly #bank: Uint32Array;
  readonly #base: number;
  /** INIT messages received (accepted and counted; no reset is modelled). */
  initCount = 0;
  /** Vector of the last start-up IPI received, or -1. */
  sipiVector = -1;
  /** Messages accepted (fixed vectors set in IRR, NMIs, INIT, SIPI). */
  received = 0;
  /** Number of vectors set in IRR (a cheap "nothing requested" test for the CPU's polls). */
  #requests = 0;
  /** Number of vectors set in ISR (a cheap "nothing in service" test for PPR and EOI). */
  #inService = 0;
  /** Fixed messages whose vector was already pending in IRR, and NMIs while one was pending. */
  coalesced = 0;
  /** ICR writes that sent a message (xAPIC low-word writes, x2APIC ICR and SELF_IPI writes). */
  icrWrites = 0;

  constructor(
    /** The CPU this APIC belongs to. */
    readonly cpu: number,
    /** The firmware-assigned APIC ID (8-bit in xAPIC mode, 32-bit in x2APIC mode). */
    readonly apicId: number,
    x2apic: boolean,
    /** Vector bank shared by the machine's APICs (default: a bank of its own). */
    bank: Uint32Array = new Uint32Array(LAPIC_VECTOR_WORDS),
    /** Word offset of this APIC's IRR in `bank` (its ISR follows). */
    base = 0,
  ) {
    this.ldr = x2apic ? x2apicLogicalId(apicId) : 0;
    if (!(base >= 0 && base + LAPIC_VECTOR_WORDS <= bank.length)) {
      throw new RangeError(`LocalApic: base ${base} does not leave ${LAPIC_VECTOR_WORDS} words in a bank of ${bank.length}`);
    }
    this.#bank = bank;
    this.#base = base;
  }

  /**
   * Interrupt request register: 256 bits (a live view). Read it; set bits with
   * {@link LocalApic.setIrr} — a write through the view bypasses the request count the CPU's
   * polls rely on.
   */
  get irr(): Uint32Array {
    return this.#bank.subarray(this.#base, this.#base + 8);
  }

  /**
   * In-service register: 256 bits (a live view). Read it; it changes through
   * {@link LocalApic.acknowledge} and {@link LocalApic.eoi} — a write through the view bypasses
   * the in-service count PPR relies on.
   */
  get isr(): Uint32Array {
    return this.#bank.subarray(this.#base + 8, this.#base + 16);
  }

  /** Sets `vector` in IRR; false if it was set already (the message coalesces). */
  setIrr(vector: number): boolean {
    const i = this.#base + (vector >>> 5);
    const bit = 1 << (vector & 31);
    const bank = this.#bank;
    if ((bank[i] & bit) !== 0) return false;
    bank[i] |= bit;
    this.#requests++;
    return true;
  }

  /** Highest vector in IRR, or -1. */
  highestIrr(): number {
    return highestBit(this.#bank, this.#base);
  }

  /** Highest vector in ISR, or -1. */
  highestIsr(): number {
    return this.#inService === 0 ? -1 : highestBit(this.#bank, this.#base + 8);
  }

  /** Processor priority: TPR if its class is at least the in-service class, else that class. */
  ppr(): number {
    const isrClass = this.#isrClass();
    return priorityClass(this.tpr) >= isrClass ? this.tpr : isrClass << 4;
  }

  /** Class of the highest in-service vector, 0 when nothing is in service. */
  #isrClass(): number {
    const isrv = this.highestIsr();
    return isrv < 0 ? 0 : priorityClass(isrv);
  }

  /**
   * Is anything to be taken: an NMI, or a requested vector whose class beats PPR's? The common
   * answer on the CPU's polls, nothing requested, costs two loads; the priority logic is a call
   * that V8 need not inline where it is rarely reached (the polls stay small enough to inline).
   */
  hasDeliverable(): boolean {
    return this.nmiPending || (this.#requests !== 0 && this.#deliverable() >= 0);
  }

  /** Highest requested vector whose class beats PPR's, or -1. */
  deliverable(): number {
    return this.#requests === 0 ? -1 : this.#deliverable();
  }

  /**
   * {@link LocalApic.deliverable} with at least one vector requested. PPR's class is the higher
   * of TPR's and the in-service class (the rule of {@link LocalApic.ppr}), compared as classes
   * without building PPR.
   */
  #deliverable(): number {
    const v = this.highestIrr();
    if (v < 0) return -1;
    const isrClass = this.#isrClass();
    const tprClass = priorityClass(this.tpr);
    return priorityClass(v) > (isrClass > tprClass ? isrClass : tprClass) ? v : -1;
  }

  /** INTA: moves the deliverable vector from IRR to ISR and returns it, or -1. */
  acknowledge(): number {
    const v = this.deliverable();
    if (v < 0) return -1;
    const bit = 1 << (v & 31);
    const i = this.#base + (v >>> 5);
    this.#bank[i] &= ~bit;
    this.#requests--;
    this.#bank[i + 8] |= bit;
    this.#inService++;
    return v;
  }

  /** EOI: retires the highest in-service vector; returns it, or -1 if nothing was in service. */
  eoi(): number {
    const v = this.highestIsr();
    if (v >= 0) {
      this.#bank[this.#base + 8 + (v >>> 5)] &= ~(1 << (v & 31));
      this.#inService--;
    }
    return v;
  }

  /** Is `vector` in service? */
  inService(vector: number): boolean {
    return (this.#bank[this.#base + 8 + (vector >>> 5)] & (1 << (vector & 31))) !== 0;
  }

  /** Is `vector` requested? */
  requested(vector: number): boolean {
    return (this.#bank[this.#base + (vector >>> 5)] & (1 << (vector & 31))) !== 0;
  }

  /** Requested vectors plus a pending NMI. */
  pendingCount(): number {
    return this.#requests + (this.nmiPending ? 1 : 0);
  }

  /**
   * Does a logical destination select this APIC? x2APIC: same cluster (bits 16–31) and a common
   * member bit (bits 0–15). xAPIC flat (DFR model 0xF): a common LDR bit. xAPIC cluster (model
   * 0x0): same cluster nibble, or cluster 0xF (all clusters), and a common member bit.
   */
  matchLogical(dest: number, x2apic: boolean): boolean {
    const ldr = this.ldr;
    if (x2apic) return ldr >>> 16 === dest >>> 16 && (ldr & dest & 0xffff) !== 0;
    const logical = ldr >>> 24;
    if (this.dfr >>> 28 === 0xf) return (logical & dest) !== 0;
    const cluster = dest >>> 4;
    return (cluster === 0xf || cluster === logical >>> 4) && (logical & dest & 0x0f) !== 0;
  }
}
