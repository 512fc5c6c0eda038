/**
 * A per-core IPI mailbox block, as on Loongson-3 (the legacy per-core IPI registers; QEMU's
 * `loongson_ipi` model) and Octeon (the CIU mailbox SET/CLR registers): the device that the MIPS
 * mailbox platforms send IPIs through.
 *
 * Every core has a 32-bit `STATUS` register (one bit per pending action), an `EN` mask, the
 * write-only `SET` and `CLEAR` registers, and four 64-bit mailbox buffers. Writing `SET` ORs bits
 * into `STATUS`; writing `CLEAR` clears them. The core's mailbox interrupt line is asserted while
 * `STATUS & EN` is non-zero; it drives CPU interrupt line `IP6` through the MIPS CPU interrupt
 * controller. Bits already set coalesce: two sends of one action before the receiver clears it
 * are one bit.
 *
 * Timing: a write to another core's `SET` travels over the bus and lands `latencyNs` after the
 * writer's local time; the writer pays `writeNs`. Every other access (the receiver reading and
 * clearing its own registers) takes effect at once, so a handler that cleared `STATUS` never sees
 * its own line again.
 *
 * @packageDocumentation
 * @module genipi/drivers/mips-mailbox
 */
import { ContainerModule, inject, injectable } from 'inversify';
import { MachineConfig, SimCpus, SimEngine } from '../../lib/core.js';
import { MipsCpuIntc } from '../mips-cpu-intc/index.js';

/** `STATUS` register offset (read: pending action bits). */
export const IPI_STATUS_OFF = 0x00;
/** `EN` register offset (read/write: which bits raise the interrupt line). */
export const IPI_EN_OFF = 0x04;
/** `SET` register offset (write-only: OR bits into `STATUS`). */
export const IPI_SET_OFF = 0x08;
/** `CLEAR` register offset (write-only: clear bits of `STATUS`). */
export const IPI_CLEAR_OFF = 0x0c;
/** First of the four 64-bit mailbox buffers (0x20, 0x28, 0x30, 0x38). */
export const IPI_BUF_OFF = 0x20;
/** CPU interrupt line the mailbox drives (Loongson-3 wires its IPI to `IP6`). */
export const MIPS_MAILBOX_CPU_LINE = 6;

/** Costs of mailbox accesses, in ns (illustrative: no published MIPS IPI figures were found). */
export interface MailboxTiming {
  /** Writer's cost of one uncached register store. */
  readonly writeNs: number;
  /** From a `SET` store to the bits being visible in the target's `STATUS` (and its line). */
  readonly latencyNs: number;
}
/** The default mailbox timing. */
export const MAILBOX_TIMING: MailboxTiming = Object.freeze({ writeNs: 20, latencyNs: 60 });

/** The mailbox register blocks of all cores of one machine. */
@injectable()
export class MipsMailbox {
  /** Device name, for reports. */
  readonly name = 'mips-mailbox';
  /** Timing in use. */
  readonly timing: MailboxTiming = MAILBOX_TIMING;
  /** `SET` writes that found every written bit already pending (coalesced), per target core. */
  readonly coalesced: Uint32Array;
  readonly #status: Uint32Array;
  readonly #en: Uint32Array;
  readonly #buf: BigUint64Array;
  readonly #cpus: SimCpus;
  readonly #engine: SimEngine;
  readonly #intc: MipsCpuIntc;
  readonly #evSet: number;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(SimEngine) engine: SimEngine,
    @inject(MipsCpuIntc) intc: MipsCpuIntc,
  ) {
    const n = config.nrCpuIds;
    this.#status = new Uint32Array(n);
    this.#en = new Uint32Array(n);
    this.#buf = new BigUint64Array(4 * n);
    this.coalesced = new Uint32Array(n);
    this.#cpus = cpus;
    this.#engine = engine;
    this.#intc = intc;
    this.#evSet = engine.registerKind('mips_mailbox_set', (core, bits) => {
      this.#applySet(core, bits);
    });
  }

  /** Number of cores (one register block each). */
  get nrCores(): number {
    return this.#status.length;
  }

  /**
   * 32-bit read of `core`'s register at `off` (`STATUS` or `EN`; the write-only registers read 0).
   * @throws RangeError for an unknown core or offset.
   */
  readl(core: number, off: number): number {
    this.#checkCore('readl', core);
    switch (off) {
      case IPI_STATUS_OFF:
        return this.#status[core];
      case IPI_EN_OFF:
        return this.#en[core];
      case IPI_SET_OFF:
      case IPI_CLEAR_OFF:
        return 0;
      default:
        throw new RangeError(
          `readl: offset 0x${off.toString(16)} is not a 32-bit mailbox register`,
        );
    }
  }

  /**
   * 32-bit write of `value` to `core`'s register at `off`. `SET` lands after the bus latency;
   * `CLEAR` and `EN` take effect at once. Charges the current CPU `writeNs`.
   * @throws RangeError for an unknown core, a read-only or unknown offset, or a value that is not
   *   a 32-bit unsigned integer.
   */
  writel(core: number, off: number, value: number): void {
    this.#checkCore('writel', core);
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`writel: value is ${String(value)}; expected a 32-bit unsigned integer`);
    }
    if (off !== IPI_SET_OFF && off !== IPI_CLEAR_OFF && off !== IPI_EN_OFF) {
      throw new RangeError(
        `writel: offset 0x${off.toString(16)} is not a writable 32-bit mailbox register`,
      );
    }
    this.#cpus.charge(this.timing.writeNs);
    if (off === IPI_SET_OFF) {
      this.#engine.schedule(
        this.#cpus.localNow() + this.timing.latencyNs,
        this.#evSet,
        core,
        value,
      );
      return;
    }
    if (off === IPI_CLEAR_OFF) this.#status[core] &= ~value;
    else this.#en[core] = value;
    this.#updateLine(core);
  }

  /**
   * 64-bit read of mailbox buffer `off` (0x20, 0x28, 0x30 or 0x38) of `core`.
   * @throws RangeError for an unknown core or offset.
   */
  readq(core: number, off: number): bigint {
    return this.#buf[this.#bufIndex('readq', core, off)];
  }

  /**
   * 64-bit write of a mailbox buffer (boot code passes start-up PC, SP and GP through these).
   * @throws RangeError for an unknown core or offset; TypeError for a value that is not a bigint.
   */
  writeq(core: number, off: number, value: bigint): void {
    const i = this.#bufIndex('writeq', core, off);
    if (typeof value !== 'bigint')
      throw new TypeError(`writeq: value is ${typeof value}; expected a bigint`);
    this.#cpus.charge(this.timing.writeNs);
    this.#buf[i] = BigInt.asUintN(64, value);
  }

  /** Is `core`'s mailbox line asserted (`STATUS & EN` non-zero)? */
  lineAsserted(core: number): boolean {
    this.#checkCore('lineAsserted', core);
    return (this.#status[core] & this.#en[core]) !== 0;
  }

  #applySet(core: number, bits: number): void {
    const old = this.#status[core];
    if ((old | bits) === old) this.coalesced[core]++;
    this.#status[core] = (old | bits) >>> 0;
    this.#updateLine(core);
  }

  #updateLine(core: number): void {
    this.#intc.setLine(core, MIPS_MAILBOX_CPU_LINE, (this.#status[core] & this.#en[core]) !== 0);
  }

  #bufIndex(fn: string, core: number, off: number): number {
    this.#checkCore(fn, core);
    if (off !== 0x20 && off !== 0x28 && off !== 0x30 && off !== 0x38) {
      throw new RangeError(
        `${fn}: offset 0x${off.toString(16)} is not a mailbox buffer (0x20, 0x28, 0x30, 0x38)`,
      );
    }
    return core * 4 + ((off - IPI_BUF_OFF) >>> 3);
  }

  #checkCore(fn: string, core: number): void {
    if (!Number.isInteger(core) || core < 0 || core >= this.#status.length) {
      throw new RangeError(
        `${fn}: core is ${String(core)}; expected a core number in [0, ${this.#status.length})`,
      );
    }
  }
}

/** The driver module: binds {@link MipsMailbox}. */
export const mipsMailboxModule = new ContainerModule(({ bind }) => {
  bind(MipsMailbox).toSelf().inSingletonScope();
});
