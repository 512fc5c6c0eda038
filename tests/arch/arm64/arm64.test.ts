/**
 * The arm64 architecture and the GICv3 driver: SGI allocation and `set_smp_ipi_range()` (spec
 * §9.3, row 81), affinity-routed `ICC_SGI1R_EL1` writes, the GIC CPU interface, IPI numbers,
 * tracepoints and the `IPIn:` statistics rows.
 */
import { describe, expect, it } from '@jest/globals';
import { ContainerModule, inject, injectable } from 'inversify';
import {
  ARM64_IPI_TYPES,
  Arm64Arch,
  Arm64Firmware,
  Arm64IpiRange,
  Arm64Smp,
  IPI_CALL_FUNC,
  IPI_CPU_BACKTRACE,
  IPI_CPU_STOP,
  IPI_CPU_STOP_NMI,
  IPI_IRQ_WORK,
  IPI_KGDB_ROUNDUP,
  IPI_RESCHEDULE,
  IPI_TIMER,
  MAX_IPI,
  NR_IPI,
  arm64ArchModule,
  arm64Modules,
} from '../../../arch/arm64/index.js';
import { GIC_NR_SGIS, Gicv3, gicSgi1rValue } from '../../../drivers/gicv3/index.js';
import {
  ArchOptions,
  Cpumask,
  IRQ_HIDDEN,
  IRQ_PER_CPU_DEVID,
  InterruptController,
  Irq,
  IrqData,
  type IrqFwspec,
  type Machine,
  type ReadonlyCpumask,
  type TraceRecord,
  createMachine,
} from '../../../lib/index.js';
import { SoftIntc } from '../../../lib/sim/soft-intc.js';

function arm64(nrCpus: number, archOptions?: Record<string, unknown>): Machine {
  return createMachine({ arch: 'arm64', nrCpus, archOptions });
}

function settle(m: Machine): void {
  expect(m.run({ maxEvents: 1_000_000 }).reason).toBe('idle');
}

describe('arm64 IPI numbers', () => {
  it('should match arch/arm64/kernel/smp.c', () => {
    expect([
      IPI_RESCHEDULE,
      IPI_CALL_FUNC,
      IPI_CPU_STOP,
      IPI_CPU_STOP_NMI,
      IPI_TIMER,
      IPI_IRQ_WORK,
    ]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([IPI_CPU_BACKTRACE, IPI_KGDB_ROUNDUP, NR_IPI, MAX_IPI]).toEqual([6, 7, 6, 8]);
    expect(ARM64_IPI_TYPES).toEqual([
      'Rescheduling interrupts',
      'Function call interrupts',
      'CPU stop interrupts',
      'CPU stop NMIs',
      'Timer broadcast interrupts',
      'IRQ work interrupts',
      'CPU backtrace interrupts',
      'KGDB roundup interrupts',
    ]);
  });
});

describe('arm64 boot (gic_smp_init → set_smp_ipi_range)', () => {
  it('should allocate the 8 non-secure SGIs as per-CPU "IPI" handlers, hidden, enabled everywhere', () => {
    const m = arm64(4);
    const gic = m.get(Gicv3);
    const smp = m.get(Arm64Smp);
    expect(m.arch).toBe('arm64');
    expect(m.ipiDomain).toBeNull();
    expect(m.get(Arm64Arch).intc).toBe(gic);
    expect(m.sim.interruptController).toBe(gic);
    expect(gic.baseSgi).toBe(1);
    expect([smp.nrIpi, smp.ipiIrqBase]).toEqual([8, 1]);
    for (let i = 0; i < 8; i++) {
      const desc = smp.ipiDesc(i);
      expect(desc).toBe(m.irq.irqToDesc(1 + i));
      expect(desc?.irqData.domain).toBe(gic.domain);
      expect(desc?.irqData.hwirq).toBe(i);
      expect(desc?.irqData.chip).toBe(gic.chip);
      expect(desc?.handleIrq).toBe(m.irq.flow.handlePercpuDevidIrq);
      expect(desc?.actions.map((a) => a.name)).toEqual(['IPI']);
      const flags = desc?.irqCommonData.statusFlags ?? 0;
      expect(flags & (IRQ_HIDDEN | IRQ_PER_CPU_DEVID)).toBe(IRQ_HIDDEN | IRQ_PER_CPU_DEVID);
      expect(desc?.percpuEnabled?.toString()).toBe('0-3');
    }
    expect(gic.enabledSgis(2)).toBe(0xffff);
    expect(m.warnings).toEqual([]);
  });

  it('should not be an IPI domain: the GIC domain takes no irqReserveIpi reservations', () => {
    const m = arm64(2);
    expect(m.ipi.irqReserveIpi(m.get(Gicv3).domain, Cpumask.full(2))).toBe(-22);
  });
});

/** A stand-in irqchip that hands `archOptions.sgis` per-CPU virqs to `set_smp_ipi_range()`. */
@injectable()
class FakeIrqchip {
  readonly intc: SoftIntc;
  constructor(
    @inject(Irq) irq: Irq,
    @inject(SoftIntc) intc: SoftIntc,
    @inject(Arm64IpiRange) arch: Arm64IpiRange,
    @inject(ArchOptions) options: ArchOptions,
  ) {
    intc.attach();
    this.intc = intc;
    const n = options.sgis as number;
    const chip = {
      name: 'fake',
      ipiSendMask: (data: IrqData, mask: ReadonlyCpumask) => {
        mask.forEach((cpu) => intc.raise(cpu, data.irq));
      },
    };
    const domain = irq.irqDomainCreateTree('fake-irqchip', {
      alloc: (d, virq, nr) => {
        for (let i = 0; i < nr; i++) {
          irq.irqSetPercpuDevid(virq + i);
          irq.irqDomainSetInfo(
            d,
            virq + i,
            i,
            chip,
            null,
            irq.flow.handlePercpuDevidIrq,
            null,
            null,
          );
        }
        return 0;
      },
    });
    arch.setSmpIpiRange(irq.irqDomainAllocIrqs(domain, n, null), n);
  }
}
const fakeIrqchipModule = new ContainerModule(({ bind }) => {
  bind(SoftIntc).toSelf().inSingletonScope();
  bind(FakeIrqchip).toSelf().inSingletonScope();
  bind<InterruptController>(InterruptController).toDynamicValue((ctx) => ctx.get(FakeIrqchip).intc);
});

describe(Arm64Smp.prototype.setSmpIpiRange, () => {
  function withSgis(n: number): Machine {
    return createMachine({
      arch: [fakeIrqchipModule, arm64ArchModule],
      nrCpus: 2,
      archOptions: { sgis: n },
    });
  }

  it('should use 8 IPIs without a warning when given 8 or more (row 81)', () => {
    const m = withSgis(16);
    const smp = m.get(Arm64Smp);
    expect(smp.nrIpi).toBe(8);
    expect(m.warnings).toEqual([]);
    // The 8 beyond MAX_IPI are left alone.
    expect(m.irq.irqToDesc(smp.ipiIrqBase + 8)?.actions).toEqual([]);
    expect(smp.ipiDesc(7)).not.toBeNull();
  });

  it('should WARN when given fewer than 8 and use only those (row 81)', () => {
    const m = withSgis(6);
    const smp = m.get(Arm64Smp);
    expect(smp.nrIpi).toBe(6);
    expect(m.warnings.map((w) => w.site)).toEqual(['set_smp_ipi_range']);
    expect(smp.ipiDesc(5)).not.toBeNull();
    expect(smp.ipiDesc(6)).toBeNull();
    expect(() => {
      smp.smpCrossCall(Cpumask.of(2, [1]), IPI_CPU_BACKTRACE);
    }).toThrow(/IPI 6 was not set up by set_smp_ipi_range\(\)/);
    // The ones that exist still work.
    const counts = [0, 0];
    m.sim.spawn(0, function* () {
      yield* m.smp.onEachCpu(
        () => {
          counts[m.sim.smpProcessorId()]++;
        },
        null,
        true,
      );
    });
    settle(m);
    expect(counts).toEqual([1, 1]);
  });
});

describe('GICv3 SGI sends (gic_ipi_send_mask)', () => {
  /** 8 CPUs: 0–3 in cluster 0.0.0; 4–5 at Aff2=1 Aff1=2 Aff0=0x10/0x11; 6 at Aff3=1; 7 back in cluster 0.0.0. */
  const MPIDR = [0x000, 0x001, 0x002, 0x003, 0x01_02_10, 0x01_02_11, 2 ** 32 + 0x05, 0x004];

  it('should write ICC_SGI1R_EL1 once per run of targets sharing Aff3.Aff2.Aff1 and RS', () => {
    const m = arm64(8, { mpidr: MPIDR });
    const gic = m.get(Gicv3);
    const log = gic.traceSgi1r();
    const ran: number[] = [];
    m.sim.spawn(2, function* () {
      yield* m.smp.smpCallFunctionMany(
        Cpumask.of(8, [0, 1, 3, 4, 5, 6, 7]),
        () => {
          ran.push(m.sim.smpProcessorId());
        },
        null,
        true,
      );
    });
    settle(m);
    expect(ran.sort()).toEqual([0, 1, 3, 4, 5, 6, 7]);
    expect(log.map((w) => ({ cpu: w.cpu, value: `0x${w.value.toString(16)}` }))).toEqual([
      // CPUs 0, 1, 3: Aff1 0, INTID 1 (IPI_CALL_FUNC), target list 0b1011.
      { cpu: 2, value: '0x100000b' },
      // CPUs 4, 5: Aff2 1, Aff1 2, RS 1 (Aff0 0x1_), target list 0b11.
      { cpu: 2, value: '0x100101020003' },
      // CPU 6: Aff3 1, target list bit 5.
      { cpu: 2, value: '0x1000001000020' },
      // CPU 7 is in cluster 0 again but not next to 0–3 in the mask walk: a write of its own.
      { cpu: 2, value: '0x1000010' },
    ]);
    expect(log[1]).toMatchObject({ aff3: 0, aff2: 1, aff1: 2, rs: 1, intid: 1, targetList: 3 });
    expect(log[2]).toMatchObject({ aff3: 1, aff2: 0, aff1: 0, rs: 0, intid: 1, targetList: 0x20 });
    expect(gic.sgi1rCount).toBe(4);
  });

  it('should build the value with the kernel field layout', () => {
    // Aff3 48–55, RS 44–47, Aff2 32–39, INTID 24–27, Aff1 16–23, target list 0–15.
    expect(gicSgi1rValue(0xab_00_cd_ef_00 + 0x30, 0xffff, 0xf)).toBe(0xab_3_0_cd_0f_ef_ffffn);
  });

  it('should use one write per 16-CPU cluster with the default (QEMU virt) layout', () => {
    const m = arm64(20);
    const log = m.get(Gicv3).traceSgi1r();
    expect(m.get(Arm64Firmware).cpuLogicalMap(17)).toBe(0x101);
    m.sim.spawn(0, function* () {
      yield* m.smp.onEachCpu(() => undefined, null, true);
    });
    settle(m);
    expect(log.map((w) => [w.aff1, w.targetList.toString(16)])).toEqual([
      [0, 'fffe'],
      [1, 'f'],
    ]);
  });

  it('should WARN and send nothing for an INTID that is not an SGI', () => {
    const m = arm64(2);
    const gic = m.get(Gicv3);
    const log = gic.traceSgi1r();
    const desc = m.irq.irqToDesc(1);
    if (desc === null) throw new Error('no SGI 0');
    const bogus = new IrqData(99, desc.irqCommonData, gic.domain, gic.chip);
    bogus.hwirq = GIC_NR_SGIS;
    gic.chip.ipiSendMask?.(bogus, Cpumask.full(2));
    expect(m.warnings.map((w) => w.site)).toEqual(['gic_ipi_send_mask']);
    expect(log).toEqual([]);
    expect([gic.pendingSgis(0), gic.pendingSgis(1)]).toEqual([0, 0]);
  });

  it('should reject malformed firmware affinities when the machine is built', () => {
    expect(() => arm64(2, { mpidr: [0] })).toThrow(
      /archOptions.mpidr has 1 entries; expected one per CPU \(2\)/,
    );
    expect(() => arm64(2, { mpidr: [1, 1] })).toThrow(/gives CPUs 0 and 1 the same MPIDR 0x1/);
    expect(() => arm64(2, { mpidr: [0, 0x100_0000] })).toThrow(
      /archOptions.mpidr\[1\] is 16777216; expected Aff3/,
    );
    expect(() => arm64(2, { mpidr: 'x' })).toThrow(TypeError);
  });
});

describe('the GICv3 CPU interface', () => {
  it('should coalesce a pending SGI, hold a new one while active, and deliver it after the EOI', () => {
    const m = arm64(2);
    const gic = m.get(Gicv3);
    const data = (m.irq.irqToDesc(1 + IPI_CALL_FUNC) as { irqData: IrqData }).irqData;
    const send = (): void => gic.chip.ipiSendMask?.(data, Cpumask.of(2, [1]));
    send();
    send();
    expect(gic.pendingCount(1)).toBe(1);
    expect(gic.pending(1)).toBe(true);
    expect(gic.acknowledge(1)).toBe(IPI_CALL_FUNC);
    expect([gic.pendingSgis(1), gic.activeSgis(1)]).toEqual([0, 1 << IPI_CALL_FUNC]);
    send();
    // Same priority as the active one: not deliverable until the EOI.
    expect([gic.pendingCount(1), gic.pending(1), gic.acknowledge(1)]).toEqual([1, false, -1]);
    m.sim.withCurrent(1, () => gic.chip.irqEoi?.(data));
    expect([gic.activeSgis(1), gic.pending(1), gic.eoiCount[1]]).toEqual([0, true, 1]);
  });

  it('should keep a masked SGI pending and signal it on unmask', () => {
    const m = arm64(2);
    const gic = m.get(Gicv3);
    m.irq.manage.disablePercpuIrq(1 + IPI_RESCHEDULE, 1);
    expect(gic.enabledSgis(1) & 1).toBe(0);
    m.sim.spawn(0, function* () {
      m.sched.smpSendReschedule(1);
      yield m.sim.delay(0);
    });
    settle(m);
    expect(m.sched.schedulerIpis[1]).toBe(0);
    expect(gic.pendingSgis(1)).toBe(1);
    m.irq.enablePercpuIrq(1 + IPI_RESCHEDULE, 1);
    settle(m);
    expect(m.sched.schedulerIpis[1]).toBe(1);
  });

  it('should WARN once and deactivate an SGI no virq is mapped to', () => {
    const m = arm64(2);
    const gic = m.get(Gicv3);
    m.sim.withCurrent(1, () => {
      gic.dispatch(1, 12);
    });
    expect(m.warnings.map((w) => w.message)).toEqual([
      'WARNING: at __gic_handle_irq: Unexpected interrupt (irqnr 12)',
    ]);
  });

  it('should refuse a fwspec that is not a one-cell SGI specifier', () => {
    const m = arm64(2);
    const gic = m.get(Gicv3);
    const fwspec: IrqFwspec = { fwnode: gic.domain.fwnode, param: [0, 30, 4] };
    expect(m.irq.irqDomainAllocIrqs(gic.domain, 1, fwspec)).toBe(-22);
  });
});

describe('arm64 smp_cross_call and IPI handling', () => {
  it('should trace ipi_raise on the sender and ipi_entry/ipi_exit around handlers below NR_IPI', () => {
    const m = arm64(4);
    const records: TraceRecord[] = [];
    m.tracer.attach((r) => {
      if (r.name.startsWith('ipi_raise') || r.name === 'ipi_entry' || r.name === 'ipi_exit')
        records.push(r);
    });
    m.sim.spawn(0, function* () {
      yield* m.smp.smpCallFunctionSingle(2, () => undefined, null, true);
      m.get(Arm64Smp).smpCrossCall(Cpumask.of(4, [1, 3]), IPI_CPU_BACKTRACE);
    });
    settle(m);
    expect(records.map((r) => [r.name, r.cpu, r.fields])).toEqual([
      ['ipi_raise', 0, { target_cpus: '4', reason: 'Function call interrupts' }],
      ['ipi_entry', 2, { reason: 'Function call interrupts' }],
      ['ipi_exit', 2, { reason: 'Function call interrupts' }],
      // IPI_CPU_BACKTRACE is raised with a trace but handled without one.
      ['ipi_raise', 0, { target_cpus: 'a', reason: 'CPU backtrace interrupts' }],
    ]);
  });

  it('should count every IPI type in the IPI0..IPI7 rows and print them like show_ipi_list', () => {
    const m = arm64(3);
    const smp = m.get(Arm64Smp);
    expect(m.irqStats.rows().map((r) => [r.label, r.description])).toEqual(
      ARM64_IPI_TYPES.map((d, i) => [`IPI${i}`, d]),
    );
    m.sim.spawn(0, function* () {
      m.sched.smpSendReschedule(1);
      yield* m.smp.onEachCpu(() => undefined, null, true);
      smp.tickBroadcast(Cpumask.of(3, [2]));
      smp.archIrqWorkRaise();
      smp.smpCrossCall(Cpumask.of(3, [1]), IPI_CPU_STOP);
      smp.smpCrossCall(Cpumask.of(3, [1]), IPI_KGDB_ROUNDUP);
    });
    settle(m);
    const counts = (i: number): number[] => Array.from(m.irqStats.get(`IPI${i}`)?.counts ?? []);
    expect(counts(IPI_RESCHEDULE)).toEqual([0, 1, 0]);
    expect(counts(IPI_CALL_FUNC)).toEqual([0, 1, 1]);
    expect(counts(IPI_TIMER)).toEqual([0, 0, 1]);
    expect(counts(IPI_IRQ_WORK)).toEqual([1, 0, 0]);
    expect(counts(IPI_CPU_STOP)).toEqual([0, 1, 0]);
    expect(counts(IPI_KGDB_ROUNDUP)).toEqual([0, 1, 0]);
    // The row counts are the descriptors' per-CPU kstat counts, as show_ipi_list() prints them.
    expect(m.irq.irqToDesc(1 + IPI_CALL_FUNC)?.kstatIrqsCpu(2)).toBe(1);
    const lines = smp.showIpiList().split('\n');
    expect(lines[0]).toBe('IPI0:         0          1          0       Rescheduling interrupts');
    expect(lines[1]).toBe('IPI1:         0          1          1       Function call interrupts');
    expect(lines[7]).toBe('IPI7:         0          1          0       KGDB roundup interrupts');
    // prec >= 4 adds a space after the colon (the label width is prec - 1 = 3, "IPI" fills it).
    expect(smp.showIpiList(4).split('\n')[0]).toBe(
      'IPI0:          0          1          0       Rescheduling interrupts',
    );
  });

  it('should build with the modules in either order and expose them as arm64Modules', () => {
    expect(arm64Modules).toHaveLength(2);
    const m = createMachine({ arch: [arm64ArchModule, ...arm64Modules.slice(0, 1)], nrCpus: 2 });
    expect(m.get(Arm64Smp).nrIpi).toBe(8);
  });
});
