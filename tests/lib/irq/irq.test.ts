import { describe, expect, it } from '@jest/globals';
import {
  DOMAIN_BUS_ANY,
  FwnodeHandle,
  IRQ_NO_BALANCING,
  IRQ_NOREQUEST,
  IRQ_NOPROBE,
  Irq,
  type IrqDomain,
  type Machine,
  createMachine,
  noIrqChip,
} from '../../../lib/index.js';
import { createPlainDomain, recordingChip } from '../../helpers/domains.js';
import { expectRejected } from '../../helpers/state.js';

/** How a parameter of a facade method is typed, which decides the bad values tried on it. */
type Kind =
  | 'int' // signed integer: non-integers are rejected, negatives are a Linux-level "not found"
  | 'uint' // non-negative integer
  | 'domain' // an IrqDomain of this machine
  | 'domain?' // the same or null
  | 'fwnode?' // FwnodeHandle or null
  | 'fwnode|name' // FwnodeHandle, string or null
  | 'chip' // IrqChip or null
  | 'handler' // function or null
  | 'string?' // string or null
  | 'bool'
  | 'object'; // a required object (info, ops, fwspec, data)

interface Fixture {
  readonly m: Machine;
  readonly other: Machine;
  readonly d: IrqDomain;
  readonly virq: number;
}

interface Entry {
  readonly name: keyof Irq;
  readonly params: readonly (readonly [string, Kind])[];
  /** Valid arguments; each bad value replaces one of them. */
  readonly args: (f: Fixture) => unknown[];
}

const chip = recordingChip('both', 'matrix').chip;

const entries: readonly Entry[] = [
  { name: 'irqToDesc', params: [['irq', 'uint']], args: (f) => [f.virq] },
  { name: 'irqGetIrqData', params: [['irq', 'uint']], args: (f) => [f.virq] },
  {
    name: 'irqAllocDescs',
    params: [
      ['irq', 'int'],
      ['from', 'uint'],
      ['cnt', 'uint'],
    ],
    args: () => [-1, 1, 1],
  },
  {
    name: 'irqFreeDescs',
    params: [
      ['from', 'int'],
      ['cnt', 'uint'],
    ],
    args: (f) => [f.virq, 1],
  },
  {
    name: 'irqDomainCreateHierarchy',
    params: [['info', 'object']],
    args: () => [{ parent: null, flags: 0, size: 0, ops: {} }],
  },
  {
    name: 'irqDomainCreateLinear',
    params: [
      ['fwnode', 'fwnode|name'],
      ['size', 'uint'],
      ['ops', 'object'],
    ],
    args: () => ['lin', 4, {}],
  },
  {
    name: 'irqDomainCreateTree',
    params: [
      ['fwnode', 'fwnode|name'],
      ['ops', 'object'],
    ],
    args: () => ['tree', {}],
  },
  {
    name: 'irqDomainRemove',
    params: [['domain', 'domain']],
    args: (f) => [f.m.irq.irqDomainCreateTree('rm', {})],
  },
  {
    name: 'irqDomainUpdateBusToken',
    params: [
      ['domain', 'domain'],
      ['busToken', 'uint'],
    ],
    args: (f) => [f.d, 6],
  },
  {
    name: 'irqFindMatchingFwspec',
    params: [
      ['fwspec', 'object'],
      ['busToken', 'uint'],
    ],
    args: () => [{ fwnode: null, param: [] }, 0],
  },
  {
    name: 'irqFindMatchingFwnode',
    params: [
      ['fwnode', 'fwnode?'],
      ['busToken', 'uint'],
    ],
    args: () => [null, 0],
  },
  {
    name: 'irqFindMatchingHost',
    params: [
      ['node', 'fwnode?'],
      ['busToken', 'uint'],
    ],
    args: () => [null, 0],
  },
  { name: 'irqSetDefaultHost', params: [['domain', 'domain?']], args: (f) => [f.d] },
  {
    name: 'irqFindMapping',
    params: [
      ['domain', 'domain?'],
      ['hwirq', 'uint'],
    ],
    args: (f) => [f.d, 0],
  },
  {
    name: 'irqDomainGetIrqData',
    params: [
      ['domain', 'domain'],
      ['virq', 'int'],
    ],
    args: (f) => [f.d, f.virq],
  },
  {
    name: 'irqDomainAllocDescs',
    params: [
      ['virq', 'int'],
      ['cnt', 'uint'],
      ['hwirq', 'uint'],
    ],
    args: () => [-1, 1, 0],
  },
  {
    name: '__irqDomainAllocIrqs',
    params: [
      ['domain', 'domain?'],
      ['irqBase', 'int'],
      ['nrIrqs', 'uint'],
      ['arg', 'object'],
      ['realloc', 'bool'],
    ],
    args: (f) => [f.d, -1, 1, {}, false],
  },
  {
    name: 'irqDomainAllocIrqs',
    params: [
      ['domain', 'domain?'],
      ['nrIrqs', 'uint'],
    ],
    args: (f) => [f.d, 1, null],
  },
  {
    name: 'irqDomainAllocIrqsParent',
    params: [
      ['domain', 'domain'],
      ['irqBase', 'uint'],
      ['nrIrqs', 'uint'],
    ],
    args: (f) => [f.d, f.virq, 1, null],
  },
  {
    name: 'irqDomainFreeIrqsParent',
    params: [
      ['domain', 'domain'],
      ['irqBase', 'int'],
      ['nrIrqs', 'uint'],
    ],
    args: (f) => [f.d, f.virq, 1],
  },
  {
    name: 'irqDomainSetHwirqAndChip',
    params: [
      ['domain', 'domain'],
      ['virq', 'int'],
      ['hwirq', 'uint'],
      ['chip', 'chip'],
    ],
    args: (f) => [f.d, f.virq, 3, chip, null],
  },
  {
    name: 'irqDomainSetInfo',
    params: [
      ['domain', 'domain'],
      ['virq', 'int'],
      ['hwirq', 'uint'],
      ['chip', 'chip'],
      ['chipData', 'object'],
      ['handler', 'handler'],
      ['handlerData', 'object'],
      ['handlerName', 'string?'],
    ],
    args: (f) => [f.d, f.virq, 3, chip, null, null, null, null],
  },
  {
    name: 'irqDomainResetIrqData',
    params: [['data', 'object']],
    args: (f) => [f.m.irq.irqGetIrqData(f.virq)],
  },
  {
    name: 'irqDomainFreeIrqsCommon',
    params: [
      ['domain', 'domain'],
      ['virq', 'int'],
      ['nrIrqs', 'uint'],
    ],
    args: (f) => [f.d, f.virq, 1],
  },
  {
    name: 'irqDomainFreeIrqsTop',
    params: [
      ['domain', 'domain'],
      ['virq', 'int'],
      ['nrIrqs', 'uint'],
    ],
    args: (f) => [f.d, f.virq, 1],
  },
  {
    name: 'irqDomainFreeIrqs',
    params: [
      ['virq', 'int'],
      ['nrIrqs', 'uint'],
    ],
    args: (f) => [f.virq, 1],
  },
  {
    name: 'irqDomainDisconnectHierarchy',
    params: [
      ['domain', 'domain'],
      ['virq', 'int'],
    ],
    args: (f) => [f.d, f.virq],
  },
  {
    name: 'irqSetStatusFlags',
    params: [
      ['irq', 'int'],
      ['set', 'uint'],
    ],
    args: (f) => [f.virq, IRQ_NO_BALANCING],
  },
  {
    name: 'irqClearStatusFlags',
    params: [
      ['irq', 'int'],
      ['clr', 'uint'],
    ],
    args: (f) => [f.virq, IRQ_NOREQUEST],
  },
  {
    name: 'irqSetChipAndHandlerName',
    params: [
      ['irq', 'int'],
      ['chip', 'chip'],
      ['handler', 'handler'],
      ['name', 'string?'],
    ],
    args: (f) => [f.virq, chip, null, null],
  },
];

/** Bad values for a kind, each with the error type it must raise. */
function badValues(kind: Kind, f: Fixture): [unknown, typeof TypeError | typeof RangeError][] {
  const notInteger: [unknown, typeof TypeError][] = [
    [1.5, TypeError],
    [NaN, TypeError],
    [null, TypeError],
    [undefined, TypeError],
    ['1', TypeError],
    [Infinity, TypeError],
  ];
  const foreign = f.other.ipiDomain;
  switch (kind) {
    case 'int':
      return notInteger;
    case 'uint':
      return [...notInteger, [-1, RangeError]];
    case 'domain':
      return [
        [null, TypeError],
        [undefined, TypeError],
        [5, TypeError],
        [{ name: 'fake' }, TypeError],
        [foreign, TypeError],
      ];
    case 'domain?':
      return [
        [undefined, TypeError],
        [5, TypeError],
        [foreign, TypeError],
      ];
    case 'fwnode?':
      return [
        [undefined, TypeError],
        ['gic', TypeError],
        [{ name: 'gic' }, TypeError],
      ];
    case 'fwnode|name':
      return [
        [undefined, TypeError],
        [5, TypeError],
      ];
    case 'chip':
      return [
        [undefined, TypeError],
        [5, TypeError],
        ['chip', TypeError],
      ];
    case 'handler':
      return [
        [undefined, TypeError],
        [5, TypeError],
      ];
    case 'string?':
      return [
        [undefined, TypeError],
        [5, TypeError],
      ];
    case 'bool':
      return [
        [undefined, TypeError],
        ['yes', TypeError],
        [1, TypeError],
      ];
    case 'object':
      return [];
  }
}

/** `object` parameters that are required: null and undefined must be refused. */
const requiredObjects = new Set(['info', 'ops', 'fwspec', 'data']);

function fixture(): Fixture {
  const m = createMachine({ arch: 'test', nrCpus: 4 });
  const other = createMachine({ arch: 'test', nrCpus: 4 });
  const d = createPlainDomain(m, { name: 'plain', hwirqBase: 10 });
  const virq = m.irq.irqDomainAllocIrqs(d, 1, null);
  m.irq.settings.irqSetHandler(virq, () => undefined, 'edge');
  m.irq.settings.irqSetHandlerData(virq, 'hd');
  return { m, other, d, virq };
}

const cases = entries.flatMap((entry) =>
  entry.params.map(([arg, kind], index) => ({
    entry,
    arg,
    kind,
    index,
    label: `${entry.name}(${arg})`,
  })),
);

describe(Irq, () => {
  describe('having a bad argument in any position of any facade method', () => {
    it.each(cases)(
      'should reject every bad $label with an error naming $arg and leave the machine unchanged',
      (c) => {
        const f = fixture();
        const fn = f.m.irq[c.entry.name] as (...args: unknown[]) => unknown;
        const tried: unknown[] = [];
        const bad = badValues(c.kind, f);
        if (requiredObjects.has(c.arg))
          bad.push([null, TypeError], [undefined, TypeError], [7, TypeError]);
        for (const [value, type] of bad) {
          const args = c.entry.args(f);
          args[c.index] = value;
          tried.push(value);
          expectRejected(
            f.m,
            () => fn.apply(f.m.irq, args),
            type,
            new RegExp(`^${c.entry.name}: ${c.arg.replace('.', '\\.')}\\b`),
          );
        }
        // Every parameter but free-form data gets at least one bad value.
        expect(tried.length > 0 || c.kind === 'object').toBe(true);
        // The other machine was not touched either.
        expect(f.other.irq.descs.allocatedCount).toBe(0);
      },
    );
  });

  describe('having valid arguments', () => {
    it.each(entries.map((e) => [e.name, e] as const))(
      'should accept the template arguments of %s',
      (_name, entry) => {
        const f = fixture();
        const fn = f.m.irq[entry.name] as (...args: unknown[]) => unknown;
        expect(() => fn.apply(f.m.irq, entry.args(f))).not.toThrow();
      },
    );
  });
});

describe(Irq.prototype.irqSetStatusFlags, () => {
  describe('having a mapped virq', () => {
    it('should set and clear status bits without touching the others', () => {
      const { m, virq } = fixture();
      const common = m.irq.irqToDesc(virq)!.irqCommonData;
      expect(common.statusFlags).toBe(IRQ_NOPROBE);
      m.irq.irqSetStatusFlags(virq, IRQ_NO_BALANCING | IRQ_NOREQUEST);
      expect(common.statusFlags).toBe(IRQ_NOPROBE | IRQ_NO_BALANCING | IRQ_NOREQUEST);
      m.irq.irqClearStatusFlags(virq, IRQ_NOREQUEST | IRQ_NOPROBE);
      expect(common.statusFlags).toBe(IRQ_NO_BALANCING);
      m.irq.settings.irqModifyStatus(virq, IRQ_NO_BALANCING, IRQ_NOPROBE);
      expect(common.statusFlags).toBe(IRQ_NOPROBE);
    });
  });

  describe('having an unknown virq', () => {
    it('should ignore it, as the kernel does', () => {
      const { m } = fixture();
      expect(() => {
        m.irq.irqSetStatusFlags(99, IRQ_NO_BALANCING);
      }).not.toThrow();
      expect(m.irq.irqToDesc(99)).toBeNull();
    });
  });
});

describe(Irq.prototype.irqSetChipAndHandlerName, () => {
  describe('having a mapped virq', () => {
    it('should set the outermost chip, the flow handler and its name; null chip means no_irq_chip', () => {
      const { m, virq } = fixture();
      const handler = (): void => undefined;
      const c = recordingChip('mask').chip;
      m.irq.irqSetChipAndHandlerName(virq, c, handler, 'percpu');
      const desc = m.irq.irqToDesc(virq)!;
      expect([desc.irqData.chip, desc.handleIrq, desc.name]).toEqual([c, handler, 'percpu']);
      m.irq.irqSetChipAndHandlerName(virq, null, null, null);
      expect([desc.irqData.chip, desc.handleIrq]).toEqual([noIrqChip, null]);
    });
  });

  describe('having the settings setters on a known virq', () => {
    it('should set chip data, handler data and the chip', () => {
      const { m, virq } = fixture();
      const c = recordingChip('single').chip;
      expect(m.irq.settings.irqSetChipData(virq, 'cd')).toBe(0);
      expect(m.irq.settings.irqSetHandlerData(virq, 'hd2')).toBe(0);
      expect(m.irq.settings.irqSetChip(virq, c)).toBe(0);
      const desc = m.irq.irqToDesc(virq)!;
      expect([desc.irqData.chipData, desc.irqCommonData.handlerData, desc.irqData.chip]).toEqual([
        'cd',
        'hd2',
        c,
      ]);
    });
  });

  describe('having the settings setters on an unknown virq', () => {
    it('should return -EINVAL from those that return a number', () => {
      const { m } = fixture();
      expect(m.irq.settings.irqSetChip(77, null)).toBe(-22);
      expect(m.irq.settings.irqSetChipData(77, 1)).toBe(-22);
      expect(m.irq.settings.irqSetHandlerData(77, 1)).toBe(-22);
    });
  });
});

describe(Irq.prototype.irqDomainCreateLinear, () => {
  describe('having a FwnodeHandle', () => {
    it('should delegate to the registry and list the domain', () => {
      const { m } = fixture();
      const node = new FwnodeHandle('x');
      const d = m.irq.irqDomainCreateLinear(node, 2, {});
      expect(m.irq.domains.domains[0]).toBe(d);
      expect(m.irq.irqFindMatchingFwnode(node, DOMAIN_BUS_ANY)).toBe(d);
    });
  });
});

describe(Irq.prototype.irqToDesc, () => {
  describe('having the facade', () => {
    it('should expose nr_irqs and the same descriptors as the table', () => {
      const { m, virq } = fixture();
      expect(m.irq.nrIrqs).toBe(m.irq.descs.nrIrqs);
      expect(m.irq.irqToDesc(virq)).toBe(m.irq.descs.irqToDesc(virq));
    });
  });
});
