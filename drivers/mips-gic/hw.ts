/**
 * The MIPS Global Interrupt Controller as hardware: the shared-interrupt registers that
 * drivers/irqchip/irq-mips-gic.c (and coprocessor firmware) program, and the per-VP output pins.
 *
 * Modelled registers, per shared interrupt `intr`: the pending bit (set and cleared through
 * `GIC_WEDGE`, or by a level source), the mask bit (`GIC_SMASK`/`GIC_RMASK`), the pin map
 * (`GIC_MAP_PIN`: map-to-pin flag and pin number) and the VP map (`GIC_MAP_VP`), plus trigger and
 * polarity. A VP's output pin `p` is asserted while some interrupt is pending, unmasked and mapped
 * to that VP and pin; pin `p` drives CPU interrupt line `p + 2` of the VP's CPU (VP number = CPU
 * number here), unless something else (coprocessor firmware) is connected to that VP.
 * Local interrupts (timer, performance counters) are not modelled.
 *
 * Timing: a `GIC_WEDGE` write that sets a pending bit lands `latencyNs` after the writer's local
 * time (the bus); every other write takes effect at once, so a handler that acknowledged an
 * interrupt never sees it pending again.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { bitsToWords } from '../../lib/bitmap.js';
import { ArchOptions, MachineConfig, SimCpus, SimEngine } from '../../lib/core.js';
import { describeValue } from '../../lib/validate.js';
import { MipsCpuIntc } from '../mips-cpu-intc/index.js';

/** `GIC_MAX_INTRS`: the largest number of shared interrupts a GIC has. */
export const GIC_MAX_INTRS = 256;
/** `GIC_WEDGE_RW`: in a `GIC_WEDGE` write, set (1) or clear (0) the pending bit. */
export const GIC_WEDGE_RW = 0x80000000;
/** `GIC_MAP_PIN_MAP_TO_PIN`: in a `GIC_MAP_PIN` write, route to a CPU pin (not NMI/YQ). */
export const GIC_MAP_PIN_MAP_TO_PIN = 0x80000000;
/** `GIC_MAP_PIN_MAP` field mask: the pin number. */
export const GIC_MAP_PIN_MAP = 0x3f;
/** `GIC_CPU_PIN_OFFSET`: GIC pin `p` is CPU interrupt line `p + 2`. */
export const GIC_CPU_PIN_OFFSET = 2;
/** Number of GIC output pins per VP that reach CPU lines (`IP2`–`IP7`). */
export const GIC_NR_PINS = 6;
/** `GIC_TRIG_LEVEL` / `GIC_TRIG_EDGE`. */
export const GIC_TRIG_LEVEL = 0;
/** `GIC_TRIG_EDGE`. */
export const GIC_TRIG_EDGE = 1;
/** Default number of shared interrupts (`GIC_CONFIG.NUMINTERRUPTS`). */
export const GIC_DEFAULT_SHARED_INTRS = 256;

/** Costs of GIC accesses, in ns (illustrative: no published MIPS GIC latency was found). */
export interface GicTiming {
  /** Writer's cost of one uncached GIC register store. */
  readonly writeNs: number;
  /** From a `GIC_WEDGE` set to the interrupt being pending (and the target's pin asserted). */
  readonly latencyNs: number;
}
/** The default GIC timing. */
export const GIC_TIMING: GicTiming = Object.freeze({ writeNs: 20, latencyNs: 80 });

/** What a GIC output pin of one VP is wired to. */
export interface GicVpSink {
  /** Pin `pin` of VP `vp` changed level. Runs at the simulated time of the change. */
  gicPin(vp: number, pin: number, asserted: boolean): void;
}

/** The GIC device of one machine. Options: `archOptions.gicSharedIntrs` (default 256). */
@injectable()
export class MipsGicHw {
  /** Device name, for reports. */
  readonly name = 'mips-gic';
  /** Number of shared interrupts (`gic_shared_intrs`). */
  readonly sharedIntrs: number;
  /** Timing in use. */
  readonly timing: GicTiming = GIC_TIMING;
  /** Pending bits, one per shared interrupt (`GIC_SH_PEND`). */
  readonly #pend: Uint32Array;
  /** Mask bits (`GIC_SH_MASK`): 1 = unmasked. */
  readonly #mask: Uint32Array;
  /** `GIC_SH_MAP_PIN` value per interrupt. */
  readonly #mapPin: Uint32Array;
  /** VP each interrupt is routed to (`GIC_SH_MAP_VP`), or -1. */
  readonly #mapVp: Int32Array;
  readonly #trig: Uint8Array;
  readonly #pol: Uint8Array;
  /** VP and pin an interrupt currently asserts (`vp * GIC_NR_PINS + pin`), or -1. */
  readonly #asserting: Int32Array;
  /** Interrupts asserting each (VP, pin). */
  readonly #pinCount: Int32Array;
  readonly #sinks: (GicVpSink | null)[];
  readonly #cpuSink: GicVpSink;
  readonly #cpus: SimCpus;
  readonly #engine: SimEngine;
  readonly #evWedge: number;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(ArchOptions) options: ArchOptions,
    @inject(SimCpus) cpus: SimCpus,
    @inject(SimEngine) engine: SimEngine,
    @inject(MipsCpuIntc) intc: MipsCpuIntc,
  ) {
    const shared = options.gicSharedIntrs ?? GIC_DEFAULT_SHARED_INTRS;
    if (
      typeof shared !== 'number' ||
      !Number.isInteger(shared) ||
      shared < 8 ||
      shared > GIC_MAX_INTRS ||
      shared % 8 !== 0
    ) {
      throw new RangeError(
        `mips-gic: archOptions.gicSharedIntrs is ${describeValue(shared)}; expected a multiple of 8 from 8 to ${GIC_MAX_INTRS}`,
      );
    }
    this.sharedIntrs = shared;
    const words = bitsToWords(shared);
    this.#pend = new Uint32Array(words);
    this.#mask = new Uint32Array(words);
    this.#mapPin = new Uint32Array(shared);
    this.#mapVp = new Int32Array(shared).fill(-1);
    this.#trig = new Uint8Array(shared);
    this.#pol = new Uint8Array(shared);
    this.#asserting = new Int32Array(shared).fill(-1);
    this.#pinCount = new Int32Array(config.nrCpuIds * GIC_NR_PINS);
    this.#sinks = new Array<GicVpSink | null>(config.nrCpuIds).fill(null);
    this.#cpuSink = {
      gicPin: (vp, pin, asserted) => {
        intc.setLine(vp, pin + GIC_CPU_PIN_OFFSET, asserted);
      },
    };
    this.#cpus = cpus;
    this.#engine = engine;
    this.#evWedge = engine.registerKind('mips_gic_wedge', (intr) => {
      this.#setPending(intr, true);
    });
  }

  /** Number of VPs (one per possible CPU). */
  get nrVps(): number {
    return this.#sinks.length;
  }

  /**
   * `write_gic_wedge(value)`: with {@link GIC_WEDGE_RW} set, make interrupt `value & 0xff…` pending
   * (after the bus latency; this is how IPIs are sent); without it, clear the pending bit at once
   * (how an edge interrupt is acknowledged). Charges the current CPU `writeNs`.
   * @throws RangeError for an interrupt number outside the shared interrupts.
   */
  writeGicWedge(value: number): void {
    const intr = (value & ~GIC_WEDGE_RW) >>> 0;
    this.#checkIntr('writeGicWedge', intr);
    this.#cpus.charge(this.timing.writeNs);
    if ((value & GIC_WEDGE_RW) !== 0) {
      this.#engine.schedule(this.#cpus.localNow() + this.timing.latencyNs, this.#evWedge, intr, 0);
    } else {
      this.#setPending(intr, false);
    }
  }

  /** `GIC_SH_PEND` bit of `intr`. */
  readGicPend(intr: number): boolean {
    this.#checkIntr('readGicPend', intr);
    return (this.#pend[intr >>> 5] & (1 << (intr & 31))) !== 0;
  }

  /** `GIC_SH_MASK` bit of `intr` (true = unmasked). */
  readGicMask(intr: number): boolean {
    this.#checkIntr('readGicMask', intr);
    return (this.#mask[intr >>> 5] & (1 << (intr & 31))) !== 0;
  }

  /** `write_gic_smask(intr)`: unmask. */
  writeGicSmask(intr: number): void {
    this.#checkIntr('writeGicSmask', intr);
    this.#mask[intr >>> 5] |= 1 << (intr & 31);
    this.#update(intr);
  }

  /** `write_gic_rmask(intr)`: mask. */
  writeGicRmask(intr: number): void {
    this.#checkIntr('writeGicRmask', intr);
    this.#mask[intr >>> 5] &= ~(1 << (intr & 31));
    this.#update(intr);
  }

  /** `write_gic_map_pin(intr, value)`: `GIC_MAP_PIN_MAP_TO_PIN | pin`. */
  writeGicMapPin(intr: number, value: number): void {
    this.#checkIntr('writeGicMapPin', intr);
    if ((value & GIC_MAP_PIN_MAP_TO_PIN) !== 0 && (value & GIC_MAP_PIN_MAP) >= GIC_NR_PINS) {
      throw new RangeError(
        `writeGicMapPin: pin ${value & GIC_MAP_PIN_MAP} does not exist (0 to ${GIC_NR_PINS - 1})`,
      );
    }
    this.#mapPin[intr] = value >>> 0;
    this.#update(intr);
  }

  /** `write_gic_map_vp(intr, BIT(vp))`: route `intr` to VP `vp` (the model takes the VP number). */
  writeGicMapVp(intr: number, vp: number): void {
    this.#checkIntr('writeGicMapVp', intr);
    if (!Number.isInteger(vp) || vp < 0 || vp >= this.nrVps) {
      throw new RangeError(
        `writeGicMapVp: vp is ${String(vp)}; expected a VP number in [0, ${this.nrVps})`,
      );
    }
    this.#mapVp[intr] = vp;
    this.#update(intr);
  }

  /** VP `intr` is routed to, or -1. */
  readGicMapVp(intr: number): number {
    this.#checkIntr('readGicMapVp', intr);
    return this.#mapVp[intr];
  }

  /** `change_gic_trig(intr, trig)`. */
  changeGicTrig(intr: number, trig: number): void {
    this.#checkIntr('changeGicTrig', intr);
    this.#trig[intr] = trig === GIC_TRIG_EDGE ? GIC_TRIG_EDGE : GIC_TRIG_LEVEL;
  }

  /** `change_gic_pol(intr, pol)`. */
  changeGicPol(intr: number, pol: number): void {
    this.#checkIntr('changeGicPol', intr);
    this.#pol[intr] = pol === 0 ? 0 : 1;
  }

  /** Trigger of `intr` (`GIC_TRIG_EDGE` or `GIC_TRIG_LEVEL`). */
  readGicTrig(intr: number): number {
    this.#checkIntr('readGicTrig', intr);
    return this.#trig[intr];
  }

  /** Is pin `pin` of VP `vp` asserted? */
  pinAsserted(vp: number, pin = 0): boolean {
    return this.#pinCount[vp * GIC_NR_PINS + pin] > 0;
  }

  /**
   * Wires VP `vp`'s output pins to `sink` (coprocessor firmware), or back to its CPU's interrupt
   * lines when `sink` is null. Asserted pins are lowered at the old sink and raised at the new.
   */
  connectVp(vp: number, sink: GicVpSink | null): void {
    if (!Number.isInteger(vp) || vp < 0 || vp >= this.nrVps) {
      throw new RangeError(
        `connectVp: vp is ${String(vp)}; expected a VP number in [0, ${this.nrVps})`,
      );
    }
    const old = this.#sinkOf(vp);
    this.#sinks[vp] = sink;
    const now = this.#sinkOf(vp);
    for (let pin = 0; pin < GIC_NR_PINS; pin++) {
      if (this.#pinCount[vp * GIC_NR_PINS + pin] > 0) {
        old.gicPin(vp, pin, false);
        now.gicPin(vp, pin, true);
      }
    }
  }

  /**
   * Word `w` of `GIC_SH_PEND` (bit `i` is interrupt `32 w + i`), as the driver's dispatch loop
   * (`gic_handle_shared_int()`) copies it. Trusted: no checks.
   */
  readGicPendWord(w: number): number {
    return this.#pend[w];
  }

  #sinkOf(vp: number): GicVpSink {
    return this.#sinks[vp] ?? this.#cpuSink;
  }

  #setPending(intr: number, pending: boolean): void {
    if (pending) this.#pend[intr >>> 5] |= 1 << (intr & 31);
    else this.#pend[intr >>> 5] &= ~(1 << (intr & 31));
    this.#update(intr);
  }

  /** Recomputes which (VP, pin) `intr` asserts and moves the pin levels that change. */
  #update(intr: number): void {
    const bit = 1 << (intr & 31);
    const w = intr >>> 5;
    const map = this.#mapPin[intr];
    const vp = this.#mapVp[intr];
    const active =
      (this.#pend[w] & this.#mask[w] & bit) !== 0 &&
      (map & GIC_MAP_PIN_MAP_TO_PIN) !== 0 &&
      vp >= 0;
    const target = active ? vp * GIC_NR_PINS + (map & GIC_MAP_PIN_MAP) : -1;
    const old = this.#asserting[intr];
    if (old === target) return;
    this.#asserting[intr] = target;
    if (old >= 0 && --this.#pinCount[old] === 0) {
      const v = Math.floor(old / GIC_NR_PINS);
      this.#sinkOf(v).gicPin(v, old % GIC_NR_PINS, false);
    }
    if (target >= 0 && ++this.#pinCount[target] === 1) {
      this.#sinkOf(vp).gicPin(vp, map & GIC_MAP_PIN_MAP, true);
    }
  }

  #checkIntr(fn: string, intr: number): void {
    if (!Number.isInteger(intr) || intr < 0 || intr >= this.sharedIntrs) {
      throw new RangeError(
        `${fn}: intr is ${String(intr)}; expected a shared interrupt in [0, ${this.sharedIntrs})`,
      );
    }
  }
}
