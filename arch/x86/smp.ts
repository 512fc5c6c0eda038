/**
 * The x86 senders behind kernel/smp.c and the scheduler (`smp_ops` of arch/x86/kernel/smp.c):
 * `native_smp_send_reschedule()`, `native_send_call_func_ipi()` and
 * `native_send_call_func_single_ipi()` (arch/x86/kernel/apic/ipi.c).
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import {
  CpuMasks,
  MachineConfig,
  Printk,
  type ReadonlyCpumask,
  SimCpus,
  type SmpOps,
} from '../../lib/core.js';
import { checkCpumask, checkInteger } from '../../lib/validate.js';
import { Apic } from '../../drivers/apic/index.js';
import { X86Ipi } from './ipi.js';
import { CALL_FUNCTION_SINGLE_VECTOR, CALL_FUNCTION_VECTOR, RESCHEDULE_VECTOR } from './vectors.js';

/** `cpumask_or_equal(mask, cpumask_of(cpu), online)`: is `mask ∪ {cpu}` exactly `online`? */
function orEqual(mask: ReadonlyCpumask, cpu: number, online: ReadonlyCpumask): boolean {
  const a = mask.words;
  const b = online.words;
  const w = cpu >>> 5;
  for (let i = 0; i < a.length; i++) {
    const self = i === w ? 1 << (cpu & 31) : 0;
    if ((a[i] | self) >>> 0 !== b[i]) return false;
  }
  return true;
}

/** The x86 `SmpOps`. */
@injectable()
export class X86SmpOps implements SmpOps {
  readonly #nrCpuIds: number;
  readonly #ipi: X86Ipi;
  readonly #apic: Apic;
  readonly #masks: CpuMasks;
  readonly #cpus: SimCpus;
  readonly #printk: Printk;

  constructor(
    @inject(MachineConfig) machine: MachineConfig,
    @inject(X86Ipi) ipi: X86Ipi,
    @inject(Apic) apic: Apic,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(SimCpus) cpus: SimCpus,
    @inject(Printk) printk: Printk,
  ) {
    this.#nrCpuIds = machine.nrCpuIds;
    this.#ipi = ipi;
    this.#apic = apic;
    this.#masks = masks;
    this.#cpus = cpus;
    this.#printk = printk;
  }

  /**
   * smpSendReschedule() - `native_smp_send_reschedule(cpu)` (arch/x86/kernel/apic/ipi.c): an
   * offline CPU gets a WARN "sched: Unexpected reschedule of offline CPU#n!" and no IPI; otherwise
   * `RESCHEDULE_VECTOR` to `cpu`.
   * @throws TypeError/RangeError for a `cpu` that is not a CPU number of this machine.
   */
  smpSendReschedule(cpu: number): void {
    checkInteger('smpSendReschedule', 'cpu', cpu);
    if (cpu < 0 || cpu >= this.#nrCpuIds) {
      throw new RangeError(
        `smpSendReschedule: cpu is ${cpu}; expected a CPU number in [0, ${this.#nrCpuIds})`,
      );
    }
    if (!this.#masks.cpuOnline(cpu)) {
      this.#printk.warnOn(
        true,
        'native_smp_send_reschedule',
        `sched: Unexpected reschedule of offline CPU#${cpu}!`,
      );
      return;
    }
    this.#ipi.sendIPI(cpu, RESCHEDULE_VECTOR);
  }

  /**
   * sendCallFunctionIpiMask() - `native_send_call_func_ipi(mask)` (arch/x86/kernel/apic/ipi.c):
   * with shorthands on and `mask ∪ {self}` equal to the online mask, the all-including-self
   * shorthand if self is in `mask`, else the all-but-self shorthand if more than one CPU is
   * online (else nothing); in every other case `send_IPI_mask(mask, CALL_FUNCTION_VECTOR)`.
   * @throws TypeError/RangeError for a `mask` that is not a Cpumask of this machine's width.
   */
  sendCallFunctionIpiMask(mask: ReadonlyCpumask): void {
    checkCpumask('sendCallFunctionIpiMask', 'mask', mask, this.#nrCpuIds);
    const self = this.#cpus.current?.cpu ?? -1;
    if (self >= 0 && this.#ipi.apicUseIpiShorthand && orEqual(mask, self, this.#masks.online)) {
      if (mask.testCpu(self)) this.#apic.ops.sendIPIAll(CALL_FUNCTION_VECTOR);
      else if (this.#masks.numOnlineCpus() > 1)
        this.#apic.ops.sendIPIAllButSelf(CALL_FUNCTION_VECTOR);
      return;
    }
    this.#ipi.sendIPIMask(mask, CALL_FUNCTION_VECTOR);
  }

  /**
   * sendCallFunctionSingleIpi() - `native_send_call_func_single_ipi(cpu)`:
   * `CALL_FUNCTION_SINGLE_VECTOR` to `cpu`.
   */
  sendCallFunctionSingleIpi(cpu: number): void {
    this.#ipi.sendIPI(cpu, CALL_FUNCTION_SINGLE_VECTOR);
  }
}
