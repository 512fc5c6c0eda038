/**
 * The machine's CPU masks (`cpu_possible_mask`, `cpu_present_mask`, `cpu_online_mask` of
 * kernel/cpu.c).
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { Cpumask, type ReadonlyCpumask } from './cpumask.js';
import { MachineConfig } from './machine/config.js';

/** Initial online set, chosen at machine creation. */
export interface CpuBootState {
  readonly online: readonly number[];
}
/** DI token for {@link CpuBootState}. */
export const CpuBootState: unique symbol = Symbol.for('genipi/CpuBootState');

/**
 * Holds the possible, present and online masks of one machine. In the model every possible CPU
 * is present; online is a subset that hot-plug changes.
 */
@injectable()
export class CpuMasks {
  /** `cpu_possible_mask`: `[0, nr_cpu_ids)`; frozen. */
  readonly possible: ReadonlyCpumask;
  /** `cpu_present_mask`: equal to possible in the model; frozen. */
  readonly present: ReadonlyCpumask;
  readonly #online: Cpumask;

  /** @internal Built by the machine's container from its {@link MachineConfig} and boot state. */
  constructor(@inject(MachineConfig) config: MachineConfig, @inject(CpuBootState) boot: CpuBootState) {
    this.possible = Cpumask.full(config.nrCpuIds).freeze();
    this.present = this.possible;
    this.#online = Cpumask.of(config.nrCpuIds, boot.online);
  }

  /** `cpu_online_mask`. Read-only for callers; changed through {@link CpuMasks.setCpuOnline}. */
  get online(): ReadonlyCpumask {
    return this.#online;
  }

  /** `cpu_online(cpu)`. */
  cpuOnline(cpu: number): boolean {
    return this.#online.testCpu(cpu);
  }

  /** `num_online_cpus()`. */
  numOnlineCpus(): number {
    return this.#online.weight();
  }

  /** `set_cpu_online(cpu, online)`: used by the hot-plug state machine only. */
  setCpuOnline(cpu: number, online: boolean): void {
    if (online) this.#online.setCpu(cpu);
    else this.#online.clearCpu(cpu);
  }
}
