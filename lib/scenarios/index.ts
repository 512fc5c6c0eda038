/**
 * Scenarios: built-in workloads and scenario files, runnable on any machine.
 *
 * @packageDocumentation
 */
export {
  type Scenario,
  type ScenarioDefaults,
  type ScenarioContext,
  type PreparedScenario,
  type ScenarioResult,
  type RunScenarioOptions,
  ScenarioError,
  runScenario,
  spawnWorkload,
  scenarioFromSpec,
} from './scenario.js';
export {
  type ScenarioSpec,
  type WorkloadSpec,
  type WorkloadKind,
  type CpuSet,
  type PeriodicWorkload,
  type RescheduleWorkload,
  type WakeupWorkload,
  type CallSingleWorkload,
  type CallManyWorkload,
  type TlbShootdownWorkload,
  type BusyWorkload,
  type MachineSpec,
  WORKLOAD_KINDS,
  closest,
  ScenarioSpecError,
  parseScenarioSpec,
  parseDuration,
  formatDuration,
} from './spec.js';
export { builtinScenarios, DEFAULT_SCENARIO, IPI_BENCHMARK_NTIMES } from './builtin.js';
export {
  runIpiBenchmark,
  formatIpiBenchmark,
  runTlbShootdownBenchmark,
  broadcastCost,
  type IpiBenchmarkLine,
  type IpiBenchmarkResult,
  type TlbShootdownPoint,
} from './ipi-benchmark.js';
