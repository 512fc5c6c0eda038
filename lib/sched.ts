/**
 * The slice of the scheduler that sends and receives IPIs (kernel/sched/core.c): `resched_curr`
 * with the polling-idle shortcut, `smp_send_reschedule` with its tracepoint, `scheduler_ipi`,
 * and remote wake-ups (`try_to_wake_up` queueing a `CSD_TYPE_TTWU` entry on an idle target).
 *
 * The model's run queues are FIFO and tasks are not preempted: `need_resched` is honoured when
 * a CPU is idle (it leaves the idle loop) and otherwise only recorded.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { CpuMasks } from './cpu.js';
import { MachineLink } from './machine/config.js';
import { Printk } from './printk.js';
import { SimCpus, type SimTaskFn } from './sim/cpus.js';
import { CallSingleData, CSD_FLAG_LOCK, CSD_TYPE_TTWU } from './smp/csd.js';

import { Smp } from './smp/smp.js';
import { Tracer } from './trace/tracer.js';
import { checkFunction, checkInteger, describeValue } from './validate.js';

/** Scheduler IPI paths of one machine. */
@injectable()
export class Sched {
  readonly #cpus: SimCpus;
  readonly #masks: CpuMasks;
  readonly #smp: Smp;
  readonly #tracer: Tracer;
  readonly #printk: Printk;
  readonly #link: MachineLink;
  /** `scheduler_ipi()` calls per CPU. */
  readonly schedulerIpis: Uint32Array;
  readonly #pendingWakeups = new Map<CallSingleData, SimTaskFn>();

  constructor(
    @inject(SimCpus) cpus: SimCpus,
    @inject(CpuMasks) masks: CpuMasks,
    @inject(Smp) smp: Smp,
    @inject(Tracer) tracer: Tracer,
    @inject(Printk) printk: Printk,
    @inject(MachineLink) link: MachineLink,
  ) {
    this.#cpus = cpus;
    this.#masks = masks;
    this.#smp = smp;
    this.#tracer = tracer;
    this.#printk = printk;
    this.#link = link;
    this.schedulerIpis = new Uint32Array(cpus.nrCpuIds);
    smp.setTtwuHandler((csds) => {
      this.#ttwuPending(csds);
    });
  }

  /**
   * `smp_send_reschedule(cpu)` (include/linux/smp.h): trace `ipi_send_cpu` with a null callback,
   * then the arch's reschedule IPI (x86 warns and sends nothing for an offline CPU).
   */
  smpSendReschedule(cpu: number): void {
    checkInteger('smpSendReschedule', 'cpu', cpu);
    if (cpu < 0 || cpu >= this.#cpus.nrCpuIds) {
      throw new RangeError(`smpSendReschedule: cpu ${cpu} is not a CPU of this machine`);
    }
    const me = this.#cpus.current?.cpu ?? -1;
    if (this.#tracer.enabled) {
      this.#tracer.emit('ipi_send_cpu', me, { cpu, callsite: 'resched_curr', callback: null }, this.#cpus.localNow());
    }
    if (this.#link.smpOps === null) throw new Error('smpSendReschedule: this architecture binds no SmpOps');
    this.#link.smpOps.smpSendReschedule(cpu);
  }

  /**
   * `resched_curr(rq of cpu)`: set `need_resched` on `cpu`; for a remote CPU send a reschedule
   * IPI unless it polls idle (then it notices without one: `set_nr_and_not_polling`).
   */
  reschedCurr(cpu: number): void {
    checkInteger('reschedCurr', 'cpu', cpu);
    if (cpu < 0 || cpu >= this.#cpus.nrCpuIds) {
      throw new RangeError(`reschedCurr: cpu is ${cpu}; expected a CPU number in [0, ${this.#cpus.nrCpuIds})`);
    }
    const me = this.#cpus.current?.cpu ?? -1;
    if (cpu === me) {
      this.#cpus.cpu(cpu).needResched = true;
      return;
    }
    if (this.#cpus.setNrIfPolling(cpu)) {
      if (this.#tracer.enabled) this.#tracer.emit('sched_wake_idle_without_ipi', me, { cpu }, this.#cpus.localNow());
      return;
    }
    this.#cpus.cpu(cpu).needResched = true;
    this.smpSendReschedule(cpu);
  }

  /**
   * `scheduler_ipi()`: the reschedule IPI's handler body. `need_resched` was set by the sender;
   * an idle CPU leaves the idle loop on interrupt exit.
   */
  schedulerIpi(): void {
    const cpu = this.#cpus.smpProcessorId();
    this.schedulerIpis[cpu]++;
  }

  /**
   * Wakes task code on `cpu` from the current CPU, the way `try_to_wake_up()` does: a local
   * wake-up just enqueues; a wake-up to an idle remote CPU is queued on its wake list
   * (`CSD_TYPE_TTWU`, sent with the call-function-single IPI unless it polls idle); a wake-up to
   * a busy remote CPU enqueues and calls {@link Sched.reschedCurr}.
   */
  wakeUpTask(cpu: number, fn: SimTaskFn, name?: string): void {
    checkInteger('wakeUpTask', 'cpu', cpu);
    checkFunction('wakeUpTask', 'fn', fn);
    if (name !== undefined && typeof name !== 'string') {
      throw new TypeError(`wakeUpTask: name is ${describeValue(name)}; expected a string`);
    }
    if (!this.#masks.cpuOnline(cpu)) {
      throw new RangeError(`wakeUpTask: cpu ${cpu} is offline; wake the task on an online CPU`);
    }
    const me = this.#cpus.smpProcessorId();
    const target = this.#cpus.cpu(cpu);
    if (cpu === me || !(target.idle && target.task === null)) {
      this.#cpus.spawn(cpu, fn, { at: this.#cpus.localNow(), name });
      if (cpu !== me) this.reschedCurr(cpu);
      return;
    }
    const csd = new CallSingleData(null, name ?? fn.name, CSD_FLAG_LOCK | CSD_TYPE_TTWU);
    csd.src = me;
    csd.dst = cpu;
    this.#pendingWakeups.set(csd, fn);
    this.#smp.__smpCallSingleQueue(cpu, csd, 'ttwu_queue_wakelist');
  }

  /** `sched_ttwu_pending()`: activate the queued tasks on this CPU. */
  #ttwuPending(csds: readonly CallSingleData[]): void {
    const cpu = this.#cpus.smpProcessorId();
    // A dying CPU flushes its wake list too (smpcfd_dying_cpu); its tasks then migrate to an
    // online CPU, as sched_cpu_dying() moves them.
    const target = this.#masks.cpuOnline(cpu) ? cpu : this.#masks.online.first();
    for (const csd of csds) {
      const fn = this.#pendingWakeups.get(csd);
      this.#pendingWakeups.delete(csd);
      csd.flags = 0;
      if (fn === undefined) {
        this.#printk.prWarn('sched: ', `TTWU entry with no task on CPU${cpu}`);
        continue;
      }
      this.#cpus.spawn(target, fn, { at: this.#cpus.localNow(), name: String(csd.info) });
    }
    this.#cpus.cpu(target).needResched = true;
  }
}
