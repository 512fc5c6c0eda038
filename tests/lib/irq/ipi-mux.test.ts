/**
 * kernel/irq/ipi-mux.c (spec §6, rows 48–53) on a `test` machine: the mux's parent send is a
 * recording callback, so every parent IPI it asks for is visible.
 */
import { describe, expect, it } from '@jest/globals';
import {
  Cpumask,
  DOMAIN_BUS_IPI,
  Errno,
  IPI_MUX_MAX_IPI,
  IRQ_DOMAIN_FLAG_HIERARCHY,
  IRQ_DOMAIN_FLAG_IPI_PER_CPU,
  IRQ_DOMAIN_FLAG_IPI_SINGLE,
  IRQ_PER_CPU_DEVID,
  IpiMux,
  IrqReturn,
  type Machine,
  createMachine,
} from '../../../lib/index.js';

const NR = 4;

interface Mux {
  readonly m: Machine;
  readonly base: number;
  /** Parent IPIs the mux asked for, by target CPU, in order. */
  readonly sent: number[];
  /** Handler runs as `hwirq@cpu`, in order. */
  readonly handled: string[];
}

/** A machine with an `nr`-vIPI mux; each vIPI has a recording per-CPU handler but none is enabled. */
function setup(nr = 8): Mux {
  const m = createMachine({ arch: 'test', nrCpus: NR });
  const sent: number[] = [];
  const handled: string[] = [];
  const base = m.irq.ipiMuxCreate(nr, (cpu) => {
    sent.push(cpu);
  });
  expect(base).toBeGreaterThan(0);
  for (let i = 0; i < nr; i++) {
    const rc = m.irq.requestPercpuIrq(
      base + i,
      (irq) => {
        handled.push(`${irq - base}@${m.sim.smpProcessorId()}`);
        return IrqReturn.IRQ_HANDLED;
      },
      'vipi',
      null,
    );
    expect(rc).toBe(0);
  }
  return { m, base, sent, handled };
}

function process(mux: Mux, cpu: number): void {
  mux.m.sim.withCurrent(cpu, () => {
    mux.m.irq.ipiMuxProcess();
  });
}

describe(IpiMux.prototype.ipiMuxCreate, () => {
  it('should reject a second create with -EEXIST and allocate nothing more (row 48)', () => {
    const { m } = setup(4);
    const domains = m.irq.domains.domains.length;
    const descs = m.irq.descs.allocatedCount;
    expect(m.irq.ipiMuxCreate(4, () => undefined)).toBe(-Errno.EEXIST);
    // The existence check comes first: even invalid arguments get -EEXIST.
    expect(m.irq.ipiMuxCreate(33, null)).toBe(-Errno.EEXIST);
    expect(m.irq.domains.domains.length).toBe(domains);
    expect(m.irq.descs.allocatedCount).toBe(descs);
  });

  it.each([
    ['more than 32 vIPIs', 33],
    ['a count that is a huge unsigned number in C', -1],
  ])('should reject %s with -EINVAL before creating anything (row 49)', (_, nr) => {
    const m = createMachine({ arch: 'test', nrCpus: NR });
    expect(m.irq.ipiMuxCreate(nr, () => undefined)).toBe(-Errno.EINVAL);
    expect(m.irq.domains.domains).toHaveLength(2);
    expect(m.irq.ipiMux.domain).toBeNull();
  });

  it('should reject a null send callback with -EINVAL (row 49)', () => {
    const m = createMachine({ arch: 'test', nrCpus: NR });
    expect(m.irq.ipiMuxCreate(2, null)).toBe(-Errno.EINVAL);
    expect(m.irq.descs.allocatedCount).toBe(0);
  });

  it('should accept exactly 32 vIPIs, the width of an int', () => {
    const m = createMachine({ arch: 'test', nrCpus: NR });
    expect(IPI_MUX_MAX_IPI).toBe(32);
    expect(m.irq.ipiMuxCreate(32, () => undefined)).toBe(1);
    expect(m.irq.ipiMux.domain?.hwirqMax).toBe(32);
  });

  it('should fail 0 vIPIs at descriptor allocation (-EINVAL), remove the domain, and allow a retry', () => {
    const m = createMachine({ arch: 'test', nrCpus: NR });
    expect(m.irq.ipiMuxCreate(0, () => undefined)).toBe(-Errno.EINVAL);
    expect(m.irq.domains.domains.map((d) => d.name)).not.toContain('IPI-Mux-6');
    expect(m.irq.ipiMux.domain).toBeNull();
    expect(m.irq.ipiMuxCreate(3, () => undefined)).toBe(1);
  });

  it('should throw TypeError for a non-integer count or a send that is not a function', () => {
    const m = createMachine({ arch: 'test', nrCpus: NR });
    expect(() => m.irq.ipiMuxCreate(1.5, () => undefined)).toThrow(
      /nrIpi is 1\.5; expected an integer/,
    );
    expect(() => m.irq.ipiMuxCreate(2, 7 as never)).toThrow(/muxSend is 7; expected a function/);
    expect(m.irq.descs.allocatedCount).toBe(0);
  });

  it('should create a linear IPI-Mux-6 domain of nr hwirqs, SINGLE flag, bus IPI, hwirq = index (row 50)', () => {
    const { m, base } = setup(6);
    expect(base).toBe(1);
    const d = m.irq.ipiMux.domain;
    if (d === null) throw new Error('no mux domain');
    expect(d.name).toBe('IPI-Mux-6');
    expect(d.busToken).toBe(DOMAIN_BUS_IPI);
    const ipiFlags = IRQ_DOMAIN_FLAG_IPI_SINGLE | IRQ_DOMAIN_FLAG_IPI_PER_CPU;
    expect(d.flags & (ipiFlags | IRQ_DOMAIN_FLAG_HIERARCHY)).toBe(
      IRQ_DOMAIN_FLAG_HIERARCHY | IRQ_DOMAIN_FLAG_IPI_SINGLE,
    );
    expect([d.revmapSize, d.hwirqMax]).toEqual([6, 6]);
    expect(m.irq.irqFindMatchingFwnode(d.fwnode, DOMAIN_BUS_IPI)).toBe(d);
    for (let i = 0; i < 6; i++) {
      const desc = m.irq.irqToDesc(base + i);
      expect(desc?.irqData.hwirq).toBe(i);
      expect(desc?.irqData.domain).toBe(d);
      expect(desc?.irqData.chip?.name).toBe('IPI Mux');
      expect(desc?.handleIrq).toBe(m.irq.flow.handlePercpuDevidIrq);
      expect((desc?.irqCommonData.statusFlags ?? 0) & IRQ_PER_CPU_DEVID).toBe(IRQ_PER_CPU_DEVID);
      expect(m.irq.irqFindMapping(d, i)).toBe(base + i);
    }
    expect(m.irq.descs.allocatedCount).toBe(6);
  });
});

describe('the ipi-mux chip', () => {
  it('should raise the parent only when a vIPI becomes newly pending on a CPU that enabled it (row 51)', () => {
    const mux = setup();
    const { m, base, sent } = mux;
    m.irq.enablePercpuIrq(base + 2, 1);
    expect(sent).toEqual([]);
    expect(m.ipi.ipiSendSingle(base + 2, 1)).toBe(0);
    expect(m.ipi.ipiSendSingle(base + 2, 1)).toBe(0);
    // The second send coalesced into the first: one parent IPI, one pending bit.
    expect(sent).toEqual([1]);
    expect(m.irq.ipiMux.pendingMask(1)).toBe(1 << 2);
    // CPU 2 has the vIPI masked: its bit is set, no parent IPI.
    expect(m.ipi.ipiSendMask(base + 2, Cpumask.of(NR, [1, 2]))).toBe(0);
    expect(sent).toEqual([1]);
    expect(m.irq.ipiMux.pendingMask(2)).toBe(1 << 2);
    // Another vIPI becoming pending on CPU 1 raises the parent again.
    m.irq.enablePercpuIrq(base + 5, 1);
    m.ipi.ipiSendSingle(base + 5, 1);
    expect(sent).toEqual([1, 1]);
    // Once processed, the next send raises it again.
    process(mux, 1);
    expect(mux.handled).toEqual(['2@1', '5@1']);
    m.ipi.ipiSendSingle(base + 2, 1);
    expect(sent).toEqual([1, 1, 1]);
  });

  it('should keep a masked vIPI pending and self-IPI when it is unmasked (row 52)', () => {
    const mux = setup();
    const { m, base, sent } = mux;
    m.irq.enablePercpuIrq(base + 3, 2);
    m.irq.manage.disablePercpuIrq(base + 3, 2);
    expect(m.irq.ipiMux.enableMask(2)).toBe(0);
    m.ipi.ipiSendSingle(base + 3, 2);
    expect(sent).toEqual([]);
    expect(m.irq.ipiMux.pendingMask(2)).toBe(1 << 3);
    // Unmasking finds it pending and raises the parent on this CPU.
    m.irq.enablePercpuIrq(base + 3, 2);
    expect(sent).toEqual([2]);
    expect(m.irq.ipiMux.enableMask(2)).toBe(1 << 3);
    // Unmasking with nothing pending raises nothing.
    m.irq.enablePercpuIrq(base + 4, 2);
    expect(sent).toEqual([2]);
    process(mux, 2);
    expect(mux.handled).toEqual(['3@2']);
  });

  it('should process pending ∧ enabled vIPIs in ascending order and leave masked ones pending (row 53)', () => {
    const mux = setup();
    const { m, base } = mux;
    for (const v of [0, 3, 7]) m.irq.enablePercpuIrq(base + v, 1);
    // Sent in descending order; handled ascending.
    for (const v of [7, 5, 3, 0]) m.ipi.ipiSendSingle(base + v, 1);
    process(mux, 1);
    expect(mux.handled).toEqual(['0@1', '3@1', '7@1']);
    expect(m.irq.ipiMux.pendingMask(1)).toBe(1 << 5);
    // Processing again with nothing new handles nothing; unmasking vIPI 5 delivers it.
    process(mux, 1);
    expect(mux.handled).toHaveLength(3);
    m.irq.enablePercpuIrq(base + 5, 1);
    process(mux, 1);
    expect(mux.handled).toEqual(['0@1', '3@1', '7@1', '5@1']);
    expect(m.irq.ipiMux.pendingMask(1)).toBe(0);
    expect(m.irq.irqToDesc(base + 5)?.kstatIrqsCpu(1)).toBe(1);
  });

  it('should use bit 31 of the per-CPU words like the others', () => {
    const mux = setup(32);
    const { m, base, sent } = mux;
    m.irq.enablePercpuIrq(base + 31, 3);
    m.ipi.ipiSendSingle(base + 31, 3);
    expect(sent).toEqual([3]);
    expect(m.irq.ipiMux.pendingMask(3)).toBe(2 ** 31);
    process(mux, 3);
    expect(mux.handled).toEqual(['31@3']);
  });

  it('should throw where the kernel would dereference the NULL per-CPU pointer of an uncreated mux', () => {
    const m = createMachine({ arch: 'test', nrCpus: NR });
    expect(() => {
      m.sim.withCurrent(0, () => {
        m.irq.ipiMuxProcess();
      });
    }).toThrow(/ipi-mux was not created.*Call ipiMuxCreate\(\) first/);
  });

  it('should deliver end to end through a parent IPI whose handler calls ipiMuxProcess', () => {
    const m = createMachine({ arch: 'test', nrCpus: NR });
    // The parent: a test-arch IPI reserved for all CPUs, whose handler processes the mux.
    const parent = m.ipi.irqReserveIpi(m.ipiDomain, Cpumask.full(NR));
    m.irq.settings.irqSetHandler(parent, m.irq.flow.handlePercpuIrq, 'percpu');
    m.irq.requestIrq(
      parent,
      () => {
        m.irq.ipiMuxProcess();
        return IrqReturn.IRQ_HANDLED;
      },
      0,
      'mux parent',
      null,
    );
    const base = m.irq.ipiMuxCreate(4, (cpu) => m.ipi.ipiSendSingle(parent, cpu));
    const seen: string[] = [];
    m.irq.requestPercpuIrq(
      base + 1,
      (irq) => {
        seen.push(`${irq - base}@${m.sim.smpProcessorId()}`);
        return IrqReturn.IRQ_HANDLED;
      },
      'vipi1',
      null,
    );
    for (let cpu = 0; cpu < NR; cpu++) m.irq.enablePercpuIrq(base + 1, cpu);
    m.sim.spawn(0, function* () {
      m.ipi.ipiSendMask(base + 1, Cpumask.of(NR, [1, 2, 3]));
      m.ipi.ipiSendMask(base + 1, Cpumask.of(NR, [1, 2, 3]));
      yield m.sim.delay(0);
    });
    expect(m.run().reason).toBe('idle');
    expect(seen.sort()).toEqual(['1@1', '1@2', '1@3']);
  });
});
