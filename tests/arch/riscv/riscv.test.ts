/**
 * The riscv architecture: the SBI IPI provider over ipi-mux (spec §9.4), the hart-local INTC,
 * `riscv_ipi_set_virq_range()` (row 82), IPI numbers and the `IPIn:` statistics rows.
 */
import { describe, expect, it } from '@jest/globals';
import { ContainerModule, inject, injectable } from 'inversify';
import {
  IPI_CALL_FUNC,
  IPI_CPU_CRASH_STOP,
  IPI_CPU_STOP,
  IPI_IRQ_WORK,
  IPI_MAX,
  IPI_RESCHEDULE,
  IPI_TIMER,
  RISCV_IPI_NAMES,
  RiscvArch,
  RiscvIpiProvider,
  RiscvIpiRange,
  RiscvSmp,
  riscvArchModule,
  riscvModules,
} from '../../../arch/riscv/index.js';
import { RV_IRQ_SOFT, RiscvIntc, riscvIntcModule } from '../../../drivers/riscv-intc/index.js';
import { SBI_IPI_NR_VIPIS, SbiIpi } from '../../../drivers/riscv-sbi-ipi/index.js';
import {
  ArchOptions,
  Cpumask,
  IRQ_HIDDEN,
  IRQ_NOREQUEST,
  Irq,
  type Machine,
  createMachine,
} from '../../../lib/index.js';

function riscv(nrCpus: number): Machine {
  return createMachine({ arch: 'riscv', nrCpus });
}

function settle(m: Machine): void {
  expect(m.run({ maxEvents: 1_000_000 }).reason).toBe('idle');
}

describe('RISC-V IPI numbers', () => {
  it('should match arch/riscv/kernel/smp.c', () => {
    expect([
      IPI_RESCHEDULE,
      IPI_CALL_FUNC,
      IPI_CPU_STOP,
      IPI_CPU_CRASH_STOP,
      IPI_IRQ_WORK,
      IPI_TIMER,
      IPI_MAX,
    ]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(RISCV_IPI_NAMES).toEqual([
      'Rescheduling interrupts',
      'Function call interrupts',
      'CPU stop interrupts',
      'CPU stop (for crash dump) interrupts',
      'IRQ work interrupts',
      'Timer broadcast interrupts',
    ]);
  });
});

describe('RISC-V boot (init_IRQ → sbi_ipi_init)', () => {
  it('should map the INTC software interrupt, mux 8 vIPIs over it and use 6 as the arch IPIs', () => {
    const m = riscv(4);
    const intc = m.get(RiscvIntc);
    const sbi = m.get(SbiIpi);
    const smp = m.get(RiscvSmp);
    expect(m.arch).toBe('riscv');
    expect(m.ipiDomain).toBeNull();
    expect(m.get(RiscvArch).ipiProvider).toBe(sbi);
    expect(m.sim.interruptController).toBe(intc);
    // The parent: INTC cause 1, per-CPU, a chained handler, not requestable.
    const parent = m.irq.irqToDesc(sbi.sbiIpiVirq);
    expect(parent?.irqData.domain).toBe(intc.domain);
    expect(parent?.irqData.hwirq).toBe(RV_IRQ_SOFT);
    expect((parent?.irqCommonData.statusFlags ?? 0) & IRQ_NOREQUEST).toBe(IRQ_NOREQUEST);
    expect(parent?.actions).toEqual([]);
    for (let cpu = 0; cpu < 4; cpu++) expect(intc.sie(cpu)).toBe(1 << RV_IRQ_SOFT);
    // The vIPIs.
    const mux = m.irq.ipiMux;
    expect(mux.domain?.name).toBe('IPI-Mux-6');
    expect(sbi.muxVirq).toBe(sbi.sbiIpiVirq + 1);
    expect([smp.ipiVirqBase, smp.nrIpi, smp.riscvIpiHaveVirqRange()]).toEqual([
      sbi.muxVirq,
      6,
      true,
    ]);
    for (let i = 0; i < SBI_IPI_NR_VIPIS; i++) {
      const desc = m.irq.irqToDesc(sbi.muxVirq + i);
      expect(desc?.irqData.hwirq).toBe(i);
      expect(desc?.irqData.chip?.name).toBe('IPI Mux');
      const used = i < IPI_MAX;
      expect(desc?.actions.map((a) => a.name)).toEqual(used ? ['IPI'] : []);
      expect((desc?.irqCommonData.statusFlags ?? 0) & IRQ_HIDDEN).toBe(used ? IRQ_HIDDEN : 0);
      if (used) expect(smp.ipiDesc(i)).toBe(desc);
    }
    for (let cpu = 0; cpu < 4; cpu++) expect(mux.enableMask(cpu)).toBe(0x3f);
    expect(m.warnings).toEqual([]);
  });
});

describe(RiscvSmp.prototype.riscvIpiSetVirqRange, () => {
  it('should ignore a second call with a WARN (row 82)', () => {
    const m = riscv(2);
    const smp = m.get(RiscvSmp);
    const base = smp.ipiVirqBase;
    smp.riscvIpiSetVirqRange(100, 8);
    expect(m.warnings.map((w) => w.site)).toEqual(['riscv_ipi_set_virq_range']);
    expect([smp.ipiVirqBase, smp.nrIpi]).toEqual([base, 6]);
  });

  it('should use min(nr, 6): 8 vIPIs give 6 IPIs without a warning (row 82)', () => {
    const m = riscv(2);
    expect(m.get(RiscvSmp).nrIpi).toBe(6);
    expect(m.irq.irqToDesc(m.get(SbiIpi).muxVirq + 6)?.actions).toEqual([]);
    expect(m.warnings).toEqual([]);
  });

  /** An IPI provider that offers `archOptions.nr` vIPIs of its own mux. */
  @injectable()
  class FewIpis implements RiscvIpiProvider {
    readonly name = 'few';
    constructor(
      @inject(Irq) irq: Irq,
      @inject(RiscvIpiRange) arch: RiscvIpiRange,
      @inject(ArchOptions) o: ArchOptions,
    ) {
      arch.riscvIpiSetVirqRange(
        irq.ipiMuxCreate(8, () => undefined),
        o.nr as number,
      );
    }
  }
  const fewIpisModule = new ContainerModule(({ bind }) => {
    bind<RiscvIpiProvider>(RiscvIpiProvider).to(FewIpis).inSingletonScope();
  });

  it('should WARN when given fewer than IPI_MAX and set up only those (row 82)', () => {
    const m = createMachine({
      arch: [riscvIntcModule, fewIpisModule, riscvArchModule],
      nrCpus: 2,
      archOptions: { nr: 4 },
    });
    const smp = m.get(RiscvSmp);
    expect(m.warnings.map((w) => w.site)).toEqual(['riscv_ipi_set_virq_range:nr']);
    expect(smp.nrIpi).toBe(4);
    expect(smp.ipiDesc(3)).not.toBeNull();
    expect(smp.ipiDesc(IPI_IRQ_WORK)).toBeNull();
    expect(() => {
      m.sim.withCurrent(0, () => {
        smp.archIrqWorkRaise();
      });
    }).toThrow(/IPI 4 was not set up by riscv_ipi_set_virq_range\(\)/);
  });

  it('should make sbi_ipi_init stand down when another provider set the range', () => {
    // FewIpis sets the range first; SbiIpi, constructed afterwards, must not touch anything.
    const m = createMachine({
      arch: [
        riscvIntcModule,
        fewIpisModule,
        riscvArchModule,
        new ContainerModule(({ bind }) => {
          bind(SbiIpi).toSelf().inSingletonScope();
        }),
      ],
      nrCpus: 2,
      archOptions: { nr: 6 },
    });
    const before = m.irq.descs.allocatedCount;
    const sbi = m.get(SbiIpi);
    expect([sbi.sbiIpiVirq, sbi.muxVirq, m.irq.descs.allocatedCount]).toEqual([0, 0, before]);
  });
});

describe('SBI IPIs through ipi-mux', () => {
  it('should clear SSIP in the chained handler and then run the vIPI', () => {
    const m = riscv(3);
    const intc = m.get(RiscvIntc);
    const sbi = m.get(SbiIpi);
    m.sim.spawn(0, function* () {
      m.sched.smpSendReschedule(1);
      yield m.sim.delay(0);
    });
    settle(m);
    expect(m.sched.schedulerIpis[1]).toBe(1);
    expect([sbi.ecalls[1], intc.sip(1), m.sim.cpu(1).irqCount]).toEqual([1, 0, 1]);
    expect(m.irq.irqToDesc(sbi.muxVirq + IPI_RESCHEDULE)?.kstatIrqsCpu(1)).toBe(1);
  });

  it('should take one software interrupt for vIPIs raised together, one ecall per newly pending vIPI', () => {
    const m = riscv(2);
    const sbi = m.get(SbiIpi);
    const smp = m.get(RiscvSmp);
    const order: string[] = [];
    m.sim.spawn(0, function* () {
      m.sim.localIrqDisable();
      // Sent in descending vIPI order, twice; ipi_mux_process handles them ascending, once each.
      for (let k = 0; k < 2; k++) {
        smp.tickBroadcast(Cpumask.of(2, [1]));
        m.sched.smpSendReschedule(1);
      }
      yield* m.smp.smpCallFunctionMany(Cpumask.of(2, [1]), () => order.push('call'), null, false);
      m.sim.localIrqEnable();
    });
    settle(m);
    expect(sbi.ecalls[1]).toBe(3);
    expect(m.sim.cpu(1).irqCount).toBe(1);
    const count = (op: number): number => m.irqStats.get(`IPI${op}`)?.counts[1] ?? -1;
    expect([count(IPI_RESCHEDULE), count(IPI_CALL_FUNC), count(IPI_TIMER)]).toEqual([1, 1, 1]);
    expect(order).toEqual(['call']);
  });

  it('should keep a vIPI disabled on a CPU pending and deliver it when re-enabled', () => {
    const m = riscv(2);
    const smp = m.get(RiscvSmp);
    const sbi = m.get(SbiIpi);
    smp.riscvIpiDisable(1);
    expect(m.irq.ipiMux.enableMask(1)).toBe(0);
    m.sim.spawn(0, function* () {
      m.sched.smpSendReschedule(1);
      yield m.sim.delay(0);
    });
    settle(m);
    expect([m.sched.schedulerIpis[1], sbi.ecalls[1]]).toEqual([0, 0]);
    expect(m.irq.ipiMux.pendingMask(1)).toBe(1 << IPI_RESCHEDULE);
    smp.riscvIpiEnable(1);
    settle(m);
    // Unmasking found it pending and raised the parent on CPU 1 itself.
    expect([m.sched.schedulerIpis[1], sbi.ecalls[1]]).toEqual([1, 1]);
  });

  it('should warn about a cause nothing handles and disable it rather than trap forever', () => {
    const m = riscv(1);
    const intc = m.get(RiscvIntc);
    m.sim.withCurrent(0, () => {
      intc.dispatch(0, RV_IRQ_SOFT + 4);
    });
    expect(m.warnings.map((w) => w.message)).toEqual([
      'riscv-intc: Failed to handle interrupt (cause: 5)',
    ]);
  });

  it('should count the IPI0..IPI5 rows and print them like show_ipi_stats', () => {
    const m = riscv(3);
    const smp = m.get(RiscvSmp);
    expect(m.irqStats.rows().map((r) => [r.label, r.description])).toEqual(
      RISCV_IPI_NAMES.map((d, i) => [`IPI${i}`, d]),
    );
    m.sim.spawn(2, function* () {
      yield* m.smp.onEachCpu(() => undefined, null, true);
      smp.sendIpiMask(Cpumask.of(3, [0]), IPI_CPU_CRASH_STOP);
      smp.sendIpiSingle(1, IPI_CPU_STOP);
    });
    settle(m);
    const lines = smp.showIpiStats().split('\n');
    expect(lines[0]).toBe('IPI0:         0          0          0  Rescheduling interrupts');
    expect(lines[1]).toBe('IPI1:         1          1          0  Function call interrupts');
    expect(lines[2]).toBe('IPI2:         0          1          0  CPU stop interrupts');
    expect(lines[3]).toBe(
      'IPI3:         1          0          0  CPU stop (for crash dump) interrupts',
    );
    expect(lines).toHaveLength(7);
  });

  it('should export the three modules in load order', () => {
    expect(riscvModules).toHaveLength(3);
    expect(createMachine({ arch: riscvModules, nrCpus: 1 }).arch).toBe('riscv');
  });
});
