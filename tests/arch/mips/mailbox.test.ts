/**
 * The mips-mailbox platform (Loongson-3 / Octeon, spec §9.2.2): sending action bits, the mailbox
 * interrupt handler, coalescing, interrupts-off delivery, the icache flush and the Count sync.
 */
import { describe, expect, it, jest } from '@jest/globals';
import {
  LOONGSON3_MAX_LOOPS,
  MipsCp0,
  MipsIcache,
  MipsMailboxSmpOps,
  SMP_ASK_C0COUNT,
  SMP_CALL_FUNCTION,
  SMP_ICACHE_FLUSH,
  SMP_RESCHEDULE_YOURSELF,
} from '../../../arch/mips/index.js';
import { MIPS_MAILBOX_CPU_LINE, MipsMailbox } from '../../../drivers/mips-mailbox/index.js';
import { Cpumask, IRQF_NO_THREAD, IRQF_PERCPU, type MmStruct } from '../../../lib/index.js';
import { expectRejected, mailboxMachine, settle } from './helpers.js';

describe(MipsMailboxSmpOps.prototype.setup, () => {
  describe('having a fresh machine', () => {
    it('should enable every mailbox bit and request the "SMP-IPI" per-CPU irq on line IP6', () => {
      const { m, arch } = mailboxMachine(4);
      const mb = m.get(MipsMailbox);
      for (let c = 0; c < 4; c++) expect(mb.readl(c, 0x04)).toBe(0xffffffff);
      const virq = arch.smpOps.mailboxVirq;
      expect(virq).toBe(1);
      const desc = m.irq.irqToDesc(virq)!;
      expect(desc.irqData.hwirq).toBe(MIPS_MAILBOX_CPU_LINE);
      expect(desc.irqData.chip?.name).toBe('MIPS');
      expect(desc.handleIrq).toBe(m.irq.flow.handlePercpuIrq);
      expect(desc.actions.map((a) => [a.name, a.flags])).toEqual([
        ['SMP-IPI', IRQF_PERCPU | IRQF_NO_THREAD],
      ]);
      expect(m.ipiDomain).toBeNull();
      arch.smpOps.setup();
      expect(arch.smpOps.mailboxVirq).toBe(virq);
    });
  });
});

describe(MipsMailboxSmpOps.prototype.sendIpiSingle, () => {
  describe('having an action for a CPU', () => {
    it("should write the action bits to that core's mailbox SET, visible after the bus latency", () => {
      const { m, arch } = mailboxMachine(4);
      const mb = m.get(MipsMailbox);
      const cpu1 = m.sim.cpu(1);
      // Keep CPU 1 from taking the interrupt so the register can be read.
      m.sim.spawn(1, function* () {
        m.sim.localIrqDisable();
        yield m.sim.delay(1_000);
        m.sim.localIrqEnable();
      });
      m.run({ until: 0 });
      arch.smpOps.sendIpiSingle(1, SMP_CALL_FUNCTION | SMP_RESCHEDULE_YOURSELF);
      expect(mb.readl(1, 0x00)).toBe(0);
      m.run({ until: mb.timing.latencyNs });
      expect(mb.readl(1, 0x00)).toBe(0x3);
      expect(mb.lineAsserted(1)).toBe(true);
      expect(cpu1.irqCount).toBe(0);
      settle(m);
      expect(mb.readl(1, 0x00)).toBe(0);
      expect(arch.smpOps.mailboxInterrupts[1]).toBe(1);
    });
  });
});

describe(MipsMailboxSmpOps.prototype.sendIpiMask, () => {
  describe('having a mask', () => {
    it("should write each CPU's mailbox, ascending, one write per CPU", () => {
      const { m, arch } = mailboxMachine(4);
      const mb = m.get(MipsMailbox);
      const writes: [number, number, number][] = [];
      const writel = mb.writel.bind(mb);
      jest.spyOn(mb, 'writel').mockImplementation((core, off, value) => {
        writes.push([core, off, value]);
        writel(core, off, value);
      });
      arch.smpOps.sendIpiMask(Cpumask.of(4, [3, 0, 2]), SMP_RESCHEDULE_YOURSELF);
      expect(writes.filter((w) => w[1] === 0x08)).toEqual([
        [0, 0x08, 1],
        [2, 0x08, 1],
        [3, 0x08, 1],
      ]);
      settle(m);
      expect(Array.from(m.sched.schedulerIpis)).toEqual([1, 0, 1, 1]);
    });
  });
});

describe('mailboxInterrupt', () => {
  describe('having several actions pending', () => {
    it('should read and clear the mailbox once, then run the actions in ascending bit order', () => {
      const { m, arch } = mailboxMachine(4);
      const order: string[] = [];
      jest.spyOn(m.sched, 'schedulerIpi').mockImplementation(() => order.push('resched'));
      jest
        .spyOn(m.smp, 'genericSmpCallFunctionSingleInterrupt')
        .mockImplementation(() => order.push('call'));
      const icache = m.get(MipsIcache);
      jest.spyOn(icache, 'octeonLocalFlushIcache').mockImplementation(() => order.push('icache'));
      const cp0 = m.get(MipsCp0);
      jest.spyOn(cp0, 'readC0Count').mockImplementation(() => {
        order.push('c0count');
        return 5;
      });
      arch.smpOps.sendIpiSingle(
        0,
        SMP_ASK_C0COUNT | SMP_ICACHE_FLUSH | SMP_CALL_FUNCTION | SMP_RESCHEDULE_YOURSELF | 0x100,
      );
      settle(m);
      expect(order).toEqual(['resched', 'call', 'icache', 'c0count']);
      expect(arch.smpOps.mailboxInterrupts[0]).toBe(1);
      expect(m.get(MipsMailbox).readl(0, 0x00)).toBe(0);
      expect(Array.from(arch.smpOps.core0C0count)).toEqual([0, 5, 5, 5]);
    });
  });

  describe('having the same action sent twice before the target handles it', () => {
    it('should coalesce the bits into one interrupt and one scheduler_ipi()', () => {
      const { m, arch } = mailboxMachine(4);
      const mb = m.get(MipsMailbox);
      m.sim.spawn(2, function* () {
        const flags = m.sim.localIrqSave();
        yield m.sim.delay(5_000);
        m.sim.localIrqRestore(flags);
        yield m.sim.delay(0);
      });
      m.sim.spawn(0, function* () {
        m.sched.smpSendReschedule(2);
        yield m.sim.delay(500);
        m.sched.smpSendReschedule(2);
      });
      settle(m);
      expect(m.sched.schedulerIpis[2]).toBe(1);
      expect(arch.smpOps.mailboxInterrupts[2]).toBe(1);
      expect(mb.coalesced[2]).toBe(1);
    });
  });

  describe('having a target with interrupts disabled', () => {
    it('should deliver the IPI when the target re-enables interrupts, not before and not later', () => {
      const { m } = mailboxMachine(4);
      let ranAt = -1;
      let enabledAt = -1;
      m.sim.spawn(1, function* () {
        m.sim.localIrqDisable();
        yield m.sim.delay(8_000);
        enabledAt = m.sim.localNow();
        m.sim.localIrqEnable();
        yield m.sim.delay(20_000);
      });
      m.sim.spawn(0, function* () {
        yield m.sim.delay(100);
        yield* m.smp.smpCallFunctionSingle(
          1,
          () => {
            ranAt = m.sim.localNow();
          },
          null,
          false,
        );
      });
      settle(m);
      expect(enabledAt).toBe(8_000);
      expect(ranAt).toBeGreaterThan(enabledAt);
      // Taken right away: interrupt entry plus the handler's own register accesses.
      expect(ranAt - enabledAt).toBeLessThan(m.timing.irqEntryNs + 200);
    });
  });

  describe('having SMP_ASK_C0COUNT on a CPU other than 0', () => {
    it('should BUG (BUG_ON(cpu != 0) in loongson3_ipi_interrupt)', () => {
      const { m, arch } = mailboxMachine(4);
      arch.smpOps.sendIpiSingle(1, SMP_ASK_C0COUNT);
      expect(() => m.run()).toThrow(
        /kernel BUG at arch\/mips\/loongson64\/smp.c \(loongson3_ipi_interrupt\): SMP_ASK_C0COUNT on CPU1/,
      );
    });
  });
});

describe(MipsMailboxSmpOps.prototype.octeonFlushIcacheAllCores, () => {
  describe("having stale code in other CPUs' icaches", () => {
    it('should flush here and send SMP_ICACHE_FLUSH so that they fetch the new code', () => {
      const { m, arch } = mailboxMachine(4);
      const icache = m.get(MipsIcache);
      icache.storeInstruction(0x1000, 0xaaaa);
      for (let c = 0; c < 4; c++) expect(icache.fetch(0x1000, c)).toBe(0xaaaa);
      icache.storeInstruction(0x1000, 0xbbbb);
      // Not coherent: every CPU still executes the old word.
      expect(icache.fetch(0x1000, 2)).toBe(0xaaaa);
      m.sim.spawn(1, function* () {
        arch.smpOps.octeonFlushIcacheAllCores(null);
        yield m.sim.delay(0);
      });
      settle(m);
      expect(Array.from(icache.flushes)).toEqual([1, 1, 1, 1]);
      for (let c = 0; c < 4; c++) expect(icache.fetch(0x1000, c)).toBe(0xbbbb);
    });
  });

  describe('having an address space', () => {
    it('should only interrupt the other CPUs that ran it', () => {
      const { m, arch } = mailboxMachine(4);
      const icache = m.get(MipsIcache);
      let mm: MmStruct | null = null;
      m.sim.spawn(0, function* () {
        mm = m.tlb.mmAlloc();
        m.tlb.switchMm(mm);
        yield m.sim.delay(0);
      });
      settle(m);
      m.sim.spawn(3, function* () {
        m.tlb.switchMm(mm!);
        arch.smpOps.octeonFlushIcacheAllCores(mm);
        yield m.sim.delay(0);
      });
      settle(m);
      expect(Array.from(icache.flushes)).toEqual([1, 0, 0, 1]);
    });
  });

  describe('having a bad mm', () => {
    it('should throw a TypeError and change nothing', () => {
      const { m, arch } = mailboxMachine(4);
      expectRejected(
        m,
        () => {
          arch.smpOps.octeonFlushIcacheAllCores({} as unknown as MmStruct);
        },
        TypeError,
        /octeonFlushIcacheAllCores: mm/,
      );
    });
  });
});

describe(MipsMailboxSmpOps.prototype.loongson3SyncC0Count, () => {
  describe('having unsynchronised counters', () => {
    it("should set a secondary's Count to CPU 0's plus the spin correction", () => {
      const { m, arch } = mailboxMachine(4);
      const cp0 = m.get(MipsCp0);
      expect(Math.abs(cp0.countOf(1) - cp0.countOf(0))).toBeGreaterThan(1000);
      const task = m.sim.spawn(1, function* () {
        return yield* arch.smpOps.loongson3SyncC0Count();
      });
      settle(m);
      const slot = arch.smpOps.core0C0count[1];
      expect(slot).toBeGreaterThan(0);
      expect(task.result! - slot).toBeGreaterThanOrEqual(0);
      expect(task.result! - slot).toBeLessThanOrEqual(LOONGSON3_MAX_LOOPS / 2);
      // Both counters now read within a few hundred ticks of each other.
      expect(Math.abs(cp0.countOf(1) - cp0.countOf(0))).toBeLessThan(1000);
    });
  });

  describe('having secondaries in package 0 and package 1', () => {
    it('should add half the loop count in package 0 and all of it elsewhere', () => {
      const { m, arch } = mailboxMachine(8);
      const t1 = m.sim.spawn(1, function* () {
        return yield* arch.smpOps.loongson3SyncC0Count();
      });
      const t5 = m.sim.spawn(5, function* () {
        return yield* arch.smpOps.loongson3SyncC0Count();
      });
      settle(m);
      const slots = arch.smpOps.core0C0count;
      expect(slots[1]).toBe(slots[5]);
      const d1 = t1.result! - slots[1];
      const d5 = t5.result! - slots[5];
      expect(d5).toBeGreaterThan(0);
      expect(d1).toBe(d5 >>> 1);
    });
  });

  describe('having CPU 0 busy with interrupts off for a long time', () => {
    it('should cap the loop count at MAX_LOOPS (800)', () => {
      const { m, arch } = mailboxMachine(8);
      m.sim.spawn(0, function* () {
        const flags = m.sim.localIrqSave();
        yield m.sim.delay(50_000);
        m.sim.localIrqRestore(flags);
        yield m.sim.delay(0);
      });
      const t5 = m.sim.spawn(5, function* () {
        return yield* arch.smpOps.loongson3SyncC0Count();
      });
      settle(m);
      expect(t5.result! - arch.smpOps.core0C0count[5]).toBe(LOONGSON3_MAX_LOOPS);
    });
  });

  describe('having no current CPU', () => {
    it('should throw and change nothing', () => {
      const { m, arch } = mailboxMachine(4);
      expectRejected(
        m,
        () => arch.smpOps.loongson3SyncC0Count().next(),
        Error,
        /smpProcessorId: no CPU is running/,
      );
    });
  });
});

describe(MipsIcache.prototype.fetch, () => {
  describe('having bad input', () => {
    it.each([
      [
        'a fractional address',
        () => (ic: MipsIcache) => ic.fetch(1.5, 0),
        TypeError,
        /fetch: addr is 1.5/,
      ],
      [
        'a CPU outside the machine',
        () => (ic: MipsIcache) => ic.fetch(0, 9),
        RangeError,
        /fetch: cpu is 9/,
      ],
      [
        'no CPU outside simulated code',
        () => (ic: MipsIcache) => ic.fetch(0),
        Error,
        /no CPU is running/,
      ],
      [
        'a bad instruction word',
        () => (ic: MipsIcache) => {
          ic.storeInstruction(0, NaN);
        },
        TypeError,
        /storeInstruction: word is NaN/,
      ],
    ])('should reject %s', (_what, make, type, message) => {
      const { m } = mailboxMachine(4);
      const ic = m.get(MipsIcache);
      expect(() => {
        make()(ic);
      }).toThrow(type);
      expect(() => {
        make()(ic);
      }).toThrow(message);
      expect(ic.cached(0, 0)).toBe(false);
    });
  });
});

describe(MipsCp0.prototype.countOf, () => {
  describe('having time pass', () => {
    it('should tick once every 2 ns and wrap at 2^32', () => {
      const { m } = mailboxMachine(2);
      const cp0 = m.get(MipsCp0);
      expect(cp0.countOf(0)).toBe(0);
      m.run({ until: 1_000 });
      expect(cp0.countOf(0)).toBe(500);
      m.sim.spawn(0, function* () {
        cp0.writeC0Count(0xffffffff);
        yield m.sim.delay(4);
      });
      settle(m);
      expect(cp0.countOf(0)).toBe(1);
    });
  });

  describe('having bad input', () => {
    it('should throw a RangeError for a CPU outside the machine and a TypeError for a bad value', () => {
      const { m } = mailboxMachine(2);
      const cp0 = m.get(MipsCp0);
      expect(() => cp0.countOf(2)).toThrow(/countOf: cpu is 2/);
      m.sim.spawn(0, function* () {
        expect(() => {
          cp0.writeC0Count(0.5);
        }).toThrow(/writeC0Count: value is 0.5/);
        yield m.sim.delay(0);
      });
      settle(m);
    });
  });
});
