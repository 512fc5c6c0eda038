/**
 * Linux's `struct apic` IPI callbacks per APIC mode: which ICR writes each one makes.
 */
import { describe, expect, it } from '@jest/globals';
import {
  APIC_DEST_ALLBUT,
  APIC_DEST_ALLINC,
  APIC_DEST_LOGICAL,
  APIC_DEST_SELF,
  APIC_DM_NMI,
  CheckedApicIpiOps,
  FlatIpiOps,
  NMI_VECTOR,
  PhysflatIpiOps,
  X2apicClusterIpiOps,
  X2apicPhysIpiOps,
} from '../../../drivers/apic/index.js';
import { Cpumask } from '../../../lib/index.js';
import {
  apicOf,
  apicState,
  expectRejected,
  hit,
  icrLog,
  onCpu,
  probeVector,
  x86Machine,
} from './fixtures.js';

const V = 0x40;

describe(PhysflatIpiOps.prototype.sendIPIMask, () => {
  describe('having three CPUs in the mask', () => {
    it('should make one ICR2 + ICR sequence per CPU, ascending, to each APIC ID', () => {
      const m = x86Machine(8);
      const p = probeVector(m, V);
      const log = icrLog(m);
      const apic = apicOf(m);
      expect(apic.ops.name).toBe('physical flat');
      onCpu(m, 0, () => {
        apic.ops.sendIPIMask(Cpumask.of(8, [6, 1, 4]), V);
      });
      expect(log.map((w) => [w.icr, w.dest])).toEqual([
        [V, 2],
        [V, 1],
        [V, 5],
      ]);
      expect(hit(p.counts)).toEqual([1, 4, 6]);
    });
  });

  describe('having a delivery status that stays busy after each send', () => {
    it('should poll the ICR until idle before each sequence, counting the retries in RTR', () => {
      const m = x86Machine(8, { apicTiming: { icrBusyNs: 100, xapicIcrReadNs: 10, perDestNs: 0 } });
      probeVector(m, V);
      const t = apicOf(m).timing;
      let spent = 0;
      onCpu(m, 2, () => {
        const t0 = m.sim.localNow();
        apicOf(m).ops.sendIPIMask(Cpumask.of(8, [0, 1, 3]), V);
        spent = m.sim.localNow() - t0;
      });
      // The first sequence finds the ICR idle; the next two poll 10 times (9 retries) each.
      expect(m.irqStats.get('RTR')?.counts[2]).toBe(18);
      const seq = t.xapicIcr2WriteNs + t.xapicIcrWriteNs;
      expect(spent).toBe(10 + seq + 2 * (100 + seq));
    });
  });
});

describe(PhysflatIpiOps.prototype.sendIPIMaskAllButSelf, () => {
  describe('having the sender in the mask', () => {
    it('should skip it', () => {
      const m = x86Machine(4);
      const p = probeVector(m, V);
      onCpu(m, 1, () => {
        apicOf(m).ops.sendIPIMaskAllButSelf(Cpumask.full(4), V);
      });
      expect(hit(p.counts)).toEqual([0, 2, 3]);
    });
  });
});

describe(FlatIpiOps.prototype.sendIPIMask, () => {
  describe('having a mask of several CPUs', () => {
    it('should make one logical ICR write with the OR-ed bitmap', () => {
      const m = x86Machine(8, { apicMode: 'xapic-logical-flat' });
      const p = probeVector(m, V);
      const log = icrLog(m);
      expect(apicOf(m).ops.name).toBe('flat');
      onCpu(m, 0, () => {
        apicOf(m).ops.sendIPIMask(Cpumask.of(8, [1, 3, 6]), V);
      });
      expect(log.map((w) => [w.icr, w.dest])).toEqual([[APIC_DEST_LOGICAL | V, 0b01001010]]);
      expect(hit(p.counts)).toEqual([1, 3, 6]);
    });
  });

  describe('having an empty mask', () => {
    it('should send nothing', () => {
      const m = x86Machine(8, { apicMode: 'xapic-logical-flat' });
      const log = icrLog(m);
      onCpu(m, 0, () => {
        apicOf(m).ops.sendIPIMask(new Cpumask(8), V);
      });
      expect(log).toEqual([]);
    });
  });

  describe('having an offline CPU in the mask', () => {
    it('should WARN and still send', () => {
      const m = x86Machine(8, { apicMode: 'xapic-logical-flat' }, { onlineCpus: [0, 1, 2] });
      const log = icrLog(m);
      onCpu(m, 0, () => {
        apicOf(m).ops.sendIPIMask(Cpumask.of(8, [1, 5]), V);
      });
      expect(m.warnings.map((w) => w.site)).toContain('default_send_IPI_mask_logical');
      expect(log).toHaveLength(1);
    });
  });
});

describe(FlatIpiOps.prototype.sendIPIMaskAllButSelf, () => {
  describe('having a mask with the sender', () => {
    it('should make one logical write per other CPU', () => {
      const m = x86Machine(4, { apicMode: 'xapic-logical-flat' });
      const log = icrLog(m);
      onCpu(m, 2, () => {
        apicOf(m).ops.sendIPIMaskAllButSelf(Cpumask.full(4), V);
      });
      expect(log.map((w) => w.dest)).toEqual([0b0001, 0b0010, 0b1000]);
    });
  });
});

describe(FlatIpiOps.prototype.sendIPI, () => {
  describe('having one CPU', () => {
    it('should send to its logical ID 1 << cpu', () => {
      const m = x86Machine(4, { apicMode: 'xapic-logical-flat' });
      const log = icrLog(m);
      onCpu(m, 0, () => {
        apicOf(m).ops.sendIPI(3, V);
      });
      expect(log.map((w) => [w.icr, w.dest])).toEqual([[APIC_DEST_LOGICAL | V, 0b1000]]);
    });
  });
});

describe(X2apicPhysIpiOps.prototype.sendIPIMask, () => {
  describe('having a mask', () => {
    it('should make one physical ICR MSR write per CPU with its 32-bit APIC ID', () => {
      const m = x86Machine(300, { apicMode: 'x2apic-phys' });
      const log = icrLog(m);
      expect(apicOf(m).ops.name).toBe('physical x2apic');
      onCpu(m, 0, () => {
        apicOf(m).ops.sendIPIMask(Cpumask.of(300, [0, 151, 299]), V);
      });
      expect(log.map((w) => [w.icr, w.dest])).toEqual([
        [V, 0],
        [V, 3],
        [V, 299],
      ]);
    });
  });

  describe('having the all-but-self variant', () => {
    it('should skip the sender', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-phys' });
      const log = icrLog(m);
      onCpu(m, 3, () => {
        apicOf(m).ops.sendIPIMaskAllButSelf(Cpumask.full(4), V);
      });
      expect(log.map((w) => w.dest)).toEqual([0, 2, 1]);
    });
  });
});

describe(X2apicClusterIpiOps.prototype.sendIPIMask, () => {
  describe('having every CPU of a 64-CPU machine (row 77)', () => {
    it('should send one logical IPI per cluster with the OR of its logical IDs', () => {
      const m = x86Machine(64, { apicMode: 'x2apic-cluster' });
      const p = probeVector(m, V);
      const log = icrLog(m);
      expect(apicOf(m).ops.name).toBe('cluster x2apic');
      onCpu(m, 0, () => {
        apicOf(m).ops.sendIPIMask(Cpumask.full(64), V);
      });
      expect(log.map((w) => [w.icr, w.dest])).toEqual(
        [0, 1, 2, 3].map((k) => [APIC_DEST_LOGICAL | V, (k << 16) | 0xffff]),
      );
      expect(p.counts.every((n) => n === 1)).toBe(true);
    });
  });

  describe('having CPUs scattered over two clusters (row 77)', () => {
    it('should collapse each cluster into one write, in the order of its first CPU', () => {
      const m = x86Machine(64, { apicMode: 'x2apic-cluster' });
      const p = probeVector(m, V);
      const log = icrLog(m);
      onCpu(m, 0, () => {
        // APIC IDs 2, 4, 3 (cluster 0) and 17 (cluster 1).
        apicOf(m).ops.sendIPIMask(Cpumask.of(64, [1, 2, 33, 40]), V);
      });
      expect(log.map((w) => w.dest)).toEqual([0b11100, (1 << 16) | 0b10]);
      expect(hit(p.counts)).toEqual([1, 2, 33, 40]);
    });
  });

  describe('having the all-but-self variant', () => {
    it('should drop the sender before collapsing', () => {
      const m = x86Machine(64, { apicMode: 'x2apic-cluster' });
      const log = icrLog(m);
      onCpu(m, 1, () => {
        apicOf(m).ops.sendIPIMaskAllButSelf(Cpumask.full(64), V);
      });
      expect(log.map((w) => w.dest)).toEqual([0xfffb, 0x1ffff, 0x2ffff, 0x3ffff]);
    });
  });
});

describe(X2apicClusterIpiOps.prototype.sendIPI, () => {
  describe('having one CPU', () => {
    it('should send one logical IPI to its logical ID', () => {
      const m = x86Machine(64, { apicMode: 'x2apic-cluster' });
      const log = icrLog(m);
      onCpu(m, 0, () => {
        apicOf(m).ops.sendIPI(40, V);
      });
      expect(log.map((w) => [w.icr, w.dest])).toEqual([[APIC_DEST_LOGICAL | V, 0x10002]]);
    });
  });
});

describe.each([
  ['xapic-phys', 'xAPIC'],
  ['x2apic-cluster', 'x2APIC'],
])('the shorthand callbacks in %s mode', (apicMode, what) => {
  describe(`having ${what}`, () => {
    it('should make one ICR write with the all-but-self, all-including-self and self shorthands', () => {
      const m = x86Machine(8, { apicMode });
      const p = probeVector(m, V);
      const log = icrLog(m);
      onCpu(m, 5, () => {
        const ops = apicOf(m).ops;
        ops.sendIPIAllButSelf(V);
        ops.sendIPIAll(V);
        if (apicMode === 'xapic-phys') ops.sendIPISelf(V);
      });
      const expected = [APIC_DEST_ALLBUT | V, APIC_DEST_ALLINC | V];
      if (apicMode === 'xapic-phys') expected.push(APIC_DEST_SELF | V);
      expect(log.map((w) => w.icr)).toEqual(expected);
      expect(p.counts).toEqual([2, 2, 2, 2, 2, apicMode === 'xapic-phys' ? 2 : 1, 2, 2]);
    });
  });
});

describe(X2apicPhysIpiOps.prototype.sendIPISelf, () => {
  describe('having x2APIC', () => {
    it('should use the SELF_IPI register (a self-shorthand fixed message)', () => {
      const m = x86Machine(4, { apicMode: 'x2apic-phys' });
      const p = probeVector(m, V);
      const log = icrLog(m);
      onCpu(m, 2, () => {
        apicOf(m).ops.sendIPISelf(V);
      });
      expect(log.map((w) => w.icr)).toEqual([APIC_DEST_SELF | V]);
      expect(hit(p.counts)).toEqual([2]);
    });
  });
});

describe(PhysflatIpiOps.prototype.sendIPIAllButSelf, () => {
  describe('having an NMI behind a busy ICR', () => {
    it('should poll with the bounded wait (100 µs steps), counting each retry in RTR', () => {
      const m = x86Machine(4, {
        apicTiming: { icrBusyNs: 250_000, xapicIcrReadNs: 10, perDestNs: 0 },
      });
      probeVector(m, V);
      const log = icrLog(m);
      let gap = 0;
      onCpu(m, 0, () => {
        const ops = apicOf(m).ops;
        ops.sendIPI(1, V);
        const t0 = m.sim.localNow();
        ops.sendIPIAllButSelf(NMI_VECTOR);
        gap = m.sim.localNow() - t0;
      });
      // Polls at +10 (busy), +100 020, +200 030 (busy) and +300 040 (idle).
      expect(m.irqStats.get('RTR')?.counts[0]).toBe(3);
      expect(gap).toBe(300_040 + apicOf(m).timing.xapicIcrWriteNs);
      expect(log.at(-1)?.icr).toBe(APIC_DEST_ALLBUT | APIC_DM_NMI);
      expect(m.irqStats.get('NMI')?.counts).toEqual(new Uint32Array([0, 1, 1, 1]));
    });
  });
});

describe(CheckedApicIpiOps, () => {
  describe('having bad arguments', () => {
    it.each([
      ['sendIPI', [8, V], RangeError, /send_IPI: cpu is 8; expected a CPU number in \[0, 8\)/],
      ['sendIPI', ['1', V], TypeError, /send_IPI: cpu is "1"/],
      ['sendIPI', [1, 256], RangeError, /send_IPI: vector is 256; expected 0\.\.255/],
      ['sendIPIMask', [Cpumask.full(4), V], RangeError, /send_IPI_mask: mask is 4 bits wide/],
      ['sendIPIMaskAllButSelf', [null, V], TypeError, /send_IPI_mask_allbutself: mask is null/],
      ['sendIPIAll', [1.5], TypeError, /send_IPI_all: vector is 1.5/],
      ['sendIPIAllButSelf', [-1], RangeError, /send_IPI_allbutself: vector is -1/],
      ['sendIPISelf', ['x'], TypeError, /send_IPI_self: vector is "x"/],
    ] as const)(
      'should reject %s%j naming the argument and change nothing',
      (method, args, type, message) => {
        const m = x86Machine(8);
        const ops = apicOf(m).ops as unknown as Record<string, (...a: unknown[]) => void>;
        let err: unknown = null;
        const before = JSON.stringify(apicState(m));
        onCpu(m, 0, () => {
          try {
            ops[method](...args);
          } catch (e) {
            err = e;
          }
        });
        expect(err).toBeInstanceOf(type);
        expect(String(err)).toMatch(message);
        expect(JSON.stringify(apicState(m))).toBe(before);
      },
    );

    it('should refuse to send from outside simulated code', () => {
      const m = x86Machine(8);
      expectRejected(
        m,
        () => {
          apicOf(m).ops.sendIPIAll(V);
        },
        Error,
        /send_IPI_all: no CPU is running/,
      );
      expectRejected(
        m,
        () => {
          apicOf(m).ops.sendIPIMask(Cpumask.of(8, [1]), V);
        },
        Error,
        /no CPU is running/,
      );
    });
  });
});
