import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { TestArch } from '../../../arch/test/index.js';
import {
  Cpumask,
  Errno,
  INVALID_HWIRQ,
  IRQ_NOREQUEST,
  IRQ_NO_BALANCING,
  Ipi,
  type IrqData,
  type IrqDesc,
  type Machine,
  type MachineOptions,
  createMachine,
} from '../../../lib/index.js';
import {
  type IpiDomainFixture,
  createIpiDomain,
  createIpiHierarchy,
  createPlainDomain,
  recordingChip,
} from '../../helpers/domains.js';
import { expectRejected, machineState } from '../../helpers/state.js';

const NR = 8;

function setup(options: Partial<MachineOptions> = {}): Machine {
  return createMachine({ arch: 'test', nrCpus: NR, ...options });
}

function cpus(list: readonly number[], nr = NR): Cpumask {
  return Cpumask.of(nr, list);
}

function desc(m: Machine, irq: number): IrqDesc {
  const d = m.irq.irqToDesc(irq);
  if (d === null) throw new Error(`virq ${irq} has no descriptor`);
  return d;
}

function warningTexts(m: Machine, from = 0): string[] {
  return m.warnings.slice(from).map((w) => w.message);
}

/** Reserves and asserts success. */
function reserve(m: Machine, fixture: IpiDomainFixture, list: readonly number[]): number {
  const virq = m.ipi.irqReserveIpi(fixture.domain, cpus(list));
  expect(virq).toBeGreaterThan(0);
  return virq;
}

describe(Ipi.prototype.irqReserveIpi, () => {
  describe('having a null domain', () => {
    it('should return -EINVAL with "Reservation on a non IPI domain" before looking at dest (row 1)', () => {
      const m = setup();
      // An empty dest would fail step 3; the null domain must win.
      expect(m.ipi.irqReserveIpi(null, new Cpumask(NR))).toBe(-Errno.EINVAL);
      expect(warningTexts(m)).toEqual(['genirq/ipi: Reservation on a non IPI domain']);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });
  });

  describe('having a domain without IPI flags', () => {
    it('should return -EINVAL without calling its alloc op (row 2)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'none' });
      expect(m.ipi.irqReserveIpi(f.domain, cpus([0, 1]))).toBe(-Errno.EINVAL);
      expect(warningTexts(m)).toEqual(['genirq/ipi: Reservation on a non IPI domain']);
      expect(f.allocCalls).toHaveLength(0);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });

    it('should return -EINVAL for a plain linear domain (row 2)', () => {
      const m = setup();
      const d = m.irq.irqDomainCreateLinear('linear', 4, {});
      expect(m.ipi.irqReserveIpi(d, cpus([0]))).toBe(-Errno.EINVAL);
      expect(warningTexts(m)).toEqual(['genirq/ipi: Reservation on a non IPI domain']);
    });
  });

  describe('having CPUs that are possible but offline', () => {
    it('should reserve them, since only the possible mask is checked (row 3)', () => {
      const m = setup({ onlineCpus: [0] });
      const f = createIpiDomain(m, { mode: 'percpu' });
      const virq = m.ipi.irqReserveIpi(f.domain, cpus([4, 5, 6, 7]));
      expect(virq).toBe(1);
      expect(m.irq.descs.allocatedCount).toBe(4);
      expect(m.warnings).toHaveLength(0);
    });
  });

  describe('having a destination with a CPU beyond the possible mask', () => {
    it('should return -EINVAL with "Reservation is not in possible_cpu_mask" (row 3)', () => {
      // nr_cpu_ids = 6: possible is {0-5}. A mask carrying bit 6 (as a mask sized for a larger
      // NR_CPUS would) is not a subset of it. Well-formed masks cannot hold such a bit, so the
      // word is written directly.
      const m = createMachine({ arch: 'test', nrCpus: 6 });
      const f = createIpiDomain(m, { mode: 'single' });
      const dest = new Cpumask(6);
      dest.words[0] = (1 << 6) | 1;
      expect(m.ipi.irqReserveIpi(f.domain, dest)).toBe(-Errno.EINVAL);
      expect(warningTexts(m)).toEqual(['genirq/ipi: Reservation is not in possible_cpu_mask']);
      expect(f.allocCalls).toHaveLength(0);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });
  });

  describe('having an empty destination', () => {
    it.each(['single', 'percpu'] as const)(
      'should return -EINVAL with "Reservation for empty destination mask" on a %s domain (row 4)',
      (mode) => {
        const m = setup();
        const f = createIpiDomain(m, { mode });
        expect(m.ipi.irqReserveIpi(f.domain, new Cpumask(NR))).toBe(-Errno.EINVAL);
        expect(warningTexts(m)).toEqual(['genirq/ipi: Reservation for empty destination mask']);
        expect(f.allocCalls).toHaveLength(0);
        expect(m.irq.descs.allocatedCount).toBe(0);
      },
    );
  });

  describe('having a single-IPI domain and a destination with holes', () => {
    it('should allocate exactly one virq with ipi_offset 0 (row 5)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const virq = m.ipi.irqReserveIpi(f.domain, cpus([1, 3, 6]));
      expect(virq).toBe(1);
      expect(m.irq.descs.allocatedCount).toBe(1);
      expect(f.allocCalls.map((c) => c.nrIrqs)).toEqual([1]);
      expect(desc(m, virq).irqCommonData.ipiOffset).toBe(0);
      expect(desc(m, virq).irqCommonData.affinity.toString()).toBe('1,3,6');
      expect(m.warnings).toHaveLength(0);
    });
  });

  describe('having a per-CPU domain and a contiguous destination', () => {
    it('should allocate one consecutive virq per CPU with ipi_offset = first CPU (row 6)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const base = m.ipi.irqReserveIpi(f.domain, cpus([1, 2, 3]));
      expect(base).toBe(1);
      expect([...m.irq.descs.allocatedIrqs()]).toEqual([1, 2, 3]);
      expect(f.allocCalls.map((c) => [c.virq, c.nrIrqs])).toEqual([[1, 3]]);
      for (const cpu of [1, 2, 3]) {
        const data = desc(m, base + cpu - 1).irqData;
        expect(data.common.ipiOffset).toBe(1);
        // The test domain's alloc records the CPU it gave each virq.
        expect(data.chipData).toEqual({ cpu });
      }
    });

    it.each([[[0, 1, 2, 3]], [[1, 2]], [[3]], [[0, 1, 2, 3, 4, 5, 6, 7]]])(
      'should accept the contiguous mask %j (row 6)',
      (list) => {
        const m = setup();
        const f = createIpiDomain(m, { mode: 'percpu' });
        expect(m.ipi.irqReserveIpi(f.domain, cpus(list))).toBe(1);
        expect(m.irq.descs.allocatedCount).toBe(list.length);
      },
    );
  });

  describe('having a per-CPU domain and a destination with holes', () => {
    it.each([[[0, 2]], [[0, 1, 3]], [[1, 7]], [[0, 1, 2, 3, 4, 5, 7]]])(
      'should return -EINVAL with "Destination mask has holes" for %j (row 7)',
      (list) => {
        const m = setup();
        const f = createIpiDomain(m, { mode: 'percpu' });
        expect(m.ipi.irqReserveIpi(f.domain, cpus(list))).toBe(-Errno.EINVAL);
        expect(warningTexts(m)).toEqual(['genirq/ipi: Destination mask has holes']);
        expect(f.allocCalls).toHaveLength(0);
        expect(m.irq.descs.allocatedCount).toBe(0);
      },
    );
  });

  describe('having a domain with both IPI flags', () => {
    it('should treat it as SINGLE: one virq, offset 0, holes allowed (row 8)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'both' });
      const virq = m.ipi.irqReserveIpi(f.domain, cpus([2, 3, 5]));
      expect(virq).toBe(1);
      expect(m.irq.descs.allocatedCount).toBe(1);
      expect(f.allocCalls.map((c) => c.nrIrqs)).toEqual([1]);
      expect(desc(m, virq).irqCommonData.ipiOffset).toBe(0);
    });
  });

  describe('having no free descriptor range', () => {
    it('should return -ENOMEM with "failed to alloc descs" and not call the domain (row 9)', () => {
      // nr_irqs = 4: virqs 1..3 are available to the domain allocator.
      const m = setup({ nrIrqs: 4 });
      const f = createIpiDomain(m, { mode: 'percpu' });
      expect(m.ipi.irqReserveIpi(f.domain, cpus([0, 1, 2, 3]))).toBe(-Errno.ENOMEM);
      expect(warningTexts(m)).toEqual(["genirq/ipi: Can't reserve IPI, failed to alloc descs"]);
      expect(f.allocCalls).toHaveLength(0);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });

    it('should fail only when no run of the needed length is left (row 9)', () => {
      const m = setup({ nrIrqs: 4 });
      const f = createIpiDomain(m, { mode: 'percpu' });
      expect(m.ipi.irqReserveIpi(f.domain, cpus([0, 1]))).toBe(1);
      expect(m.ipi.irqReserveIpi(f.domain, cpus([2, 3]))).toBe(-Errno.ENOMEM);
      expect(m.ipi.irqReserveIpi(f.domain, cpus([2]))).toBe(3);
      expect(m.ipi.irqReserveIpi(f.domain, cpus([3]))).toBe(-Errno.ENOMEM);
      expect(m.irq.descs.allocatedCount).toBe(3);
    });
  });

  describe('having a domain whose alloc op fails', () => {
    it.each([-Errno.ENOMEM, -Errno.EBUSY, -Errno.ENOSYS, -Errno.EINVAL, -Errno.ENOSPC])(
      'should hide the error %d behind -EBUSY and release the descriptors once (row 10)',
      (error) => {
        const m = setup();
        const good = createIpiDomain(m, { mode: 'single' });
        const bad = createIpiDomain(m, { mode: 'percpu', allocError: error });
        expect(reserve(m, good, [0])).toBe(1);
        expect(m.ipi.irqReserveIpi(bad.domain, cpus([0, 1, 2]))).toBe(-Errno.EBUSY);
        expect(bad.allocCalls.map((c) => [c.virq, c.nrIrqs])).toEqual([[2, 3]]);
        expect(warningTexts(m)).toEqual(["genirq/ipi: Can't reserve IPI, failed to alloc hw irqs"]);
        // Released exactly once: the earlier reservation is intact, the failed range is free.
        expect([...m.irq.descs.allocatedIrqs()]).toEqual([1]);
        expect(bad.domain.mapcount).toBe(0);
        expect(bad.freeCalls).toHaveLength(0);
        expect(reserve(m, good, [1])).toBe(2);
      },
    );
  });

  describe('having a domain without an alloc op', () => {
    it('should map the inner -ENOSYS to -EBUSY and free the descriptors (row 11)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single', noAlloc: true });
      expect(m.ipi.irqReserveIpi(f.domain, cpus([0, 1]))).toBe(-Errno.EBUSY);
      expect(warningTexts(m)).toEqual(["genirq/ipi: Can't reserve IPI, failed to alloc hw irqs"]);
      expect(m.irq.descs.allocatedCount).toBe(0);
    });
  });

  describe('having a domain alloc op', () => {
    it('should call it once with (domain, base, nr, the dest cpumask itself) (row 12)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const dest = cpus([2, 3, 4, 5]);
      const virq = m.ipi.irqReserveIpi(f.domain, dest);
      expect(f.allocCalls).toHaveLength(1);
      const call = f.allocCalls[0];
      expect(call.domain).toBe(f.domain);
      expect(call.virq).toBe(virq);
      expect(call.nrIrqs).toBe(4);
      expect(call.arg).toBe(dest);
    });
  });

  describe('having a successful reservation', () => {
    it('should give every per-CPU virq the full dest, ipi_offset = first(dest) and IRQ_NO_BALANCING (row 13)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const dest = cpus([3, 4, 5]);
      const base = m.ipi.irqReserveIpi(f.domain, dest);
      for (let i = 0; i < 3; i++) {
        const d = desc(m, base + i);
        expect(d.irqCommonData.affinity.equal(dest)).toBe(true);
        expect(d.irqCommonData.ipiOffset).toBe(3);
        expect(d.irqCommonData.statusFlags & IRQ_NO_BALANCING).toBe(IRQ_NO_BALANCING);
        expect(d.irqCommonData.statusFlags & IRQ_NOREQUEST).toBe(0);
      }
    });

    it('should give a single virq the full dest and ipi_offset 0 (row 13)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const base = m.ipi.irqReserveIpi(f.domain, cpus([5, 7]));
      const d = desc(m, base);
      expect(d.irqCommonData.affinity.toString()).toBe('5,7');
      expect(d.irqCommonData.ipiOffset).toBe(0);
      expect(d.irqCommonData.statusFlags & IRQ_NO_BALANCING).toBe(IRQ_NO_BALANCING);
    });

    it('should keep a copy of dest, unaffected by later changes to the caller mask (row 13)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const dest = cpus([1, 2]);
      const base = m.ipi.irqReserveIpi(f.domain, dest);
      dest.setCpu(6).clearCpu(1);
      expect(desc(m, base).irqCommonData.affinity.toString()).toBe('1-2');
      expect(m.ipi.ipiSendSingle(base, 6)).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendSingle(base, 1)).toBe(0);
    });
  });

  describe('having freed virqs below busy ones', () => {
    it('should place each reservation at the lowest free run starting at 1 (row 14)', () => {
      const m = setup();
      const pc = createIpiDomain(m, { mode: 'percpu' });
      const a = reserve(m, pc, [0, 1]); // 1-2
      const b = reserve(m, pc, [0]); // 3
      expect([a, b]).toEqual([1, 3]);
      expect(m.ipi.irqDestroyIpi(a, cpus([0, 1]))).toBe(0);
      expect(reserve(m, pc, [0, 1, 2])).toBe(4); // 1-2 is too short
      expect(reserve(m, pc, [4, 5])).toBe(1); // fits the hole exactly
      expect(reserve(m, pc, [7])).toBe(7);
      expect([...m.irq.descs.allocatedIrqs()]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it('should never hand out virq 0 (row 14)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      expect(m.irq.irqAllocDescs(-1, 5, 1)).toBe(5);
      expect(reserve(m, f, [0])).toBe(1);
      expect(m.irq.irqToDesc(0)).toBeNull();
    });
  });

  describe('having a two-level hierarchy', () => {
    it('should set hwirq and chip at both levels and map the virq in both domains', () => {
      const m = setup();
      const h = createIpiHierarchy(m, { mode: 'percpu', parentHwirqBase: 40, childHwirqBase: 0 });
      const dest = cpus([0, 1, 2]);
      const base = m.ipi.irqReserveIpi(h.child, dest);
      expect(base).toBe(1);
      expect(h.parentAllocCalls.map((c) => [c.domain, c.virq, c.nrIrqs, c.arg])).toEqual([
        [h.parent, 1, 3, dest],
      ]);
      for (let i = 0; i < 3; i++) {
        const top = desc(m, base + i).irqData;
        expect(top.domain).toBe(h.child);
        expect(top.chip).toBe(h.childChip.chip);
        expect(top.hwirq).toBe(i);
        const parent = top.parentData as IrqData;
        expect(parent.domain).toBe(h.parent);
        expect(parent.chip).toBe(h.parentChip.chip);
        expect(parent.hwirq).toBe(40 + i);
        expect(parent.common).toBe(top.common);
        expect(m.irq.irqFindMapping(h.parent, 40 + i)).toBe(base + i);
        expect(m.irq.irqFindMapping(h.child, i)).toBe(base + i);
      }
      expect([h.child.mapcount, h.parent.mapcount]).toEqual([3, 3]);
    });

    it('should free both levels through the child and parent free ops on destroy', () => {
      const m = setup();
      const h = createIpiHierarchy(m, { mode: 'percpu' });
      const base = m.ipi.irqReserveIpi(h.child, cpus([4, 5]));
      expect(m.ipi.irqDestroyIpi(base, cpus([4, 5]))).toBe(0);
      expect(h.childFreeCalls.map((c) => [c.virq, c.nrIrqs])).toEqual([
        [base, 1],
        [base + 1, 1],
      ]);
      expect(h.parentFreeCalls.map((c) => [c.virq, c.nrIrqs])).toEqual([
        [base, 1],
        [base + 1, 1],
      ]);
      expect([h.child.mapcount, h.parent.mapcount, m.irq.descs.allocatedCount]).toEqual([0, 0, 0]);
      expect(m.irq.irqFindMapping(h.parent, 100)).toBe(0);
    });

    it('should return -EBUSY and undo everything when the parent level chip is left unset (row 44)', () => {
      const m = setup();
      const h = createIpiHierarchy(m, { mode: 'percpu', parentSetsChip: false });
      expect(m.ipi.irqReserveIpi(h.child, cpus([0, 1]))).toBe(-Errno.EBUSY);
      expect(h.parentAllocCalls).toHaveLength(1);
      expect(warningTexts(m)).toEqual(["genirq/ipi: Can't reserve IPI, failed to alloc hw irqs"]);
      expect([m.irq.descs.allocatedCount, h.child.mapcount, h.parent.mapcount]).toEqual([0, 0, 0]);
      expect(h.child.revmapTree.size + h.parent.revmapTree.size).toBe(0);
      // The trim check fails after alloc: the kernel unwinds without calling the free ops.
      expect(h.childFreeCalls).toHaveLength(0);
      // The numbers are free again.
      const ok = createIpiHierarchy(m, { mode: 'single' });
      expect(m.ipi.irqReserveIpi(ok.child, cpus([0, 1]))).toBe(1);
    });
  });

  describe('having random reserve/destroy sequences on per-CPU and single domains', () => {
    type Op =
      | { readonly t: 'percpu'; readonly lo: number; readonly len: number }
      | { readonly t: 'single'; readonly bits: number }
      | { readonly t: 'destroy'; readonly pick: number; readonly cut: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        t: fc.constant('percpu' as const),
        lo: fc.nat(NR - 1),
        len: fc.integer({ min: 1, max: NR }),
      }),
      fc.record({ t: fc.constant('single' as const), bits: fc.nat(255) }),
      fc.record({ t: fc.constant('destroy' as const), pick: fc.nat(), cut: fc.nat() }),
    );

    interface Reservation {
      readonly kind: 'percpu' | 'single';
      readonly base: number;
      readonly mask: Cpumask;
      /** per-CPU: CPUs still owning a virq, [first(mask), liveHi]; the base stays alive. */
      liveHi: number;
    }

    /** Lowest run of `n` free numbers in [1, nrIrqs), as the spec's first-fit policy. */
    function firstFit(used: ReadonlySet<number>, n: number, nrIrqs: number): number {
      for (let start = 1; start + n <= nrIrqs; start++) {
        let ok = true;
        for (let i = 0; i < n && ok; i++) ok = !used.has(start + i);
        if (ok) return start;
      }
      return -1;
    }

    it('should never leak descriptors, reuse freed virqs first-fit and map every per-CPU virq to its CPU', () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 40, size: 'max' }), (ops) => {
          const nrIrqs = 40;
          const m = setup({ nrIrqs });
          const pc = createIpiDomain(m, { mode: 'percpu', hwirqBase: 1000 });
          const sg = createIpiDomain(m, { mode: 'single', hwirqBase: 5000 });
          const used = new Set<number>();
          const live: Reservation[] = [];

          // Everything is gathered into two lists and compared once, which keeps the runs fast.
          const check = (): void => {
            const actual: unknown[] = [
              m.irq.descs.allocatedCount,
              [...m.irq.descs.allocatedIrqs()],
            ];
            const expected: unknown[] = [used.size, [...used].sort((x, y) => x - y)];
            let pcVirqs = 0;
            let sgVirqs = 0;
            for (const r of live) {
              if (r.kind === 'single') {
                sgVirqs++;
                const hw = m.ipi.ipiGetHwirq(r.base, r.mask.first());
                actual.push(hw >= 5000, m.irq.irqFindMapping(sg.domain, hw));
                expected.push(true, r.base);
                for (const cpu of r.mask) {
                  actual.push(m.ipi.ipiGetHwirq(r.base, cpu));
                  expected.push(hw);
                }
                continue;
              }
              const offset = r.mask.first();
              for (let cpu = offset; cpu <= r.liveHi; cpu++) {
                pcVirqs++;
                const hw = m.ipi.ipiGetHwirq(r.base, cpu);
                actual.push([cpu, (hw - 1000) % pc.stride, m.irq.irqFindMapping(pc.domain, hw)]);
                expected.push([cpu, cpu, r.base + cpu - offset]);
              }
            }
            actual.push(pc.domain.mapcount, sg.domain.mapcount);
            expected.push(pcVirqs, sgVirqs);
            expect(actual).toEqual(expected);
          };

          for (const op of ops) {
            if (op.t === 'destroy') {
              if (live.length === 0) continue;
              const idx = op.pick % live.length;
              const r = live[idx];
              if (r.kind === 'single') {
                // Any subset frees the single virq, the empty one included.
                const sub = new Cpumask(NR);
                for (const cpu of r.mask) if (((op.cut >> cpu) & 1) !== 0) sub.setCpu(cpu);
                expect(m.ipi.irqDestroyIpi(r.base, sub)).toBe(0);
                used.delete(r.base);
                live.splice(idx, 1);
              } else {
                const offset = r.mask.first();
                const span = r.liveHi - offset + 1;
                const keep = op.cut % span; // CPUs [offset, offset + keep) survive
                const dest = cpus(Array.from({ length: span - keep }, (_, i) => offset + keep + i));
                expect(m.ipi.irqDestroyIpi(r.base, dest)).toBe(0);
                for (let cpu = offset + keep; cpu <= r.liveHi; cpu++)
                  used.delete(r.base + cpu - offset);
                if (keep === 0) live.splice(idx, 1);
                else r.liveHi = offset + keep - 1;
              }
            } else {
              const kind = op.t;
              const mask =
                kind === 'percpu'
                  ? cpus(Array.from({ length: Math.min(op.len, NR - op.lo) }, (_, i) => op.lo + i))
                  : cpus([0, 1, 2, 3, 4, 5, 6, 7].filter((cpu) => ((op.bits >> cpu) & 1) !== 0));
              const n = kind === 'percpu' ? mask.weight() : 1;
              const virq = m.ipi.irqReserveIpi(kind === 'percpu' ? pc.domain : sg.domain, mask);
              if (mask.empty()) {
                expect(virq).toBe(-Errno.EINVAL);
              } else {
                const expected = firstFit(used, n, nrIrqs);
                if (expected < 0) {
                  expect(virq).toBe(-Errno.ENOMEM);
                } else {
                  expect(virq).toBe(expected);
                  for (let i = 0; i < n; i++) used.add(virq + i);
                  live.push({ kind, base: virq, mask, liveHi: mask.first() + n - 1 });
                }
              }
            }
            check();
          }

          for (const r of live.splice(0)) {
            const dest =
              r.kind === 'single'
                ? r.mask
                : cpus(
                    Array.from(
                      { length: r.liveHi - r.mask.first() + 1 },
                      (_, i) => r.mask.first() + i,
                    ),
                  );
            expect(m.ipi.irqDestroyIpi(r.base, dest)).toBe(0);
          }
          expect(m.irq.descs.allocatedCount).toBe(0);
          expect([pc.domain.mapcount, sg.domain.mapcount]).toEqual([0, 0]);
          expect(pc.domain.revmapTree.size + sg.domain.revmapTree.size).toBe(0);
          // Nothing but expected pr_warns (empty single masks, -ENOMEM) was logged.
          expect(m.warnings.filter((w) => w.kind === 'WARN')).toHaveLength(0);
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a domain that is not an IrqDomain with a TypeError naming domain', () => {
      const m = setup();
      for (const bad of [undefined, 42, {}, 'test-ipi-single']) {
        expectRejected(
          m,
          () => m.ipi.irqReserveIpi(bad as never, cpus([0])),
          TypeError,
          /irqReserveIpi: domain/,
        );
      }
    });

    it('should reject a domain of another machine with a TypeError naming domain', () => {
      const m = setup();
      const other = setup();
      expectRejected(
        m,
        () => m.ipi.irqReserveIpi(other.ipiDomain, cpus([0])),
        TypeError,
        /irqReserveIpi: domain .*another machine/,
      );
      expect(machineState(other)).toEqual(machineState(setup()));
    });

    it('should reject a dest that is not a Cpumask of nr_cpu_ids bits, naming dest', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      expectRejected(
        m,
        () => m.ipi.irqReserveIpi(f.domain, null as never),
        TypeError,
        /irqReserveIpi: dest is null/,
      );
      expectRejected(
        m,
        () => m.ipi.irqReserveIpi(f.domain, undefined as never),
        TypeError,
        /dest is undefined/,
      );
      expectRejected(
        m,
        () => m.ipi.irqReserveIpi(f.domain, [0, 1] as never),
        TypeError,
        /dest is a Array/,
      );
      expectRejected(
        m,
        () => m.ipi.irqReserveIpi(f.domain, cpus([0], 16)),
        RangeError,
        /dest is 16 bits wide/,
      );
      expect(f.allocCalls).toHaveLength(0);
    });
  });
});

describe(Ipi.prototype.irqDestroyIpi, () => {
  describe('having irq 0 or an unknown irq', () => {
    it.each([0, 999, -1, 2 ** 40])(
      'should return -EINVAL for irq %d without warning (row 15)',
      (irq) => {
        const m = setup();
        const f = createIpiDomain(m, { mode: 'single' });
        reserve(m, f, [0]);
        expect(m.ipi.irqDestroyIpi(irq, cpus([0]))).toBe(-Errno.EINVAL);
        expect(m.warnings).toHaveLength(0);
        expect(m.irq.descs.allocatedCount).toBe(1);
      },
    );

    it('should return -EINVAL for irq 0 even when descriptor 0 exists (row 15)', () => {
      const m = setup();
      expect(m.irq.irqAllocDescs(0, 0, 1)).toBe(0);
      expect(m.ipi.irqDestroyIpi(0, cpus([0]))).toBe(-Errno.EINVAL);
      expect(m.irq.descs.allocatedCount).toBe(1);
    });
  });

  describe('having a virq of a non-IPI domain', () => {
    it('should return -EINVAL with "Trying to destroy a non IPI domain!" (row 16)', () => {
      const m = setup();
      const plain = createPlainDomain(m);
      const virq = m.irq.irqDomainAllocIrqs(plain, 1, null);
      expect(virq).toBe(1);
      expect(m.ipi.irqDestroyIpi(virq, cpus([0]))).toBe(-Errno.EINVAL);
      expect(warningTexts(m)).toEqual(['genirq/ipi: Trying to destroy a non IPI domain!']);
      expect(m.irq.descs.allocatedCount).toBe(1);
      expect(plain.mapcount).toBe(1);
    });

    it('should WARN and return -EINVAL for a virq that has no domain at all (row 16)', () => {
      const m = setup();
      const virq = m.irq.irqAllocDescs(-1, 1, 1);
      expect(m.ipi.irqDestroyIpi(virq, cpus([0]))).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => [w.kind, w.site])).toEqual([['WARN', 'irq_destroy_ipi']]);
      expect(m.irq.descs.allocatedCount).toBe(1);
    });
  });

  describe('having a dest that is not within the reservation', () => {
    it('should WARN every time, free nothing and return -EINVAL (row 17)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const base = reserve(m, f, [0, 1, 2]);
      const before = machineState(m);
      expect(m.ipi.irqDestroyIpi(base, cpus([2, 3]))).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => w.kind)).toEqual(['WARN']);
      expect(m.ipi.irqDestroyIpi(base, cpus([5]))).toBe(-Errno.EINVAL);
      // WARN_ON, not WARN_ON_ONCE: a second splat.
      expect(m.warnings.map((w) => w.kind)).toEqual(['WARN', 'WARN']);
      expect({ ...(machineState(m) as object), warnings: 0 }).toEqual({
        ...(before as object),
        warnings: 0,
      });
      expect(f.freeCalls).toHaveLength(0);
    });
  });

  describe('having a per-CPU reservation and a contiguous subset', () => {
    it('should free exactly the virqs of those CPUs (row 18)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const base = reserve(m, f, [0, 1, 2, 3]);
      expect(m.ipi.irqDestroyIpi(base, cpus([2, 3]))).toBe(0);
      expect([...m.irq.descs.allocatedIrqs()]).toEqual([base, base + 1]);
      expect(f.freeCalls.map((c) => [c.virq, c.nrIrqs])).toEqual([
        [base + 2, 1],
        [base + 3, 1],
      ]);
      expect(f.domain.mapcount).toBe(2);
      expect(m.ipi.ipiGetHwirq(base, 1)).toBe(1);
      expect(m.ipi.ipiGetHwirq(base, 2)).toBe(INVALID_HWIRQ);
    });

    it('should leave survivors with the stale full mask, so a send to a destroyed CPU reaches the null-data bug (row 18, quirk)', () => {
      const m = setup();
      const chip = recordingChip('single');
      const f = createIpiDomain(m, { mode: 'percpu', chip });
      const base = reserve(m, f, [0, 1, 2, 3]);
      expect(m.ipi.irqDestroyIpi(base, cpus([2, 3]))).toBe(0);
      expect(desc(m, base).irqCommonData.affinity.toString()).toBe('0-3');
      expect(desc(m, base + 1).irqCommonData.ipiOffset).toBe(0);
      expect(() => m.ipi.ipiSendSingle(base, 2)).toThrow(/destroyed/);
      expect(() => m.ipi.ipiSendMask(base, cpus([1, 2]))).toThrow(/destroyed/);
      expect(chip.calls).toHaveLength(0);
      expect(m.ipi.ipiSendSingle(base, 1)).toBe(0);
      expect(chip.calls.map((c) => [c.irq, c.cpus])).toEqual([[base + 1, [1]]]);
    });
  });

  describe('having a per-CPU reservation and a non-contiguous subset', () => {
    it('should free weight(dest) virqs from the first CPU of dest, i.e. CPUs 0 and 1 for {0,2} (row 19)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const base = reserve(m, f, [0, 1, 2, 3]);
      expect(m.ipi.irqDestroyIpi(base, cpus([0, 2]))).toBe(0);
      expect([...m.irq.descs.allocatedIrqs()]).toEqual([base + 2, base + 3]);
      expect(desc(m, base + 2).irqData.chipData).toEqual({ cpu: 2 });
      expect(desc(m, base + 2).irqCommonData.affinity.toString()).toBe('0-3');
    });
  });

  describe('having a per-CPU reservation and a non-base virq', () => {
    it('should shift the arithmetic and free another CPU (quirk)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const base = reserve(m, f, [0, 1, 2, 3]);
      expect(m.ipi.irqDestroyIpi(base + 1, cpus([2]))).toBe(0);
      expect([...m.irq.descs.allocatedIrqs()]).toEqual([base, base + 1, base + 2]);
    });
  });

  describe('having a per-CPU reservation and an empty dest', () => {
    it('should return 0 and free nothing', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const base = reserve(m, f, [2, 3]);
      expect(m.ipi.irqDestroyIpi(base, new Cpumask(NR))).toBe(0);
      expect([...m.irq.descs.allocatedIrqs()]).toEqual([base, base + 1]);
      expect(f.freeCalls).toHaveLength(0);
      expect(f.domain.mapcount).toBe(2);
    });
  });

  describe('having a single reservation', () => {
    it.each([[[1]], [[]], [[0, 1, 2]]])(
      'should free the single virq for the subset %j (row 20)',
      (list) => {
        const m = setup();
        const f = createIpiDomain(m, { mode: 'single' });
        const base = reserve(m, f, [0, 1, 2]);
        expect(m.ipi.irqDestroyIpi(base, cpus(list))).toBe(0);
        expect(m.irq.descs.allocatedCount).toBe(0);
        expect(f.freeCalls.map((c) => [c.virq, c.nrIrqs])).toEqual([[base, 1]]);
        expect(f.domain.mapcount).toBe(0);
        expect(m.irq.irqFindMapping(f.domain, 0)).toBe(0);
      },
    );
  });

  describe('having a domain without a free op', () => {
    it('should WARN "NULL pointer, cannot free irq", free nothing and still return 0 (row 21)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu', noFree: true });
      const base = reserve(m, f, [0, 1]);
      expect(m.ipi.irqDestroyIpi(base, cpus([0, 1]))).toBe(0);
      expect(m.warnings.map((w) => [w.kind, w.message])).toEqual([
        ['WARN', 'WARNING: at irq_domain_free_irqs: NULL pointer, cannot free irq'],
      ]);
      expect(m.irq.descs.allocatedCount).toBe(2);
      expect(f.domain.mapcount).toBe(2);
      expect(m.ipi.ipiGetHwirq(base, 1)).toBe(1);
    });
  });

  describe('having malformed arguments', () => {
    it.each([NaN, 1.5, null, undefined, '1', Infinity])(
      'should reject irq %p with a TypeError naming irq',
      (bad) => {
        const m = setup();
        const f = createIpiDomain(m, { mode: 'single' });
        reserve(m, f, [0]);
        expectRejected(
          m,
          () => m.ipi.irqDestroyIpi(bad as never, cpus([0])),
          TypeError,
          /irqDestroyIpi: irq is/,
          [f.chip],
        );
      },
    );

    it('should reject a dest that is not a Cpumask of nr_cpu_ids bits, naming dest', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const base = reserve(m, f, [0]);
      expectRejected(
        m,
        () => m.ipi.irqDestroyIpi(base, null as never),
        TypeError,
        /irqDestroyIpi: dest is null/,
      );
      expectRejected(
        m,
        () => m.ipi.irqDestroyIpi(base, cpus([0], 4)),
        RangeError,
        /irqDestroyIpi: dest is 4 bits/,
      );
    });
  });
});

describe(Ipi.prototype.ipiGetHwirq, () => {
  describe('having an unknown irq', () => {
    it.each([0, 77, -3])('should return INVALID_HWIRQ for irq %d (row 22)', (irq) => {
      const m = setup();
      expect(m.ipi.ipiGetHwirq(irq, 0)).toBe(INVALID_HWIRQ);
    });

    it('should use a sentinel no valid hwirq can equal, never -1 (row 22)', () => {
      expect(INVALID_HWIRQ).not.toBe(-1);
      expect(INVALID_HWIRQ).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    });
  });

  describe('having a cpu at or above nr_cpu_ids', () => {
    it.each([NR, NR + 1, 4096, -1])('should return INVALID_HWIRQ for cpu %d (row 23)', (cpu) => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const base = reserve(m, f, [0, 1, 2, 3, 4, 5, 6, 7]);
      expect(m.ipi.ipiGetHwirq(base, cpu)).toBe(INVALID_HWIRQ);
    });
  });

  describe('having a cpu outside the reservation', () => {
    it.each(['single', 'percpu'] as const)(
      'should return INVALID_HWIRQ on a %s domain (row 24)',
      (mode) => {
        const m = setup();
        const f = createIpiDomain(m, { mode });
        const base = reserve(m, f, [2, 3]);
        expect(m.ipi.ipiGetHwirq(base, 1)).toBe(INVALID_HWIRQ);
        expect(m.ipi.ipiGetHwirq(base, 4)).toBe(INVALID_HWIRQ);
      },
    );
  });

  describe('having a per-CPU reservation', () => {
    it('should return the hwirq of virq base + cpu - offset (row 25)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu', hwirqBase: 64 });
      reserve(m, f, [0]); // shifts the second reservation's virqs and hwirqs
      const base = reserve(m, f, [3, 4, 5]);
      expect(base).toBe(2);
      for (const cpu of [3, 4, 5]) {
        const hw = m.ipi.ipiGetHwirq(base, cpu);
        expect(hw).toBe(64 + NR + cpu);
        expect(hw).toBe(m.irq.irqDomainGetIrqData(f.domain, base + cpu - 3)?.hwirq);
      }
    });
  });

  describe('having a single reservation', () => {
    it('should return the same hwirq for every CPU in the mask (row 26)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single', hwirqBase: 9 });
      reserve(m, f, [7]);
      const base = reserve(m, f, [0, 3, 6]);
      expect([0, 3, 6].map((cpu) => m.ipi.ipiGetHwirq(base, cpu))).toEqual([10, 10, 10]);
    });
  });

  describe('having a virq of a non-IPI domain', () => {
    it('should return its hwirq for any CPU in its affinity (row 27)', () => {
      const m = setup();
      const plain = createPlainDomain(m, { hwirqBase: 500 });
      const virq = m.irq.irqDomainAllocIrqs(plain, 1, null);
      // A fresh descriptor's affinity is every possible CPU.
      for (let cpu = 0; cpu < NR; cpu++) expect(m.ipi.ipiGetHwirq(virq, cpu)).toBe(500 + virq);
    });

    it('should return INVALID_HWIRQ for a CPU outside a narrowed affinity (row 27)', () => {
      const m = setup();
      const plain = createPlainDomain(m, { hwirqBase: 500 });
      const virq = m.irq.irqDomainAllocIrqs(plain, 1, null);
      desc(m, virq).irqCommonData.affinity = cpus([1]);
      expect(m.ipi.ipiGetHwirq(virq, 1)).toBe(500 + virq);
      expect(m.ipi.ipiGetHwirq(virq, 0)).toBe(INVALID_HWIRQ);
    });
  });

  describe('having a descriptor that no domain ever mapped', () => {
    it('should throw where the kernel dereferences a null domain, changing nothing', () => {
      const m = setup();
      const virq = m.irq.irqAllocDescs(-1, 1, 1);
      const before = machineState(m);
      expect(() => m.ipi.ipiGetHwirq(virq, 0)).toThrow(/virq 1 has no irq domain/);
      expect(machineState(m)).toEqual(before);
    });
  });

  describe('having a hierarchy', () => {
    it("should return the outermost (IPI) level's hwirq, not the parent's", () => {
      const m = setup();
      const h = createIpiHierarchy(m, { mode: 'percpu', parentHwirqBase: 100, childHwirqBase: 7 });
      const base = m.ipi.irqReserveIpi(h.child, cpus([0, 1]));
      expect([m.ipi.ipiGetHwirq(base, 0), m.ipi.ipiGetHwirq(base, 1)]).toEqual([7, 8]);
    });
  });

  describe('having a non-base virq of a per-CPU reservation', () => {
    it("should return another CPU's hwirq, or INVALID_HWIRQ past the end (quirk)", () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const base = reserve(m, f, [0, 1, 2]);
      expect(m.ipi.ipiGetHwirq(base + 1, 0)).toBe(1);
      expect(m.ipi.ipiGetHwirq(base + 1, 2)).toBe(INVALID_HWIRQ);
    });
  });

  describe('having malformed arguments', () => {
    it.each([
      ['irq', NaN, 0],
      ['irq', null, 0],
      ['irq', 1.25, 0],
      ['cpu', 1, NaN],
      ['cpu', 1, undefined],
      ['cpu', 1, 0.5],
    ])('should reject a bad %s with a TypeError naming it', (name, irq, cpu) => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      reserve(m, f, [0, 1]);
      expectRejected(
        m,
        () => m.ipi.ipiGetHwirq(irq as never, cpu as never),
        TypeError,
        new RegExp(`ipiGetHwirq: ${name} is`),
      );
    });
  });
});

describe(Ipi.prototype.ipiSendSingle, () => {
  describe('having an unknown virq', () => {
    it('should return -EINVAL and WARN only once per call site (row 28)', () => {
      const m = setup();
      expect(m.ipi.ipiSendSingle(42, 0)).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => [w.kind, w.site, w.message])).toEqual([
        ['WARN', 'ipi_send_single', 'WARNING: at ipi_send_single'],
      ]);
      expect(m.ipi.ipiSendSingle(42, 0)).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendSingle(-1, 0)).toBe(-Errno.EINVAL);
      expect(m.warnings).toHaveLength(1);
    });

    it('should still warn once at another call site (ipi_send_mask) (row 28)', () => {
      const m = setup();
      expect(m.ipi.ipiSendSingle(42, 0)).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendMask(42, cpus([0]))).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendMask(42, cpus([0]))).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => w.site)).toEqual(['ipi_send_single', 'ipi_send_mask']);
    });
  });

  describe('having a chip without IPI ops', () => {
    it('should return -EINVAL with a one-time WARN (row 29)', () => {
      const m = setup();
      const chip = recordingChip('none');
      const f = createIpiDomain(m, { mode: 'single', chip });
      const base = reserve(m, f, [0, 1]);
      expect(m.ipi.ipiSendSingle(base, 0)).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendSingle(base, 1)).toBe(-Errno.EINVAL);
      expect(m.warnings.filter((w) => w.kind === 'WARN')).toHaveLength(1);
    });

    it('should return -EINVAL for a descriptor that still has the dummy no_irq_chip (row 29)', () => {
      const m = setup();
      const virq = m.irq.irqAllocDescs(-1, 1, 1);
      expect(desc(m, virq).irqData.chip?.name).toBe('none');
      expect(m.ipi.ipiSendSingle(virq, 0)).toBe(-Errno.EINVAL);
    });
  });

  describe('having a cpu at or above nr_cpu_ids', () => {
    it.each([NR, 1000, -1])(
      'should return -EINVAL for cpu %d and call no chip hook (row 30)',
      (cpu) => {
        const m = setup();
        const f = createIpiDomain(m, { mode: 'single' });
        const base = reserve(m, f, [0, 1, 2, 3, 4, 5, 6, 7]);
        expect(m.ipi.ipiSendSingle(base, cpu)).toBe(-Errno.EINVAL);
        expect(f.chip.calls).toHaveLength(0);
      },
    );
  });

  describe('having a cpu outside the reservation', () => {
    it('should return -EINVAL, WARN once and call no chip hook (row 31)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'percpu' });
      const base = reserve(m, f, [1, 2]);
      expect(m.ipi.ipiSendSingle(base, 0)).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendSingle(base, 3)).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => w.site)).toEqual(['ipi_send_single']);
      expect(f.chip.calls).toHaveLength(0);
    });
  });

  describe('having a chip with only the mask op', () => {
    it('should call ipiSendMask({cpu}) with the base data even on a per-CPU domain (row 34)', () => {
      const m = setup();
      const chip = recordingChip('mask');
      const f = createIpiDomain(m, { mode: 'percpu', chip });
      const base = reserve(m, f, [1, 2, 3]);
      expect(m.ipi.ipiSendSingle(base, 3)).toBe(0);
      expect(chip.calls).toHaveLength(1);
      expect(chip.calls[0].op).toBe('ipiSendMask');
      expect(chip.calls[0].data).toBe(desc(m, base).irqData);
      expect(chip.calls[0].cpus).toEqual([3]);
    });
  });

  describe('having a per-CPU domain and a chip with the single op', () => {
    it('should pass the data of virq base + cpu - offset when cpu != offset (row 35)', () => {
      const m = setup();
      const chip = recordingChip('both');
      const f = createIpiDomain(m, { mode: 'percpu', chip });
      const base = reserve(m, f, [2, 3, 4]);
      expect(m.ipi.ipiSendSingle(base, 4)).toBe(0);
      expect(m.ipi.ipiSendSingle(base, 2)).toBe(0);
      expect(chip.calls.map((c) => [c.op, c.cpus])).toEqual([
        ['ipiSendSingle', [4]],
        ['ipiSendSingle', [2]],
      ]);
      expect(chip.calls[0].data).toBe(desc(m, base + 2).irqData);
      expect(chip.calls[1].data).toBe(desc(m, base).irqData);
      expect(chip.calls[0].data.chipData).toEqual({ cpu: 4 });
    });
  });

  describe('having a single domain and a chip with the single op', () => {
    it('should pass the base data for every CPU', () => {
      const m = setup();
      const chip = recordingChip('single');
      const f = createIpiDomain(m, { mode: 'single', chip });
      const base = reserve(m, f, [0, 5]);
      expect(m.ipi.ipiSendSingle(base, 5)).toBe(0);
      expect(chip.calls.map((c) => [c.irq, c.cpus])).toEqual([[base, [5]]]);
      expect(chip.calls[0].data).toBe(desc(m, base).irqData);
    });
  });

  describe('having a hierarchy', () => {
    it("should call the outermost level's chip only", () => {
      const m = setup();
      const h = createIpiHierarchy(m, { mode: 'percpu' });
      const base = m.ipi.irqReserveIpi(h.child, cpus([0, 1]));
      expect(m.ipi.ipiSendSingle(base, 1)).toBe(0);
      expect(h.childChip.calls.map((c) => [c.irq, c.hwirq, c.cpus])).toEqual([[base + 1, 1, [1]]]);
      expect(h.parentChip.calls).toHaveLength(0);
    });
  });

  describe('having malformed arguments', () => {
    it.each([
      ['virq', NaN, 0],
      ['virq', null, 0],
      ['virq', '1', 0],
      ['virq', 1.5, 0],
      ['cpu', 1, NaN],
      ['cpu', 1, undefined],
      ['cpu', 1, Infinity],
    ])(
      'should reject a bad %s with a TypeError naming it and leave the machine unchanged',
      (name, virq, cpu) => {
        const m = setup();
        const f = createIpiDomain(m, { mode: 'single' });
        reserve(m, f, [0, 1]);
        expectRejected(
          m,
          () => m.ipi.ipiSendSingle(virq as never, cpu as never),
          TypeError,
          new RegExp(`ipiSendSingle: ${name} is`),
          [f.chip],
        );
      },
    );
  });
});

describe(Ipi.prototype.ipiSendMask, () => {
  describe('having a dest that is not within the reservation', () => {
    it('should return -EINVAL with a one-time WARN and call no hook (row 32)', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const base = reserve(m, f, [0, 1]);
      expect(m.ipi.ipiSendMask(base, cpus([1, 2]))).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendMask(base, cpus([7]))).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => [w.kind, w.site])).toEqual([['WARN', 'ipi_send_mask']]);
      expect(f.chip.calls).toHaveLength(0);
    });
  });

  describe('having an empty dest', () => {
    it('should pass verification and call the mask op with the empty mask (row 33)', () => {
      const m = setup();
      const chip = recordingChip('mask');
      const f = createIpiDomain(m, { mode: 'percpu', chip });
      const base = reserve(m, f, [0, 1]);
      expect(m.ipi.ipiSendMask(base, new Cpumask(NR))).toBe(0);
      expect(chip.calls.map((c) => [c.op, c.cpus])).toEqual([['ipiSendMask', []]]);
      expect(m.warnings).toHaveLength(0);
    });

    it('should pass verification and make no single-op call (row 33)', () => {
      const m = setup();
      const chip = recordingChip('single');
      const f = createIpiDomain(m, { mode: 'percpu', chip });
      const base = reserve(m, f, [0, 1]);
      expect(m.ipi.ipiSendMask(base, new Cpumask(NR))).toBe(0);
      expect(chip.calls).toHaveLength(0);
      expect(m.warnings).toHaveLength(0);
    });
  });

  describe('having a chip with the mask op', () => {
    it.each(['percpu', 'single'] as const)(
      'should make exactly one mask call with the base data and the full dest on a %s domain (row 36)',
      (mode) => {
        const m = setup();
        const chip = recordingChip('both');
        const f = createIpiDomain(m, { mode, chip });
        const base = reserve(m, f, [2, 3, 4, 5]);
        const dest = cpus([3, 5]);
        expect(m.ipi.ipiSendMask(base, dest)).toBe(0);
        expect(chip.calls.map((c) => [c.op, c.irq, c.cpus])).toEqual([
          ['ipiSendMask', base, [3, 5]],
        ]);
        expect(chip.calls[0].data).toBe(desc(m, base).irqData);
      },
    );
  });

  describe('having a per-CPU domain and a chip with only the single op', () => {
    it("should call the single op per CPU in ascending order with that CPU's data (row 37)", () => {
      const m = setup();
      const chip = recordingChip('single');
      const f = createIpiDomain(m, { mode: 'percpu', chip });
      const base = reserve(m, f, [1, 2, 3, 4]);
      expect(m.ipi.ipiSendMask(base, cpus([4, 1, 3]))).toBe(0);
      expect(chip.calls.map((c) => [c.irq, c.cpus])).toEqual([
        [base, [1]],
        [base + 2, [3]],
        [base + 3, [4]],
      ]);
      expect(chip.calls.map((c) => c.data)).toEqual([
        desc(m, base).irqData,
        desc(m, base + 2).irqData,
        desc(m, base + 3).irqData,
      ]);
    });
  });

  describe('having a single domain and a chip with only the single op', () => {
    it('should call the single op per CPU in ascending order with the base data (row 38)', () => {
      const m = setup();
      const chip = recordingChip('single');
      const f = createIpiDomain(m, { mode: 'single', chip });
      const base = reserve(m, f, [0, 2, 6, 7]);
      expect(m.ipi.ipiSendMask(base, cpus([7, 0, 6]))).toBe(0);
      expect(chip.calls.map((c) => [c.irq, c.cpus])).toEqual([
        [base, [0]],
        [base, [6]],
        [base, [7]],
      ]);
      for (const c of chip.calls) expect(c.data).toBe(desc(m, base).irqData);
    });
  });

  describe('having the test architecture', () => {
    it('should reach the recording chip of the arch IPI domain', () => {
      const m = setup();
      const arch = m.get(TestArch);
      const base = m.ipi.irqReserveIpi(m.ipiDomain, cpus([0, 1, 2, 3]));
      expect(m.ipi.ipiSendMask(base, cpus([1, 2]))).toBe(0);
      expect(m.ipi.ipiSendSingle(base, 3)).toBe(0);
      expect(arch.chip.calls).toEqual([
        { op: 'ipiSendMask', irq: base, hwirq: 0, cpus: [1, 2] },
        { op: 'ipiSendSingle', irq: base, hwirq: 0, cpus: [3] },
      ]);
    });
  });

  describe('having malformed arguments', () => {
    it.each([NaN, null, undefined, 2.5, '3'])(
      'should reject virq %p with a TypeError naming virq',
      (bad) => {
        const m = setup();
        const f = createIpiDomain(m, { mode: 'single' });
        reserve(m, f, [0, 1]);
        expectRejected(
          m,
          () => m.ipi.ipiSendMask(bad as never, cpus([0])),
          TypeError,
          /ipiSendMask: virq is/,
          [f.chip],
        );
      },
    );

    it('should reject a dest that is not a Cpumask of nr_cpu_ids bits, naming dest', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const base = reserve(m, f, [0, 1]);
      expectRejected(
        m,
        () => m.ipi.ipiSendMask(base, null as never),
        TypeError,
        /ipiSendMask: dest is null/,
        [f.chip],
      );
      expectRejected(
        m,
        () => m.ipi.ipiSendMask(base, 3 as never),
        TypeError,
        /ipiSendMask: dest is 3/,
        [f.chip],
      );
      expectRejected(
        m,
        () => m.ipi.ipiSendMask(base, cpus([0], 64)),
        RangeError,
        /ipiSendMask: dest is 64 bits/,
        [f.chip],
      );
    });
  });
});

describe(Ipi.prototype.__ipiSendSingle, () => {
  describe('having a cpu outside the reservation and no DEBUG', () => {
    it('should skip verification and call the chip (row 39)', () => {
      const m = setup();
      const chip = recordingChip('single');
      const f = createIpiDomain(m, { mode: 'single', chip });
      const base = reserve(m, f, [0]);
      expect(m.ipi.__ipiSendSingle(desc(m, base), 5)).toBe(0);
      expect(chip.calls.map((c) => c.cpus)).toEqual([[5]]);
      expect(m.warnings).toHaveLength(0);
    });
  });

  describe('having a cpu outside the reservation and ipiDebug', () => {
    it('should verify, WARN once and return -EINVAL without calling the chip (row 39)', () => {
      const m = setup({ ipiDebug: true });
      const chip = recordingChip('single');
      const f = createIpiDomain(m, { mode: 'single', chip });
      const base = reserve(m, f, [0]);
      expect(m.ipi.__ipiSendSingle(desc(m, base), 5)).toBe(-Errno.EINVAL);
      expect(m.ipi.__ipiSendSingle(desc(m, base), 6)).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => [w.kind, w.site])).toEqual([['WARN', '__ipi_send_single']]);
      expect(chip.calls).toHaveLength(0);
      expect(m.ipi.__ipiSendSingle(desc(m, base), 0)).toBe(0);
      expect(chip.calls).toHaveLength(1);
    });

    it('should verify twice through the public function, with the public site warning first', () => {
      const m = setup({ ipiDebug: true });
      const f = createIpiDomain(m, { mode: 'single' });
      const base = reserve(m, f, [0]);
      expect(m.ipi.ipiSendSingle(base, 3)).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => w.site)).toEqual(['ipi_send_single']);
      expect(m.ipi.ipiSendSingle(base, 0)).toBe(0);
    });
  });

  describe('having a chip set on a descriptor without a domain', () => {
    it('should throw before calling the single hook', () => {
      const m = setup();
      const chip = recordingChip('single');
      const virq = m.irq.irqAllocDescs(-1, 1, 1);
      m.irq.irqSetChipAndHandlerName(virq, chip.chip, null, null);
      expect(() => m.ipi.ipiSendSingle(virq, 0)).toThrow(/has no irq domain/);
      expect(chip.calls).toHaveLength(0);
    });
  });

  describe('having a chip without IPI hooks (no DEBUG)', () => {
    it('should throw the kernel-oops error and send nothing', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single', chip: recordingChip('none') });
      const base = reserve(m, f, [0]);
      expect(() => m.ipi.__ipiSendSingle(desc(m, base), 0)).toThrow(/no IPI hook/);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a desc that is not an IrqDesc, naming desc', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      reserve(m, f, [0]);
      for (const bad of [null, undefined, 1, {}]) {
        expectRejected(
          m,
          () => m.ipi.__ipiSendSingle(bad as never, 0),
          TypeError,
          /__ipiSendSingle: desc is/,
          [f.chip],
        );
      }
    });

    it('should reject a descriptor of another machine, naming desc', () => {
      const m = setup();
      const other = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const g = createIpiDomain(other, { mode: 'single' });
      reserve(m, f, [0]);
      const foreign = desc(other, reserve(other, g, [0]));
      expectRejected(
        m,
        () => m.ipi.__ipiSendSingle(foreign, 0),
        TypeError,
        /__ipiSendSingle: desc/,
        [f.chip, g.chip],
      );
      expect(g.chip.calls).toHaveLength(0);
    });

    it.each([NaN, null, 0.5])('should reject cpu %p with a TypeError naming cpu', (bad) => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const base = reserve(m, f, [0]);
      expectRejected(
        m,
        () => m.ipi.__ipiSendSingle(desc(m, base), bad as never),
        TypeError,
        /__ipiSendSingle: cpu is/,
        [f.chip],
      );
    });
  });
});

describe(Ipi.prototype.__ipiSendMask, () => {
  describe('having a dest outside the reservation and no DEBUG', () => {
    it('should skip verification and call the chip (row 39)', () => {
      const m = setup();
      const chip = recordingChip('mask');
      const f = createIpiDomain(m, { mode: 'single', chip });
      const base = reserve(m, f, [0]);
      expect(m.ipi.__ipiSendMask(desc(m, base), cpus([4, 5]))).toBe(0);
      expect(chip.calls.map((c) => c.cpus)).toEqual([[4, 5]]);
    });
  });

  describe('having a dest outside the reservation and ipiDebug', () => {
    it('should verify, WARN once and return -EINVAL (row 39)', () => {
      const m = setup({ ipiDebug: true });
      const chip = recordingChip('mask');
      const f = createIpiDomain(m, { mode: 'single', chip });
      const base = reserve(m, f, [0]);
      expect(m.ipi.__ipiSendMask(desc(m, base), cpus([4, 5]))).toBe(-Errno.EINVAL);
      expect(m.ipi.__ipiSendMask(desc(m, base), cpus([6]))).toBe(-Errno.EINVAL);
      expect(m.warnings.map((w) => [w.kind, w.site])).toEqual([['WARN', '__ipi_send_mask']]);
      expect(chip.calls).toHaveLength(0);
    });
  });

  describe('having a per-CPU fallback with a destroyed CPU', () => {
    it('should throw before sending to any CPU', () => {
      const m = setup();
      const chip = recordingChip('single');
      const f = createIpiDomain(m, { mode: 'percpu', chip });
      const base = reserve(m, f, [0, 1, 2]);
      expect(m.ipi.irqDestroyIpi(base, cpus([2]))).toBe(0);
      expect(() => m.ipi.__ipiSendMask(desc(m, base), cpus([0, 1, 2]))).toThrow(
        /CPU 2 \(destroyed\?\)/,
      );
      expect(chip.calls).toHaveLength(0);
    });
  });

  describe('having a chip without IPI hooks (no DEBUG)', () => {
    it('should throw the kernel-oops error', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single', chip: recordingChip('none') });
      const base = reserve(m, f, [0]);
      expect(() => m.ipi.__ipiSendMask(desc(m, base), cpus([0]))).toThrow(/no IPI hook/);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a bad desc or dest with an error naming it', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const base = reserve(m, f, [0]);
      expectRejected(
        m,
        () => m.ipi.__ipiSendMask(null as never, cpus([0])),
        TypeError,
        /__ipiSendMask: desc is null/,
        [f.chip],
      );
      expectRejected(
        m,
        () => m.ipi.__ipiSendMask(desc(m, base), null as never),
        TypeError,
        /__ipiSendMask: dest is/,
        [f.chip],
      );
      expectRejected(
        m,
        () => m.ipi.__ipiSendMask(desc(m, base), cpus([0], 9)),
        RangeError,
        /__ipiSendMask: dest is 9/,
        [f.chip],
      );
    });

    it('should reject a descriptor of another machine, naming desc', () => {
      const m = setup();
      const other = setup();
      const g = createIpiDomain(other, { mode: 'single' });
      const foreign = desc(other, reserve(other, g, [0]));
      expectRejected(
        m,
        () => m.ipi.__ipiSendMask(foreign, cpus([0])),
        TypeError,
        /__ipiSendMask: desc/,
        [g.chip],
      );
    });
  });
});

describe(Ipi.prototype.ipiSendVerify, () => {
  describe('having each check fail in turn', () => {
    it('should return -EINVAL for a null chip or null data, then a chip with no IPI hook', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const data = desc(m, reserve(m, f, [0, 1])).irqData;
      expect(m.ipi.ipiSendVerify(null, data, null, 0)).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendVerify(f.chip.chip, null, null, 0)).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendVerify({ name: 'bare' }, data, null, 0)).toBe(-Errno.EINVAL);
    });

    it('should check cpu < nr_cpu_ids even when a dest is given', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const data = desc(m, reserve(m, f, [0, 1])).irqData;
      expect(m.ipi.ipiSendVerify(f.chip.chip, data, cpus([0]), NR)).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendVerify(f.chip.chip, data, cpus([0]), 0)).toBe(0);
    });

    it('should test dest against the mask when given, else cpu', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const data = desc(m, reserve(m, f, [0, 1])).irqData;
      expect(m.ipi.ipiSendVerify(f.chip.chip, data, cpus([1, 2]), 0)).toBe(-Errno.EINVAL);
      // With a dest, cpu is not tested against the mask.
      expect(m.ipi.ipiSendVerify(f.chip.chip, data, cpus([1]), 5)).toBe(0);
      expect(m.ipi.ipiSendVerify(f.chip.chip, data, null, 5)).toBe(-Errno.EINVAL);
      expect(m.ipi.ipiSendVerify(f.chip.chip, data, null, 1)).toBe(0);
      expect(m.ipi.ipiSendVerify(f.chip.chip, data, new Cpumask(NR), 0)).toBe(0);
    });
  });

  describe('having malformed arguments', () => {
    it('should reject a non-integer cpu, a bad dest, chip or data with an error naming it', () => {
      const m = setup();
      const f = createIpiDomain(m, { mode: 'single' });
      const data = desc(m, reserve(m, f, [0, 1])).irqData;
      const chip = f.chip.chip;
      expectRejected(
        m,
        () => m.ipi.ipiSendVerify(chip, data, null, NaN),
        TypeError,
        /ipiSendVerify: cpu is NaN/,
      );
      expectRejected(
        m,
        () => m.ipi.ipiSendVerify(chip, data, null, 0.5),
        TypeError,
        /ipiSendVerify: cpu is 0.5/,
      );
      expectRejected(
        m,
        () => m.ipi.ipiSendVerify(chip, data, cpus([0], 4), 0),
        RangeError,
        /ipiSendVerify: dest/,
      );
      expectRejected(
        m,
        () => m.ipi.ipiSendVerify(chip, data, undefined as never, 0),
        TypeError,
        /ipiSendVerify: dest/,
      );
      expectRejected(
        m,
        () => m.ipi.ipiSendVerify(undefined as never, data, null, 0),
        TypeError,
        /ipiSendVerify: chip/,
      );
      expectRejected(
        m,
        () => m.ipi.ipiSendVerify(chip, 7 as never, null, 0),
        TypeError,
        /ipiSendVerify: data/,
      );
    });
  });
});

describe(Ipi, () => {
  describe('having two machines', () => {
    it('should keep reservations, warnings and WARN_ON_ONCE flags per machine', () => {
      const a = setup();
      const b = setup();
      expect(a.ipi.ipiSendSingle(9, 0)).toBe(-Errno.EINVAL);
      expect(b.ipi.ipiSendSingle(9, 0)).toBe(-Errno.EINVAL);
      expect([a.warnings.length, b.warnings.length]).toEqual([1, 1]);
      const fa = createIpiDomain(a, { mode: 'single' });
      expect(reserve(a, fa, [0])).toBe(1);
      expect(b.irq.descs.allocatedCount).toBe(0);
    });
  });
});
