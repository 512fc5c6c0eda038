/**
 * genipi: a TypeScript model of the Linux generic IPI framework on a deterministic simulated
 * multi-CPU machine.
 *
 * Start with {@link createMachine}; the IPI API is `machine.ipi`, descriptors and domains are
 * `machine.irq`.
 *
 * @packageDocumentation
 * @module genipi
 */
import { builtinArches } from '../arch/builtin.js';
import { buildMachine, type Machine, type MachineOptions } from './machine/machine.js';

export * from './core.js';
export * from './scenarios/index.js';

/**
 * Builds a machine: one inversify container with the core services and one architecture.
 *
 * @param options - `arch` is a built-in name (see {@link builtinArchNames}) or a plugin's
 *   `ContainerModule`; `nrCpus` is 1 to 8192.
 * @throws TypeError / RangeError naming the bad option.
 * @example
 * ```ts
 * const m = createMachine({ arch: 'test', nrCpus: 8 });
 * const virq = m.ipi.irqReserveIpi(m.ipiDomain, Cpumask.of(8, [1, 2, 3]));
 * ```
 */
export function createMachine(options: MachineOptions): Machine {
  return buildMachine(options, builtinArches);
}

/** Names accepted by `createMachine({ arch })`. */
export function builtinArchNames(): string[] {
  return [...builtinArches.keys()];
}
