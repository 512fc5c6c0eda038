import { describe, expect, it } from '@jest/globals';
import {
  DOMAIN_BUS_ANY,
  DOMAIN_BUS_IPI,
  DOMAIN_BUS_WIRED,
  DomainBusToken,
  FwnodeHandle,
  IRQ_DOMAIN_FLAG_HIERARCHY,
  IRQ_DOMAIN_FLAG_IPI_PER_CPU,
  IRQ_DOMAIN_FLAG_IPI_SINGLE,
  IRQ_DOMAIN_FLAG_MSI,
  IRQ_DOMAIN_FLAG_NONCORE,
  IRQ_DOMAIN_FLAG_NO_MAP,
  IRQ_DOMAIN_NAME_ALLOCATED,
  IRQ_DOMAIN_FLAG_ISOLATED_MSI,
  type IrqDomain,
  IrqDomainRegistry,
  type IrqDomainOps,
  type Machine,
  createMachine,
  irqDomainAllocNamedFwnode,
  irqDomainIsHierarchy,
  irqDomainIsIpi,
  irqDomainIsIpiPerCpu,
  irqDomainIsIpiSingle,
} from '../../../lib/index.js';
import { createPlainDomain, recordingChip } from '../../helpers/domains.js';
import { expectRejected } from '../../helpers/state.js';

/** NaN where a bus token is expected (a JavaScript caller's mistake). */
const NAN_TOKEN = NaN as unknown as DomainBusToken;

function setup(): Machine {
  return createMachine({ arch: 'test', nrCpus: 4 });
}

/** A domain whose alloc op gives each virq the hwirq passed as arg (a number). */
function hwirqDomain(m: Machine, size: number, flags = 0): IrqDomain {
  const chip = recordingChip('both', 'rev').chip;
  return m.irq.irqDomainCreateHierarchy({
    parent: null,
    flags,
    size,
    name: `rev-${size}`,
    ops: {
      alloc: (domain, virq, nrIrqs, arg): number => {
        for (let i = 0; i < nrIrqs; i++)
          m.irq.irqDomainSetHwirqAndChip(domain, virq + i, (arg as number) + i, chip);
        return 0;
      },
      free: (domain, virq, nrIrqs): void => {
        m.irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
      },
    },
  });
}

describe(irqDomainIsIpi, () => {
  describe('having every combination of the two IPI bits and unrelated bits', () => {
    it.each([
      [0, false, false, false],
      [IRQ_DOMAIN_FLAG_IPI_PER_CPU, true, true, false],
      [IRQ_DOMAIN_FLAG_IPI_SINGLE, true, false, true],
      [IRQ_DOMAIN_FLAG_IPI_PER_CPU | IRQ_DOMAIN_FLAG_IPI_SINGLE, true, true, true],
      [IRQ_DOMAIN_FLAG_MSI | IRQ_DOMAIN_FLAG_NO_MAP | IRQ_DOMAIN_FLAG_NONCORE, false, false, false],
    ])(
      'should classify flags %d as ipi=%p, perCpu=%p, single=%p (row 40)',
      (flags, ipi, perCpu, single) => {
        const m = setup();
        const d = m.irq.irqDomainCreateLinear('x', 1, {});
        d.flags = flags;
        expect(irqDomainIsIpi(d)).toBe(ipi);
        expect(irqDomainIsIpiPerCpu(d)).toBe(perCpu);
        expect(irqDomainIsIpiSingle(d)).toBe(single);
      },
    );
  });

  describe('having the Linux flag values', () => {
    it('should use PER_CPU 0x4 and SINGLE 0x8 and the other documented bits (row 40)', () => {
      expect([IRQ_DOMAIN_FLAG_IPI_PER_CPU, IRQ_DOMAIN_FLAG_IPI_SINGLE]).toEqual([0x4, 0x8]);
      expect([
        IRQ_DOMAIN_FLAG_HIERARCHY,
        IRQ_DOMAIN_NAME_ALLOCATED,
        IRQ_DOMAIN_FLAG_MSI,
        IRQ_DOMAIN_FLAG_ISOLATED_MSI,
        IRQ_DOMAIN_FLAG_NO_MAP,
        IRQ_DOMAIN_FLAG_NONCORE,
      ]).toEqual([1, 2, 16, 32, 64, 1 << 16]);
    });
  });
});

describe(IrqDomainRegistry.prototype.irqDomainCreateHierarchy, () => {
  describe('having ops with and without alloc', () => {
    it('should set IRQ_DOMAIN_FLAG_HIERARCHY iff ops.alloc exists, not because of a parent (row 41)', () => {
      const m = setup();
      const root = m.irq.irqDomainCreateHierarchy({
        parent: null,
        flags: 0,
        size: 0,
        name: 'r',
        ops: { alloc: () => 0 },
      });
      const childNoAlloc = m.irq.irqDomainCreateHierarchy({
        parent: root,
        flags: 0,
        size: 0,
        name: 'c',
        ops: {},
      });
      const linear = m.irq.irqDomainCreateLinear('l', 4, { alloc: () => 0 });
      const tree = m.irq.irqDomainCreateTree('t', {});
      expect(irqDomainIsHierarchy(root)).toBe(true);
      expect(irqDomainIsHierarchy(childNoAlloc)).toBe(false);
      expect(childNoAlloc.parent).toBe(root);
      expect(irqDomainIsHierarchy(linear)).toBe(true);
      expect(irqDomainIsHierarchy(tree)).toBe(false);
    });
  });

  describe('having flags, a size and a parent', () => {
    it('should OR the flags in, record the parent and size the reverse map', () => {
      const m = setup();
      const parent = m.irq.irqDomainCreateHierarchy({
        parent: null,
        flags: 0,
        size: 0,
        name: 'p',
        ops: {},
      });
      const d = m.irq.irqDomainCreateHierarchy({
        parent,
        flags: IRQ_DOMAIN_FLAG_IPI_PER_CPU,
        size: 8,
        name: 'ipi',
        ops: { alloc: () => 0 },
        hostData: 'host',
      });
      expect(d.flags).toBe(IRQ_DOMAIN_FLAG_IPI_PER_CPU | IRQ_DOMAIN_FLAG_HIERARCHY);
      expect([d.parent, d.revmapSize, d.hwirqMax, d.hostData, d.name]).toEqual([
        parent,
        8,
        8,
        'host',
        'ipi',
      ]);
      expect(d.busToken).toBe(DOMAIN_BUS_ANY);
      expect(d.mapcount).toBe(0);
      expect(parent.revmapSize).toBe(0);
      expect(parent.hwirqMax).toBe(0xffffffff);
    });

    it('should name the domain after its fwnode, else its name, else unknown-N', () => {
      const m = setup();
      const node = irqDomainAllocNamedFwnode('gic');
      const a = m.irq.irqDomainCreateHierarchy({
        parent: null,
        flags: 0,
        size: 0,
        fwnode: node,
        name: 'ignored',
        ops: {},
      });
      const b = m.irq.irqDomainCreateHierarchy({ parent: null, flags: 0, size: 0, ops: {} });
      const c = m.irq.irqDomainCreateLinear(null, 2, {});
      expect(a.name).toBe('gic');
      expect(a.fwnode).toBe(node);
      expect(b.name).toMatch(/^unknown-\d+$/);
      expect(c.name).toMatch(/^unknown-\d+$/);
      expect(c.name).not.toBe(b.name);
    });

    it('should list domains newest first', () => {
      const m = setup();
      const before = m.irq.domains.domains.length;
      const a = m.irq.irqDomainCreateTree('a', {});
      const b = m.irq.irqDomainCreateTree('b', {});
      expect(m.irq.domains.domains.slice(0, 2)).toEqual([b, a]);
      expect(m.irq.domains.domains).toHaveLength(before + 2);
    });
  });

  describe('having malformed arguments', () => {
    const ops: IrqDomainOps = {};
    it.each([
      ['info', null, TypeError],
      ['info', 5, TypeError],
      ['info.parent', { parent: 'p', flags: 0, size: 0, ops }, TypeError],
      ['info.parent', { parent: undefined, flags: 0, size: 0, ops }, TypeError],
      ['info.flags', { parent: null, flags: NaN, size: 0, ops }, TypeError],
      ['info.flags', { parent: null, flags: -1, size: 0, ops }, RangeError],
      ['info.size', { parent: null, flags: 0, size: 1.5, ops }, TypeError],
      ['info.size', { parent: null, flags: 0, size: undefined, ops }, TypeError],
      ['ops', { parent: null, flags: 0, size: 0, ops: null }, TypeError],
      ['fwnode', { parent: null, flags: 0, size: 0, ops, fwnode: 'gic' }, TypeError],
      ['name', { parent: null, flags: 0, size: 0, ops, name: 7 }, TypeError],
    ])('should reject a bad %s naming it and create nothing', (name, info, type) => {
      const m = setup();
      expectRejected(
        m,
        () => m.irq.irqDomainCreateHierarchy(info as never),
        type,
        new RegExp(`irqDomainCreateHierarchy: ${name.replace('.', '\\.')} is`),
      );
    });

    it('should reject a parent of another machine', () => {
      const m = setup();
      const other = setup();
      expectRejected(
        m,
        () =>
          m.irq.irqDomainCreateHierarchy({ parent: other.ipiDomain, flags: 0, size: 0, ops: {} }),
        TypeError,
        /irqDomainCreateHierarchy: info\.parent .*another machine/,
      );
    });
  });
});

describe(IrqDomainRegistry.prototype.irqDomainCreateLinear, () => {
  describe('having a name or a fwnode', () => {
    it('should make a root domain with a linear map of size entries', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateLinear('lin', 16, {}, 42);
      expect([d.name, d.revmapSize, d.hwirqMax, d.parent, d.hostData, d.flags]).toEqual([
        'lin',
        16,
        16,
        null,
        42,
        0,
      ]);
      expect(d.fwnode).toBeInstanceOf(FwnodeHandle);
      const node = new FwnodeHandle('n');
      expect(m.irq.irqDomainCreateLinear(node, 1, {}).fwnode).toBe(node);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad fwnode, size or ops naming it', () => {
      const m = setup();
      expectRejected(
        m,
        () => m.irq.irqDomainCreateLinear(5 as never, 4, {}),
        TypeError,
        /irqDomainCreateLinear: fwnode is 5/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainCreateLinear(undefined as never, 4, {}),
        TypeError,
        /fwnode is undefined/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainCreateLinear('x', NaN, {}),
        TypeError,
        /irqDomainCreateLinear: size is NaN/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainCreateLinear('x', -4, {}),
        RangeError,
        /irqDomainCreateLinear: size is -4/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainCreateLinear('x', 4, null as never),
        TypeError,
        /irqDomainCreateLinear: ops is null/,
      );
    });
  });
});

describe(IrqDomainRegistry.prototype.irqDomainCreateTree, () => {
  describe('having a name', () => {
    it('should make a root domain with only a tree map', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateTree('tree', {});
      expect([d.revmapSize, d.hwirqMax]).toEqual([0, 0xffffffff]);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject bad ops or fwnode naming it', () => {
      const m = setup();
      expectRejected(
        m,
        () => m.irq.irqDomainCreateTree('t', undefined as never),
        TypeError,
        /irqDomainCreateTree: ops is/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainCreateTree({} as never, {}),
        TypeError,
        /irqDomainCreateTree: fwnode is/,
      );
    });
  });
});

describe(IrqDomainRegistry.prototype.irqDomainUpdateBusToken, () => {
  describe('having a new token', () => {
    it('should set it and rename the domain "<name>-<token>" with IPI = 6 (row 46)', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateTree('IPI-Mux', {});
      m.irq.irqDomainUpdateBusToken(d, DOMAIN_BUS_IPI);
      expect(DOMAIN_BUS_IPI).toBe(6);
      expect(d.busToken).toBe(6);
      expect(d.name).toBe('IPI-Mux-6');
      m.irq.irqDomainUpdateBusToken(d, DOMAIN_BUS_WIRED);
      expect(d.name).toBe('IPI-Mux-6-1');
    });
  });

  describe('having the current token', () => {
    it('should do nothing (row 46)', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateTree('d', {});
      m.irq.irqDomainUpdateBusToken(d, DOMAIN_BUS_ANY);
      expect(d.name).toBe('d');
      m.irq.irqDomainUpdateBusToken(d, DOMAIN_BUS_IPI);
      m.irq.irqDomainUpdateBusToken(d, DOMAIN_BUS_IPI);
      expect(d.name).toBe('d-6');
    });
  });

  describe('having the enum numbering', () => {
    it('should match the current kernel (row 46)', () => {
      expect([
        DomainBusToken.DOMAIN_BUS_ANY,
        DomainBusToken.DOMAIN_BUS_WIRED,
        DomainBusToken.DOMAIN_BUS_GENERIC_MSI,
        DomainBusToken.DOMAIN_BUS_PCI_MSI,
        DomainBusToken.DOMAIN_BUS_PLATFORM_MSI,
        DomainBusToken.DOMAIN_BUS_NEXUS,
        DomainBusToken.DOMAIN_BUS_IPI,
        DomainBusToken.DOMAIN_BUS_FSL_MC_MSI,
        DomainBusToken.DOMAIN_BUS_TI_SCI_INTA_MSI,
        DomainBusToken.DOMAIN_BUS_WAKEUP,
        DomainBusToken.DOMAIN_BUS_VMD_MSI,
      ]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad domain or token naming it', () => {
      const m = setup();
      const other = setup();
      const d = m.irq.irqDomainCreateTree('d', {});
      expectRejected(
        m,
        () => {
          m.irq.irqDomainUpdateBusToken(d, NAN_TOKEN);
        },
        TypeError,
        /irqDomainUpdateBusToken: busToken is NaN/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainUpdateBusToken(d, -1 as never);
        },
        RangeError,
        /busToken is -1/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainUpdateBusToken(null as never, DOMAIN_BUS_IPI);
        },
        TypeError,
        /irqDomainUpdateBusToken: domain is null/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainUpdateBusToken(other.ipiDomain as IrqDomain, DOMAIN_BUS_WIRED);
        },
        TypeError,
        /domain .*another machine/,
      );
      expect(other.ipiDomain?.name).toBe('test-ipi-single-6');
    });
  });
});

describe(IrqDomainRegistry.prototype.irqFindMatchingFwspec, () => {
  describe('having domains with the default match rule', () => {
    it('should return the newest domain whose fwnode and token match', () => {
      const m = setup();
      const node = new FwnodeHandle('gic');
      const older = m.irq.irqDomainCreateLinear(node, 1, {});
      const newer = m.irq.irqDomainCreateLinear(node, 1, {});
      m.irq.irqDomainUpdateBusToken(older, DOMAIN_BUS_IPI);
      expect(m.irq.irqFindMatchingFwnode(node, DOMAIN_BUS_ANY)).toBe(newer);
      expect(m.irq.irqFindMatchingFwnode(node, DOMAIN_BUS_IPI)).toBe(older);
      expect(m.irq.irqFindMatchingHost(node, DOMAIN_BUS_WIRED)).toBeNull();
      expect(m.irq.irqFindMatchingFwspec({ fwnode: node, param: [1] }, DOMAIN_BUS_IPI)).toBe(older);
      expect(m.irq.irqFindMatchingFwnode(new FwnodeHandle('gic'), DOMAIN_BUS_ANY)).toBeNull();
    });

    it('should never match a null fwnode', () => {
      const m = setup();
      m.irq.irqDomainCreateLinear(null, 1, {});
      expect(m.irq.irqFindMatchingHost(null, DOMAIN_BUS_ANY)).toBeNull();
    });
  });

  describe('having match and select ops', () => {
    it('should let a match op accept a null node (the MIPS GIC IPI lookup)', () => {
      const m = setup();
      const calls: unknown[] = [];
      const gic = m.irq.irqDomainCreateTree('gic-ipi', {
        match: (d, node, token) => {
          calls.push([d.name, node, token]);
          return node === null && token === DOMAIN_BUS_IPI;
        },
      });
      expect(m.irq.irqFindMatchingHost(null, DOMAIN_BUS_IPI)).toBe(gic);
      expect(m.irq.irqFindMatchingHost(null, DOMAIN_BUS_WIRED)).toBeNull();
      expect(calls).toEqual([
        ['gic-ipi', null, DOMAIN_BUS_IPI],
        ['gic-ipi', null, DOMAIN_BUS_WIRED],
      ]);
    });

    it('should prefer select over match unless the token is ANY', () => {
      const m = setup();
      const seen: string[] = [];
      const d = m.irq.irqDomainCreateTree('sel', {
        select: (_d, fwspec) => {
          seen.push('select');
          return fwspec.param[0] === 7;
        },
        match: () => {
          seen.push('match');
          return true;
        },
      });
      expect(m.irq.irqFindMatchingFwspec({ fwnode: null, param: [7] }, DOMAIN_BUS_WIRED)).toBe(d);
      expect(
        m.irq.irqFindMatchingFwspec({ fwnode: null, param: [8] }, DOMAIN_BUS_WIRED),
      ).toBeNull();
      expect(m.irq.irqFindMatchingFwspec({ fwnode: null, param: [8] }, DOMAIN_BUS_ANY)).toBe(d);
      expect(seen).toEqual(['select', 'select', 'match']);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad fwspec, fwnode or token naming it', () => {
      const m = setup();
      expectRejected(
        m,
        () => m.irq.irqFindMatchingFwspec(null as never, DOMAIN_BUS_ANY),
        TypeError,
        /irqFindMatchingFwspec: fwspec is null/,
      );
      expectRejected(
        m,
        () => m.irq.irqFindMatchingFwspec({ fwnode: 'x', param: [] } as never, DOMAIN_BUS_ANY),
        TypeError,
        /irqFindMatchingFwspec: fwspec\.fwnode is/,
      );
      expectRejected(
        m,
        () => m.irq.irqFindMatchingFwspec({ fwnode: null, param: [] }, NAN_TOKEN),
        TypeError,
        /irqFindMatchingFwspec: busToken is NaN/,
      );
      expectRejected(
        m,
        () => m.irq.irqFindMatchingFwnode(undefined as never, DOMAIN_BUS_ANY),
        TypeError,
        /irqFindMatchingFwnode: fwnode is/,
      );
      expectRejected(
        m,
        () => m.irq.irqFindMatchingFwnode(null, -1 as never),
        RangeError,
        /irqFindMatchingFwnode: busToken is -1/,
      );
      expectRejected(
        m,
        () => m.irq.irqFindMatchingHost(7 as never, DOMAIN_BUS_ANY),
        TypeError,
        /irqFindMatchingHost: node is 7/,
      );
      expectRejected(
        m,
        () => m.irq.irqFindMatchingHost(null, 0.5 as never),
        TypeError,
        /irqFindMatchingHost: busToken is 0.5/,
      );
    });
  });
});

describe(IrqDomainRegistry.prototype.irqFindMapping, () => {
  describe('having a linear domain of 4 slots', () => {
    it('should use the linear slot below revmap_size and the tree above it, 0 when absent (row 45)', () => {
      const m = setup();
      const d = hwirqDomain(m, 4);
      const low = m.irq.irqDomainAllocIrqs(d, 1, 2);
      const high = m.irq.irqDomainAllocIrqs(d, 1, 100);
      expect(m.irq.irqFindMapping(d, 2)).toBe(low);
      expect(m.irq.irqFindMapping(d, 100)).toBe(high);
      expect(d.revmap[2]?.irq).toBe(low);
      expect(d.revmapTree.get(100)?.irq).toBe(high);
      expect(d.revmapTree.has(2)).toBe(false);
      expect([
        m.irq.irqFindMapping(d, 3),
        m.irq.irqFindMapping(d, 4),
        m.irq.irqFindMapping(d, 101),
      ]).toEqual([0, 0, 0]);
      m.irq.irqDomainFreeIrqs(high, 1);
      m.irq.irqDomainFreeIrqs(low, 1);
      expect([m.irq.irqFindMapping(d, 2), m.irq.irqFindMapping(d, 100)]).toEqual([0, 0]);
      expect(d.revmapTree.size).toBe(0);
    });

    it('should resolve the same level data through the trusted lookup (row 45)', () => {
      const m = setup();
      const d = hwirqDomain(m, 4);
      const low = m.irq.irqDomainAllocIrqs(d, 1, 1);
      const high = m.irq.irqDomainAllocIrqs(d, 1, 50);
      expect(m.irq.domains.resolve(d, 1)).toBe(m.irq.irqGetIrqData(low));
      expect(m.irq.domains.resolve(d, 50)).toBe(m.irq.irqGetIrqData(high));
      expect(m.irq.domains.resolve(d, 2)).toBeUndefined();
    });

    it('should not check hwirq_max on the hierarchical path (row 45)', () => {
      const m = setup();
      const d = hwirqDomain(m, 4);
      const virq = m.irq.irqDomainAllocIrqs(d, 1, 2 ** 40);
      expect(virq).toBeGreaterThan(0);
      expect(m.irq.irqFindMapping(d, 2 ** 40)).toBe(virq);
    });
  });

  describe('having a NO_MAP domain', () => {
    it('should return hwirq itself when virq hwirq has that hwirq in the domain, else 0 (row 45)', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateHierarchy({
        parent: null,
        flags: IRQ_DOMAIN_FLAG_NO_MAP,
        size: 0,
        name: 'nomap',
        ops: {
          alloc: (domain, virq, _n, arg): number =>
            m.irq.irqDomainSetHwirqAndChip(domain, virq, arg as number, recordingChip('both').chip),
          free: (domain, virq, n): void => {
            m.irq.irqDomainFreeIrqsTop(domain, virq, n);
          },
        },
      });
      const same = m.irq.irqDomainAllocIrqs(d, 1, 1);
      const other = m.irq.irqDomainAllocIrqs(d, 1, 7);
      expect([same, other]).toEqual([1, 2]);
      expect(m.irq.irqFindMapping(d, 1)).toBe(1);
      expect(m.irq.irqFindMapping(d, 7)).toBe(0);
      expect(m.irq.irqFindMapping(d, 2)).toBe(0);
      expect(d.revmapTree.size).toBe(0);
      expect(d.mapcount).toBe(2);
    });
  });

  describe('having a null domain', () => {
    it('should use the default host, or return 0 without one (row 45)', () => {
      const m = setup();
      const d = hwirqDomain(m, 0);
      const virq = m.irq.irqDomainAllocIrqs(d, 1, 9);
      expect(m.irq.irqFindMapping(null, 9)).toBe(0);
      m.irq.irqSetDefaultHost(d);
      expect(m.irq.domains.irqGetDefaultHost()).toBe(d);
      expect(m.irq.irqFindMapping(null, 9)).toBe(virq);
      m.irq.irqSetDefaultHost(null);
      expect(m.irq.irqFindMapping(null, 9)).toBe(0);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad domain or hwirq naming it', () => {
      const m = setup();
      const other = setup();
      const d = hwirqDomain(m, 4);
      expectRejected(
        m,
        () => m.irq.irqFindMapping(d, NaN),
        TypeError,
        /irqFindMapping: hwirq is NaN/,
      );
      expectRejected(
        m,
        () => m.irq.irqFindMapping(d, -1),
        RangeError,
        /irqFindMapping: hwirq is -1/,
      );
      expectRejected(
        m,
        () => m.irq.irqFindMapping(undefined as never, 1),
        TypeError,
        /irqFindMapping: domain is undefined/,
      );
      expectRejected(
        m,
        () => m.irq.irqFindMapping(other.ipiDomain, 0),
        TypeError,
        /irqFindMapping: domain .*another machine/,
      );
    });
  });
});

describe(IrqDomainRegistry.prototype.irqDomainGetIrqData, () => {
  describe('having a virq mapped in another domain', () => {
    it('should return the level of that domain, or null', () => {
      const m = setup();
      const a = createPlainDomain(m, { name: 'a' });
      const b = createPlainDomain(m, { name: 'b' });
      const virq = m.irq.irqDomainAllocIrqs(a, 1, null);
      expect(m.irq.irqDomainGetIrqData(a, virq)).toBe(m.irq.irqGetIrqData(virq));
      expect(m.irq.irqDomainGetIrqData(b, virq)).toBeNull();
      expect(m.irq.irqDomainGetIrqData(a, 999)).toBeNull();
      expect(m.irq.irqDomainGetIrqData(a, -1)).toBeNull();
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad domain or virq naming it', () => {
      const m = setup();
      const a = createPlainDomain(m);
      expectRejected(
        m,
        () => m.irq.irqDomainGetIrqData(a, 0.5),
        TypeError,
        /irqDomainGetIrqData: virq is 0.5/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainGetIrqData(null as never, 1),
        TypeError,
        /irqDomainGetIrqData: domain is null/,
      );
    });
  });
});

describe(IrqDomainRegistry.prototype.irqDomainRemove, () => {
  describe('having a domain without mappings', () => {
    it('should unlink it and clear it as default host', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateTree('gone', {});
      m.irq.irqSetDefaultHost(d);
      m.irq.irqDomainRemove(d);
      expect(m.irq.domains.domains).not.toContain(d);
      expect(m.irq.domains.irqGetDefaultHost()).toBeNull();
      expect(m.irq.irqFindMatchingFwnode(d.fwnode, DOMAIN_BUS_ANY)).toBeNull();
    });
  });

  describe('having a domain with mappings', () => {
    it('should refuse with an error naming the mapcount and keep the domain', () => {
      const m = setup();
      const d = createPlainDomain(m, { name: 'busy' });
      m.irq.irqDomainAllocIrqs(d, 2, null);
      expect(() => {
        m.irq.irqDomainRemove(d);
      }).toThrow(/"busy" still has 2 mappings/);
      expect(m.irq.domains.domains).toContain(d);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad domain naming it', () => {
      const m = setup();
      const other = setup();
      expectRejected(
        m,
        () => {
          m.irq.irqDomainRemove(undefined as never);
        },
        TypeError,
        /irqDomainRemove: domain is undefined/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainRemove(other.ipiDomain as IrqDomain);
        },
        TypeError,
        /irqDomainRemove: domain .*another machine/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqSetDefaultHost(5 as never);
        },
        TypeError,
        /irqSetDefaultHost: domain is 5/,
      );
    });
  });
});
