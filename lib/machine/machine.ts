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
import { IrqFlow } from '../irq/handle.js';
import { IrqManage } from '../irq/manage.js';
import { IpiMux } from '../irq/ipi-mux.js';
import { IrqStats } from '../irq/stats.js';
import { Tlb } from '../mm/tlb.js';
import { Logger, Printk, silentLogger, type WarningRecord } from '../printk.js';
import { Sched } from '../sched.js';
import { type IdleMode, SimCpus } from '../sim/cpus.js';
import { Clock, type RunResult, SimEngine } from '../sim/engine.js';
import { FaultConfig, FaultInjector, type FaultPolicy, type FaultRecord, OOPS_STOP_KIND } from '../sim/faults.js';
import { Rng, SeededRng } from '../sim/rng.js';
import { CORE_TIMING_PROFILES, CoreTiming, DEFAULT_TIMING_PROFILE } from '../sim/timing.js';
import { SmpOps } from '../smp/ops.js';
import { Smp, SmpConfig } from '../smp/smp.js';
import { Tracer } from '../trace/tracer.js';
import { describeValue } from '../validate.js';
import { Arch, ArchOptions } from './arch.js';
import { MachineConfig, MachineLink } from './config.js';

/** Largest machine: `NR_CPUS` of x86-64 with `MAXSMP`. */
export const NR_CPUS_MAX = 8192;

/** Options of {@link createMachine}. */
export interface MachineOptions {
  /**
   * A built-in architecture name, or an architecture plugin: its `ContainerModule`, or several
   * (one per driver, loaded in order; one of them binds the `Arch` token).
   */
  readonly arch: string | ContainerModule | readonly ContainerModule[];
  /** Architecture-specific options, read by the arch's modules through the `ArchOptions` token. */
  readonly archOptions?: Readonly<Record<string, unknown>>;
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
  /** Timing profile name (`kvm-skylake`, the default, or `haswell`). */
  readonly timing?: string;
  /** How idle CPUs wait: `halt` (default) or `poll`. */
  readonly idle?: IdleMode;
  /** `CONFIG_CSD_LOCK_WAIT_DEBUG` with `csd_lock_timeout` in ms; 0 (default) disables it. */
  readonly csdLockTimeoutMs?: number;
  /**
   * What happens when a chip callback, an irq handler, a cross-call function or task code throws
   * (an oops, see docs/reliability.md): `'stop'` (default) stops the run and `run()` rethrows the
   * error; `'continue'` records it in `machine.oopses` and goes on.
   */
  readonly faultPolicy?: FaultPolicy;
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
  /** The simulated CPUs: spawn task code, interrupts on/off, hot-plug. */
  readonly sim: SimCpus;
  /** The discrete-event engine (clock and queue). */
  readonly engine: SimEngine;
  /** Cross-CPU function calls (kernel/smp.c). */
  readonly smp: Smp;
  /** Scheduler IPI paths (reschedule, remote wake-up). */
  readonly sched: Sched;
  /** TLBs and shootdowns. */
  readonly tlb: Tlb;
  /** The trace bus. */
  readonly tracer: Tracer;
  /** Architecture interrupt statistics (RES, CAL, TLB, …). */
  readonly irqStats: IrqStats;
  /** The timing profile in use. */
  readonly timing: CoreTiming;
  /** Oops records, the fault policy and fault injection (docs/reliability.md). */
  readonly faults: FaultInjector;
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
    this.sim = container.get(SimCpus);
    this.engine = container.get(SimEngine);
    this.smp = container.get(Smp);
    this.sched = container.get(Sched);
    this.tlb = container.get(Tlb);
    this.tracer = container.get(Tracer);
    this.irqStats = container.get(IrqStats);
    this.timing = container.get<CoreTiming>(CoreTiming);
    this.faults = container.get(FaultInjector);
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

  /** Oopses so far (a callback or task code threw), oldest first; see {@link Machine.faults}. */
  get oopses(): readonly FaultRecord[] {
    return this.faults.oopses;
  }

  /** Simulated time in ns. */
  get now(): number {
    return this.engine.now;
  }

  /**
   * Runs the simulation until nothing is left to do, `until` ns, or `maxEvents` events. A
   * deadlock stops the run with `reason: 'stalled'` and a report; it never hangs.
   * @throws the error of an oops (a throwing callback or task) when `faultPolicy` is `'stop'`,
   *   after the machine was made consistent; run again to resume (docs/reliability.md).
   */
  run(options: { until?: number; maxEvents?: number } = {}): RunResult {
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw new TypeError(`Machine.run: options is ${describeValue(options)}; expected { until?, maxEvents? }`);
    }
    const { until = Infinity, maxEvents = Infinity } = options;
    // Simulated time is integer ns and never goes back.
    if (typeof until !== 'number' || (until !== Infinity && (!Number.isSafeInteger(until) || until < this.engine.now))) {
      throw new RangeError(
        `Machine.run: until is ${describeValue(until)}; expected an integer time in ns, not before now (${this.engine.now})`,
      );
    }
    if (typeof maxEvents !== 'number' || (maxEvents !== Infinity && (!Number.isSafeInteger(maxEvents) || maxEvents < 0))) {
      throw new RangeError(`Machine.run: maxEvents is ${describeValue(maxEvents)}; expected a non-negative integer`);
    }
    const result = this.engine.run(until, maxEvents);
    if (result.reason === 'stopped' && result.stall?.kind === OOPS_STOP_KIND && this.faults.policy === 'stop') {
      // faultPolicy 'stop': the machine is consistent again; hand the oops to the caller.
      throw (result.stall.details as FaultRecord).error;
    }
    return result;
  }

  /** Resolves a service bound in this machine's container. */
  get<T>(token: ServiceIdentifier<T>): T {
    return this.container.get<T>(token);
  }
}

function fail(message: string): never {
  throw new TypeError(`createMachine: ${message}`);
}

function checkOptions(options: MachineOptions, builtins: ReadonlyMap<string, readonly ContainerModule[]>): {
  modules: readonly ContainerModule[];
  online: number[];
} {
  if (typeof options !== 'object' || (options as unknown) === null) {
    fail(`options is ${describeValue(options)}; expected { arch, nrCpus, … }`);
  }
  const { arch, nrCpus } = options;
  let modules: readonly ContainerModule[];
  if (typeof arch === 'string') {
    const found = builtins.get(arch);
    if (found === undefined) {
      fail(`arch "${arch}" is not built in; use one of ${[...builtins.keys()].join(', ')} or pass a ContainerModule`);
    }
    modules = found;
  } else if (arch instanceof ContainerModule) {
    modules = [arch];
  } else if (Array.isArray(arch) && arch.length > 0 && arch.every((m) => m instanceof ContainerModule)) {
    modules = arch;
  } else {
    fail(`arch is ${describeValue(arch)}; expected a built-in name, a ContainerModule or a non-empty array of them`);
  }
  if (
    options.archOptions !== undefined &&
    (typeof options.archOptions !== 'object' || (options.archOptions as unknown) === null)
  ) {
    fail(`archOptions is ${describeValue(options.archOptions)}; expected an object`);
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
    const cpus: unknown = options.onlineCpus;
    if (typeof (cpus as Partial<Iterable<number>> | null)?.[Symbol.iterator] !== 'function') {
      fail(`onlineCpus is ${describeValue(cpus)}; expected an iterable of CPU numbers`);
    }
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
  if (
    options.logger !== undefined &&
    typeof (options.logger as Partial<Logger> | null)?.log !== 'function'
  ) {
    fail(`logger is ${describeValue(options.logger)}; expected an object with a log(level, message) method`);
  }
  if (options.ipiDebug !== undefined && typeof options.ipiDebug !== 'boolean') {
    fail(`ipiDebug is ${describeValue(options.ipiDebug)}; expected a boolean`);
  }
  if (options.timing !== undefined && (typeof options.timing !== 'string' || !Object.hasOwn(CORE_TIMING_PROFILES, options.timing))) {
    fail(`timing is ${describeValue(options.timing)}; expected one of ${Object.keys(CORE_TIMING_PROFILES).join(', ')}`);
  }
  if (options.idle !== undefined && !(['halt', 'poll'] as unknown[]).includes(options.idle)) {
    fail(`idle is ${describeValue(options.idle)}; expected 'halt' or 'poll'`);
  }
  if (
    options.csdLockTimeoutMs !== undefined &&
    (!Number.isInteger(options.csdLockTimeoutMs) || options.csdLockTimeoutMs < 0)
  ) {
    throw new RangeError(`createMachine: csdLockTimeoutMs is ${describeValue(options.csdLockTimeoutMs)}; expected a non-negative integer`);
  }
  const faultPolicy: unknown = options.faultPolicy;
  if (faultPolicy !== undefined && faultPolicy !== 'stop' && faultPolicy !== 'continue') {
    fail(`faultPolicy is ${describeValue(faultPolicy)}; expected 'stop' or 'continue'`);
  }
  return { modules, online };
}

/** The core services every machine has, whatever its architecture. */
function coreModule(
  config: MachineConfig,
  boot: CpuBootState,
  logger: Logger,
  link: MachineLink,
  timing: CoreTiming,
  smpConfig: SmpConfig,
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<CoreTiming>(CoreTiming).toConstantValue(timing);
    bind<SmpConfig>(SmpConfig).toConstantValue(smpConfig);
    bind(SimEngine).toSelf().inSingletonScope();
    bind(FaultInjector).toSelf().inSingletonScope();
    bind<Clock>(Clock).toService(SimEngine);
    bind<Rng>(Rng).to(SeededRng).inSingletonScope();
    bind(SimCpus).toSelf().inSingletonScope();
    bind(Tracer).toSelf().inSingletonScope();
    bind(IrqStats).toSelf().inSingletonScope();
    bind(IrqFlow).toSelf().inSingletonScope();
    bind(IrqManage).toSelf().inSingletonScope();
    bind(IpiMux).toSelf().inSingletonScope();
    bind(Smp).toSelf().inSingletonScope();
    bind(Sched).toSelf().inSingletonScope();
    bind(Tlb).toSelf().inSingletonScope();
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
  builtins: ReadonlyMap<string, readonly ContainerModule[]>,
): Machine {
  const { modules, online } = checkOptions(options, builtins);
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
  let smpOps: SmpOps | null | undefined;
  const link: MachineLink = {
    get ipi(): Ipi {
      return container.get(Ipi);
    },
    get smpOps(): SmpOps | null {
      smpOps ??= container.isBound(SmpOps) ? container.get<SmpOps>(SmpOps) : null;
      return smpOps;
    },
  };
  const timing = CORE_TIMING_PROFILES[options.timing ?? DEFAULT_TIMING_PROFILE];
  const smpConfig: SmpConfig = Object.freeze({ csdLockTimeoutMs: options.csdLockTimeoutMs ?? 0 });
  container.load(
    coreModule(config, Object.freeze({ online }), options.logger ?? silentLogger, link, timing, smpConfig),
  );
  container.bind<FaultConfig>(FaultConfig).toConstantValue(Object.freeze({ policy: options.faultPolicy ?? 'stop' }));
  container.bind<ArchOptions>(ArchOptions).toConstantValue(Object.freeze({ ...(options.archOptions ?? {}) }));
  container.load(...modules);
  if (!container.isBound(Arch)) {
    throw new TypeError(
      'createMachine: the arch module did not bind the Arch token; bind(Arch).to(YourArch) in its ContainerModule',
    );
  }
  const machine = new Machine(container);
  if (options.idle !== undefined) {
    for (let cpu = 0; cpu < nrCpuIds; cpu++) machine.sim.setIdleMode(cpu, options.idle);
  }
  return machine;
}
