/**
 * Per-machine configuration, fixed at {@link createMachine} time, and the link from objects a
 * machine hands out (domains) back to the machine's services.
 *
 * @packageDocumentation
 */
import type { Ipi } from '../irq/ipi.js';
import type { SmpOps } from '../smp/ops.js';

/** Immutable settings of one machine. */
export interface MachineConfig {
  /** `nr_cpu_ids`: 1 + the highest possible CPU number. */
  readonly nrCpuIds: number;
  /** Cap on virq numbers (`nr_irqs`): virqs are `[0, nrIrqs)`; domains never get virq 0. */
  readonly nrIrqs: number;
  /** Build `kernel/irq/ipi.c` as if `DEBUG` were defined: `__ipi_send_*` verify too. */
  readonly ipiDebug: boolean;
  /** Seed of the machine's random number generator. */
  readonly seed: number;
}
/** DI token for {@link MachineConfig}. */
export const MachineConfig: unique symbol = Symbol.for('genipi/MachineConfig');

/**
 * What a domain needs to reach its machine: the IPI API, resolved lazily so that domains can be
 * created while the machine is still being built. It also serves as the machine's identity:
 * two objects belong to one machine iff they hold the same link.
 */
export interface MachineLink {
  /** The machine's {@link Ipi} service, resolved from its container on first use. */
  readonly ipi: Ipi;
  /**
   * The architecture's IPI senders, or null if it binds none. Resolved lazily: the arch's
   * `SmpOps` implementation usually depends on the cross-call layer that uses it.
   */
  readonly smpOps: SmpOps | null;
}
/** DI token for {@link MachineLink}. */
export const MachineLink: unique symbol = Symbol.for('genipi/MachineLink');
