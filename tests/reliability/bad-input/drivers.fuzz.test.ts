/**
 * Bad input at the public API of every built-in architecture and driver service (and the
 * PatchworkOS IPI queue). The services are many and their contracts their own, so this suite is
 * reflective: for every public method of every service a built-in machine binds, each argument
 * position gets each wrong value (the other arguments stay wrong too, so the first check fires).
 * The contract every method must meet:
 *
 * - it never crashes: a throw is an argument check (TypeError/RangeError naming the argument and
 *   the value), or a documented `Error` ("no CPU is running", "the kernel would dereference NULL"),
 *   never `Cannot read properties of …` / `… is not a function` / a BigInt mix-up;
 * - a call that throws changes nothing, in this machine or any other.
 *
 * Calls are made from the host and from task code (so "needs a current CPU" checks pass).
 */
import { describe, expect, it } from '@jest/globals';
import type { ServiceIdentifier } from 'inversify';
import { Apic } from '../../../drivers/apic/index.js';
import { CoprocFirmware, MipsRproc } from '../../../drivers/coproc/index.js';
import { Gicv3 } from '../../../drivers/gicv3/index.js';
import { MipsCpuIntc } from '../../../drivers/mips-cpu-intc/index.js';
import { MipsGic, MipsGicHw } from '../../../drivers/mips-gic/index.js';
import { MipsMailbox } from '../../../drivers/mips-mailbox/index.js';
import { PatchworkApicChip, PatchworkIpi, patchworkX86Modules } from '../../../drivers/patchwork-ipi/index.js';
import { RiscvIntc } from '../../../drivers/riscv-intc/index.js';
import { SbiIpi } from '../../../drivers/riscv-sbi-ipi/index.js';
import { Arm64Firmware, Arm64Smp } from '../../../arch/arm64/index.js';
import { MipsCp0, MipsIcache, MipsMailboxSmpOps, MipsSmpIpi } from '../../../arch/mips/index.js';
import { RiscvSmp } from '../../../arch/riscv/index.js';
import { X86Ipi, X86Irq, X86Stop, X86UlkTlb } from '../../../arch/x86/index.js';
import { type MachineOptions, builtinArchNames, createMachine, type Machine, SmpOps } from '../../../lib/index.js';
import { snapshotMachine } from '../../helpers/snapshot.js';

/** Services to fuzz per machine setup. */
const SETUPS: readonly { name: string; options: MachineOptions; services: readonly [string, ServiceIdentifier][] }[] = [
  { name: 'test', options: { arch: 'test', nrCpus: 4 }, services: [['TestSmpOps', SmpOps]] },
  {
    name: 'x86',
    options: { arch: 'x86', nrCpus: 4 },
    services: [
      ['Apic', Apic],
      ['X86Ipi', X86Ipi],
      ['X86Irq', X86Irq],
      ['X86SmpOps', SmpOps],
      ['X86Stop', X86Stop],
      ['X86UlkTlb', X86UlkTlb],
    ],
  },
  { name: 'arm64', options: { arch: 'arm64', nrCpus: 4 }, services: [['Gicv3', Gicv3], ['Arm64Smp', Arm64Smp], ['Arm64Firmware', Arm64Firmware]] },
  { name: 'riscv', options: { arch: 'riscv', nrCpus: 4 }, services: [['RiscvIntc', RiscvIntc], ['SbiIpi', SbiIpi], ['RiscvSmp', RiscvSmp]] },
  {
    name: 'mips-mailbox',
    options: { arch: 'mips-mailbox', nrCpus: 4 },
    services: [
      ['MipsMailbox', MipsMailbox],
      ['MipsCpuIntc', MipsCpuIntc],
      ['MipsSmpOps', SmpOps],
      ['MipsMailboxSmpOps', MipsMailboxSmpOps],
      ['MipsCp0', MipsCp0],
      ['MipsIcache', MipsIcache],
    ],
  },
  {
    name: 'mips-gic',
    options: { arch: 'mips-gic', nrCpus: 4 },
    services: [
      ['MipsGic', MipsGic],
      ['MipsGicHw', MipsGicHw],
      ['MipsSmpIpi', MipsSmpIpi],
      ['MipsRproc', MipsRproc],
      ['CoprocFirmware', CoprocFirmware],
    ],
  },
  {
    name: 'patchwork (x86)',
    options: { arch: patchworkX86Modules, nrCpus: 4 },
    services: [['PatchworkIpi', PatchworkIpi], ['PatchworkApicChip', PatchworkApicChip]],
  },
];

const JUNK: readonly (readonly [string, unknown])[] = [
  ['1.5', 1.5],
  ['NaN', Number.NaN],
  ['-1', -1],
  ['2^40', 2 ** 40],
  ['"1"', '1'],
  ['null', null],
  ['undefined', undefined],
  ['{}', {}],
  ['true', true],
  ['1n', 1n],
];

/** Messages that mean the method crashed instead of checking its argument. */
const CRASH = /Cannot read prop|Cannot set prop|is not a function|is not iterable|Cannot mix BigInt|Cannot convert a BigInt|undefined \(reading|null \(reading|Maximum call stack|Invalid array length/;

interface MethodCase {
  readonly setup: (typeof SETUPS)[number];
  readonly service: string;
  readonly token: ServiceIdentifier;
  readonly method: string;
  readonly arity: number;
}

/** Public methods of a service instance (own prototype chain, not Object's). */
function publicMethods(obj: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = Object.getPrototypeOf(obj) as object | null; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name.startsWith('#')) continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d !== undefined && typeof d.value === 'function') names.add(name);
    }
  }
  for (const name of Object.keys(obj)) {
    if (typeof (obj as Record<string, unknown>)[name] === 'function') names.add(name);
  }
  return [...names].sort();
}

/**
 * Trusted callback interfaces: the core (or the driver's own hardware model) calls these with
 * values it has already checked, as the kernel calls an irq_chip or smp_ops hook; a junk argument
 * there is a caller bug, not bad user input, and they do not re-check it (docs/reliability.md).
 */
const TRUSTED: ReadonlyMap<string, string> = new Map([
  // InterruptController, called by SimCpus with a valid CPU and the handle it acknowledged.
  ['pending', 'InterruptController hook'],
  ['acknowledge', 'InterruptController hook'],
  ['dispatch', 'InterruptController hook'],
  ['pendingCount', 'InterruptController hook'],
  // SmpOps, called by kernel/smp.c and the scheduler with checked CPUs and masks.
  ['smpSendReschedule', 'SmpOps hook'],
  ['sendCallFunctionIpiMask', 'SmpOps hook'],
  ['sendCallFunctionSingleIpi', 'SmpOps hook'],
  // irq_chip and irq_domain_ops hooks, called by genirq with a live irq_data.
  ['gicAckIrq', 'irq_chip hook'],
  ['gicMaskIrq', 'irq_chip hook'],
  ['gicUnmaskIrq', 'irq_chip hook'],
  ['gicSetType', 'irq_chip hook'],
  ['gicSendIpi', 'irq_chip hook'],
  ['gicSharedIrqDomainMap', 'irq_domain_ops.map hook'],
  // Local APIC register accessors: take the LocalApic the driver looked up.
  ['eoiWrite', 'local APIC register access'],
  ['icrHighWrite', 'local APIC register access'],
  ['icrRead', 'local APIC register access'],
  ['icrWrite', 'local APIC register access'],
  ['xapicIcrWrite', 'local APIC register access'],
  ['x2apicIcrWrite', 'local APIC register access'],
  ['waitIcrIdle', 'local APIC register access'],
  ['tprWrite', 'local APIC register access'],
  // GIC register model, driven by the GIC driver.
  ['writeGicWedge', 'GIC register model'],
  ['pinAsserted', 'GIC register model'],
  // PatchworkOS IPI chip interface and its interrupt handler, called by the framework.
  ['eoi', 'PatchworkOS ipi_chip hook'],
  ['interrupt', 'PatchworkOS ipi_chip hook'],
  ['moduleInit', 'PatchworkOS module hook'],
  ['interruptHandler', 'PatchworkOS interrupt handler'],
]);

function cases(): MethodCase[] {
  const out: MethodCase[] = [];
  for (const setup of SETUPS) {
    const m = createMachine(setup.options);
    for (const [service, token] of setup.services) {
      if (!m.container.isBound(token)) throw new Error(`${setup.name}: ${service} is not bound`);
      const inst = m.get(token as ServiceIdentifier<object>);
      for (const method of publicMethods(inst)) {
        const fn = (inst as Record<string, (...a: unknown[]) => unknown>)[method];
        out.push({ setup, service, token, method, arity: fn.length });
      }
    }
  }
  return out.filter((c) => c.arity > 0 && !TRUSTED.has(c.method));
}

function callOnce(m: Machine, c: MethodCase, args: unknown[]): { threw: boolean; value: unknown } {
  const inst = m.get(c.token as ServiceIdentifier<Record<string, (...a: unknown[]) => unknown>>);
  try {
    let r = inst[c.method](...args);
    if (r !== null && typeof r === 'object' && typeof (r as Generator).next === 'function' && Symbol.iterator in r) {
      r = (r as Generator).next().value;
    }
    return { threw: false, value: r };
  } catch (e) {
    return { threw: true, value: e };
  }
}

/**
 * Runs one junk call on `m` and returns a description of what went wrong (or null) and whether
 * the call returned (then the machine may have changed and must not be reused).
 */
function probe(m: Machine, c: MethodCase, pos: number, junk: unknown, inTask: boolean): { problem: string | null; returned: boolean } {
  const args = Array.from({ length: c.arity }, () => junk);
  args[pos] = junk;
  let problem: string | null = null;
  let returned = false;
  const body = (): void => {
    const before = snapshotMachine(m);
    const r = callOnce(m, c, args);
    if (!r.threw) {
      returned = true;
      return;
    }
    const err = r.value;
    if (!(err instanceof Error)) {
      problem = `threw a non-Error ${String(err)}`;
      return;
    }
    if (CRASH.test(err.message)) {
      problem = `crashed: ${err.name}: ${err.message}`;
      return;
    }
    try {
      expect(snapshotMachine(m)).toEqual(before);
    } catch {
      problem = `threw (${err.name}: ${err.message}) after changing the machine`;
    }
  };
  if (inTask) {
    m.sim.spawn(m.cpuOnlineMask.first(), function* fuzz() {
      body();
      yield m.sim.delay(0);
    });
    try {
      m.run({ maxEvents: 100_000 });
    } catch (e) {
      problem ??= `the run threw ${String(e)}`;
      returned = true;
    }
  } else {
    body();
  }
  return { problem, returned };
}

describe('bad input: architecture and driver services', () => {
  it('should cover every built-in architecture', () => {
    expect(SETUPS.map((s) => s.options.arch).filter((a) => typeof a === 'string')).toEqual(expect.arrayContaining(builtinArchNames()));
  });
  const all = cases();
  it.each(all.map((c) => [`${c.setup.name} ${c.service}.${c.method}`, c] as const))('%s should reject junk arguments without crashing or changing anything', (_n, c) => {
    const problems: string[] = [];
    // A machine is reused until a call is accepted (then it may have changed); another machine
    // of the same kind must never change at all.
    let m = createMachine(c.setup.options);
    const other = createMachine(c.setup.options);
    const otherBefore = snapshotMachine(other);
    for (let pos = 0; pos < c.arity; pos++) {
      for (const [label, junk] of JUNK) {
        for (const inTask of [false, true]) {
          const p = probe(m, c, pos, junk, inTask);
          if (p.problem !== null) problems.push(`arg ${pos} = ${label}${inTask ? ' (task)' : ''}: ${p.problem}`);
          if (p.returned || p.problem !== null) m = createMachine(c.setup.options);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(snapshotMachine(other)).toEqual(otherBefore);
  });
});
