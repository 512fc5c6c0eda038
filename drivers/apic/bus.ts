/**
 * The interrupt-message bus between local APICs: decoding an ICR into destinations (QEMU's
 * `apic_deliver()` / `apic_get_delivery_bitmask()`, hw/intc/apic.c) and delivering each message
 * after a latency as a simulation event (QEMU's `apic_bus_deliver()` / `apic_set_irq()`).
 *
 * Delivery allocates nothing once warm: destinations are collected into a preallocated array. A
 * message to one APIC is one engine event with numeric payload `(cpu, deliveryMode | vector)`;
 * a message to many is one *delivery cursor* — an engine timer that fires at each destination's
 * arrival time in turn and is re-armed for the next — so a broadcast to 8191 CPUs keeps one
 * event in the queue, not 8191.
 *
 * @packageDocumentation
 */
import type { Printk, SimCpus, SimEngine, Tracer } from '../../lib/core.js';
import {
  APIC_BROADCAST_ID,
  APIC_DEST_ALLBUT,
  APIC_DEST_ALLINC,
  APIC_DEST_LOGICAL,
  APIC_DEST_SELF,
  APIC_DM_FIXED,
  APIC_DM_INIT,
  APIC_DM_LOWEST,
  APIC_DM_MASK,
  APIC_DM_NMI,
  APIC_DM_STARTUP,
  APIC_ESR_SENDILL,
  APIC_INT_ASSERT,
  APIC_INT_LEVELTRIG,
  APIC_SHORT_MASK,
  APIC_VECTOR_MASK,
  X2APIC_BROADCAST_ID,
} from './apicdef.js';
import type { LocalApic } from './lapic.js';
import type { ApicTiming } from './timing.js';

const PR = 'apic: ';

const DM_NAMES = [
  'fixed',
  'lowest priority',
  'SMI',
  'remote read',
  'NMI',
  'INIT',
  'start-up',
  'ExtINT',
];

/** The message bus of one machine's local APICs. */
export class ApicBus {
  readonly #lapics: readonly LocalApic[];
  /** CPU of each APIC ID, -1 where no APIC has that ID. */
  readonly #cpuOfId: Int32Array;
  readonly #x2apic: boolean;
  readonly #engine: SimEngine;
  readonly #cpus: SimCpus;
  readonly #timing: ApicTiming;
  readonly #printk: Printk;
  readonly #tracer: Tracer;
  /**
   * Scratch: destinations of the message being sent, in delivery order. A cursor takes it over
   * and hands its own spent array back, so nothing is copied or allocated per message.
   */
  #dest: Int32Array;
  readonly #evAccept: number;
  readonly #evCursor: number;
  /** Delivery cursors, reused: timer, destinations, count, next index, departure, code. */
  readonly #cursors: { timer: number; dest: Int32Array; n: number; k: number; depart: number; code: number }[] = [];
  readonly #freeCursors: number[] = [];

  constructor(
    lapics: readonly LocalApic[],
    x2apic: boolean,
    engine: SimEngine,
    cpus: SimCpus,
    timing: ApicTiming,
    printk: Printk,
    tracer: Tracer,
  ) {
    this.#lapics = lapics;
    this.#x2apic = x2apic;
    this.#engine = engine;
    this.#cpus = cpus;
    this.#timing = timing;
    this.#printk = printk;
    this.#tracer = tracer;
    let maxId = 0;
    for (const l of lapics) maxId = Math.max(maxId, l.apicId);
    this.#cpuOfId = new Int32Array(maxId + 1).fill(-1);
    for (const l of lapics) this.#cpuOfId[l.apicId] = l.cpu;
    this.#dest = new Int32Array(lapics.length);
    this.#evAccept = engine.registerKind('apic_accept', (cpu, code) => {
      this.#accept(cpu, code);
    });
    this.#evCursor = engine.registerKind('apic_accept_next', (index) => {
      this.#cursorFire(index);
    });
  }

  /** The CPU whose APIC has ID `apicId`, or -1. */
  cpuOfApicId(apicId: number): number {
    return apicId >= 0 && apicId < this.#cpuOfId.length ? this.#cpuOfId[apicId] : -1;
  }

  /**
   * Sends the message of an ICR write by `src`: low word `icr`, destination `dest` (8-bit xAPIC
   * field or 32-bit x2APIC destination), leaving at local time `depart`. Destination `k` gets it
   * at `depart + (k + 1) * perDestNs + deliveryNs`.
   * @returns the number of destination APICs (the sender owes `perDestNs` for each).
   */
  send(src: LocalApic, icr: number, dest: number, depart: number): number {
    const dm = icr & APIC_DM_MASK;
    const vector = icr & APIC_VECTOR_MASK;
    // A fixed IPI is decoded here; the other delivery modes out of line (the send path inlines this).
    const code = dm === APIC_DM_FIXED && vector >= 16 ? APIC_DM_FIXED | vector : this.#messageCode(src, icr);
    if (code < 0) return 0;
    let n = this.#collect(src, icr, dest);
    // Lowest priority without arbitration, as QEMU does: the first APIC of the set.
    if (dm === APIC_DM_LOWEST && n > 1) n = 1;
    const t = this.#timing;
    if (n === 1) {
      this.#engine.scheduleTrusted(depart + t.perDestNs + t.deliveryNs, this.#evAccept, this.#dest[0], code);
    } else if (n > 1) {
      this.#startCursor(n, depart, code);
    }
    return n;
  }

  /**
   * What an ICR's message delivers, as the numeric payload of its `apic_accept` event
   * (`deliveryMode | vector`), or -1 for a message nothing receives: an illegal vector (the
   * sender flags "send illegal vector"), an INIT level de-assert, a mode the bus does not model.
   */
  #messageCode(src: LocalApic, icr: number): number {
    const dm = icr & APIC_DM_MASK;
    const vector = icr & APIC_VECTOR_MASK;
    switch (dm) {
      case APIC_DM_FIXED:
      case APIC_DM_LOWEST:
        if (vector < 16) {
          // Vectors 0–15 are reserved: the sender flags "send illegal vector" and nothing goes out.
          src.esr |= APIC_ESR_SENDILL;
          return -1;
        }
        return APIC_DM_FIXED | vector;
      case APIC_DM_NMI:
        return APIC_DM_NMI;
      case APIC_DM_INIT:
        // INIT level de-assert only re-synchronises arbitration IDs.
        if ((icr & (APIC_INT_ASSERT | APIC_INT_LEVELTRIG)) === APIC_INT_LEVELTRIG) return -1;
        return APIC_DM_INIT;
      case APIC_DM_STARTUP:
        return APIC_DM_STARTUP | vector;
      default:
        this.#unmodelled(src, dm);
        return -1;
    }
  }

  /** A message to `n` > 1 APICs: a cursor takes over the destinations and fires for each in turn. */
  #startCursor(n: number, depart: number, code: number): void {
    const t = this.#timing;
    const index = this.#freeCursors.pop() ?? this.#newCursor();
    const c = this.#cursors[index];
    const spent = c.dest;
    c.dest = this.#dest;
    this.#dest = spent;
    c.n = n;
    c.k = 0;
    c.depart = depart;
    c.code = code;
    this.#engine.arm(c.timer, depart + t.perDestNs + t.deliveryNs, this.#evCursor, index, 0);
  }

  /** A delivery mode the bus does not model: say so (out of line, as the trace below). */
  #unmodelled(src: LocalApic, dm: number): void {
    this.#printk.prWarn(PR, `delivery mode ${DM_NAMES[dm >>> 8]} is not modelled; message from APIC ${src.apicId} dropped`);
  }

  #newCursor(): number {
    this.#cursors.push({
      timer: this.#engine.createTimer(),
      dest: new Int32Array(this.#lapics.length),
      n: 0,
      k: 0,
      depart: 0,
      code: 0,
    });
    return this.#cursors.length - 1;
  }

  /** Destination `k` of a cursor's message arrives; the cursor moves on to the next one. */
  #cursorFire(index: number): void {
    const c = this.#cursors[index];
    const k = c.k++;
    if (c.k < c.n) {
      const t = this.#timing;
      this.#engine.arm(c.timer, c.depart + (c.k + 1) * t.perDestNs + t.deliveryNs, this.#evCursor, index, 0);
    } else {
      this.#freeCursors.push(index);
    }
    this.#accept(c.dest[k], c.code);
  }

  /** Fills the destination scratch for `icr`/`dest`; returns how many there are. */
  #collect(src: LocalApic, icr: number, dest: number): number {
    if ((icr & (APIC_SHORT_MASK | APIC_DEST_LOGICAL)) === 0 && dest !== (this.#x2apic ? X2APIC_BROADCAST_ID : APIC_BROADCAST_ID)) {
      // No shorthand, one physical APIC ID: the common send, kept small enough to inline.
      const cpu = this.cpuOfApicId(dest);
      if (cpu < 0) return 0;
      this.#dest[0] = cpu;
      return 1;
    }
    return this.#collectMany(src, icr, dest);
  }

  /** {@link ApicBus.#collect} for a shorthand, a broadcast or a logical destination. */
  #collectMany(src: LocalApic, icr: number, dest: number): number {
    const out = this.#dest;
    const all = this.#lapics;
    let n = 0;
    switch (icr & APIC_SHORT_MASK) {
      case APIC_DEST_SELF:
        out[0] = src.cpu;
        return 1;
      case APIC_DEST_ALLINC:
        for (let cpu = 0; cpu < all.length; cpu++) out[n++] = cpu;
        return n;
      case APIC_DEST_ALLBUT:
        for (let cpu = 0; cpu < all.length; cpu++) if (cpu !== src.cpu) out[n++] = cpu;
        return n;
      default:
        break;
    }
    const x2 = this.#x2apic;
    const physical = (icr & APIC_DEST_LOGICAL) === 0;
    // 0xFFFFFFFF reaches every x2APIC in either destination mode; 0xFF is the broadcast of the
    // 8-bit xAPIC field in physical mode only (in logical mode it is an ordinary logical match).
    if (x2 ? dest === X2APIC_BROADCAST_ID : physical && dest === APIC_BROADCAST_ID) {
      for (let cpu = 0; cpu < all.length; cpu++) out[n++] = cpu;
      return n;
    }
    if (physical) {
      const cpu = this.cpuOfApicId(dest);
      if (cpu >= 0) out[n++] = cpu;
      return n;
    }
    return this.#collectLogical(dest);
  }

  /** Fills the destination scratch for logical destination `dest`; returns how many there are. */
  #collectLogical(dest: number): number {
    const out = this.#dest;
    const all = this.#lapics;
    let n = 0;
    if (this.#x2apic) {
      // x2APIC IDs fix the logical IDs, so a cluster's members are found by ID, in ID order.
      const base = (dest >>> 16) << 4;
      for (let bits = dest & 0xffff; bits !== 0; bits &= bits - 1) {
        const cpu = this.cpuOfApicId(base + 31 - Math.clz32(bits & -bits));
        if (cpu >= 0) out[n++] = cpu;
      }
      return n;
    }
    for (let cpu = 0; cpu < all.length; cpu++)
      if (all[cpu].matchLogical(dest, false)) out[n++] = cpu;
    return n;
  }

  /** A message arrives at `cpu`'s APIC. */
  #accept(cpu: number, code: number): void {
    const l = this.#lapics[cpu];
    const dm = code & APIC_DM_MASK;
    if (dm !== APIC_DM_FIXED) {
      this.#acceptOther(l, dm, code & APIC_VECTOR_MASK);
      return;
    }
    // A fixed vector, the common message: set in IRR (or coalesced into the pending one).
    const vector = code & APIC_VECTOR_MASK;
    const accepted = l.setIrr(vector);
    if (accepted) l.received++;
    else l.coalesced++;
    if (this.#tracer.enabled) this.#traceAccept(l, dm, vector, accepted);
    if (accepted) this.#cpus.kick(cpu);
  }

  /** An NMI, INIT or start-up message arrives at `l` (out of line: fixed IPIs are the hot path). */
  #acceptOther(l: LocalApic, dm: number, vector: number): void {
    let accepted = true;
    if (dm === APIC_DM_NMI) {
      accepted = !l.nmiPending;
      l.nmiPending = true;
    } else if (dm === APIC_DM_INIT) {
      l.initCount++;
    } else {
      l.sipiVector = vector;
    }
    if (accepted) l.received++;
    else l.coalesced++;
    if (this.#tracer.enabled) this.#traceAccept(l, dm, vector, accepted);
    if (accepted && dm === APIC_DM_NMI) this.#cpus.kick(l.cpu);
  }

  /** The `apic_accept_irq` event. */
  #traceAccept(l: LocalApic, dm: number, vector: number, accepted: boolean): void {
    this.#tracer.emit('apic_accept_irq', l.cpu, { apicid: l.apicId, dm: dm >>> 8, vec: vector, coalesced: !accepted });
  }
}
