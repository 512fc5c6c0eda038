/**
 * Per-CPU instruction caches that are not coherent with data stores, as on Octeon, and the
 * flushes of arch/mips/mm/c-octeon.c that keep them right: `octeon_local_flush_icache()` (the
 * `synci 0($0)` the mailbox handler runs for `SMP_ICACHE_FLUSH`).
 *
 * The model: instruction memory maps an address to an instruction word; a CPU's fetch fills its
 * icache line and later fetches hit it, so after another CPU stores new code the old word is
 * still executed until that icache is flushed.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { MachineConfig, SimCpus } from '../../lib/core.js';
import { checkInteger } from '../../lib/validate.js';

/** The instruction caches and instruction memory of one machine. */
@injectable()
export class MipsIcache {
  /** Whole-icache flushes per CPU. */
  readonly flushes: Uint32Array;
  readonly #memory = new Map<number, number>();
  readonly #lines: Map<number, number>[];
  readonly #cpus: SimCpus;

  constructor(@inject(MachineConfig) config: MachineConfig, @inject(SimCpus) cpus: SimCpus) {
    this.flushes = new Uint32Array(config.nrCpuIds);
    this.#lines = Array.from({ length: config.nrCpuIds }, () => new Map<number, number>());
    this.#cpus = cpus;
  }

  /**
   * A data-side store of instruction `word` at `addr` (writing code: a module load, a kprobe).
   * Instruction caches are not updated.
   * @throws TypeError for a non-integer address or word.
   */
  storeInstruction(addr: number, word: number): void {
    checkInteger('storeInstruction', 'addr', addr);
    checkInteger('storeInstruction', 'word', word);
    this.#memory.set(addr, word);
  }

  /**
   * Instruction fetch at `addr` by `cpu` (default: the current CPU): the cached word if the line
   * is in its icache, else the word in memory (0 if none), which is then cached.
   * @throws TypeError / RangeError for a bad address or CPU; Error outside simulated code without `cpu`.
   */
  fetch(addr: number, cpu: number = this.#cpus.smpProcessorId()): number {
    checkInteger('fetch', 'addr', addr);
    const lines = this.#cache('fetch', cpu);
    const hit = lines.get(addr);
    if (hit !== undefined) return hit;
    const word = this.#memory.get(addr) ?? 0;
    lines.set(addr, word);
    return word;
  }

  /** Is `addr` in `cpu`'s icache? */
  cached(cpu: number, addr: number): boolean {
    return this.#cache('cached', cpu).has(addr);
  }

  /**
   * octeonLocalFlushIcache() - Flush this CPU's instruction cache.
   * Mirrors `octeon_local_flush_icache()` in arch/mips/mm/c-octeon.c (`synci 0($0)`).
   * @throws Error outside simulated code (there is no current CPU).
   */
  octeonLocalFlushIcache(): void {
    const cpu = this.#cpus.smpProcessorId();
    this.#lines[cpu].clear();
    this.flushes[cpu]++;
  }

  #cache(fn: string, cpu: number): Map<number, number> {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.#lines.length) {
      throw new RangeError(
        `${fn}: cpu is ${String(cpu)}; expected a CPU number in [0, ${this.#lines.length})`,
      );
    }
    return this.#lines[cpu];
  }
}
