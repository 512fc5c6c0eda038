import { describe, expect, it } from '@jest/globals';
import {
  Cpumask,
  Errno,
  IRQ_CHIP_DISCONNECTED,
  IRQ_NOREQUEST,
  type IrqData,
  type IrqDomain,
  IrqDomainHierarchy,
  type Machine,
  createMachine,
  noIrqChip,
} from '../../../lib/index.js';
import {
  type FreeCall,
  createIpiHierarchy,
  createPlainDomain,
  recordingChip,
} from '../../helpers/domains.js';
import { expectRejected, machineState } from '../../helpers/state.js';

function setup(nrIrqs?: number): Machine {
  return createMachine({ arch: 'test', nrCpus: 4, ...(nrIrqs === undefined ? {} : { nrIrqs }) });
}

/** What the alloc op of one level does to its own level. */
type LevelAction = 'set' | 'unset' | 'disconnect' | 'null-chip';

interface Chain {
  /** Outermost first. */
  readonly domains: IrqDomain[];
  readonly frees: FreeCall[];
}

/**
 * A hierarchy of `actions.length` levels (outermost first). Each level's alloc first calls its
 * parent's alloc, then does its action on its own level: `set` gives hwirq 10 * level + i and a
 * chip, `unset` leaves the level as built, `disconnect` marks it with the trim marker, `null-chip`
 * sets it with a null chip (→ no_irq_chip).
 */
function chain(m: Machine, actions: readonly LevelAction[]): Chain {
  const frees: FreeCall[] = [];
  const domains: IrqDomain[] = [];
  let parent: IrqDomain | null = null;
  for (let level = actions.length - 1; level >= 0; level--) {
    const action = actions[level];
    const chip = recordingChip('both', `chip-L${level}`).chip;
    const d: IrqDomain = m.irq.irqDomainCreateHierarchy({
      parent,
      flags: 0,
      size: 0,
      name: `L${level}`,
      ops: {
        alloc: (domain, virq, nrIrqs, arg): number => {
          if (domain.parent !== null) {
            const ret = m.irq.irqDomainAllocIrqsParent(domain, virq, nrIrqs, arg);
            if (ret < 0) return ret;
          }
          for (let i = 0; i < nrIrqs; i++) {
            if (action === 'set')
              m.irq.irqDomainSetHwirqAndChip(domain, virq + i, 10 * level + i, chip);
            if (action === 'null-chip')
              m.irq.irqDomainSetHwirqAndChip(domain, virq + i, 10 * level + i, null);
            if (action === 'disconnect') m.irq.irqDomainDisconnectHierarchy(domain, virq + i);
          }
          return 0;
        },
        free: (domain, virq, nrIrqs): void => {
          frees.push({ domain, virq, nrIrqs });
          if (domain.parent === null) m.irq.irqDomainFreeIrqsCommon(domain, virq, nrIrqs);
          else m.irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
        },
      },
    });
    domains.unshift(d);
    parent = d;
  }
  return { domains, frees };
}

function levelsOf(m: Machine, virq: number): IrqData[] {
  const out: IrqData[] = [];
  for (let d = m.irq.irqGetIrqData(virq); d !== null; d = d.parentData) out.push(d);
  return out;
}

describe(IrqDomainHierarchy.prototype.irqDomainAllocDescs, () => {
  describe('having a specific virq', () => {
    it('should allocate exactly there or return -EEXIST', () => {
      const m = setup(16);
      expect(m.irq.irqDomainAllocDescs(5, 2, 0)).toBe(5);
      expect(m.irq.irqDomainAllocDescs(6, 1, 0)).toBe(-Errno.EEXIST);
      expect(m.irq.irqDomainAllocDescs(0, 1, 0)).toBe(0);
    });
  });

  describe('having no virq (-1)', () => {
    it('should search from hwirq % nr_irqs, never from 0, and retry from 1 (row 14)', () => {
      const m = setup(16);
      expect(m.irq.irqDomainAllocDescs(-1, 2, 13)).toBe(13);
      // From 13 only 15 is free: retry from 1.
      expect(m.irq.irqDomainAllocDescs(-1, 2, 13)).toBe(1);
      // hwirq 16 % 16 = 0: the hint becomes 1.
      expect(m.irq.irqDomainAllocDescs(-1, 1, 16)).toBe(3);
      expect(m.irq.irqDomainAllocDescs(-1, 1, 0)).toBe(4);
      expect(m.irq.irqToDesc(0)).toBeNull();
    });

    it('should return -ENOMEM when nothing fits from 1 (row 9)', () => {
      const m = setup(4);
      expect(m.irq.irqDomainAllocDescs(-1, 3, 0)).toBe(1);
      expect(m.irq.irqDomainAllocDescs(-1, 1, 2)).toBe(-Errno.ENOMEM);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad virq, cnt or hwirq naming it', () => {
      const m = setup();
      expectRejected(
        m,
        () => m.irq.irqDomainAllocDescs(NaN, 1, 0),
        TypeError,
        /irqDomainAllocDescs: virq is NaN/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainAllocDescs(-1, -1, 0),
        RangeError,
        /irqDomainAllocDescs: cnt is -1/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainAllocDescs(-1, 1, null as never),
        TypeError,
        /irqDomainAllocDescs: hwirq is null/,
      );
    });
  });
});

describe(IrqDomainHierarchy.prototype.__irqDomainAllocIrqs, () => {
  describe('having a three-level hierarchy that sets every level', () => {
    it('should build one level per ancestor sharing the common data, map each level and clear NOREQUEST', () => {
      const m = setup();
      const { domains } = chain(m, ['set', 'set', 'set']);
      const virq = m.irq.irqDomainAllocIrqs(domains[0], 2, null);
      expect(virq).toBe(1);
      for (let i = 0; i < 2; i++) {
        const levels = levelsOf(m, virq + i);
        expect(levels.map((l) => l.domain)).toEqual(domains);
        expect(levels.map((l) => l.hwirq)).toEqual([i, 10 + i, 20 + i]);
        expect(levels.map((l) => l.irq)).toEqual([virq + i, virq + i, virq + i]);
        for (const l of levels) expect(l.common).toBe(levels[0].common);
        domains.forEach((d, level) => {
          expect(m.irq.irqFindMapping(d, 10 * level + i)).toBe(virq + i);
        });
        expect(levels[0].common.statusFlags & IRQ_NOREQUEST).toBe(0);
      }
      expect(domains.map((d) => d.mapcount)).toEqual([2, 2, 2]);
    });
  });

  describe('having a parent level whose chip is left unset', () => {
    it('should fail the trim check with -EINVAL and undo everything (row 44)', () => {
      const m = setup();
      const { domains, frees } = chain(m, ['set', 'unset']);
      const before = machineState(m);
      expect(m.irq.irqDomainAllocIrqs(domains[0], 3, null)).toBe(-Errno.EINVAL);
      expect(machineState(m)).toEqual(before);
      expect(frees).toHaveLength(0);
    });

    it('should fail through irqReserveIpi with -EBUSY on the MIPS-GIC shape (row 44)', () => {
      const m = setup();
      const h = createIpiHierarchy(m, { mode: 'single', parentSetsChip: false });
      expect(m.ipi.irqReserveIpi(h.child, Cpumask.of(4, [0, 1]))).toBe(-Errno.EBUSY);
      expect([m.irq.descs.allocatedCount, h.child.mapcount, h.parent.mapcount]).toEqual([0, 0, 0]);
    });
  });

  describe('having a parent level set with a null chip', () => {
    it('should accept it, since a null chip means no_irq_chip', () => {
      const m = setup();
      const { domains } = chain(m, ['set', 'null-chip']);
      const virq = m.irq.irqDomainAllocIrqs(domains[0], 1, null);
      expect(virq).toBe(1);
      expect(levelsOf(m, virq)[1].chip).toBe(noIrqChip);
    });
  });

  describe('having a disconnect marker in the middle', () => {
    it('should cut the chain there, free the deeper levels and map only the kept ones', () => {
      const logs: string[] = [];
      const m = createMachine({
        arch: 'test',
        nrCpus: 4,
        logger: { log: (_l, msg) => logs.push(msg) },
      });
      const { domains } = chain(m, ['set', 'disconnect', 'unset']);
      const virq = m.irq.irqDomainAllocIrqs(domains[0], 1, null);
      expect(virq).toBe(1);
      expect(levelsOf(m, virq).map((l) => l.domain)).toEqual([domains[0]]);
      expect(domains.map((d) => d.mapcount)).toEqual([1, 0, 0]);
      expect(logs).toContain('irq: IRQ1: trimming hierarchy from L1');
    });

    it('should reject a real chip below the marker with -EINVAL', () => {
      const m = setup();
      const { domains } = chain(m, ['set', 'disconnect', 'set']);
      expect(m.irq.irqDomainAllocIrqs(domains[0], 1, null)).toBe(-Errno.EINVAL);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });

    it('should reject a second marker below the first, as any non-null chip after a marker', () => {
      const m = setup();
      const { domains } = chain(m, ['set', 'disconnect', 'disconnect']);
      expect(m.irq.irqDomainAllocIrqs(domains[0], 1, null)).toBe(-Errno.EINVAL);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });

    it('should reject a marker on the outermost level with -EINVAL', () => {
      const m = setup();
      const { domains } = chain(m, ['disconnect']);
      expect(m.irq.irqDomainAllocIrqs(domains[0], 1, null)).toBe(-Errno.EINVAL);
    });
  });

  describe('having an alloc op that fails', () => {
    it('should return its error and free the descriptors', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateTree('fail', { alloc: () => -Errno.ENOSPC });
      expect(m.irq.irqDomainAllocIrqs(d, 2, null)).toBe(-Errno.ENOSPC);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });

    it('should throw a TypeError naming the domain when alloc returns a non-integer', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateTree('bad-ret', { alloc: () => undefined as never });
      expect(() => m.irq.irqDomainAllocIrqs(d, 1, null)).toThrow(
        /"bad-ret" ops\.alloc returned undefined/,
      );
    });
  });

  describe('having no alloc op', () => {
    it('should return -ENOSYS and free the descriptors', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateTree('noalloc', {});
      expect(m.irq.irqDomainAllocIrqs(d, 1, null)).toBe(-Errno.ENOSYS);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });
  });

  describe('having a null domain', () => {
    it('should WARN and return -EINVAL without a default host', () => {
      const m = setup();
      expect(m.irq.irqDomainAllocIrqs(null, 1, null)).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => [w.kind, w.message])).toEqual([
        ['WARN', 'WARNING: at irq_domain_alloc_irqs: domain is NULL; cannot allocate IRQ'],
      ]);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });

    it('should use the default host when there is one', () => {
      const m = setup();
      const d = createPlainDomain(m);
      m.irq.irqSetDefaultHost(d);
      const virq = m.irq.irqDomainAllocIrqs(null, 1, null);
      expect(m.irq.irqGetIrqData(virq)?.domain).toBe(d);
    });
  });

  describe('having a specific base', () => {
    it('should allocate there without realloc, and fail with -EEXIST when taken', () => {
      const m = setup();
      const d = createPlainDomain(m);
      expect(m.irq.__irqDomainAllocIrqs(d, 7, 2, null, false)).toBe(7);
      expect(m.irq.__irqDomainAllocIrqs(d, 8, 1, null, false)).toBe(-Errno.EEXIST);
      expect(m.irq.descs.allocatedCount).toBe(2);
    });

    it('should reuse existing descriptors with realloc', () => {
      const m = setup();
      const d = createPlainDomain(m);
      const base = m.irq.irqAllocDescs(-1, 3, 2);
      expect(m.irq.__irqDomainAllocIrqs(d, base, 2, null, true)).toBe(base);
      expect(m.irq.descs.allocatedCount).toBe(2);
      expect(d.mapcount).toBe(2);
    });

    it('should throw before changing anything when realloc finds no descriptor', () => {
      const m = setup();
      const d = createPlainDomain(m);
      m.irq.irqAllocDescs(3, 3, 1);
      const before = machineState(m);
      expect(() => m.irq.__irqDomainAllocIrqs(d, 3, 2, null, true)).toThrow(
        /realloc of virq 4, which has no descriptor/,
      );
      expect(machineState(m)).toEqual(before);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad domain, irqBase, nrIrqs or realloc naming it', () => {
      const m = setup();
      const other = setup();
      const d = createPlainDomain(m);
      expectRejected(
        m,
        () => m.irq.__irqDomainAllocIrqs(d, 1.5, 1, null, false),
        TypeError,
        /__irqDomainAllocIrqs: irqBase is 1.5/,
      );
      expectRejected(
        m,
        () => m.irq.__irqDomainAllocIrqs(d, -1, -1, null, false),
        RangeError,
        /__irqDomainAllocIrqs: nrIrqs is -1/,
      );
      expectRejected(
        m,
        () => m.irq.__irqDomainAllocIrqs(d, -1, 1, null, 'yes' as never),
        TypeError,
        /__irqDomainAllocIrqs: realloc is/,
      );
      expectRejected(
        m,
        () => m.irq.__irqDomainAllocIrqs(7 as never, -1, 1, null, false),
        TypeError,
        /__irqDomainAllocIrqs: domain is 7/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainAllocIrqs(other.ipiDomain, 1, null),
        TypeError,
        /domain .*another machine/,
      );
      expectRejected(m, () => m.irq.irqDomainAllocIrqs(d, NaN, null), TypeError, /nrIrqs is NaN/);
    });
  });
});

describe(IrqDomainHierarchy.prototype.irqDomainAllocIrqsParent, () => {
  describe('having a domain without a parent', () => {
    it('should return -ENOSYS (row 42)', () => {
      const m = setup();
      const root = createPlainDomain(m);
      expect(m.irq.irqDomainAllocIrqsParent(root, 1, 1, null)).toBe(-Errno.ENOSYS);
    });
  });

  describe('having a parent without an alloc op', () => {
    it('should return -ENOSYS (row 42)', () => {
      const m = setup();
      const parent = m.irq.irqDomainCreateTree('noalloc', {});
      let inner = 0;
      const child = m.irq.irqDomainCreateHierarchy({
        parent,
        flags: 0,
        size: 0,
        name: 'child',
        ops: {
          alloc: (domain, virq, n, arg): number =>
            (inner = m.irq.irqDomainAllocIrqsParent(domain, virq, n, arg)),
        },
      });
      expect(m.irq.irqDomainAllocIrqs(child, 1, null)).toBe(-Errno.ENOSYS);
      expect(inner).toBe(-Errno.ENOSYS);
    });
  });

  describe('having a parent with an alloc op', () => {
    it("should return the parent op's result and pass the arguments through", () => {
      const m = setup();
      const h = createIpiHierarchy(m, { mode: 'percpu' });
      const dest = Cpumask.of(4, [1, 2]);
      expect(m.ipi.irqReserveIpi(h.child, dest)).toBe(1);
      expect(h.parentAllocCalls).toEqual([{ domain: h.parent, virq: 1, nrIrqs: 2, arg: dest }]);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad domain, irqBase or nrIrqs naming it', () => {
      const m = setup();
      const d = createPlainDomain(m);
      expectRejected(
        m,
        () => m.irq.irqDomainAllocIrqsParent(null as never, 1, 1, null),
        TypeError,
        /irqDomainAllocIrqsParent: domain is null/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainAllocIrqsParent(d, NaN, 1, null),
        TypeError,
        /irqDomainAllocIrqsParent: irqBase is NaN/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainAllocIrqsParent(d, 1, 0.5, null),
        TypeError,
        /irqDomainAllocIrqsParent: nrIrqs is 0.5/,
      );
    });
  });
});

describe(IrqDomainHierarchy.prototype.irqDomainSetHwirqAndChip, () => {
  describe('having a virq without a level in the domain', () => {
    it('should return -ENOENT and change nothing (row 43)', () => {
      const m = setup();
      const a = createPlainDomain(m, { name: 'a' });
      const b = createPlainDomain(m, { name: 'b' });
      const virq = m.irq.irqDomainAllocIrqs(a, 1, null);
      const before = machineState(m);
      expect(m.irq.irqDomainSetHwirqAndChip(b, virq, 5, recordingChip('both').chip)).toBe(
        -Errno.ENOENT,
      );
      expect(m.irq.irqDomainSetHwirqAndChip(a, 999, 5, null)).toBe(-Errno.ENOENT);
      expect(machineState(m)).toEqual(before);
    });
  });

  describe('having a level in the domain', () => {
    it('should set hwirq, chip (null → no_irq_chip) and chip data', () => {
      const m = setup();
      const a = createPlainDomain(m);
      const virq = m.irq.irqDomainAllocIrqs(a, 1, null);
      expect(m.irq.irqDomainSetHwirqAndChip(a, virq, 77, null, 'cd')).toBe(0);
      const data = m.irq.irqGetIrqData(virq);
      expect([data?.hwirq, data?.chip, data?.chipData]).toEqual([77, noIrqChip, 'cd']);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad domain, virq, hwirq or chip naming it', () => {
      const m = setup();
      const other = setup();
      const a = createPlainDomain(m);
      const virq = m.irq.irqDomainAllocIrqs(a, 1, null);
      const chip = recordingChip('both').chip;
      expectRejected(
        m,
        () => m.irq.irqDomainSetHwirqAndChip(a, virq, NaN, chip),
        TypeError,
        /irqDomainSetHwirqAndChip: hwirq is NaN/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainSetHwirqAndChip(a, virq, -1, chip),
        RangeError,
        /irqDomainSetHwirqAndChip: hwirq is -1/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainSetHwirqAndChip(a, null as never, 0, chip),
        TypeError,
        /irqDomainSetHwirqAndChip: virq is null/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainSetHwirqAndChip(null as never, virq, 0, chip),
        TypeError,
        /irqDomainSetHwirqAndChip: domain is null/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainSetHwirqAndChip(other.ipiDomain as IrqDomain, virq, 0, chip),
        TypeError,
        /irqDomainSetHwirqAndChip: domain .*another machine/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainSetHwirqAndChip(a, virq, 0, 'chip' as never),
        TypeError,
        /irqDomainSetHwirqAndChip: chip is/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainSetHwirqAndChip(a, virq, 0, undefined as never),
        TypeError,
        /irqDomainSetHwirqAndChip: chip is/,
      );
    });
  });
});

describe(IrqDomainHierarchy.prototype.irqDomainSetInfo, () => {
  describe('having a level in the domain', () => {
    it('should set hwirq and chip of the level and the flow handler, name and handler data of the virq', () => {
      const m = setup();
      const a = createPlainDomain(m);
      const virq = m.irq.irqDomainAllocIrqs(a, 1, null);
      const chip = recordingChip('single').chip;
      const handler = (): void => undefined;
      m.irq.irqDomainSetInfo(a, virq, 3, chip, 'cd', handler, 'hd', 'edge');
      const desc = m.irq.irqToDesc(virq);
      expect([desc?.irqData.hwirq, desc?.irqData.chip, desc?.irqData.chipData]).toEqual([
        3,
        chip,
        'cd',
      ]);
      expect([desc?.handleIrq, desc?.name, desc?.irqCommonData.handlerData]).toEqual([
        handler,
        'edge',
        'hd',
      ]);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad handler or name before changing anything', () => {
      const m = setup();
      const a = createPlainDomain(m);
      const virq = m.irq.irqDomainAllocIrqs(a, 1, null);
      const chip = recordingChip('both').chip;
      expectRejected(
        m,
        () => {
          m.irq.irqDomainSetInfo(a, virq, 3, chip, null, 5 as never, null, null);
        },
        TypeError,
        /irqDomainSetInfo: handler is 5/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainSetInfo(a, virq, 3, chip, null, null, null, 9 as never);
        },
        TypeError,
        /irqDomainSetInfo: handlerName is 9/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainSetInfo(a, virq, NaN, chip, null, null, null, null);
        },
        TypeError,
        /irqDomainSetInfo: hwirq is NaN/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainSetInfo(a, NaN, 1, chip, null, null, null, null);
        },
        TypeError,
        /irqDomainSetInfo: virq is NaN/,
      );
    });
  });
});

describe(IrqDomainHierarchy.prototype.irqDomainResetIrqData, () => {
  describe('having a set-up level', () => {
    it('should reset hwirq to 0, chip to no_irq_chip and chip data', () => {
      const m = setup();
      const a = createPlainDomain(m, { hwirqBase: 40 });
      const virq = m.irq.irqDomainAllocIrqs(a, 1, null);
      const data = m.irq.irqGetIrqData(virq) as IrqData;
      m.irq.irqDomainResetIrqData(data);
      expect([data.hwirq, data.chip, data.chipData]).toEqual([0, noIrqChip, undefined]);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject something that is not an IrqData, naming data', () => {
      const m = setup();
      for (const bad of [null, undefined, {}]) {
        expectRejected(
          m,
          () => {
            m.irq.irqDomainResetIrqData(bad as never);
          },
          TypeError,
          /irqDomainResetIrqData: data is/,
        );
      }
    });
  });
});

describe(IrqDomainHierarchy.prototype.irqDomainFreeIrqs, () => {
  describe('having a mapped hierarchy', () => {
    it('should unmap every level, call the outermost free op once per virq and free the descriptors', () => {
      const m = setup();
      const { domains, frees } = chain(m, ['set', 'set']);
      const virq = m.irq.irqDomainAllocIrqs(domains[0], 3, null);
      const desc = m.irq.irqToDesc(virq);
      m.irq.irqDomainFreeIrqs(virq, 3);
      expect(frees.map((f) => [f.domain.name, f.virq, f.nrIrqs])).toEqual([
        ['L0', 1, 1],
        ['L1', 1, 1],
        ['L0', 2, 1],
        ['L1', 2, 1],
        ['L0', 3, 1],
        ['L1', 3, 1],
      ]);
      expect(domains.map((d) => d.mapcount)).toEqual([0, 0]);
      expect(m.irq.descs.allocatedCount).toBe(0);
      expect(m.irq.irqFindMapping(domains[1], 10)).toBe(0);
      // The stale descriptor was marked unrequestable and detached before the free op ran.
      expect(desc!.irqCommonData.statusFlags & IRQ_NOREQUEST).toBe(IRQ_NOREQUEST);
      expect(desc?.irqData.domain).toBeNull();
      expect(desc?.irqData.parentData).toBeNull();
    });
  });

  describe('having a virq without descriptor, domain or free op', () => {
    it('should WARN "NULL pointer, cannot free irq" every time and free nothing', () => {
      const m = setup();
      const bare = m.irq.irqAllocDescs(-1, 1, 1);
      const nofree = m.irq.irqDomainCreateTree('nofree', {
        alloc: (d, virq): number =>
          m.irq.irqDomainSetHwirqAndChip(d, virq, 0, recordingChip('both').chip),
      });
      const mapped = m.irq.irqDomainAllocIrqs(nofree, 1, null);
      m.irq.irqDomainFreeIrqs(999, 1);
      m.irq.irqDomainFreeIrqs(bare, 1);
      m.irq.irqDomainFreeIrqs(mapped, 1);
      m.irq.irqDomainFreeIrqs(-5, 1);
      expect(m.warnings.map((w) => w.message)).toEqual(
        Array.from(
          { length: 4 },
          () => 'WARNING: at irq_domain_free_irqs: NULL pointer, cannot free irq',
        ),
      );
      expect(m.irq.descs.allocatedCount).toBe(2);
      expect(nofree.mapcount).toBe(1);
    });
  });

  describe('having a range whose later virq has no descriptor', () => {
    it('should throw (the kernel oopses) before changing anything', () => {
      const m = setup();
      const d = createPlainDomain(m);
      const virq = m.irq.irqDomainAllocIrqs(d, 1, null);
      const before = machineState(m);
      expect(() => {
        m.irq.irqDomainFreeIrqs(virq, 2);
      }).toThrow(/virq 2 in \[1, 3\) has no descriptor/);
      expect(machineState(m)).toEqual(before);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad virq or nrIrqs naming it', () => {
      const m = setup();
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqs(NaN, 1);
        },
        TypeError,
        /irqDomainFreeIrqs: virq is NaN/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqs(1, -1);
        },
        RangeError,
        /irqDomainFreeIrqs: nrIrqs is -1/,
      );
    });
  });
});

describe(IrqDomainHierarchy.prototype.irqDomainFreeIrqsTop, () => {
  describe('having a virq with a handler', () => {
    it('should clear the handler and handler data, reset the level and free the parent level', () => {
      const m = setup();
      const h = createIpiHierarchy(m, { mode: 'single' });
      const virq = m.ipi.irqReserveIpi(h.child, Cpumask.of(4, [0]));
      m.irq.settings.irqSetHandler(virq, () => undefined, 'edge');
      m.irq.settings.irqSetHandlerData(virq, 'hd');
      m.irq.irqDomainFreeIrqsTop(h.child, virq, 1);
      const desc = m.irq.irqToDesc(virq);
      expect([desc?.handleIrq, desc?.name, desc?.irqCommonData.handlerData]).toEqual([
        null,
        null,
        undefined,
      ]);
      const levels = levelsOf(m, virq);
      expect(levels.map((l) => [l.hwirq, l.chip])).toEqual([
        [0, noIrqChip],
        [0, noIrqChip],
      ]);
      expect(h.parentFreeCalls.map((c) => [c.virq, c.nrIrqs])).toEqual([[virq, 1]]);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad domain, virq or nrIrqs before changing anything', () => {
      const m = setup();
      const other = setup();
      const d = createPlainDomain(m);
      const virq = m.irq.irqDomainAllocIrqs(d, 1, null);
      m.irq.settings.irqSetHandlerData(virq, 'keep');
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqsTop(other.ipiDomain as IrqDomain, virq, 1);
        },
        TypeError,
        /irqDomainFreeIrqsTop: domain/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqsTop(d, NaN, 1);
        },
        TypeError,
        /irqDomainFreeIrqsTop: virq is NaN/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqsTop(d, virq, 1.5);
        },
        TypeError,
        /irqDomainFreeIrqsTop: nrIrqs is 1.5/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqsCommon(d, virq, -1);
        },
        RangeError,
        /irqDomainFreeIrqsCommon: nrIrqs is -1/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqsCommon(null as never, virq, 0);
        },
        TypeError,
        /irqDomainFreeIrqsCommon: domain is null/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqsParent(d, NaN, 1);
        },
        TypeError,
        /irqDomainFreeIrqsParent: irqBase is NaN/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqsParent(d, 1, 0.5);
        },
        TypeError,
        /irqDomainFreeIrqsParent: nrIrqs is 0.5/,
      );
      expectRejected(
        m,
        () => {
          m.irq.irqDomainFreeIrqsParent(undefined as never, 1, 1);
        },
        TypeError,
        /irqDomainFreeIrqsParent: domain is undefined/,
      );
    });
  });
});

describe(IrqDomainHierarchy.prototype.irqDomainFreeIrqsParent, () => {
  describe('having a parent without a free op', () => {
    it('should call nothing and leave the parent level as it is', () => {
      const m = setup();
      const parentChip = recordingChip('both', 'p').chip;
      const parent = m.irq.irqDomainCreateTree('p', {
        alloc: (d, virq): number => m.irq.irqDomainSetHwirqAndChip(d, virq, 5, parentChip),
      });
      const child = m.irq.irqDomainCreateHierarchy({
        parent,
        flags: 0,
        size: 0,
        name: 'c',
        ops: {
          alloc: (d, virq, n, arg): number => {
            m.irq.irqDomainAllocIrqsParent(d, virq, n, arg);
            return m.irq.irqDomainSetHwirqAndChip(d, virq, 1, recordingChip('both').chip);
          },
        },
      });
      const virq = m.irq.irqDomainAllocIrqs(child, 1, null);
      m.irq.irqDomainFreeIrqsParent(child, virq, 1);
      expect(m.irq.irqDomainGetIrqData(parent, virq)?.chip).toBe(parentChip);
    });
  });

  describe('having a root domain', () => {
    it('should do nothing', () => {
      const m = setup();
      const d = createPlainDomain(m);
      const virq = m.irq.irqDomainAllocIrqs(d, 1, null);
      const before = machineState(m);
      m.irq.irqDomainFreeIrqsParent(d, virq, 1);
      expect(machineState(m)).toEqual(before);
    });
  });
});

describe(IrqDomainHierarchy.prototype.irqDomainDisconnectHierarchy, () => {
  describe('having no level for the domain', () => {
    it('should return -EINVAL', () => {
      const m = setup();
      const d = createPlainDomain(m);
      expect(m.irq.irqDomainDisconnectHierarchy(d, 5)).toBe(-Errno.EINVAL);
    });
  });

  describe('having a level', () => {
    it('should set the trim marker as its chip and return 0', () => {
      const m = setup();
      const d = createPlainDomain(m);
      const virq = m.irq.irqDomainAllocIrqs(d, 1, null);
      expect(m.irq.irqDomainDisconnectHierarchy(d, virq)).toBe(0);
      expect(m.irq.irqGetIrqData(virq)?.chip).toBe(IRQ_CHIP_DISCONNECTED);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad domain or virq naming it', () => {
      const m = setup();
      const d = createPlainDomain(m);
      expectRejected(
        m,
        () => m.irq.irqDomainDisconnectHierarchy(d, NaN),
        TypeError,
        /irqDomainDisconnectHierarchy: virq is NaN/,
      );
      expectRejected(
        m,
        () => m.irq.irqDomainDisconnectHierarchy(1 as never, 1),
        TypeError,
        /irqDomainDisconnectHierarchy: domain is 1/,
      );
    });
  });
});
