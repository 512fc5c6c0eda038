/**
 * The contract between the core and an architecture plugin.
 *
 * An architecture is one inversify `ContainerModule` that binds {@link Arch} (and whatever
 * services it needs). The core never imports an architecture: {@link createMachine} loads the
 * module into the machine's container and resolves {@link Arch}.
 *
 * @packageDocumentation
 */
import type { IrqDomain } from '../irq/irqdomain-defs.js';

/** What the core asks of an architecture once its module is loaded. */
export interface Arch {
  /** Architecture name as shown to users (`"x86"`, `"test"`, …). */
  readonly name: string;
  /** The architecture's IPI domain (bus token `DOMAIN_BUS_IPI`), or null if IPIs bypass genirq. */
  readonly ipiDomain: IrqDomain | null;
}
/** DI token for {@link Arch}. */
export const Arch: unique symbol = Symbol.for('genipi/Arch');

/** Architecture-specific options from `createMachine({ archOptions })`; unknown keys are ignored. */
export type ArchOptions = Readonly<Record<string, unknown>>;
/** DI token for {@link ArchOptions}. */
export const ArchOptions: unique symbol = Symbol.for('genipi/ArchOptions');
