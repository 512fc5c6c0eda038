/**
 * The IPI side of the MIPS mailbox platforms: Loongson-3 (arch/mips/loongson64/smp.c, legacy
 * per-core IPI registers) and Cavium Octeon (arch/mips/cavium-octeon/smp.c, CIU mailboxes).
 *
 * Sending writes the action bits to the target core's mailbox `SET` register; a mask send is one
 * single send per CPU. The receiver's mailbox line is a per-CPU irq (`request_irq(…, IRQF_PERCPU
 * | IRQF_NO_THREAD, "SMP-IPI", …)` on the CPU line, as Octeon does) whose handler reads the
 * pending actions, clears exactly those, and runs each one in ascending bit order:
 * `SMP_RESCHEDULE_YOURSELF` → `scheduler_ipi()`, `SMP_CALL_FUNCTION` →
 * `generic_smp_call_function_interrupt()`, `SMP_ICACHE_FLUSH` → flush this CPU's icache (Octeon),
 * `SMP_ASK_C0COUNT` → CPU 0 publishes its CP0 Count (Loongson). Unknown bits are ignored.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import {
  CpuMasks,
  IRQF_NO_THREAD,
  IRQF_PERCPU,
  Irq,
  IrqReturn,
  MachineConfig,
  MmStruct,
  type ReadonlyCpumask,
  Sched,
  SimCpus,
  type SimTask,
  Smp,
  type Waitable,
  errnoName,
} from '../../lib/core.js';
import { checkCpumask } from '../../lib/validate.js';
import {
  IPI_CLEAR_OFF,
  IPI_EN_OFF,
  IPI_SET_OFF,
  IPI_STATUS_OFF,
  MIPS_MAILBOX_CPU_LINE,
  MipsMailbox,
} from '../../drivers/mips-mailbox/index.js';
import { MipsCpuIntc } from '../../drivers/mips-cpu-intc/index.js';
import { MipsCp0 } from './cp0.js';
import { MipsIcache } from './icache.js';
import {
  mipsBug,
  type PlatSmpOps,
  SMP_ASK_C0COUNT,
  SMP_CALL_FUNCTION,
  SMP_ICACHE_FLUSH,
  SMP_RESCHEDULE_YOURSELF,
} from './smp-ops.js';

/** `MAX_LOOPS` of `loongson3_init_secondary()`: the spin count added to the Count is capped here. */
export const LOONGSON3_MAX_LOOPS = 800;
/** Loongson-3 cores per package (`loongson_sysconf.cores_per_package`). */
export const LOONGSON3_CORES_PER_PACKAGE = 4;
/** Simulated cost of one iteration of the Count-sync spin loop (a load and `cpu_relax()`), ns. */
export const LOONGSON3_SYNC_LOOP_NS = 10;

const LOONGSON_SMP_C = 'arch/mips/loongson64/smp.c';

/** The mailbox platform's IPI operations and mailbox interrupt handler. */
@injectable()
export class MipsMailboxSmpOps implements PlatSmpOps {
  /** virq of the mailbox CPU line ("SMP-IPI"), 0 before {@link MipsMailboxSmpOps.setup}. */
  mailboxVirq = 0;
  /** `core0_c0count[]`: CPU 0's Count as published to each CPU (0 = not yet). */
  readonly core0C0count: Uint32Array;
  /** Mailbox interrupts handled per CPU. */
  readonly mailboxInterrupts: Uint32Array;
  readonly #nrCpuIds: number;
  readonly #masks: CpuMasks;
  readonly #cpus: SimCpus;
  readonly #irq: Irq;
  readonly #smp: Smp;
  readonly #sched: Sched;
  readonly #mbox: MipsMailbox;
  readonly #intc: MipsCpuIntc;
  readonly #icache: MipsIcache;
  readonly #cp0: MipsCp0;
  readonly #c0Waiters: number[] = [];

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Irq) irq: Irq,
    @inject(Smp) smp: Smp,
    @inject(Sched) sched: Sched,
    @inject(MipsMailbox) mbox: MipsMailbox,
    @inject(MipsCpuIntc) intc: MipsCpuIntc,
    @inject(MipsIcache) icache: MipsIcache,
    @inject(MipsCp0) cp0: MipsCp0,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.core0C0count = new Uint32Array(config.nrCpuIds);
    this.mailboxInterrupts = new Uint32Array(config.nrCpuIds);
    this.#masks = masks;
    this.#cpus = cpus;
    this.#irq = irq;
    this.#smp = smp;
    this.#sched = sched;
    this.#mbox = mbox;
    this.#intc = intc;
    this.#icache = icache;
    this.#cp0 = cp0;
  }

  /**
   * setup() - Platform IPI setup at boot: every core's mailbox `EN` to all ones
   * (`loongson3_smp_setup()`), then the mailbox line's virq and its per-CPU handler
   * (`octeon_prepare_cpus()`: `request_irq(mbox irq, mailbox_interrupt, IRQF_PERCPU |
   * IRQF_NO_THREAD, "SMP-IPI", mailbox_interrupt)`). Idempotent.
   * @throws Error if the line cannot be mapped or requested (the kernel panics).
   */
  setup(): void {
    if (this.mailboxVirq !== 0) return;
    for (let core = 0; core < this.#nrCpuIds; core++)
      this.#mbox.writel(core, IPI_EN_OFF, 0xffffffff);
    const virq = this.#intc.irqCreateMapping(MIPS_MAILBOX_CPU_LINE);
    if (virq <= 0)
      throw new Error(
        `mips-mailbox: cannot map CPU line IP${MIPS_MAILBOX_CPU_LINE}: ${errnoName(virq)}`,
      );
    const handler = this.mailboxInterrupt;
    const ret = this.#irq.requestIrq(
      virq,
      handler,
      IRQF_PERCPU | IRQF_NO_THREAD,
      'SMP-IPI',
      handler,
    );
    if (ret !== 0) throw new Error(`mips-mailbox: request_irq(${virq}) failed: ${errnoName(ret)}`);
    this.mailboxVirq = virq;
  }

  /**
   * sendIpiSingle() - Send `action` to `cpu`.
   * Mirrors `loongson3_send_ipi_single()` in arch/mips/loongson64/smp.c (and
   * `octeon_send_ipi_single()`): write the action bits to the target core's mailbox `SET`.
   * @throws RangeError for a CPU outside the machine or an action that is not a 32-bit value.
   */
  sendIpiSingle(cpu: number, action: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.#nrCpuIds) {
      throw new RangeError(
        `sendIpiSingle: cpu is ${String(cpu)}; expected a CPU number in [0, ${this.#nrCpuIds})`,
      );
    }
    checkAction('sendIpiSingle', action);
    this.#mbox.writel(cpu, IPI_SET_OFF, action);
  }

  /**
   * sendIpiMask() - Send `action` to every CPU of `mask`, one mailbox write each, ascending.
   * Mirrors `loongson3_send_ipi_mask()` in arch/mips/loongson64/smp.c (and
   * `octeon_send_ipi_mask()`).
   * @throws TypeError / RangeError for a bad mask or action.
   */
  sendIpiMask(mask: ReadonlyCpumask, action: number): void {
    checkCpumask('sendIpiMask', 'mask', mask, this.#nrCpuIds);
    checkAction('sendIpiMask', action);
    for (let cpu = mask.first(); cpu < this.#nrCpuIds; cpu = mask.next(cpu))
      this.#mbox.writel(cpu, IPI_SET_OFF, action);
  }

  /**
   * mailboxInterrupt() - The mailbox irq handler.
   * Mirrors `mailbox_interrupt()` in arch/mips/cavium-octeon/smp.c and `loongson3_ipi_interrupt()`
   * in arch/mips/loongson64/smp.c: read this core's pending actions, write them to `CLEAR`, then
   * handle them in ascending bit order. `SMP_ASK_C0COUNT` on a CPU other than 0 BUGs.
   */
  readonly mailboxInterrupt = (): IrqReturn => {
    const cpu = this.#cpus.smpProcessorId();
    const action = this.#mbox.readl(cpu, IPI_STATUS_OFF);
    this.#mbox.writel(cpu, IPI_CLEAR_OFF, action);
    this.mailboxInterrupts[cpu]++;
    if ((action & SMP_RESCHEDULE_YOURSELF) !== 0) this.#sched.schedulerIpi();
    if ((action & SMP_CALL_FUNCTION) !== 0) this.#smp.genericSmpCallFunctionSingleInterrupt();
    if ((action & SMP_ICACHE_FLUSH) !== 0) this.#icache.octeonLocalFlushIcache();
    if ((action & SMP_ASK_C0COUNT) !== 0) {
      if (cpu !== 0)
        mipsBug(
          `${LOONGSON_SMP_C} (loongson3_ipi_interrupt)`,
          `SMP_ASK_C0COUNT on CPU${cpu} (BUG_ON(cpu != 0))`,
        );
      const count = this.#cp0.readC0Count();
      const c0count = count !== 0 ? count : 1;
      for (let i = 1; i < this.#nrCpuIds; i++) this.core0C0count[i] = c0count;
      // nudge_writes(): let the spinning CPUs see it as soon as possible.
      if (this.#c0Waiters.length > 0) {
        this.#cpus.wakeWaiters(this.#c0Waiters);
        this.#c0Waiters.length = 0;
      }
    }
    return IrqReturn.IRQ_HANDLED;
  };

  /**
   * loongson3SyncC0Count() - Synchronise this CPU's CP0 Count with CPU 0's, as a booting
   * secondary does: zero this CPU's slot, send `SMP_ASK_C0COUNT` to CPU 0, spin (interrupts off)
   * counting iterations until CPU 0 has filled the slot, cap the count at 800, and write
   * slot + iterations (halved in package 0, where the loop is faster) to the Count.
   * Mirrors the Count part of `loongson3_init_secondary()` in arch/mips/loongson64/smp.c.
   * Task code: `const count = yield* ops.loongson3SyncC0Count()` on a CPU other than 0.
   * @returns the value written to the Count register.
   */
  *loongson3SyncC0Count(): SimTask<number> {
    const cpu = this.#cpus.smpProcessorId();
    const flags = this.#cpus.localIrqSave();
    this.core0C0count[cpu] = 0;
    this.sendIpiSingle(0, SMP_ASK_C0COUNT);
    const t0 = this.#cpus.localNow();
    if (this.core0C0count[cpu] === 0)
      yield this.#cpus.waitFor(this.#slotWaitable(cpu), 'loongson3_init_secondary');
    let i = Math.max(1, Math.ceil((this.#cpus.localNow() - t0) / LOONGSON3_SYNC_LOOP_NS));
    if (i > LOONGSON3_MAX_LOOPS) i = LOONGSON3_MAX_LOOPS;
    const inPackage0 = Math.floor(cpu / LOONGSON3_CORES_PER_PACKAGE) === 0;
    const initcount = (this.core0C0count[cpu] + (inPackage0 ? i >>> 1 : i)) >>> 0;
    this.#cp0.writeC0Count(initcount);
    this.#cpus.localIrqRestore(flags);
    return initcount;
  }

  /**
   * octeonFlushIcacheAllCores() - Flush the icache here and on the other CPUs that may run code
   * of `mm` (all online CPUs when `mm` is null): a local `synci`, then `SMP_ICACHE_FLUSH` to each
   * other CPU. It does not wait for them.
   * Mirrors `octeon_flush_icache_all_cores(vma)` in arch/mips/mm/c-octeon.c.
   */
  octeonFlushIcacheAllCores(mm: MmStruct | null): void {
    if (mm !== null && !(mm instanceof MmStruct)) {
      throw new TypeError('octeonFlushIcacheAllCores: mm is not an MmStruct or null');
    }
    this.#icache.octeonLocalFlushIcache();
    const me = this.#cpus.smpProcessorId();
    const mask = (mm === null ? this.#masks.online : mm.cpumask).copy().clearCpu(me);
    for (let cpu = mask.first(); cpu < this.#nrCpuIds; cpu = mask.next(cpu))
      this.sendIpiSingle(cpu, SMP_ICACHE_FLUSH);
  }

  #slotWaitable(cpu: number): Waitable {
    const slots = this.core0C0count;
    const waiters = this.#c0Waiters;
    return {
      get satisfied(): boolean {
        return slots[cpu] !== 0;
      },
      waitsForCpu: 0,
      describe: () => `core0_c0count[${cpu}] to be filled by CPU0 (SMP_ASK_C0COUNT)`,
      addWaiter: (c: number) => {
        waiters.push(c);
      },
    };
  }
}

function checkAction(fn: string, action: number): void {
  if (!Number.isInteger(action) || action < 0 || action > 0xffffffff) {
    throw new RangeError(
      `${fn}: action is ${String(action)}; expected a 32-bit set of SMP_* action bits`,
    );
  }
}
