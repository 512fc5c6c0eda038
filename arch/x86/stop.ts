/**
 * Stopping the other CPUs, mirroring `native_stop_other_cpus()`, `sysvec_reboot()` and
 * `smp_stop_nmi_callback()` (arch/x86/kernel/smp.c) and `stop_this_cpu()`
 * (arch/x86/kernel/process.c).
 *
 * A CPU stops by going offline through the model's hot-unplug (`SimCpus.cpuDown`): its online bit
 * clears at once and it stops executing. The model cannot halt a CPU that still has task code; such
 * a CPU WARNs and stays up, and `nativeStopOtherCpus` then times out as Linux would.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { CpuMasks, IrqReturn, Printk, SimCpus, type SimTask } from '../../lib/core.js';
import { checkBoolean } from '../../lib/validate.js';
import { Apic } from '../../drivers/apic/index.js';
import { X86Irq } from './irq.js';
import { X86Config } from './options.js';
import { NMI_VECTOR, REBOOT_VECTOR } from './vectors.js';

const USEC_PER_SEC = 1_000_000;
const USEC_PER_MSEC = 1000;

/** CPU stopping of one machine. */
@injectable()
export class X86Stop {
  /** `stopping_cpu`: the CPU that runs `native_stop_other_cpus()`, or -1. */
  #stoppingCpu = -1;
  readonly #apic: Apic;
  readonly #irqs: X86Irq;
  readonly #cpus: SimCpus;
  readonly #masks: CpuMasks;
  readonly #printk: Printk;
  readonly #config: X86Config;

  constructor(
    @inject(Apic) apic: Apic,
    @inject(X86Irq) irqs: X86Irq,
    @inject(SimCpus) cpus: SimCpus,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(Printk) printk: Printk,
    @inject(X86Config) config: X86Config,
  ) {
    this.#apic = apic;
    this.#irqs = irqs;
    this.#cpus = cpus;
    this.#masks = masks;
    this.#printk = printk;
    this.#config = config;
    irqs.sysvecInstall(REBOOT_VECTOR, 'sysvec_reboot', () => {
      this.stopThisCpu();
      return IrqReturn.IRQ_HANDLED;
    });
  }

  /** The CPU that is stopping the others, or -1. */
  get stoppingCpu(): number {
    return this.#stoppingCpu;
  }

  /**
   * stopThisCpu() - `stop_this_cpu()` on the current CPU: take it offline for good. A CPU the
   * model cannot unplug (it has task code) WARNs at `stop_this_cpu` and keeps running.
   * @throws Error outside simulated code.
   */
  stopThisCpu(): void {
    const cpu = this.#cpus.smpProcessorId();
    if (!this.#masks.cpuOnline(cpu)) return;
    try {
      this.#cpus.cpuDown(cpu, 0);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      this.#printk.warnOn(
        true,
        'stop_this_cpu',
        `CPU${cpu} cannot be halted by the model: ${e.message}`,
      );
    }
  }

  /** `smp_stop_nmi_callback()`: every CPU but the stopping one stops. */
  #stopNmiCallback = (cpu: number): boolean => {
    if (cpu !== this.#stoppingCpu) this.stopThisCpu();
    return true;
  };

  /**
   * nativeStopOtherCpus() - `native_stop_other_cpus(wait)`: claim the stopping slot (give up if
   * another CPU holds it), send `REBOOT_VECTOR` with `apic->send_IPI_allbutself`, poll up to 1 s
   * (1 µs steps) for the others to go offline; then, unless `nonmiIpi`, register the NMI stop
   * handler, log "Shutting down cpus with NMI" and send an all-but-self NMI, polling up to 10 ms
   * (forever if `wait`). Run it from task code: `yield* x86.stop.nativeStopOtherCpus(false)`.
   */
  *nativeStopOtherCpus(wait: boolean): SimTask<void> {
    checkBoolean('nativeStopOtherCpus', 'wait', wait);
    const me = this.#cpus.smpProcessorId();
    const masks = this.#masks;
    if (masks.numOnlineCpus() > 1) {
      if (this.#stoppingCpu !== -1) return;
      this.#stoppingCpu = me;
      this.#apic.ops.sendIPIAllButSelf(REBOOT_VECTOR);
      for (let timeout = USEC_PER_SEC; masks.numOnlineCpus() > 1 && timeout-- > 0;)
        yield this.#cpus.delay(1000);
    }
    if (masks.numOnlineCpus() > 1) {
      if (
        !this.#config.nonmiIpi &&
        this.#irqs.registerNmiHandler('smp_stop', this.#stopNmiCallback) === 0
      ) {
        this.#printk.prWarn('', 'Shutting down cpus with NMI');
        this.#apic.ops.sendIPIAllButSelf(NMI_VECTOR);
      }
      for (
        let timeout = 10 * USEC_PER_MSEC;
        masks.numOnlineCpus() > 1 && (wait || timeout-- > 0);
      ) {
        yield this.#cpus.delay(1000);
      }
    }
  }
}
