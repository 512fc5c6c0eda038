/**
 * The Linux side of a MIPS coprocessor, mirroring the MIPS remoteproc driver that Imagination
 * posted in 2016 (drivers/remoteproc/mips_rproc.c, never merged): a CPU that is possible but
 * offline is handed to firmware, and Linux and the firmware signal each other with two generic
 * IPIs whose hardware numbers the firmware learns from `ipi_get_hwirq()` — the use the kernel
 * documents that function for (spec §3).
 *
 * Start (`mips_rproc_op_start()`): give back the CPU's own Linux IPIs (`mips_smp_ipi_free()`),
 * find the IPI domain by bus token, reserve the IPI towards Linux CPU 0, then the one towards the
 * coprocessor, request a handler on the Linux one, and start the firmware with
 * `ipi_get_hwirq(ipi_remote, cpu)` ("to remote") and `ipi_get_hwirq(ipi_linux, 0)` ("from
 * remote"). Kick (`mips_rproc_op_kick()`): `ipi_send_single(ipi_remote, cpu)`.
 *
 * Departures: the driver's threaded handler (`mips_rproc_ipi_handler` waking
 * `mips_rproc_vq_int`) runs as one hard-irq handler (the model has no irq threads); the
 * remoteproc core, firmware loading and TLB set-up are not modelled; the messages are
 * {@link CoprocFirmware}'s two rings instead of virtio vrings.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import {
  CpuMasks,
  Cpumask,
  DOMAIN_BUS_IPI,
  type IrqDomain,
  Errno,
  IrqReturn,
  Ipi,
  Irq,
  MachineConfig,
  Printk,
  SimCpus,
  errnoName,
} from '../../lib/core.js';
import { checkInteger } from '../../lib/validate.js';
import { MipsSmpIpi } from '../../arch/mips/smp.js';
import { CoprocFirmware } from './firmware.js';

const PR = 'mips-rproc: ';

/** Linux side of one MIPS coprocessor (one at a time in the model). */
@injectable()
export class MipsRproc {
  /** The coprocessor CPU while started, else -1. */
  cpu = -1;
  /** `ipi_linux`: base virq of the IPI towards Linux CPU 0 (0 when none). */
  ipiLinux = 0;
  /** `ipi_remote`: base virq of the IPI towards the coprocessor (0 when none). */
  ipiRemote = 0;
  /** Replies received on the Linux side. */
  received = 0;
  /** Round-trip time of each reply (from writing a message to handling its reply), ns. */
  readonly roundTrips: number[] = [];
  /** The firmware model. */
  readonly firmware: CoprocFirmware;
  #seq = 0;
  #rounds = 0;
  readonly #nrCpuIds: number;
  readonly #masks: CpuMasks;
  readonly #irq: Irq;
  readonly #ipi: Ipi;
  readonly #cpus: SimCpus;
  readonly #smpIpi: MipsSmpIpi;
  readonly #printk: Printk;
  readonly #vqInt: () => IrqReturn;

  constructor(
    @inject(MachineConfig) config: MachineConfig,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(Irq) irq: Irq,
    @inject(Ipi) ipi: Ipi,
    @inject(SimCpus) cpus: SimCpus,
    @inject(MipsSmpIpi) smpIpi: MipsSmpIpi,
    @inject(CoprocFirmware) firmware: CoprocFirmware,
    @inject(Printk) printk: Printk,
  ) {
    this.#nrCpuIds = config.nrCpuIds;
    this.#masks = masks;
    this.#irq = irq;
    this.#ipi = ipi;
    this.#cpus = cpus;
    this.#smpIpi = smpIpi;
    this.#printk = printk;
    this.firmware = firmware;
    this.#vqInt = () => this.#mipsRprocVqInt();
  }

  /**
   * ipiDomain() - The IPI domain, found by bus token: `irq_find_matching_host(node,
   * DOMAIN_BUS_IPI)`, retried with a NULL node. The model has no device tree, so the node is NULL.
   * Mirrors `ipi_domain()` in drivers/remoteproc/mips_rproc.c.
   */
  ipiDomain(): IrqDomain | null {
    return this.#irq.irqFindMatchingHost(null, DOMAIN_BUS_IPI);
  }

  /**
   * mipsRprocOpStart() - Hand CPU `cpu` to the firmware.
   * Mirrors `mips_rproc_op_start()` in drivers/remoteproc/mips_rproc.c (argument order of the
   * rproc op aside: the C op takes the rproc, which names the CPU).
   * @returns 0; `-EBUSY` if a coprocessor is already started; `-EINVAL` if the CPU's Linux IPIs
   *   cannot be freed, a reservation returned 0, the handler cannot be requested, or the CPU cannot
   *   be stolen (it is online). Failures undo what was done and re-allocate the CPU's Linux IPIs.
   * @throws RangeError for a CPU outside the machine, or CPU 0 (it receives the IPIs from the
   *   firmware and cannot be given away).
   */
  mipsRprocOpStart(cpu: number): number {
    if (!Number.isInteger(cpu) || cpu < 1 || cpu >= this.#nrCpuIds) {
      throw new RangeError(
        `mipsRprocOpStart: cpu is ${String(cpu)}; expected a CPU number in [1, ${this.#nrCpuIds})`,
      );
    }
    if (this.cpu >= 0) {
      this.#printk.prWarn(PR, `CPU${this.cpu} in use`);
      return -Errno.EBUSY;
    }
    // We won't be needing the Linux IPIs anymore.
    if (this.#smpIpi.mipsSmpIpiFree(this.#mask(cpu)) !== 0) return -Errno.EINVAL;
    // Direct IPIs from the remote processor to CPU0 since that can't be offlined while the
    // remote CPU is running. Like the C code, only a 0 result counts as failure here.
    this.ipiLinux = this.#ipi.irqReserveIpi(this.ipiDomain(), this.#mask(0));
    if (this.ipiLinux === 0) return this.#fail(cpu, 'nofrom', 'Failed to reserve incoming kick');
    this.ipiRemote = this.#ipi.irqReserveIpi(this.ipiDomain(), this.#mask(cpu));
    if (this.ipiRemote === 0) return this.#fail(cpu, 'noto', 'Failed to reserve outgoing kick');
    const err = this.#irq.requestIrq(this.ipiLinux, this.#vqInt, 0, 'mips-rproc IPI in', this);
    if (err !== 0)
      return this.#fail(cpu, 'noint', `Failed to register incoming kick: ${errnoName(err)}`);
    // mips_cps_steal_cpu_and_execute(): only a CPU Linux does not run on can be stolen.
    if (this.#masks.cpuOnline(cpu)) {
      this.#irq.freeIrq(this.ipiLinux, this);
      return this.#fail(cpu, 'noint', `Failed to steal CPU${cpu} for remote`);
    }
    this.cpu = cpu;
    // mips_rproc_cpu_entry(): the firmware gets a1 = IPI to remote, a2 = IPI from remote.
    const toRemote = this.#ipi.ipiGetHwirq(this.ipiRemote, cpu);
    const fromRemote = this.#ipi.ipiGetHwirq(this.ipiLinux, 0);
    this.firmware.boot(
      cpu,
      this.#cpus.localNow() + this.firmware.timing.bootNs,
      toRemote,
      fromRemote,
    );
    return 0;
  }

  /**
   * The error exits of `mips_rproc_op_start()` (labels `exit_rproc_noint`, `_noto`, `_nofrom`):
   * destroy what was reserved, re-allocate the CPU's Linux IPIs, return `-EINVAL`.
   */
  #fail(cpu: number, label: 'noint' | 'noto' | 'nofrom', message: string): number {
    this.#printk.prWarn(PR, message);
    if (label === 'noint') this.#ipi.irqDestroyIpi(this.ipiRemote, this.#mask(cpu));
    if (label !== 'nofrom') this.#ipi.irqDestroyIpi(this.ipiLinux, this.#mask(0));
    this.ipiLinux = 0;
    this.ipiRemote = 0;
    // Set up the Linux IPIs again.
    this.#smpIpi.mipsSmpIpiAllocate(this.#mask(cpu));
    return -Errno.EINVAL;
  }

  /** `get_cpu_mask(cpu)`. */
  #mask(cpu: number): Cpumask {
    return new Cpumask(this.#nrCpuIds).setCpu(cpu);
  }

  /**
   * mipsRprocOpStop() - Take the CPU back from the firmware.
   * Mirrors `mips_rproc_op_stop()`: free the Linux-side handler, destroy both IPIs, re-allocate
   * the CPU's Linux IPIs (`mips_smp_ipi_allocate()`), halt the firmware.
   * @returns 0, or `-EBUSY` when nothing is started (as the driver's sysfs `stop`).
   */
  mipsRprocOpStop(): number {
    if (this.cpu < 0) return -Errno.EBUSY;
    const cpu = this.cpu;
    if (this.ipiLinux !== 0) this.#irq.freeIrq(this.ipiLinux, this);
    this.#ipi.irqDestroyIpi(this.ipiLinux, this.#mask(0));
    this.#ipi.irqDestroyIpi(this.ipiRemote, this.#mask(cpu));
    // Set up the Linux IPIs again.
    this.#smpIpi.mipsSmpIpiAllocate(this.#mask(cpu));
    this.firmware.halt();
    this.cpu = -1;
    this.ipiLinux = 0;
    this.ipiRemote = 0;
    return 0;
  }

  /**
   * mipsRprocOpKick() - Tell the firmware there is work: `ipi_send_single(ipi_remote, cpu)`.
   * Mirrors `mips_rproc_op_kick()`; like it, returns nothing (a failed send only WARNs).
   */
  mipsRprocOpKick(vqid: number): void {
    // There is no mailbox to say which virtqueue: every kick means "look at all of them".
    checkInteger('mipsRprocOpKick', 'vqid', vqid);
    this.#ipi.ipiSendSingle(this.ipiRemote, this.cpu);
  }

  /**
   * Ping-pong: write message 1 to the firmware and kick; every reply handled on CPU 0 sends the
   * next one, until `rounds` replies came back. Call from task code or from the host.
   * @throws RangeError for a non-positive `rounds`; Error when no coprocessor is started.
   */
  pingPong(rounds: number): void {
    if (!Number.isSafeInteger(rounds) || rounds < 1) {
      throw new RangeError(`pingPong: rounds is ${String(rounds)}; expected a positive integer`);
    }
    if (this.cpu < 0)
      throw new Error('pingPong: no coprocessor is started; call mipsRprocOpStart(cpu) first');
    this.#rounds = this.received + rounds;
    this.#send();
  }

  #send(): void {
    this.firmware.toRemote.push({ seq: ++this.#seq, sentAt: this.#cpus.localNow() });
    this.mipsRprocOpKick(0);
  }

  /**
   * `mips_rproc_vq_int()`: the Linux-side handler. "We don't have a mailbox": take every reply
   * in shared memory; here each one completes a ping-pong round, and the next ping goes out.
   */
  #mipsRprocVqInt(): IrqReturn {
    const now = this.#cpus.localNow();
    let got = 0;
    for (
      let msg = this.firmware.fromRemote.shift();
      msg !== undefined;
      msg = this.firmware.fromRemote.shift()
    ) {
      this.roundTrips.push(now - msg.sentAt);
      this.received++;
      got++;
    }
    if (got > 0 && this.received < this.#rounds) this.#send();
    return got > 0 ? IrqReturn.IRQ_HANDLED : IrqReturn.IRQ_NONE;
  }
}
