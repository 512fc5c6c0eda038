/**
 * Register-level access to the local APICs, as software (or a test) drives the hardware: loads
 * and stores to the xAPIC MMIO page in xAPIC mode, `RDMSR`/`WRMSR` of the x2APIC MSRs in x2APIC
 * mode. In xAPIC mode a write of `APIC_ICR` sends with the destination latched in `APIC_ICR2`; in
 * x2APIC mode one write of MSR 0x830 carries the 32-bit destination in its high half.
 *
 * Accesses the SDM makes illegal (a #GP in x2APIC mode, an "illegal register address" error in
 * xAPIC mode) are rejected with a RangeError and change nothing: reserved offsets or MSRs, the
 * wrong interface for the mode, writes of read-only and reads of write-only registers. The APIC
 * ID is read-only in the model (firmware-assigned). LVT and timer registers are not modelled:
 * accesses warn and read 0.
 *
 * @packageDocumentation
 */
import type { Printk } from '../../lib/core.js';
import { describeValue } from '../../lib/validate.js';
import type { Apic } from './apic.js';
import {
  APIC_ARBPRI,
  APIC_BASE_MSR,
  APIC_DFR,
  APIC_EOI,
  APIC_ESR,
  APIC_ICR,
  APIC_ICR2,
  APIC_ID,
  APIC_IRR,
  APIC_ISR,
  APIC_LAST_REG,
  APIC_LDR,
  APIC_LVR,
  APIC_PROCPRI,
  APIC_SELF_IPI,
  APIC_SPIV,
  APIC_TASKPRI,
  APIC_TMR,
  APIC_DEST_SELF,
  SET_APIC_DEST_FIELD,
} from './apicdef.js';
import type { LocalApic } from './lapic.js';

const PR = 'apic: ';
/** `APIC_LVR` value: version 0x14, 6 LVT entries (as QEMU's APIC). */
export const APIC_VERSION = 0x00050014;

type Access = 'rw' | 'ro' | 'wo' | 'unmodelled' | 'reserved';

const NAMES: Readonly<Record<number, string>> = {
  [APIC_ID]: 'APIC_ID',
  [APIC_LVR]: 'APIC_LVR',
  [APIC_TASKPRI]: 'APIC_TASKPRI',
  [APIC_ARBPRI]: 'APIC_ARBPRI',
  [APIC_PROCPRI]: 'APIC_PROCPRI',
  [APIC_EOI]: 'APIC_EOI',
  [APIC_LDR]: 'APIC_LDR',
  [APIC_DFR]: 'APIC_DFR',
  [APIC_SPIV]: 'APIC_SPIV',
  [APIC_ESR]: 'APIC_ESR',
  [APIC_ICR]: 'APIC_ICR',
  [APIC_ICR2]: 'APIC_ICR2',
  [APIC_SELF_IPI]: 'APIC_SELF_IPI',
};

function regName(offset: number): string {
  if (offset >= APIC_ISR && offset < APIC_ISR + 0x80)
    return `APIC_ISR+0x${(offset - APIC_ISR).toString(16)}`;
  if (offset >= APIC_TMR && offset < APIC_TMR + 0x80)
    return `APIC_TMR+0x${(offset - APIC_TMR).toString(16)}`;
  if (offset >= APIC_IRR && offset < APIC_IRR + 0x80)
    return `APIC_IRR+0x${(offset - APIC_IRR).toString(16)}`;
  return NAMES[offset] ?? `register 0x${offset.toString(16)}`;
}

/** How register `offset` may be accessed in the given mode. */
function access(offset: number, x2apic: boolean): Access {
  switch (offset) {
    case APIC_ID:
    case APIC_LVR:
    case APIC_PROCPRI:
      return 'ro';
    case APIC_TASKPRI:
    case APIC_SPIV:
    case APIC_ESR:
    case APIC_ICR:
      return 'rw';
    case APIC_EOI:
      return 'wo';
    case APIC_LDR:
      return x2apic ? 'ro' : 'rw';
    case APIC_ARBPRI:
      return x2apic ? 'reserved' : 'ro';
    case APIC_DFR:
    case APIC_ICR2:
      return x2apic ? 'reserved' : 'rw';
    case APIC_SELF_IPI:
      return x2apic ? 'wo' : 'reserved';
    case 0x2f0: // LVT CMCI
    case 0x320: // LVT timer
    case 0x330: // LVT thermal
    case 0x340: // LVT performance counters
    case 0x350: // LVT LINT0
    case 0x360: // LVT LINT1
    case 0x370: // LVT error
    case 0x380: // timer initial count
    case 0x390: // timer current count
    case 0x3e0: // timer divide configuration
      return 'unmodelled';
    default:
      return offset >= APIC_ISR && offset < APIC_IRR + 0x80 ? 'ro' : 'reserved';
  }
}

/** The register interface of one machine's local APICs (`machine.get(Apic).regs`). */
export class ApicRegisters {
  constructor(
    private readonly apic: Apic,
    private readonly printk: Printk,
  ) {}

  /**
   * Load from the xAPIC MMIO page of `cpu`'s local APIC. Reading `APIC_ICR` costs an ICR read
   * and shows the delivery-status bit.
   * @throws TypeError/RangeError for a bad `cpu` or `offset`, an access in x2APIC mode, or a
   *   register that cannot be read.
   */
  readRegister(cpu: number, offset: number): number {
    const l = this.apic.lapicArgOf('readRegister', 'cpu', cpu);
    this.#mode('readRegister', 'offset', false);
    this.#check('readRegister', 'offset', offset, false, 'read');
    return this.#read(l, offset, false);
  }

  /**
   * Store to the xAPIC MMIO page of `cpu`'s local APIC. `APIC_ICR` sends (held while the
   * delivery status is busy); `APIC_EOI` retires the highest in-service vector.
   * @throws TypeError/RangeError for a bad `cpu`, `offset` or `value` (a 32-bit unsigned integer),
   *   an access in x2APIC mode, or a register that cannot be written.
   */
  writeRegister(cpu: number, offset: number, value: number): void {
    const l = this.apic.lapicArgOf('writeRegister', 'cpu', cpu);
    this.#mode('writeRegister', 'offset', false);
    checkU32('writeRegister', 'value', value);
    this.#check('writeRegister', 'offset', offset, false, 'write');
    this.#write(l, offset, value, 0);
  }

  /**
   * `RDMSR` of x2APIC MSR `msr` (0x800–0x83f) on `cpu`'s local APIC; the ICR (0x830) reads as
   * 64 bits with the destination in the high half.
   * @throws TypeError/RangeError for a bad `cpu` or `msr`, xAPIC mode, or a write-only register.
   */
  rdmsrl(cpu: number, msr: number): bigint {
    const l = this.apic.lapicArgOf('rdmsrl', 'cpu', cpu);
    this.#mode('rdmsrl', 'msr', true);
    const offset = this.#msrOffset('rdmsrl', msr);
    this.#check('rdmsrl', 'msr', offset, true, 'read');
    const lo = this.#read(l, offset, true);
    const hi = offset === APIC_ICR ? l.icrHigh : 0;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /**
   * `WRMSR` of x2APIC MSR `msr` on `cpu`'s local APIC with the halves `lo` and `hi`
   * (`wrmsr(msr, lo, hi)`). MSR 0x830 (ICR) sends to destination `hi`; MSR 0x83f (`SELF_IPI`)
   * sends vector `lo & 0xff` to self.
   * @throws TypeError/RangeError for a bad `cpu`, `msr`, `lo` or `hi`, xAPIC mode, or a
   *   read-only register.
   */
  wrmsr(cpu: number, msr: number, lo: number, hi: number): void {
    const l = this.apic.lapicArgOf('wrmsr', 'cpu', cpu);
    this.#mode('wrmsr', 'msr', true);
    const offset = this.#msrOffset('wrmsr', msr);
    checkU32('wrmsr', 'lo', lo);
    checkU32('wrmsr', 'hi', hi);
    this.#check('wrmsr', 'msr', offset, true, 'write');
    this.#write(l, offset, lo, hi);
  }

  /** `wrmsrl(msr, value)`: {@link ApicRegisters.wrmsr} with a 64-bit `value`. */
  wrmsrl(cpu: number, msr: number, value: bigint): void {
    if (typeof value !== 'bigint')
      throw new TypeError(`wrmsrl: value is ${describeValue(value)}; expected a bigint`);
    if (value < 0n || value >= 1n << 64n) {
      throw new RangeError(`wrmsrl: value is ${value}; expected a 64-bit unsigned bigint`);
    }
    this.wrmsr(cpu, msr, Number(value & 0xffffffffn), Number(value >> 32n));
  }

  #mode(fn: string, arg: string, msr: boolean): void {
    const x2 = this.apic.config.x2apic;
    if (msr && !x2) {
      throw new RangeError(
        `${fn}: ${arg}: x2APIC MSRs are not accessible, the APICs are in xAPIC mode ('${this.apic.config.mode}'); ` +
          'use readRegister/writeRegister',
      );
    }
    if (!msr && x2) {
      throw new RangeError(
        `${fn}: ${arg}: the xAPIC MMIO page is disabled, the APICs are in x2APIC mode ('${this.apic.config.mode}'); ` +
          'use rdmsrl/wrmsr with MSR 0x800 + (offset >> 4)',
      );
    }
  }

  #msrOffset(fn: string, msr: unknown): number {
    if (typeof msr !== 'number' || !Number.isInteger(msr)) {
      throw new TypeError(`${fn}: msr is ${describeValue(msr)}; expected an MSR number`);
    }
    if (msr < APIC_BASE_MSR || msr > APIC_BASE_MSR + (APIC_LAST_REG >> 4)) {
      throw new RangeError(
        `${fn}: msr is 0x${msr.toString(16)}; x2APIC registers are MSRs 0x800–0x83f`,
      );
    }
    return (msr - APIC_BASE_MSR) << 4;
  }

  #check(
    fn: string,
    arg: string,
    offset: unknown,
    x2apic: boolean,
    op: 'read' | 'write',
  ): asserts offset is number {
    if (typeof offset !== 'number' || !Number.isInteger(offset)) {
      throw new TypeError(`${fn}: ${arg} is ${describeValue(offset)}; expected a register offset`);
    }
    if (offset < 0 || offset > APIC_LAST_REG || (offset & 0xf) !== 0) {
      throw new RangeError(
        `${fn}: ${arg} is ${offset}; APIC registers are at multiples of 0x10 in 0x0–0x3f0`,
      );
    }
    const a = access(offset, x2apic);
    const what = x2apic
      ? `MSR 0x${(APIC_BASE_MSR + (offset >> 4)).toString(16)} (${regName(offset)})`
      : regName(offset);
    if (a === 'reserved') throw new RangeError(`${fn}: ${arg}: ${what} is reserved in this mode`);
    if (op === 'write' && a === 'ro') throw new RangeError(`${fn}: ${arg}: ${what} is read-only`);
    if (op === 'read' && a === 'wo') throw new RangeError(`${fn}: ${arg}: ${what} is write-only`);
    if (a === 'unmodelled') this.printk.prWarn(PR, `${what} is not modelled; ${op} ignored`);
  }

  #read(l: LocalApic, offset: number, x2: boolean): number {
    switch (offset) {
      case APIC_ID:
        return x2 ? l.apicId : SET_APIC_DEST_FIELD(l.apicId);
      case APIC_LVR:
        return APIC_VERSION;
      case APIC_TASKPRI:
        return l.tpr;
      case APIC_PROCPRI:
        return l.ppr();
      case APIC_LDR:
        return l.ldr;
      case APIC_DFR:
        return l.dfr;
      case APIC_SPIV:
        return l.spiv;
      case APIC_ESR:
        return l.esr;
      case APIC_ICR:
        return x2 ? l.icrLow : this.apic.icrRead(l);
      case APIC_ICR2:
        return l.icrHigh;
      default:
        if (offset >= APIC_ISR && offset < APIC_ISR + 0x80) return l.isr[(offset - APIC_ISR) >> 4];
        if (offset >= APIC_IRR && offset < APIC_IRR + 0x80) return l.irr[(offset - APIC_IRR) >> 4];
        // TMR (every vector is edge-triggered), arbitration priority, unmodelled registers.
        return 0;
    }
  }

  #write(l: LocalApic, offset: number, value: number, hi: number): void {
    switch (offset) {
      case APIC_TASKPRI:
        this.apic.tprWrite(l, value);
        break;
      case APIC_EOI:
        this.apic.eoiWrite(l);
        break;
      case APIC_LDR:
        l.ldr = (value & 0xff000000) >>> 0;
        break;
      case APIC_DFR:
        l.dfr = (value | 0x0fffffff) >>> 0;
        break;
      case APIC_SPIV:
        l.spiv = value & 0x3ff;
        break;
      case APIC_ESR:
        // Software writes ESR to latch and clear the errors.
        l.esr = 0;
        break;
      case APIC_ICR:
        this.apic.icrWrite(l, value, hi);
        break;
      case APIC_ICR2:
        this.apic.icrHighWrite(l, value);
        break;
      case APIC_SELF_IPI:
        this.apic.icrWrite(l, APIC_DEST_SELF | (value & 0xff), 0);
        break;
      default:
        break;
    }
  }
}

function checkU32(fn: string, arg: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(
      `${fn}: ${arg} is ${describeValue(value)}; expected a 32-bit unsigned integer`,
    );
  }
  if (value < 0 || value > 0xffffffff) {
    throw new RangeError(`${fn}: ${arg} is ${value}; expected a 32-bit unsigned integer`);
  }
}
