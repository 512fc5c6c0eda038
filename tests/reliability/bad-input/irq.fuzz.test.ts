/**
 * Bad input at the generic IPI API (`machine.ipi`), the free-function `irqReserveIpi` and the
 * descriptor / domain / handler API (`machine.irq`): every parameter gets the wrong values of its
 * kind; each must produce its documented result (the Linux errno where Linux defines one, else a
 * TypeError/RangeError naming the argument and the value) and leave both machines unchanged.
 */
import { describe, it } from '@jest/globals';
import { TestArch } from '../../../arch/test/index.js';
import {
  Cpumask,
  createMachine,
  DOMAIN_BUS_IPI,
  Errno,
  INVALID_HWIRQ,
  type IrqDesc,
  irqReserveIpi,
} from '../../../lib/index.js';
import { type BaseCtx, badCases, type Entry, expectCase, type Outcome, type Param } from './harness.js';

interface Ctx extends BaseCtx {
  readonly arch: TestArch;
  /** Base of a per-CPU reservation of CPUs 0-3. */
  readonly base: number;
  /** A single IPI on CPUs 0-3. */
  readonly single: number;
  /** A virq that was reserved and destroyed. */
  readonly freed: number;
  readonly freedDesc: IrqDesc;
  readonly otherDesc: IrqDesc;
  readonly full: Cpumask;
}

function makeCtx(): Ctx {
  const m = createMachine({ arch: 'test', nrCpus: 4 });
  const other = createMachine({ arch: 'test', nrCpus: 4 });
  const arch = m.get(TestArch);
  const full = Cpumask.full(4);
  const base = m.ipi.irqReserveIpi(arch.perCpuIpiDomain, full);
  const single = m.ipi.irqReserveIpi(arch.ipiDomain, full);
  const freed = m.ipi.irqReserveIpi(arch.ipiDomain, full);
  const freedDesc = m.irq.irqToDesc(freed) as IrqDesc;
  m.ipi.irqDestroyIpi(freed, full);
  const o = other.ipi.irqReserveIpi(other.get(TestArch).ipiDomain, Cpumask.full(4));
  return { m, other, arch, base, single, freed, freedDesc, otherDesc: other.irq.irqToDesc(o) as IrqDesc, full };
}

const EINVAL: Outcome = { returns: -Errno.EINVAL };
const TYPE: Outcome = { throws: TypeError };

const int = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'int', ...more });
const uint = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'uint', ...more });
const mask = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'mask', ...more });
const domain = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'domain', ...more });
const fn = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'fn', ...more });
const obj = (name: string, more: Partial<Param> = {}): Param => ({ name, kind: 'object', ...more });

const ipiEntries: Entry<Ctx>[] = [
  {
    name: 'machine.ipi.irqReserveIpi',
    good: (c) => [c.arch.ipiDomain, c.full],
    params: [domain('domain', { nullResult: EINVAL }), mask('dest', { extra: [['the empty mask', new Cpumask(4), EINVAL]] })],
    call: (c, [d, dest]) => c.m.ipi.irqReserveIpi(d as never, dest as never),
  },
  {
    name: 'irqReserveIpi (free function)',
    good: (c) => [c.arch.ipiDomain, c.full],
    // The domain knows its machine: another machine's domain reserves there (documented), so
    // only non-domains are bad here.
    params: [
      { name: 'domain', kind: 'extra', extra: [['{}', {}, TYPE], ['"ipi"', 'ipi', TYPE], ['null', null, TYPE], ['undefined', undefined, TYPE]] },
      mask('dest'),
    ],
    call: (_c, [d, dest]) => irqReserveIpi(d as never, dest as never),
  },
  {
    name: 'machine.ipi.irqDestroyIpi',
    good: (c) => [c.single, Cpumask.of(4, [0])],
    params: [
      int('irq', { negative: EINVAL, outOfRange: [100_000, EINVAL], extra: [['0', 0, EINVAL]] }),
      mask('dest'),
    ],
    call: (c, [irq, dest]) => c.m.ipi.irqDestroyIpi(irq as never, dest as never),
  },
  {
    name: 'machine.ipi.irqDestroyIpi (freed virq)',
    good: (c) => [c.freed, Cpumask.of(4, [0])],
    params: [int('irq', { negative: EINVAL })],
    call: (c, [irq, dest]) => c.m.ipi.irqDestroyIpi(irq as never, dest as never),
  },
  {
    name: 'machine.ipi.ipiGetHwirq',
    good: (c) => [c.base, 1],
    params: [
      int('irq', { negative: { returns: INVALID_HWIRQ }, outOfRange: [100_000, { returns: INVALID_HWIRQ }] }),
      int('cpu', { negative: { returns: INVALID_HWIRQ }, outOfRange: [4, { returns: INVALID_HWIRQ }] }),
    ],
    call: (c, [irq, cpu]) => c.m.ipi.ipiGetHwirq(irq as never, cpu as never),
  },
  {
    name: 'machine.ipi.ipiSendSingle',
    good: (c) => [c.single, 1],
    params: [
      int('virq', { negative: EINVAL, outOfRange: [100_000, EINVAL], extra: [['0', 0, EINVAL]] }),
      int('cpu', { negative: EINVAL, outOfRange: [4, EINVAL] }),
    ],
    call: (c, [virq, cpu]) => c.m.ipi.ipiSendSingle(virq as never, cpu as never),
  },
  {
    name: 'machine.ipi.ipiSendSingle (freed virq)',
    good: (c) => [c.freed, 1],
    params: [int('virq', { negative: EINVAL })],
    call: (c, [virq, cpu]) => c.m.ipi.ipiSendSingle(virq as never, cpu as never),
  },
  {
    name: 'machine.ipi.ipiSendMask',
    good: (c) => [c.single, Cpumask.of(4, [1, 2])],
    params: [int('virq', { negative: EINVAL, outOfRange: [100_000, EINVAL] }), mask('dest')],
    call: (c, [virq, dest]) => c.m.ipi.ipiSendMask(virq as never, dest as never),
  },
  {
    name: 'machine.ipi.ipiSendVerify',
    good: (c) => [c.arch.chip, c.m.irq.irqGetIrqData(c.single), null, 1],
    params: [
      { name: 'chip', kind: 'extra', extra: [['null', null, EINVAL], ['5', 5, TYPE], ['"chip"', 'chip', TYPE], ['undefined', undefined, TYPE]] },
      obj('data', { nullResult: EINVAL }),
      mask('dest', { nullResult: { returns: 0 } }),
      int('cpu', { negative: EINVAL, outOfRange: [4, EINVAL] }),
    ],
    call: (c, [chip, data, dest, cpu]) => c.m.ipi.ipiSendVerify(chip as never, data as never, dest as never, cpu as never),
  },
  {
    name: 'machine.ipi.__ipiSendSingle',
    good: (c) => [c.m.irq.irqToDesc(c.single), 1],
    params: [
      obj('desc'),
      int('cpu', { negative: { throws: RangeError }, outOfRange: [4, { throws: RangeError }] }),
    ],
    call: (c, [desc, cpu]) => c.m.ipi.__ipiSendSingle(desc as never, cpu as never),
  },
  {
    name: 'machine.ipi.__ipiSendMask',
    good: (c) => [c.m.irq.irqToDesc(c.single), Cpumask.of(4, [1])],
    params: [obj('desc'), mask('dest')],
    call: (c, [desc, dest]) => c.m.ipi.__ipiSendMask(desc as never, dest as never),
  },
];

/** Freed and foreign descriptors need the context: patch the two `extra` placeholders. */
function descCases(): ReturnType<typeof badCases<Ctx>> {
  const cases: ReturnType<typeof badCases<Ctx>> = [];
  for (const e of ['__ipiSendSingle', '__ipiSendMask'] as const) {
    const entry: Entry<Ctx> = {
      name: `machine.ipi.${e}`,
      good: (c) => [c.m.irq.irqToDesc(c.single), e === '__ipiSendSingle' ? 1 : Cpumask.of(4, [1])],
      params: [obj('desc')],
      call: (c, [desc, arg]) => (e === '__ipiSendSingle' ? c.m.ipi.__ipiSendSingle(desc as never, arg as never) : c.m.ipi.__ipiSendMask(desc as never, arg as never)),
    };
    cases.push(
      { entry, label: 'desc = a freed descriptor', index: 0, value: (c) => c.freedDesc, outcome: { throws: TypeError, names: 'desc' } },
      { entry, label: "desc = another machine's descriptor", index: 0, value: (c) => c.otherDesc, outcome: { throws: TypeError, names: 'desc' } },
    );
  }
  return cases;
}

const irqEntries: Entry<Ctx>[] = [
  { name: 'machine.irq.irqToDesc', good: () => [1], params: [uint('irq', { outOfRange: [100_000, { returns: null }] })], call: (c, [i]) => c.m.irq.irqToDesc(i as never) },
  { name: 'machine.irq.irqGetIrqData', good: () => [1], params: [uint('irq', { outOfRange: [100_000, { returns: null }] })], call: (c, [i]) => c.m.irq.irqGetIrqData(i as never) },
  {
    name: 'machine.irq.irqAllocDescs',
    good: () => [-1, 1, 1],
    params: [
      { name: 'irq', kind: 'int', negative: 'valid' },
      uint('from'),
      uint('cnt', { extra: [['0', 0, EINVAL], ['2^31', 2 ** 31, { returns: -Errno.ENOMEM }]] }),
    ],
    call: (c, [irq, from, cnt]) => c.m.irq.irqAllocDescs(irq as never, from as never, cnt as never),
  },
  {
    name: 'machine.irq.irqFreeDescs',
    good: () => [100_000, 1],
    params: [int('from', { negative: { returns: undefined } }), uint('cnt')],
    call: (c, [from, cnt]) => { c.m.irq.irqFreeDescs(from as never, cnt as never); },
  },
  {
    name: 'machine.irq.irqDomainCreateHierarchy',
    good: () => [{ parent: null, flags: 0, size: 0, name: 'x', ops: {} }],
    params: [obj('info')],
    call: (c, [info]) => c.m.irq.irqDomainCreateHierarchy(info as never),
  },
  {
    name: 'machine.irq.irqDomainCreateLinear',
    good: () => ['x', 4, {}],
    params: [
      { name: 'fwnode', kind: 'extra', extra: [['5', 5, TYPE], ['{}', {}, TYPE]] },
      uint('size'),
      { name: 'ops', kind: 'extra', extra: [['5', 5, TYPE], ['"ops"', 'ops', TYPE], ['null', null, TYPE], ['undefined', undefined, TYPE]] },
    ],
    call: (c, [fw, size, ops]) => c.m.irq.irqDomainCreateLinear(fw as never, size as never, ops as never),
  },
  { name: 'machine.irq.irqDomainRemove', good: (c) => [c.arch.ipiDomain], params: [domain('domain')], call: (c, [d]) => { c.m.irq.irqDomainRemove(d as never); } },
  {
    name: 'machine.irq.irqDomainUpdateBusToken',
    good: (c) => [c.arch.ipiDomain, DOMAIN_BUS_IPI],
    params: [domain('domain'), uint('busToken')],
    call: (c, [d, t]) => { c.m.irq.irqDomainUpdateBusToken(d as never, t as never); },
  },
  {
    name: 'machine.irq.irqFindMatchingFwspec',
    good: () => [{ fwnode: null, param: [] }, DOMAIN_BUS_IPI],
    params: [obj('fwspec'), uint('busToken')],
    call: (c, [f, t]) => c.m.irq.irqFindMatchingFwspec(f as never, t as never),
  },
  {
    name: 'machine.irq.irqFindMatchingHost',
    good: () => [null, DOMAIN_BUS_IPI],
    params: [{ name: 'node', kind: 'extra', extra: [['"node"', 'node', TYPE], ['{}', {}, TYPE], ['undefined', undefined, TYPE]] }, uint('busToken')],
    call: (c, [n, t]) => c.m.irq.irqFindMatchingHost(n as never, t as never),
  },
  {
    name: 'machine.irq.irqSetDefaultHost',
    good: (c) => [c.arch.ipiDomain],
    params: [domain('domain', { nullResult: { returns: undefined } })],
    call: (c, [d]) => {
      c.m.irq.irqSetDefaultHost(d as never);
      return undefined;
    },
  },
  {
    name: 'machine.irq.irqFindMapping',
    good: (c) => [c.arch.ipiDomain, 0],
    params: [domain('domain', { nullResult: { returns: 0 } }), uint('hwirq', { outOfRange: [2 ** 40, { returns: 0 }] })],
    call: (c, [d, h]) => c.m.irq.irqFindMapping(d as never, h as never),
  },
  {
    name: 'machine.irq.irqDomainGetIrqData',
    good: (c) => [c.arch.ipiDomain, c.single],
    params: [domain('domain'), int('virq', { negative: { returns: null }, outOfRange: [100_000, { returns: null }] })],
    call: (c, [d, v]) => c.m.irq.irqDomainGetIrqData(d as never, v as never),
  },
  {
    name: 'machine.irq.irqDomainAllocDescs',
    good: () => [-1, 1, 0],
    params: [{ name: 'virq', kind: 'int', negative: 'valid' }, uint('cnt'), uint('hwirq')],
    call: (c, [v, cnt, h]) => c.m.irq.irqDomainAllocDescs(v as never, cnt as never, h as never),
  },
  {
    name: 'machine.irq.__irqDomainAllocIrqs',
    good: (c) => [c.arch.ipiDomain, -1, 0, c.full, false],
    params: [
      domain('domain', { nullResult: EINVAL }),
      { name: 'irqBase', kind: 'int', negative: { returns: -Errno.EINVAL } },
      uint('nrIrqs'),
      { name: 'realloc', kind: 'bool', at: 4 },
    ],
    call: (c, [d, b, n, a, r]) => c.m.irq.__irqDomainAllocIrqs(d as never, b as never, n as never, a, r as never),
  },
  {
    name: 'machine.irq.irqDomainAllocIrqs',
    good: (c) => [c.arch.ipiDomain, 1, c.full],
    params: [domain('domain', { nullResult: EINVAL }), uint('nrIrqs')],
    call: (c, [d, n, a]) => c.m.irq.irqDomainAllocIrqs(d as never, n as never, a),
  },
  {
    name: 'machine.irq.irqDomainSetHwirqAndChip',
    // A freed virq has no level in the domain: a good call returns -ENOENT and changes nothing.
    good: (c) => [c.arch.ipiDomain, c.freed, 99, c.arch.chip],
    params: [
      domain('domain'),
      int('virq', { negative: { returns: -Errno.ENOENT } }),
      uint('hwirq'),
      { name: 'chip', kind: 'extra', extra: [['5', 5, TYPE], ['"chip"', 'chip', TYPE]] },
    ],
    call: (c, [d, v, h, chip]) => c.m.irq.irqDomainSetHwirqAndChip(d as never, v as never, h as never, chip as never),
  },
  {
    name: 'machine.irq.irqDomainFreeIrqs',
    good: (c) => [c.freed, 1],
    params: [int('virq', { negative: { returns: undefined } }), uint('nrIrqs')],
    call: (c, [v, n]) => { c.m.irq.irqDomainFreeIrqs(v as never, n as never); },
  },
  {
    name: 'machine.irq.irqDomainDisconnectHierarchy',
    good: (c) => [c.arch.ipiDomain, c.freed],
    params: [domain('domain'), int('virq', { negative: EINVAL })],
    call: (c, [d, v]) => c.m.irq.irqDomainDisconnectHierarchy(d as never, v as never),
  },
  {
    name: 'machine.irq.irqSetStatusFlags',
    good: (c) => [c.freed, 1],
    params: [int('irq', { negative: { returns: undefined } }), uint('set')],
    call: (c, [i, s]) => { c.m.irq.irqSetStatusFlags(i as never, s as never); },
  },
  {
    name: 'machine.irq.irqSetChipAndHandlerName',
    good: (c) => [c.freed, null, null, null],
    params: [
      int('irq', { negative: { returns: undefined } }),
      { name: 'chip', kind: 'extra', extra: [['5', 5, TYPE], ['"chip"', 'chip', TYPE], ['undefined', undefined, TYPE]] },
      fn('handler', { nullResult: { returns: undefined } }),
      { name: 'name', kind: 'extra', extra: [['5', 5, TYPE], ['{}', {}, TYPE], ['undefined', undefined, TYPE]] },
    ],
    call: (c, [i, chip, h, n]) => { c.m.irq.irqSetChipAndHandlerName(i as never, chip as never, h as never, n as never); },
  },
  {
    name: 'machine.irq.requestIrq',
    good: (c) => [c.freed, () => 1, 0, 'x', null],
    params: [int('irq', { negative: EINVAL, outOfRange: [100_000, EINVAL] }), fn('handler'), int('flags', { negative: EINVAL })],
    call: (c, [i, h, f, n, d]) => c.m.irq.requestIrq(i as never, h as never, f as never, n as never, d),
  },
  {
    name: 'machine.irq.freeIrq',
    good: (c) => [c.freed, null],
    params: [int('irq', { negative: { returns: null } })],
    call: (c, [i, d]) => c.m.irq.freeIrq(i as never, d),
  },
  {
    name: 'machine.irq.irqSetPercpuDevid',
    good: (c) => [c.freed],
    params: [int('irq', { negative: EINVAL, outOfRange: [100_000, EINVAL] })],
    call: (c, [i]) => c.m.irq.irqSetPercpuDevid(i as never),
  },
  {
    name: 'machine.irq.requestPercpuIrq',
    good: (c) => [c.freed, () => 1, 'x', null],
    params: [int('irq', { negative: EINVAL }), fn('handler')],
    call: (c, [i, h, n, d]) => c.m.irq.requestPercpuIrq(i as never, h as never, n as never, d as never),
  },
  {
    name: 'machine.irq.enablePercpuIrq',
    good: (c) => [c.freed, 1],
    params: [
      int('irq', { negative: { returns: undefined } }),
      // Omitted (undefined) means the current CPU; on the host there is none.
      { name: 'cpu', kind: 'extra', extra: [['1.5', 1.5, TYPE], ['NaN', Number.NaN, TYPE], ['"1"', '1', TYPE], ['null', null, TYPE], ['-1', -1, { throws: RangeError }], ['4', 4, { throws: RangeError }], ['undefined (host, no current CPU)', undefined, { throwsError: /no current CPU/ }]] },
    ],
    call: (c, [i, cpu]) => { c.m.irq.enablePercpuIrq(i as never, cpu as never); },
  },
  {
    name: 'machine.irq.ipiMuxCreate',
    good: () => [2, null],
    params: [
      int('nrIpi', { negative: EINVAL, outOfRange: [33, EINVAL] }),
      { name: 'muxSend', kind: 'extra', extra: [['5', 5, TYPE], ['"f"', 'f', TYPE], ['{}', {}, TYPE], ['null', null, EINVAL], ['undefined', undefined, EINVAL]] },
    ],
    call: (c, [n, s]) => c.m.irq.ipiMuxCreate(n as never, s as never),
  },
  {
    name: 'machine.irq.genericHandleIrq',
    good: (c) => [c.freed],
    params: [int('irq', { negative: EINVAL, outOfRange: [100_000, EINVAL] })],
    call: (c, [i]) => c.m.irq.genericHandleIrq(i as never),
  },
  {
    name: 'machine.irq.genericHandleDomainIrq',
    good: (c) => [c.arch.ipiDomain, 12_345],
    params: [domain('domain'), int('hwirq', { negative: EINVAL, outOfRange: [2 ** 40, EINVAL] })],
    call: (c, [d, h]) => c.m.irq.genericHandleDomainIrq(d as never, h as never),
  },
];

function run(entries: readonly Entry<Ctx>[]): void {
  for (const entry of entries) {
    const cases = badCases(entry);
    describe(entry.name, () => {
      it.each(cases.map((c) => [c.label, c] as const))('should reject %s with its documented result and change nothing', (_label, c) => {
        expectCase(makeCtx, c);
      });
    });
  }
}

describe('bad input: the generic IPI API', () => {
  run(ipiEntries);
  describe('freed and foreign descriptors', () => {
    it.each(descCases().map((c) => [`${c.entry.name}(${c.label})`, c] as const))('%s should throw a TypeError and change nothing', (_l, c) => {
      expectCase(makeCtx, c);
    });
  });
});

describe('bad input: the irq descriptor, domain and handler API', () => {
  run(irqEntries);
});

