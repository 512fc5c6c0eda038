/**
 * The CPU topology firmware hands to arm64 Linux (the device tree's `cpu@…` `reg` values, or
 * ACPI's MADT GICC entries): one MPIDR per logical CPU.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { ArchOptions, Errno, MachineConfig } from '../../lib/core.js';
import { type CpuLogicalMap, MPIDR_HWID_BITMASK, mpidrAffinityLevel } from './asm.js';

/** CPUs per Aff1 cluster in the default layout (QEMU `virt` with a GICv3: 16 per cluster). */
export const ARM64_DEFAULT_CLUSTER_SIZE = 16;

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

/**
 * `__cpu_logical_map` (arch/arm64/kernel/setup.c). The MPIDRs come from
 * `archOptions.mpidr` (an array with one value per CPU: distinct, within `MPIDR_HWID_BITMASK`);
 * by default CPU `n` is Aff1 = n / 16, Aff0 = n % 16, as on QEMU's `virt` board.
 */
@injectable()
export class Arm64Firmware implements CpuLogicalMap {
  readonly #mpidr: readonly number[];
  readonly #index = new Map<number, number>();

  /** @throws TypeError / RangeError for a malformed `archOptions.mpidr`, naming the entry. */
  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(ArchOptions) options: ArchOptions,
  ) {
    const nr = config.nrCpuIds;
    const given = options.mpidr;
    let mpidr: number[];
    if (given === undefined) {
      mpidr = Array.from(
        { length: nr },
        (_, cpu) =>
          (Math.floor(cpu / ARM64_DEFAULT_CLUSTER_SIZE) << 8) | (cpu % ARM64_DEFAULT_CLUSTER_SIZE),
      );
    } else {
      if (!Array.isArray(given)) {
        throw new TypeError(
          `arm64: archOptions.mpidr is ${describe(given)}; expected an array of ${nr} MPIDR values`,
        );
      }
      if (given.length !== nr) {
        throw new RangeError(
          `arm64: archOptions.mpidr has ${given.length} entries; expected one per CPU (${nr})`,
        );
      }
      mpidr = [];
      for (let cpu = 0; cpu < nr; cpu++) {
        const v: unknown = given[cpu];
        if (
          typeof v !== 'number' ||
          !Number.isSafeInteger(v) ||
          v < 0 ||
          v > MPIDR_HWID_BITMASK ||
          (v % 2 ** 32) >>> 24 !== 0
        ) {
          throw new RangeError(
            `arm64: archOptions.mpidr[${cpu}] is ${describe(v)}; expected Aff3 << 32 | Aff2 << 16 | Aff1 << 8 | Aff0 (mask 0xff00ffffff)`,
          );
        }
        mpidr.push(v);
      }
    }
    for (let cpu = 0; cpu < nr; cpu++) {
      const v = mpidr[cpu];
      const other = this.#index.get(v);
      if (other !== undefined) {
        throw new RangeError(
          `arm64: archOptions.mpidr gives CPUs ${other} and ${cpu} the same MPIDR 0x${v.toString(16)}`,
        );
      }
      this.#index.set(v, cpu);
    }
    this.#mpidr = Object.freeze(mpidr);
  }

  cpuLogicalMap(cpu: number): number {
    return this.#mpidr[cpu];
  }

  getLogicalIndex(mpidr: number): number {
    return this.#index.get(mpidr) ?? -Errno.EINVAL;
  }

  /** `"Aff3.Aff2.Aff1.Aff0"` of `cpu`, for messages. */
  affinityString(cpu: number): string {
    const m = this.#mpidr[cpu];
    return [3, 2, 1, 0].map((l) => mpidrAffinityLevel(m, l as 0 | 1 | 2 | 3)).join('.');
  }
}
