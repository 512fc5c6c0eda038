/**
 * Everything of the core except `createMachine`: the public types, constants and services.
 * Plugins import from here (through the package root) so they never depend on built-in arches.
 *
 * @packageDocumentation
 */
import type { ReadonlyCpumask } from './cpumask.js';
import { IrqDomain } from './irq/irqdomain-defs.js';
import { describeValue } from './validate.js';

export { Errno, INVALID_HWIRQ, errnoName } from './errno.js';
export {
  Cpumask,
  type ReadonlyCpumask,
  cpumaskOf,
  cpumaskAnd,
  cpumaskOr,
  cpumaskAndnot,
  isCpumask,
} from './cpumask.js';
export { type Logger, type LogLevel, type WarningRecord, Logger as LoggerToken, Printk, silentLogger } from './printk.js';
export { CpuMasks } from './cpu.js';
export { type IrqChip, noIrqChip, dummyIrqChip, IRQ_CHIP_DISCONNECTED } from './irq/chip.js';
export {
  IrqDesc,
  IrqData,
  IrqCommonData,
  type IrqFlowHandler,
  IRQ_LEVEL,
  IRQ_PER_CPU,
  IRQ_NOPROBE,
  IRQ_NOREQUEST,
  IRQ_NOAUTOEN,
  IRQ_NO_BALANCING,
  IRQ_NOTHREAD,
  IRQ_PER_CPU_DEVID,
  IRQ_HIDDEN,
} from './irq/irqdata.js';
export {
  IrqDomain,
  type IrqDomainOps,
  type IrqFwspec,
  FwnodeHandle,
  DomainBusToken,
  DOMAIN_BUS_ANY,
  DOMAIN_BUS_WIRED,
  DOMAIN_BUS_IPI,
  IRQ_DOMAIN_FLAG_HIERARCHY,
  IRQ_DOMAIN_NAME_ALLOCATED,
  IRQ_DOMAIN_FLAG_IPI_PER_CPU,
  IRQ_DOMAIN_FLAG_IPI_SINGLE,
  IRQ_DOMAIN_FLAG_MSI,
  IRQ_DOMAIN_FLAG_ISOLATED_MSI,
  IRQ_DOMAIN_FLAG_NO_MAP,
  IRQ_DOMAIN_FLAG_NONCORE,
  irqDomainIsHierarchy,
  irqDomainIsIpi,
  irqDomainIsIpiPerCpu,
  irqDomainIsIpiSingle,
  irqDomainAllocNamedFwnode,
} from './irq/irqdomain-defs.js';
export { IrqDescTable } from './irq/irqdesc.js';
export { IrqDomainRegistry, type IrqDomainHierarchyInfo } from './irq/irqdomain.js';
export { IrqDomainHierarchy } from './irq/irqdomain-hierarchy.js';
export { IrqSettings } from './irq/settings.js';
export { Irq } from './irq/irq.js';
export { Ipi } from './irq/ipi.js';
export { Arch, ArchOptions } from './machine/arch.js';
export { SimEngine, Clock, type RunResult, type StallReport, type EventHandler } from './sim/engine.js';
export {
  SimCpus,
  SimCpu,
  type SimTask,
  type SimTaskFn,
  type SimYield,
  type Waitable,
  type IdleMode,
  type TaskHandle,
  type CpuHooks,
} from './sim/cpus.js';
export { InterruptController } from './sim/intc.js';
/** Argument checks for plugins' public APIs (TypeError/RangeError naming the argument and value). */
export { checkInteger, checkCpumask, describeValue } from './validate.js';
export {
  FaultInjector,
  FaultConfig,
  InjectedFault,
  OOPS_STOP_KIND,
  type FaultPolicy,
  type FaultPlan,
  type FaultRecord,
  type FaultSite,
  type FaultContext,
  type DeliveryFault,
} from './sim/faults.js';
export { Rng, SeededRng } from './sim/rng.js';
export { CoreTiming, CORE_TIMING_PROFILES, DEFAULT_TIMING_PROFILE } from './sim/timing.js';
export { IrqFlow, type IrqHandlerObserver } from './irq/handle.js';
export { IrqManage } from './irq/manage.js';
export { IpiMux, type IpiMuxSend, IPI_MUX_MAX_IPI } from './irq/ipi-mux.js';
export { IrqReturn, type IrqHandler, type IrqAction, IRQF_SHARED, IRQF_PERCPU, IRQF_NO_THREAD } from './irq/irqaction.js';
export { IrqStats, type IrqStatRow } from './irq/stats.js';
export { SmpOps } from './smp/ops.js';
export {
  CallSingleData,
  type SmpCallFunc,
  type SmpCondFunc,
  CSD_FLAG_LOCK,
  CSD_FLAG_TYPE_MASK,
  CSD_TYPE_ASYNC,
  CSD_TYPE_SYNC,
  CSD_TYPE_IRQ_WORK,
  CSD_TYPE_TTWU,
  funcName,
} from './smp/csd.js';
export { Smp, SmpConfig, SCF_WAIT, SCF_RUN_LOCAL, type CsdReport, type TtwuHandler } from './smp/smp.js';
export { Sched } from './sched.js';
export { Tlb, MmStruct, type FlushTlbInfo, TLB_SINGLE_PAGE_FLUSH_CEILING } from './mm/tlb.js';
export { Tracer, type TraceRecord, type TraceSink, type TraceValue } from './trace/tracer.js';
export { formatTraceFields, symbolOffset, symbolName } from './trace/format.js';
export { TraceBuffer, type TraceBufferOptions, sortByTime, sortBySeq, parseHexMask } from './trace/buffer.js';
export { renderFtrace, formatFtraceLine, ftraceHeader, ftraceTimestamp, type FtraceOptions } from './trace/ftrace.js';
export {
  toChromeTrace,
  serializeChromeTrace,
  type ChromeTrace,
  type ChromeTraceEvent,
  type ChromeTraceOptions,
} from './trace/chrome.js';
export { toEventLog, serializeEventLog, type EventLog, type EventLogEntry } from './trace/eventlog.js';
export {
  correlateIpis,
  IpiCorrelator,
  classifySend,
  classifyHandlerEntry,
  type SendClass,
  type IpiSend,
  type IpiLink,
} from './trace/correlate.js';
export { CsdQueueDepth, type CsdQueueChange } from './trace/csdqueue.js';
export {
  TraceStats,
  summarizeTrace,
  latencyStats,
  type TraceSummary,
  type IpiKindSummary,
  type CrossCallSummary,
  type LatencyStats,
  type FunctionCalls,
} from './trace/summary.js';
export {
  snapshotInterrupts,
  renderProcInterrupts,
  procPrecision,
  type InterruptsSnapshot,
  type IrqRowSnapshot,
  type StatRowSnapshot,
} from './proc/interrupts.js';
export { SoftIntc } from './sim/soft-intc.js';
export { MachineConfig, MachineLink } from './machine/config.js';
export { Machine, type MachineOptions, NR_CPUS_MAX, buildMachine } from './machine/machine.js';

/**
 * `irq_reserve_ipi(domain, dest)` in its free-function form: the domain knows its machine.
 * Same contract as {@link Ipi.irqReserveIpi}.
 * @throws TypeError if `domain` is not an IrqDomain (use `machine.ipi.irqReserveIpi(null, …)` to
 *   see the kernel's `-EINVAL` for a null domain).
 */
export function irqReserveIpi(domain: IrqDomain, dest: ReadonlyCpumask): number {
  if (!(domain instanceof IrqDomain)) {
    throw new TypeError(
      `irqReserveIpi: domain is not an IrqDomain (it is ${describeValue(domain)}); the free-function form needs a domain to find its machine`,
    );
  }
  return domain.machine.ipi.irqReserveIpi(domain, dest);
}
