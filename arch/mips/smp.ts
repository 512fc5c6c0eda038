/**
 * The generic-IPI path of arch/mips/kernel/smp.c: `mips_smp_ipi_allocate()`, `mips_smp_ipi_free()`,
 * `mips_smp_ipi_init()`, and the platform IPI senders `mips_smp_send_ipi_single/mask()` that the
 * CPS and MT platforms use on top of an IPI irq domain (the MIPS GIC's).
 *
 * Quirks of the C code that are kept (spec §12.6): `mips_smp_ipi_allocate()` only BUGs on a
 * zero result of `irq_reserve_ipi()`, so a negative error slips through until
 * `request_irq()` on the bogus virq fails and `smp_ipi_init_one()` BUGs; `call_virq`/`sched_virq`
 * keep their first values; and the per-CPU virq of `cpu` is taken as `call_virq + cpu`, which
 * assumes the reservation starts at CPU 0.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import {
  CpuMasks,
  Cpumask,
  DOMAIN_BUS_IPI,
  Ipi,
  IRQF_PERCPU,
  Irq,
  type IrqDesc,
  type IrqDomain,
  type IrqHandler,
  IrqReturn,
  MachineConfig,
  type ReadonlyCpumask,
  Sched,
  SimCpus,
  Smp,
  errnoName,
  irqDomainIsIpiPerCpu,
} from '../../lib/core.js';
import { checkCpumask } from '../../lib/validate.js';
import { mipsBug, type PlatSmpOps, SMP_CALL_FUNCTION, SMP_RESCHEDULE_YOURSELF } from './smp-ops.js';

const SMP_C = 'arch/mips/kernel/smp.c';

/**
 * The MIPS generic-IPI platform ops and their setup. Bound as the mips-gic platform's
 * `PlatSmpOps`.
 */
@injectable()
export class MipsSmpIpi implements PlatSmpOps {
  /** `call_virq`: base virq of the call-function IPI (0 until allocated). */
  callVirq = 0;
  /** `sched_virq`: base virq of the reschedule IPI (0 until allocated). */
  schedVirq = 0;
  #callDesc: IrqDesc | null = null;
  #schedDesc: IrqDesc | null = null;
  readonly #nrCpuIds: number;
  readonly #masks: CpuMasks;
  readonly #irq: Irq;
  readonly #ipi: Ipi;
  readonly #cpus: SimCpus;
  readonly #ipiCallInterrupt: IrqHandler;
  readonly #ipiReschedInterrupt: IrqHandler;
  /** `cpumask_of(cpu)` scratch mask, so a single send does not allocate. */
  readonly #one: Cpumask;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(Irq) irq: Irq,
    @inject(Ipi) ipi: Ipi,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Smp) smp: Smp,
    @inject(Sched) sched: Sched,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.#masks = masks;
    this.#irq = irq;
    this.#ipi = ipi;
    this.#cpus = cpus;
    this.#one = new Cpumask(config.nrCpuIds);
    // ipi_call_interrupt(): generic_smp_call_function_interrupt().
    this.#ipiCallInterrupt = function ipiCallInterrupt() {
      smp.genericSmpCallFunctionSingleInterrupt();
      return IrqReturn.IRQ_HANDLED;
    };
    // ipi_resched_interrupt(): scheduler_ipi().
    this.#ipiReschedInterrupt = function ipiReschedInterrupt() {
      sched.schedulerIpi();
      return IrqReturn.IRQ_HANDLED;
    };
  }

  /** The cached descriptor of the call-function IPI (`call_desc`), or null before init. */
  get callDesc(): IrqDesc | null {
    return this.#callDesc;
  }

  /** The cached descriptor of the reschedule IPI (`sched_desc`), or null before init. */
  get schedDesc(): IrqDesc | null {
    return this.#schedDesc;
  }

  /**
   * The IPI domain as `mips_smp_ipi_allocate()` finds it: the model has no device tree, so
   * `of_irq_find_parent(of_root)` is NULL and the lookup is `irq_find_matching_host(NULL,
   * DOMAIN_BUS_IPI)`.
   */
  #ipiDomain(): IrqDomain | null {
    return this.#irq.irqFindMatchingHost(null, DOMAIN_BUS_IPI);
  }

  /**
   * `smp_ipi_init_one(virq, name, handler)`: `irq_set_handler(virq, handle_percpu_irq)`, then
   * `request_irq(virq, handler, IRQF_PERCPU, name, NULL)`; a failure BUGs.
   */
  #smpIpiInitOne(virq: number, name: string, handler: IrqHandler): void {
    this.#irq.settings.irqSetHandler(virq, this.#irq.flow.handlePercpuIrq, null);
    const ret = this.#irq.requestIrq(virq, handler, IRQF_PERCPU, name, null);
    if (ret !== 0)
      mipsBug(
        `${SMP_C} (smp_ipi_init_one)`,
        `request_irq(${virq}, "${name}") returned ${errnoName(ret)}`,
      );
  }

  /**
   * mipsSmpIpiAllocate() - Reserve the call and reschedule IPIs for the CPUs of `mask`.
   * Mirrors `mips_smp_ipi_allocate()` in arch/mips/kernel/smp.c: find the IPI domain by bus
   * token (none: BUG if more than one CPU is present, else return 0); `irq_reserve_ipi()` the
   * call IPI, then the resched IPI (BUG on 0 only); remember the first values as `call_virq` and
   * `sched_virq`; then, on a per-CPU domain, set up `call_virq + cpu` ("IPI call") and
   * `sched_virq + cpu` ("IPI resched") for every CPU of `mask`, else the two single virqs.
   * @returns 0.
   * @throws Error for a kernel BUG (see the module's quirks); TypeError/RangeError for a bad mask.
   */
  mipsSmpIpiAllocate(mask: ReadonlyCpumask): number {
    checkCpumask('mipsSmpIpiAllocate', 'mask', mask, this.#nrCpuIds);
    const ipidomain = this.#ipiDomain();
    if (ipidomain === null) {
      if (this.#masks.present.weight() > 1)
        mipsBug(SMP_C, 'no IPI domain on an SMP system (BUG_ON(num_present_cpus() > 1))');
      return 0;
    }
    let virq = this.#ipi.irqReserveIpi(ipidomain, mask);
    if (virq === 0) mipsBug(SMP_C, 'irq_reserve_ipi() for the call IPI returned 0');
    if (this.callVirq === 0) this.callVirq = virq;
    virq = this.#ipi.irqReserveIpi(ipidomain, mask);
    if (virq === 0) mipsBug(SMP_C, 'irq_reserve_ipi() for the resched IPI returned 0');
    if (this.schedVirq === 0) this.schedVirq = virq;
    if (irqDomainIsIpiPerCpu(ipidomain)) {
      for (let cpu = mask.first(); cpu < this.#nrCpuIds; cpu = mask.next(cpu)) {
        this.#smpIpiInitOne(this.callVirq + cpu, 'IPI call', this.#ipiCallInterrupt);
        this.#smpIpiInitOne(this.schedVirq + cpu, 'IPI resched', this.#ipiReschedInterrupt);
      }
    } else {
      this.#smpIpiInitOne(this.callVirq, 'IPI call', this.#ipiCallInterrupt);
      this.#smpIpiInitOne(this.schedVirq, 'IPI resched', this.#ipiReschedInterrupt);
    }
    return 0;
  }

  /**
   * mipsSmpIpiFree() - Release the call and reschedule IPIs of the CPUs of `mask`.
   * Mirrors `mips_smp_ipi_free()` in arch/mips/kernel/smp.c: BUG without an IPI domain; on a
   * per-CPU domain `free_irq()` the two virqs of every CPU of `mask`; then `irq_destroy_ipi()`
   * both reservations for `mask`.
   * @returns 0.
   */
  mipsSmpIpiFree(mask: ReadonlyCpumask): number {
    checkCpumask('mipsSmpIpiFree', 'mask', mask, this.#nrCpuIds);
    const ipidomain = this.#ipiDomain();
    if (ipidomain === null)
      mipsBug(SMP_C, 'mips_smp_ipi_free() without an IPI domain (BUG_ON(!ipidomain))');
    if (irqDomainIsIpiPerCpu(ipidomain)) {
      for (let cpu = mask.first(); cpu < this.#nrCpuIds; cpu = mask.next(cpu)) {
        this.#irq.freeIrq(this.callVirq + cpu, null);
        this.#irq.freeIrq(this.schedVirq + cpu, null);
      }
    }
    this.#ipi.irqDestroyIpi(this.callVirq, mask);
    this.#ipi.irqDestroyIpi(this.schedVirq, mask);
    return 0;
  }

  /**
   * mipsSmpIpiInit() - The `early_initcall`: with more than one possible CPU, allocate the IPIs
   * for every possible CPU and cache the two descriptors.
   * Mirrors `mips_smp_ipi_init()` in arch/mips/kernel/smp.c. Idempotent here (the kernel runs it
   * once); the architecture calls it while the machine is built.
   * @returns 0.
   */
  mipsSmpIpiInit(): number {
    if (this.#callDesc !== null || this.#masks.possible.weight() === 1) return 0;
    this.mipsSmpIpiAllocate(this.#masks.possible);
    this.#callDesc = this.#irq.irqToDesc(this.callVirq);
    this.#schedDesc = this.#irq.irqToDesc(this.schedVirq);
    return 0;
  }

  /**
   * sendIpiMask() - Send `action` to the CPUs of `mask`.
   * Mirrors `mips_smp_send_ipi_mask()` in arch/mips/kernel/smp.c: with local interrupts off,
   * `SMP_CALL_FUNCTION` → `__ipi_send_mask(call_desc, mask)`, `SMP_RESCHEDULE_YOURSELF` →
   * `__ipi_send_mask(sched_desc, mask)`, anything else BUGs. The Cluster Power Controller
   * power-up of non-coherent targets is not modelled.
   */
  sendIpiMask(mask: ReadonlyCpumask, action: number): void {
    checkCpumask('sendIpiMask', 'mask', mask, this.#nrCpuIds);
    let desc: IrqDesc | null;
    if (action === SMP_CALL_FUNCTION) desc = this.#callDesc;
    else if (action === SMP_RESCHEDULE_YOURSELF) desc = this.#schedDesc;
    else mipsBug(`${SMP_C} (mips_smp_send_ipi_mask)`, `unexpected action ${String(action)}`);
    if (desc === null) {
      throw new Error(
        'sendIpiMask: the IPIs are not allocated (one possible CPU); the kernel would dereference NULL',
      );
    }
    const onCpu = this.#cpus.current !== null;
    const flags = onCpu ? this.#cpus.localIrqSave() : false;
    this.#ipi.__ipiSendMask(desc, mask);
    if (onCpu) this.#cpus.localIrqRestore(flags);
  }

  /**
   * sendIpiSingle() - `mips_smp_send_ipi_single(cpu, action)` in arch/mips/kernel/smp.c:
   * `mips_smp_send_ipi_mask(cpumask_of(cpu), action)`.
   * @throws RangeError for a CPU outside the machine.
   */
  sendIpiSingle(cpu: number, action: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.#nrCpuIds) {
      throw new RangeError(
        `sendIpiSingle: cpu is ${String(cpu)}; expected a CPU number in [0, ${this.#nrCpuIds})`,
      );
    }
    this.sendIpiMask(this.#one.clearAll().setCpu(cpu), action);
  }
}
