/**
 * Building a machine: one inversify container per machine, the core services, and one
 * architecture module.
 *
 * @packageDocumentation
 */
import { Container, ContainerModule, type ServiceIdentifier } from 'inversify';
import { CpuBootState, CpuMasks } from '../cpu.js';
import type { ReadonlyCpumask } from '../cpumask.js';
import { Ipi } from '../irq/ipi.js';
import { Irq } from '../irq/irq.js';
import type { IrqDomain } from '../irq/irqdomain-defs.js';
import { IrqDescTable } from '../irq/irqdesc.js';
import { IrqDomainHierarchy } from '../irq/irqdomain-hierarchy.js';
import { IrqDomainRegistry } from '../irq/irqdomain.js';
import { IrqSettings } from '../irq/settings.js';
import { Logger, Printk, silentLogger, type WarningRecord } from '../printk.js';
import { describeValue } from '../validate.js';
import { Arch } from './arch.js';
import { MachineConfig, MachineLink } from './config.js';

/** Largest machine: `NR_CPUS` of x86-64 with `MAXSMP`. */
export const NR_CPUS_MAX = 8192;

/** Options of {@link createMachine}. */
export interface MachineOptions {
  /** A built-in architecture name, or an architecture plugin's `ContainerModule`. */
  readonly arch: string | ContainerModule;
  /** Number of possible CPUs (`nr_cpu_ids`), 1 to 8192. */
  readonly nrCpus: number;
  /** CPUs online at boot; default all. Must be non-empty and within `[0, nrCpus)`. */
  readonly onlineCpus?: Iterable<number>;
  /** Seed of the machine's random number generator; default 1. */
  readonly seed?: number;
  /** Virq cap `nr_irqs`; default `256 + 64 * nrCpus` (x86's `CPU_VECTOR_LIMIT` rule). */
  readonly nrIrqs?: number;
  /** Where log lines go; default nowhere. Warnings are also kept in `machine.warnings`. */
  readonly logger?: Logger;
  /** Verify in `__ipiSendSingle` / `__ipiSendMask` too, as a kernel built with `DEBUG`. */
  readonly ipiDebug?: boolean;
}

/**
 * One simulated machine. Everything it owns hangs off this object; two machines share nothing.
 */
export class Machine {
  /** The machine's inversify container (plugins resolve their own services from it). */
  readonly container: Container;
  /** `nr_cpu_ids`. */
  readonly nrCpuIds: number;
  /** Descriptor and domain operations (`irq_*`, `irq_domain_*`). */
  readonly irq: Irq;
  /** The generic IPI API (`irq_reserve_ipi`, `ipi_send_*`, …). */
  readonly ipi: Ipi;
  /** The architecture's IPI domain, or null. */
  readonly ipiDomain: IrqDomain | null;
  /** Architecture name. */
  readonly arch: string;
  readonly #cpus: CpuMasks;
  readonly #printk: Printk;

  /** @internal Use {@link createMachine}. */
  constructor(container: Container) {
    this.container = container;
    this.nrCpuIds = container.get<MachineConfig>(MachineConfig).nrCpuIds;
    this.#cpus = container.get(CpuMasks);
    this.#printk = container.get(Printk);
    this.irq = container.get(Irq);
    this.ipi = container.get(Ipi);
    const arch = container.get<Arch>(Arch);
    this.arch = arch.name;
    this.ipiDomain = arch.ipiDomain;
  }

  /** `cpu_possible_mask`. */
  get cpuPossibleMask(): ReadonlyCpumask {
    return this.#cpus.possible;
  }

  /** `cpu_online_mask` (read-only view; hot-plug changes it). */
  get cpuOnlineMask(): ReadonlyCpumask {
    return this.#cpus.online;
  }

  /** `pr_warn` lines and `WARN` splats so far, oldest first. */
  get warnings(): readonly WarningRecord[] {
    return this.#printk.records;
  }

  /** Resolves a service bound in this machine's container. */
  get<T>(token: ServiceIdentifier<T>): T {
    return this.container.get<T>(token);
  }
}

function fail(message: string): never {
  throw new TypeError(`createMachine: ${message}`);
}

function checkOptions(options: MachineOptions, builtins: ReadonlyMap<string, ContainerModule>): {
  module: ContainerModule;
  online: number[];
} {
  if (typeof options !== 'object' || (options as unknown) === null) {
    fail(`options is ${describeValue(options)}; expected { arch, nrCpus, … }`);
  }
  const { arch, nrCpus } = options;
  let module: ContainerModule;
  if (typeof arch === 'string') {
    const found = builtins.get(arch);
    if (found === undefined) {
      fail(`arch "${arch}" is not built in; use one of ${[...builtins.keys()].join(', ')} or pass a ContainerModule`);
    }
    module = found;
  } else if (arch instanceof ContainerModule) {
    module = arch;
  } else {
    fail(`arch is ${describeValue(arch)}; expected a built-in name or a ContainerModule`);
  }
  if (typeof nrCpus !== 'number' || !Number.isInteger(nrCpus) || nrCpus < 1 || nrCpus > NR_CPUS_MAX) {
    throw new RangeError(
      `createMachine: nrCpus is ${describeValue(nrCpus)}; expected an integer from 1 to ${NR_CPUS_MAX}`,
    );
  }
  let online: number[];
  if (options.onlineCpus === undefined) {
    online = Array.from({ length: nrCpus }, (_, i) => i);
  } else {
    online = [...options.onlineCpus];
    for (const cpu of online) {
      if (!Number.isInteger(cpu) || cpu < 0 || cpu >= nrCpus) {
        throw new RangeError(
          `createMachine: onlineCpus contains ${describeValue(cpu)}; expected CPU numbers in [0, ${nrCpus})`,
        );
      }
    }
    if (online.length === 0) fail('onlineCpus is empty; at least the boot CPU must be online');
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    fail(`seed is ${describeValue(options.seed)}; expected an integer`);
  }
  if (
    options.nrIrqs !== undefined &&
    (!Number.isInteger(options.nrIrqs) || options.nrIrqs < 2 || options.nrIrqs > 2 ** 31 - 1)
  ) {
    throw new RangeError(`createMachine: nrIrqs is ${describeValue(options.nrIrqs)}; expected an integer from 2 to 2^31-1`);
  }
  if (options.logger !== undefined && typeof (options.logger as Partial<Logger>).log !== 'function') {
    fail(`logger is ${describeValue(options.logger)}; expected an object with a log(level, message) method`);
  }
  if (options.ipiDebug !== undefined && typeof options.ipiDebug !== 'boolean') {
    fail(`ipiDebug is ${describeValue(options.ipiDebug)}; expected a boolean`);
  }
  return { module, online };
}

/** The core services every machine has, whatever its architecture. */
function coreModule(
  config: MachineConfig,
  boot: CpuBootState,
  logger: Logger,
  link: MachineLink,
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<MachineConfig>(MachineConfig).toConstantValue(config);
    bind<CpuBootState>(CpuBootState).toConstantValue(boot);
    bind<Logger>(Logger).toConstantValue(logger);
    bind<MachineLink>(MachineLink).toConstantValue(link);
    bind(Printk).toSelf().inSingletonScope();
    bind(CpuMasks).toSelf().inSingletonScope();
    bind(IrqDescTable).toSelf().inSingletonScope();
    bind(IrqDomainRegistry).toSelf().inSingletonScope();
    bind(IrqSettings).toSelf().inSingletonScope();
    bind(IrqDomainHierarchy).toSelf().inSingletonScope();
    bind(Irq).toSelf().inSingletonScope();
    bind(Ipi).toSelf().inSingletonScope();
  });
}

/**
 * Builds a machine from options and a table of built-in architectures.
 * @internal The package's `createMachine` passes the built-in table.
 */
export function buildMachine(
  options: MachineOptions,
  builtins: ReadonlyMap<string, ContainerModule>,
): Machine {
  const { module, online } = checkOptions(options, builtins);
  const nrCpuIds = options.nrCpus;
  const config: MachineConfig = Object.freeze({
    nrCpuIds,
    nrIrqs: options.nrIrqs ?? 256 + 64 * nrCpuIds,
    ipiDebug: options.ipiDebug ?? false,
    seed: options.seed ?? 1,
  });
  const container = new Container({ defaultScope: 'Singleton' });
  // Domains reach the IPI API through this link; it resolves lazily so they can be created
  // while the arch is still being constructed.
  const link: MachineLink = {
    get ipi(): Ipi {
      return container.get(Ipi);
    },
  };
  container.load(coreModule(config, Object.freeze({ online }), options.logger ?? silentLogger, link));
  container.load(module);
  if (!container.isBound(Arch)) {
    throw new TypeError(
      'createMachine: the arch module did not bind the Arch token; bind(Arch).to(YourArch) in its ContainerModule',
    );
  }
  return new Machine(container);
}
