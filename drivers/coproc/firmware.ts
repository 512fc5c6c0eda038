/**
 * Coprocessor firmware: what runs on a MIPS core that Linux gave away. It is not Linux and not a
 * simulated Linux CPU: it is an event-driven agent that owns the GIC outputs of its VP, receives
 * the "to remote" IPI as a raw GIC shared interrupt, and answers through the "from remote" one by
 * writing `GIC_WEDGE` itself. Linux told it both numbers with `ipi_get_hwirq()`.
 *
 * Messages travel through shared memory (two rings, the model of the remoteproc vrings): Linux
 * appends to `toRemote` and kicks; the firmware takes everything there, appends one reply per
 * message to `fromRemote`, and raises its IPI towards Linux.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { SimEngine } from '../../lib/core.js';
import { GIC_WEDGE_RW, type GicVpSink, MipsGicHw, gicHwirqToShared } from '../mips-gic/index.js';

/** Firmware costs in ns (illustrative). */
export interface CoprocTiming {
  /** From `mips_cps_steal_cpu_and_execute()` to the firmware entry point running. */
  readonly bootNs: number;
  /** From the VP's GIC pin rising to the firmware's interrupt handler. */
  readonly irqEntryNs: number;
  /** From the handler's start to its `GIC_WEDGE` write that raises the reply IPI. */
  readonly handleNs: number;
}
/** The default firmware timing. */
export const COPROC_TIMING: CoprocTiming = Object.freeze({
  bootNs: 2000,
  irqEntryNs: 150,
  handleNs: 200,
});

/** One message in shared memory. */
export interface CoprocMessage {
  /** Sequence number, from 1. */
  readonly seq: number;
  /** Simulated time at which the sender wrote it, ns. */
  readonly sentAt: number;
}

/** State of the firmware. */
export type CoprocFirmwareState = 'off' | 'running' | 'halted' | 'bad-args';

/** The firmware model of one coprocessor. */
@injectable()
export class CoprocFirmware implements GicVpSink {
  /** Timing in use. */
  readonly timing: CoprocTiming = COPROC_TIMING;
  /** Linux → firmware ring (shared memory). */
  readonly toRemote: CoprocMessage[] = [];
  /** Firmware → Linux ring (shared memory). */
  readonly fromRemote: CoprocMessage[] = [];
  /** Firmware state. */
  state: CoprocFirmwareState = 'off';
  /** The VP (CPU number) the firmware runs on, or -1. */
  vp = -1;
  /** The hwirq Linux sends to the firmware with (`a1` of the entry protocol), or -1. */
  ipiToRemote = -1;
  /** The hwirq the firmware raises towards Linux (`a2`), or -1. */
  ipiFromRemote = -1;
  /** Interrupts the firmware took. */
  interrupts = 0;
  /** Messages it received and answered. */
  messages = 0;
  /** Simulated time of each message's arrival in the firmware's handler, in order. */
  readonly arrivals: number[] = [];
  readonly #gic: MipsGicHw;
  readonly #engine: SimEngine;
  readonly #evEntry: number;
  readonly #evIrq: number;
  readonly #evReply: number;
  #irqScheduled = false;
  /** Boot generation: a halt or a new boot makes a pending entry event stale. */
  #bootSeq = 0;

  constructor(@inject(MipsGicHw) gic: MipsGicHw, @inject(SimEngine) engine: SimEngine) {
    this.#gic = gic;
    this.#engine = engine;
    this.#evEntry = engine.registerKind('coproc_fw_entry', (seq) => {
      if (seq === this.#bootSeq) this.#entry();
    });
    this.#evIrq = engine.registerKind('coproc_fw_irq', () => {
      this.#irq();
    });
    this.#evReply = engine.registerKind('coproc_fw_reply', () => {
      this.#gic.writeGicWedge(GIC_WEDGE_RW | gicHwirqToShared(this.ipiFromRemote));
    });
  }

  /**
   * Starts the firmware on VP `vp` at simulated time `at` with the entry protocol of the MIPS
   * remoteproc driver: `a1` = the hwirq of the IPI to the firmware, `a2` = the hwirq of the IPI
   * from it. Arguments that are not shared GIC interrupts leave the firmware in `bad-args`.
   */
  boot(vp: number, at: number, ipiToRemote: number, ipiFromRemote: number): void {
    this.vp = vp;
    this.ipiToRemote = ipiToRemote;
    this.ipiFromRemote = ipiFromRemote;
    this.#engine.schedule(at, this.#evEntry, ++this.#bootSeq, 0);
  }

  /** Stops the firmware (`mips_cps_halt_and_return_cpu()`): its VP goes back to the CPU lines. */
  halt(): void {
    this.#bootSeq++;
    if (this.vp >= 0 && this.state === 'running') {
      this.#gic.writeGicRmask(gicHwirqToShared(this.ipiToRemote));
      this.#gic.connectVp(this.vp, null);
    }
    this.state = 'halted';
  }

  /** The VP's GIC pin changed (wired by {@link MipsGicHw.connectVp}). */
  gicPin(_vp: number, _pin: number, asserted: boolean): void {
    if (!asserted || this.state !== 'running' || this.#irqScheduled) return;
    this.#irqScheduled = true;
    this.#engine.schedule(this.#engine.now + this.timing.irqEntryNs, this.#evIrq, 0, 0);
  }

  #isShared(hwirq: number): boolean {
    const intr = gicHwirqToShared(hwirq);
    return Number.isInteger(hwirq) && intr >= 0 && intr < this.#gic.sharedIntrs;
  }

  #entry(): void {
    if (!this.#isShared(this.ipiToRemote) || !this.#isShared(this.ipiFromRemote)) {
      this.state = 'bad-args';
      return;
    }
    this.state = 'running';
    this.#gic.connectVp(this.vp, this);
    // The firmware owns its incoming interrupt: Linux never requested it, so it is masked.
    this.#gic.writeGicSmask(gicHwirqToShared(this.ipiToRemote));
  }

  #irq(): void {
    this.#irqScheduled = false;
    if (this.state !== 'running') return;
    const rx = gicHwirqToShared(this.ipiToRemote);
    if (!this.#gic.readGicPend(rx)) return;
    this.interrupts++;
    // Acknowledge the edge, then answer every message waiting in shared memory.
    this.#gic.writeGicWedge(rx);
    const now = this.#engine.now;
    let answered = 0;
    for (let msg = this.toRemote.shift(); msg !== undefined; msg = this.toRemote.shift()) {
      this.arrivals.push(now);
      this.messages++;
      this.fromRemote.push({ seq: msg.seq, sentAt: msg.sentAt });
      answered++;
    }
    if (answered > 0) this.#engine.schedule(now + this.timing.handleNs, this.#evReply, 0, 0);
  }
}
