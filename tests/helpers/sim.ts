/** Shared fixtures for simulation tests on the recording `test` arch. */
import { TestArch } from '../../arch/test/index.js';
import { createMachine, type Machine, type MachineOptions, type TraceRecord } from '../../lib/index.js';

/** A test-arch machine of `nrCpus` CPUs with a trace log. */
export function simMachine(
  nrCpus: number,
  options: Partial<MachineOptions> = {},
): { m: Machine; arch: TestArch; trace: TraceRecord[] } {
  const m = createMachine({ arch: 'test', nrCpus, ...options });
  const trace: TraceRecord[] = [];
  m.tracer.attach((r) => trace.push(r));
  return { m, arch: m.get(TestArch), trace };
}

/** Names of the WARN sites recorded so far. */
export function warnSites(m: Machine): string[] {
  return m.warnings.filter((w) => w.kind === 'WARN').map((w) => w.site ?? '');
}

/** Keeps `cpu` busy with interrupts disabled for `ns`, starting at `at`. */
export function busyIrqsOff(m: Machine, cpu: number, ns: number, at = 0): void {
  m.sim.spawn(
    cpu,
    function* irqsOffLoop() {
      const flags = m.sim.localIrqSave();
      yield m.sim.delay(ns);
      m.sim.localIrqRestore(flags);
    },
    { at },
  );
}
