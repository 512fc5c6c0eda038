/**
 * The CP0 Count register of every MIPS CPU (`read_c0_count()` / `write_c0_count()`,
 * arch/mips/include/asm/mipsregs.h): a 32-bit counter that runs at half the core clock and is
 * not synchronised between cores at power-on.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { MachineConfig, Rng, SimCpus } from '../../lib/core.js';

/** Simulated nanoseconds per Count tick: a 1 GHz core whose Count runs at half its clock. */
export const MIPS_COUNT_NS_PER_TICK = 2;

/** The Count registers of one machine. */
@injectable()
export class MipsCp0 {
  /** Count value at `#since`, per CPU. */
  readonly #base: Float64Array;
  /** Simulated time of the last write, per CPU. */
  readonly #since: Float64Array;
  readonly #cpus: SimCpus;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Rng) rng: Rng,
  ) {
    this.#base = new Float64Array(config.nrCpuIds);
    this.#since = new Float64Array(config.nrCpuIds);
    this.#cpus = cpus;
    // CPU 0 starts from 0; the others came out of reset at unrelated times.
    for (let cpu = 1; cpu < config.nrCpuIds; cpu++) this.#base[cpu] = rng.int(0, 0xffffffff);
  }

  /** `read_c0_count()` on the current CPU, at its local time. */
  readC0Count(): number {
    return this.countOf(this.#cpus.smpProcessorId());
  }

  /** `write_c0_count(value)` on the current CPU. */
  writeC0Count(value: number): void {
    if (!Number.isInteger(value))
      throw new TypeError(`writeC0Count: value is ${String(value)}; expected an integer`);
    const cpu = this.#cpus.smpProcessorId();
    this.#base[cpu] = value >>> 0;
    this.#since[cpu] = this.#cpus.localNow();
  }

  /**
   * CPU `cpu`'s Count as seen now (host-side inspection; at the current CPU's local time when
   * called from simulated code).
   * @throws RangeError for a CPU outside the machine.
   */
  countOf(cpu: number): number {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.#base.length) {
      throw new RangeError(
        `countOf: cpu is ${String(cpu)}; expected a CPU number in [0, ${this.#base.length})`,
      );
    }
    const ticks = Math.floor((this.#cpus.localNow() - this.#since[cpu]) / MIPS_COUNT_NS_PER_TICK);
    return (this.#base[cpu] + ticks) % 0x100000000;
  }
}
