/**
 * Local APIC register offsets, MSR numbers and the Interrupt Command Register (ICR) encoding,
 * mirroring arch/x86/include/asm/apicdef.h and the ICR helpers of arch/x86/kernel/apic/local.h.
 *
 * Offsets are those of the 4 KiB xAPIC MMIO page; in x2APIC mode register `offset` is the MSR
 * `APIC_BASE_MSR + (offset >> 4)`.
 *
 * @packageDocumentation
 */

/** `APIC_ID`: the local APIC ID (xAPIC: bits 24–31; x2APIC: all 32 bits, read-only). */
export const APIC_ID = 0x20;
/** `APIC_LVR`: version register (read-only). */
export const APIC_LVR = 0x30;
/** `APIC_TASKPRI`: task priority register (TPR). */
export const APIC_TASKPRI = 0x80;
/** `APIC_ARBPRI`: arbitration priority (read-only, not modelled: reads 0). */
export const APIC_ARBPRI = 0x90;
/** `APIC_PROCPRI`: processor priority register (PPR, read-only). */
export const APIC_PROCPRI = 0xa0;
/** `APIC_EOI`: end of interrupt (write-only). */
export const APIC_EOI = 0xb0;
/** `APIC_LDR`: logical destination register (xAPIC: bits 24–31; x2APIC: read-only 32 bits). */
export const APIC_LDR = 0xd0;
/** `APIC_DFR`: destination format register (xAPIC only). */
export const APIC_DFR = 0xe0;
/** `APIC_SPIV`: spurious-interrupt vector register. */
export const APIC_SPIV = 0xf0;
/** `APIC_ISR`: in-service register, 8 × 32 bits at 0x100–0x170 (read-only). */
export const APIC_ISR = 0x100;
/** `APIC_TMR`: trigger-mode register, 8 × 32 bits at 0x180–0x1f0 (read-only; all edge here). */
export const APIC_TMR = 0x180;
/** `APIC_IRR`: interrupt request register, 8 × 32 bits at 0x200–0x270 (read-only). */
export const APIC_IRR = 0x200;
/** `APIC_ESR`: error status register. */
export const APIC_ESR = 0x280;
/** `APIC_ICR`: interrupt command register, low word (a write sends). */
export const APIC_ICR = 0x300;
/** `APIC_ICR2`: interrupt command register, high word (xAPIC destination). */
export const APIC_ICR2 = 0x310;
/** `APIC_SELF_IPI`: x2APIC self-IPI register (write-only, x2APIC mode only). */
export const APIC_SELF_IPI = 0x3f0;
/** Last register offset of the xAPIC page. */
export const APIC_LAST_REG = 0x3f0;

/** `APIC_BASE_MSR`: MSR of register offset 0 in x2APIC mode. */
export const APIC_BASE_MSR = 0x800;
/** x2APIC MSR of the 64-bit ICR (`APIC_BASE_MSR + (APIC_ICR >> 4)`). */
export const X2APIC_ICR_MSR = 0x830;
/** x2APIC MSR of `APIC_SELF_IPI`. */
export const X2APIC_SELF_IPI_MSR = 0x83f;

/** x2APIC MSR number of register `offset`. */
export function x2apicMsr(offset: number): number {
  return APIC_BASE_MSR + (offset >> 4);
}

/** `APIC_VECTOR_MASK`: ICR bits 0–7. */
export const APIC_VECTOR_MASK = 0xff;
/** `APIC_DM_FIXED`. */
export const APIC_DM_FIXED = 0x000;
/** `APIC_DM_LOWEST`: lowest priority. */
export const APIC_DM_LOWEST = 0x100;
/** `APIC_DM_SMI`. */
export const APIC_DM_SMI = 0x200;
/** `APIC_DM_REMRD`: remote read (obsolete). */
export const APIC_DM_REMRD = 0x300;
/** `APIC_DM_NMI`. */
export const APIC_DM_NMI = 0x400;
/** `APIC_DM_INIT`. */
export const APIC_DM_INIT = 0x500;
/** `APIC_DM_STARTUP` (SIPI). */
export const APIC_DM_STARTUP = 0x600;
/** `APIC_DM_EXTINT`. */
export const APIC_DM_EXTINT = 0x700;
/** Delivery-mode field, ICR bits 8–10. */
export const APIC_DM_MASK = 0x700;
/** `APIC_DEST_PHYSICAL`: ICR bit 11 clear. */
export const APIC_DEST_PHYSICAL = 0x000;
/** `APIC_DEST_LOGICAL`: ICR bit 11 set. */
export const APIC_DEST_LOGICAL = 0x800;
/** `APIC_ICR_BUSY`: delivery status, ICR bit 12 (xAPIC only). */
export const APIC_ICR_BUSY = 0x1000;
/** `APIC_INT_ASSERT`: level assert, ICR bit 14. */
export const APIC_INT_ASSERT = 0x4000;
/** `APIC_INT_LEVELTRIG`: trigger mode, ICR bit 15. */
export const APIC_INT_LEVELTRIG = 0x8000;
/** `APIC_DEST_SELF`: shorthand "self", ICR bits 18–19 = 1. */
export const APIC_DEST_SELF = 0x40000;
/** `APIC_DEST_ALLINC`: shorthand "all including self", ICR bits 18–19 = 2. */
export const APIC_DEST_ALLINC = 0x80000;
/** `APIC_DEST_ALLBUT`: shorthand "all excluding self", ICR bits 18–19 = 3. */
export const APIC_DEST_ALLBUT = 0xc0000;
/** Shorthand field, ICR bits 18–19. */
export const APIC_SHORT_MASK = 0xc0000;
/** ICR low-word bits a write stores (busy is owned by the APIC; bits 13, 16–17, 20–31 reserved). */
export const APIC_ICR_WRITABLE =
  APIC_VECTOR_MASK |
  APIC_DM_MASK |
  APIC_DEST_LOGICAL |
  APIC_INT_ASSERT |
  APIC_INT_LEVELTRIG |
  APIC_SHORT_MASK;

/** `NMI_VECTOR`: sent with delivery mode NMI and vector field 0. */
export const NMI_VECTOR = 0x02;
/** `FIRST_EXTERNAL_VECTOR`. */
export const FIRST_EXTERNAL_VECTOR = 0x20;
/** `SPURIOUS_APIC_VECTOR`. */
export const SPURIOUS_APIC_VECTOR = 0xff;
/** `NR_VECTORS`. */
export const NR_VECTORS = 256;

/** xAPIC physical/logical broadcast destination (8 bits of ones). */
export const APIC_BROADCAST_ID = 0xff;
/** x2APIC broadcast destination (32 bits of ones). */
export const X2APIC_BROADCAST_ID = 0xffffffff;

/** `APIC_DFR_FLAT`: DFR model 0xF (flat). */
export const APIC_DFR_FLAT = 0xffffffff;
/** `APIC_DFR_CLUSTER`: DFR model 0x0 (cluster). */
export const APIC_DFR_CLUSTER = 0x0fffffff;

/** `APIC_SPIV_APIC_ENABLED`: software enable, SPIV bit 8. */
export const APIC_SPIV_APIC_ENABLED = 1 << 8;

/** `APIC_ESR_SENDILL`: ESR bit 5, "send illegal vector". */
export const APIC_ESR_SENDILL = 0x20;

/** `SET_APIC_DEST_FIELD(x)`: xAPIC destination in ICR2 bits 24–31. */
export function SET_APIC_DEST_FIELD(x: number): number {
  return (x << 24) >>> 0;
}

/** `GET_XAPIC_DEST_FIELD(x)`: the xAPIC destination from an ICR2 value. */
export function GET_XAPIC_DEST_FIELD(x: number): number {
  return (x >>> 24) & 0xff;
}

/** `SET_APIC_LOGICAL_ID(x)`: xAPIC logical ID in LDR bits 24–31. */
export function SET_APIC_LOGICAL_ID(x: number): number {
  return (x << 24) >>> 0;
}

/**
 * `__prepare_ICR(shortcut, vector, dest)` (arch/x86/kernel/apic/local.h): the ICR low word for
 * a shorthand (`APIC_DEST_SELF`/`ALLINC`/`ALLBUT`, or 0) and destination mode
 * (`APIC_DEST_PHYSICAL`/`APIC_DEST_LOGICAL`). `NMI_VECTOR` becomes delivery mode NMI with an
 * empty vector field; every other vector is sent fixed.
 */
export function __prepareICR(shortcut: number, vector: number, dest: number): number {
  let icr = shortcut | dest;
  if (vector === NMI_VECTOR) icr |= APIC_DM_NMI;
  else icr |= APIC_DM_FIXED | vector;
  return icr >>> 0;
}

/** `__prepare_ICR2(mask)` (arch/x86/kernel/apic/local.h): `SET_APIC_DEST_FIELD(mask)`. */
export function __prepareICR2(mask: number): number {
  return SET_APIC_DEST_FIELD(mask);
}

/** x2APIC logical ID of x2APIC ID `apicid`: `(cluster << 16) | (1 << (apicid & 0xf))`, cluster = `apicid >> 4`. */
export function x2apicLogicalId(apicid: number): number {
  return (((apicid >>> 4) << 16) | (1 << (apicid & 0xf))) >>> 0;
}

/** Priority class of a vector (bits 4–7). */
export function priorityClass(vector: number): number {
  return vector >>> 4;
}
