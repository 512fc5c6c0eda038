/**
 * The system under test of the model-based suite: a machine, its reference model
 * ({@link RefModel}), the bookkeeping of every cross call, wake-up and task the commands started,
 * and the invariants checked after every command and at the end of a run.
 *
 * No test-runner dependency: the jest suites and the soak runner (bench/soak.ts) share it.
 * A broken invariant throws a {@link Violation}.
 */
import { TestArch } from '../../../arch/test/index.js';
import {
  CallSingleData,
  Cpumask,
  createMachine,
  type FaultPlan,
  type IrqData,
  type IrqDomain,
  IrqReturn,
  IRQ_NO_BALANCING,
  type Machine,
  type MmStruct,
  type SmpCallFunc,
  SoftIntc,
  type TaskHandle,
} from '../../../lib/index.js';
import { type DomainKind, RefModel } from './ref-model.js';
import { resolveMask, type Spec } from './specs.js';

/** A broken invariant. */
export class Violation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Violation';
  }
}

/** Options of a {@link World}. */
export interface WorldOptions {
  /** Built-in arch name; reservation commands need `test`. Default `test`. */
  readonly arch?: string;
  /** Number of CPUs. */
  readonly nrCpus: number;
  /** Machine seed. */
  readonly seed?: number;
  /** Arch options (e.g. a larger MIPS GIC for many CPUs). */
  readonly archOptions?: Readonly<Record<string, unknown>>;
  /** Idle style: every CPU halts, polls, or odd CPUs poll. */
  readonly idle?: 'halt' | 'poll' | 'mixed';
  /** Fault mode: faultPolicy `continue`, `faults` commands allowed, exactly-once relaxed to "at most once, the rest still queued". */
  readonly faults?: boolean;
  /** Deep structural check every this many commands (1: every command). Default 1. */
  readonly deepEvery?: number;
}

/** One cross call started by a command. */
interface CallRec {
  readonly id: number;
  readonly what: string;
  readonly func: SmpCallFunc;
  /** CPUs that must run it; null until the calling task made the call. */
  expected: Set<number> | null;
  readonly runs: number[];
  task: TaskHandle | null;
}

/** WARN sites that must never fire under the commands the model issues. */
const FORBIDDEN_WARNS = new Set([
  'csd_unlock',
  'finish_task',
  'smp_call_function_single:irqs_disabled',
  'smp_call_function_many_cond:irqs_disabled',
  'smp_call_function_single:!in_task',
  'smp_call_function_many_cond:!in_task',
]);

const ENXIO = -6;

/** The system under test plus its model. */
export class World {
  readonly m: Machine;
  readonly model: RefModel;
  readonly n: number;
  readonly faultMode: boolean;
  readonly soft: SoftIntc | null;
  readonly testArch: TestArch | null;
  /** Commands applied so far. */
  ops = 0;
  readonly #deepEvery: number;
  readonly #problems: string[] = [];
  readonly #calls: CallRec[] = [];
  readonly #tasks: { handle: TaskHandle; what: string }[] = [];
  readonly #wakes: { what: string; runs: number; expected: number | null }[] = [];
  #nextId = 1;
  #warnScan = 0;
  #chipScan = 0;
  #chipRaises = 0;
  readonly #mm: MmStruct;
  readonly #touchSeq: number[];
  #seq = 0;
  readonly #faultCounters = { chip: 0, handler: 0, delivery: 0 };

  constructor(options: WorldOptions) {
    const n = options.nrCpus;
    this.n = n;
    this.faultMode = options.faults ?? false;
    this.#deepEvery = options.deepEvery ?? 1;
    this.m = createMachine({
      arch: options.arch ?? 'test',
      nrCpus: n,
      seed: options.seed ?? 1,
      ...(options.archOptions === undefined ? {} : { archOptions: options.archOptions }),
      faultPolicy: this.faultMode ? 'continue' : 'stop',
    });
    const m = this.m;
    const idle = options.idle ?? 'halt';
    for (let c = 0; c < n; c++) {
      m.sim.setIdleMode(c, idle === 'poll' || (idle === 'mixed' && c % 2 === 1) ? 'poll' : 'halt');
    }
    const intc = m.sim.interruptController;
    this.soft = intc instanceof SoftIntc ? intc : null;
    this.testArch = m.arch === 'test' ? m.get(TestArch) : null;
    this.#mm = m.tlb.mmAlloc();
    this.#touchSeq = Array.from({ length: n }, () => 0);
    // Handlers run with interrupts off, in hard-irq context, on a live CPU.
    m.irq.flow.addObserver({
      entry: (irq, action) => {
        const c = m.sim.current;
        if (c === null || !m.sim.inIrq() || c.irqsEnabled || !c.alive) {
          this.#problem(`handler "${action.name}" of irq ${irq} ran ${c === null ? 'outside any CPU' : `on CPU${c.cpu} with irqs ${c.irqsEnabled ? 'on' : 'off'}, hardirq ${c.hardirq}, alive ${c.alive}`}`);
        }
      },
      exit: () => undefined,
    });
    // Make the architecture set up its own IPIs now, so the model knows every virq it holds.
    const boot = m.cpuOnlineMask.first();
    m.sim.spawn(boot, function* setup() {
      m.sched.smpSendReschedule(boot);
      yield* m.smp.onEachCpu(() => undefined, null, true);
    });
    this.#run(Infinity);
    this.model = new RefModel(n, m.irq.nrIrqs, m.cpuOnlineMask.toArray());
    for (const virq of m.irq.descs.allocatedIrqs()) {
      const desc = m.irq.irqToDesc(virq);
      if (desc === null) continue;
      const kind: DomainKind = desc.irqData.domain === this.testArch?.perCpuIpiDomain ? 'percpu' : 'single';
      this.model.adoptArch(virq, kind, desc.irqCommonData.affinity.toArray(), desc.irqCommonData.ipiOffset, desc.irqData.hwirq);
    }
    this.check();
  }

  // ------------------------------------------------------------------ helpers

  #problem(text: string): void {
    if (this.#problems.length < 20) this.#problems.push(text);
  }

  #fail(text: string): never {
    throw new Violation(`${text} (after ${this.ops} commands, t=${this.m.now} ns)`);
  }

  #run(until: number): void {
    const r = this.m.run({ until });
    if (r.reason === 'stalled' && !this.faultMode) this.#fail(`run stalled: ${r.stall?.message ?? ''}`);
  }

  #step(dt: number): void {
    this.#run(this.m.now + dt);
    this.check();
  }

  #task(cpu: number, what: string, body: () => Generator<unknown, void, undefined>): TaskHandle {
    const handle = this.m.sim.spawn(cpu, body as never, { name: what });
    this.#tasks.push({ handle, what });
    return handle;
  }

  #fromCpu(k: number): number {
    const online = this.model.onlineList();
    return online[k % online.length];
  }

  #virqOf(pick: number, raw: number | null, ownOnly: boolean): number {
    if (raw !== null) {
      const e = this.model.virqs.get(raw);
      return ownOnly && e?.arch === true ? 0 : raw;
    }
    const list = ownOnly ? this.model.ownVirqs() : [...this.model.virqs.keys()].sort((a, b) => a - b);
    return list.length === 0 ? 0 : list[pick % list.length];
  }

  #newCall(what: string): CallRec {
    const id = this.#nextId++;
    const m = this.m;
    const rec: CallRec = {
      id,
      what: `${what} #${id}`,
      expected: null,
      runs: [],
      task: null,
      func: (): void => {
        const c = m.sim.current;
        if (c === null) {
          this.#problem(`${rec.what} ran outside any CPU`);
          return;
        }
        if (c.irqsEnabled) this.#problem(`${rec.what} ran on CPU${c.cpu} with interrupts enabled`);
        if (rec.expected !== null && !rec.expected.has(c.cpu)) {
          this.#problem(`${rec.what} ran on CPU${c.cpu}, not a target (${[...rec.expected].join(',')})`);
        }
        if (rec.runs.includes(c.cpu)) this.#problem(`${rec.what} ran twice on CPU${c.cpu}`);
        rec.runs.push(c.cpu);
      },
    };
    this.#calls.push(rec);
    return rec;
  }

  /** Targets of a mask call as the kernel computes them right now. */
  #targets(mask: readonly number[] | null, me: number, includeSelf: boolean): Set<number> {
    const out = new Set<number>();
    const online = this.m.cpuOnlineMask;
    for (const c of mask ?? online.toArray()) {
      if (!online.testCpu(c)) continue;
      if (c === me && !includeSelf) continue;
      out.add(c);
    }
    return out;
  }

  // ------------------------------------------------------------------ commands

  /** Applies one command and checks the invariants. */
  apply(spec: Spec): void {
    this.ops++;
    const m = this.m;
    const n = this.n;
    // Task bodies are generator functions; they reach the world through these closures.
    const problem = (text: string): void => {
      this.#problem(text);
    };
    const targets = (mask: readonly number[] | null, me: number, self: boolean): Set<number> => this.#targets(mask, me, self);
    const nextSeq = (): number => ++this.#seq;
    const touched = (cpu: number): void => {
      this.#touchSeq[cpu] = nextSeq();
    };
    const touchSeq = (cpu: number): number => this.#touchSeq[cpu];
    switch (spec.op) {
      case 'reserve': {
        const arch = this.#needTestArch();
        const dest = resolveMask(spec.mask, n);
        const domain = spec.kind === 'single' ? arch.ipiDomain : arch.perCpuIpiDomain;
        const predicted = this.model.reserve(spec.kind, dest);
        const rc = m.ipi.irqReserveIpi(domain, Cpumask.of(n, dest));
        if (rc !== predicted) this.#fail(`irqReserveIpi(${spec.kind}, {${dest.join(',')}}) returned ${rc}, model says ${predicted}`);
        if (rc > 0) {
          this.model.commitReserve(spec.kind, dest, rc);
          const count = spec.kind === 'single' ? 1 : dest.length;
          for (let v = rc; v < rc + count; v++) this.#adopt(v, arch);
        }
        break;
      }
      case 'destroy': {
        this.#needTestArch();
        const virq = this.#virqOf(spec.pick, spec.raw, true);
        const dest = resolveMask(spec.mask, n);
        const p = this.model.destroy(virq, dest);
        const what = `irqDestroyIpi(${virq}, {${dest.join(',')}})`;
        if (p.throws) {
          const before = m.irq.descs.allocatedCount;
          let threw: unknown = null;
          try {
            m.ipi.irqDestroyIpi(virq, Cpumask.of(n, dest));
          } catch (e) {
            threw = e;
          }
          if (!(threw instanceof Error) || threw instanceof TypeError || threw instanceof RangeError) {
            this.#fail(`${what} should throw an Error (${p.why}); got ${String(threw)}`);
          }
          if (m.irq.descs.allocatedCount !== before) this.#fail(`${what} threw but freed descriptors`);
        } else {
          const warns = m.warnings.length;
          const rc = m.ipi.irqDestroyIpi(virq, Cpumask.of(n, dest));
          if (rc !== p.rc) this.#fail(`${what} returned ${rc}, model says ${p.rc}`);
          const warned = m.warnings.slice(warns).some((w) => w.site === 'irq_domain_free_irqs');
          if (warned !== p.freeWarn) this.#fail(`${what}: free WARN ${warned}, model says ${p.freeWarn}`);
          this.model.commitFree(p.freed);
          for (const v of p.freed) {
            if (m.irq.irqToDesc(v) !== null) this.#fail(`${what}: virq ${v} should be freed`);
          }
        }
        break;
      }
      case 'sendSingle': {
        const arch = this.#needTestArch();
        const virq = this.#virqOf(spec.pick, spec.raw, false);
        const p = this.model.sendSingle(virq, spec.cpu);
        this.#send(arch, `ipiSendSingle(${virq}, ${spec.cpu})`, p, () => m.ipi.ipiSendSingle(virq, spec.cpu));
        break;
      }
      case 'sendMask': {
        const arch = this.#needTestArch();
        const virq = this.#virqOf(spec.pick, spec.raw, false);
        const dest = resolveMask(spec.mask, n);
        const p = this.model.sendMask(virq, dest);
        this.#send(arch, `ipiSendMask(${virq}, {${dest.join(',')}})`, p, () => m.ipi.ipiSendMask(virq, Cpumask.of(n, dest)));
        break;
      }
      case 'call': {
        const from = this.#fromCpu(spec.from);
        const to = spec.to;
        const rec = this.#newCall(`smpCallFunctionSingle(${to}, wait=${spec.wait}) from CPU${from}`);
        rec.task = this.#task(from, rec.what, function* () {
          const me = m.sim.smpProcessorId();
          const reach = (): boolean => to === me || (to >= 0 && to < n && m.cpuOnlineMask.testCpu(to));
          rec.expected = new Set(reach() ? [to] : []);
          const rc = yield* m.smp.smpCallFunctionSingle(to, rec.func, rec.id, spec.wait);
          // wait=false may spin on this CPU's csd first: the target is judged when the call was
          // queued, which is when it returned (no time passes in between).
          const reachable = spec.wait ? rec.expected.size === 1 : reach();
          if (!spec.wait) rec.expected = new Set(reachable ? [to] : []);
          if (rc !== (reachable ? 0 : ENXIO)) problem(`${rec.what} returned ${rc}; target ${reachable ? 'reachable' : 'offline'}`);
          if (spec.wait && rc === 0 && rec.runs.length !== 1) problem(`${rec.what} returned before the function ran`);
        });
        break;
      }
      case 'callAsync': {
        const from = this.#fromCpu(spec.from);
        const to = spec.to;
        const rec = this.#newCall(`smpCallFunctionSingleAsync(${to}) from CPU${from}`);
        const csd = new CallSingleData(rec.func, rec.id);
        rec.task = this.#task(from, rec.what, function* () {
          const me = m.sim.smpProcessorId();
          const reachable = to === me || (to >= 0 && to < n && m.cpuOnlineMask.testCpu(to));
          rec.expected = new Set(reachable ? [to] : []);
          const rc = m.smp.smpCallFunctionSingleAsync(to, csd);
          if (rc !== (reachable ? 0 : ENXIO)) problem(`${rec.what} returned ${rc}; target ${reachable ? 'reachable' : 'offline'}`);
          yield m.sim.delay(0);
        });
        break;
      }
      case 'many':
      case 'each': {
        const from = this.#fromCpu(spec.from);
        const mask = spec.mask === null ? null : resolveMask(spec.mask, n);
        const each = spec.op === 'each';
        const name = each ? (mask === null ? 'onEachCpu' : 'onEachCpuMask') : 'smpCallFunctionMany';
        const rec = this.#newCall(`${name}(${mask === null ? 'online' : `{${mask.join(',')}}`}, wait=${spec.wait}) from CPU${from}`);
        rec.task = this.#task(from, rec.what, function* () {
          const me = m.sim.smpProcessorId();
          rec.expected = targets(mask, me, each);
          if (each && mask === null) yield* m.smp.onEachCpu(rec.func, rec.id, spec.wait);
          else if (each) yield* m.smp.onEachCpuMask(Cpumask.of(n, mask ?? []), rec.func, rec.id, spec.wait);
          else yield* m.smp.smpCallFunctionMany(Cpumask.of(n, mask ?? []), rec.func, rec.id, spec.wait);
          if (spec.wait) {
            for (const c of rec.expected) {
              if (!rec.runs.includes(c)) problem(`${rec.what} returned before CPU${c} ran the function`);
            }
          }
        });
        break;
      }
      case 'resched': {
        const to = ((spec.to % n) + n) % n;
        if (spec.from === null && this.testArch !== null) {
          // Host-side send (the test arch allows it; real arches send from a CPU).
          m.sched.smpSendReschedule(to);
        } else {
          const from = this.#fromCpu(spec.from ?? 0);
          this.#task(from, `reschedCurr(${to}) from CPU${from}`, function* () {
            m.sched.reschedCurr(to);
            yield m.sim.delay(0);
          });
        }
        break;
      }
      case 'wake': {
        const from = this.#fromCpu(spec.from);
        const to = ((spec.to % n) + n) % n;
        const rec = { what: `wakeUpTask(${to}) from CPU${from} #${this.#nextId++}`, runs: 0, expected: null as number | null };
        this.#wakes.push(rec);
        this.#task(from, rec.what, function* () {
          const online = m.cpuOnlineMask.testCpu(to);
          rec.expected = online ? 1 : 0;
          try {
            m.sched.wakeUpTask(
              to,
              function* woken() {
                rec.runs++;
                if (rec.runs > 1) problem(`${rec.what}: woken task ran ${rec.runs} times`);
                yield m.sim.delay(0);
              },
              rec.what,
            );
            if (!online) problem(`${rec.what} to an offline CPU was accepted`);
          } catch (e) {
            if (online || !(e instanceof RangeError)) problem(`${rec.what} threw ${String(e)}`);
          }
          yield m.sim.delay(0);
        });
        break;
      }
      case 'tlbUse': {
        const cpu = this.#fromCpu(spec.cpu);
        const mm = this.#mm;
        this.#task(cpu, `tlbUse(CPU${cpu})`, function* () {
          m.tlb.switchMm(mm);
          for (const p of spec.pages) m.tlb.touch(p);
          touched(cpu);
          if (spec.lazy) m.tlb.enterLazyTlb();
          yield m.sim.delay(0);
        });
        break;
      }
      case 'tlbFlush': {
        const from = this.#fromCpu(spec.from);
        const mm = this.#mm;
        const { start, len } = spec;
        this.#task(from, `flushTlbMmRange(${start}, ${start + len}) from CPU${from}`, function* () {
          const me = m.sim.smpProcessorId();
          m.tlb.switchMm(mm);
          m.tlb.touch(start);
          touched(me);
          const startSeq = nextSeq();
          const involved = mm.cpumask.toArray().filter((c) => m.cpuOnlineMask.testCpu(c) && !m.tlb.isLazy(c));
          yield* m.tlb.flushTlbMmRange(mm, start, start + len, spec.freed);
          for (const c of involved) {
            if (!m.cpuOnlineMask.testCpu(c) || touchSeq(c) > startSeq) continue;
            for (let p = start; p < start + len; p++) {
              if (m.tlb.cached(c, mm, p)) {
                problem(`flushTlbMmRange(${start}, ${start + len}) from CPU${me} left page ${p} in CPU${c}'s TLB`);
                break;
              }
            }
          }
        });
        break;
      }
      case 'irqOff': {
        const cpu = this.#fromCpu(spec.cpu);
        const ns = spec.ns;
        this.#task(cpu, `irqOff(${ns}) on CPU${cpu}`, function* () {
          const flags = m.sim.localIrqSave();
          yield m.sim.delay(ns);
          m.sim.localIrqRestore(flags);
        });
        break;
      }
      case 'down': {
        const cpu = this.#fromCpu(spec.cpu);
        const c = m.sim.cpu(cpu);
        const busy = c.task !== null || c.runQueue.length > 0;
        const last = this.model.onlineList().length === 1;
        let ok = true;
        try {
          m.sim.cpuDown(cpu, spec.teardown);
        } catch (e) {
          ok = false;
          if (!(e instanceof RangeError) || !(busy || last)) this.#fail(`cpuDown(${cpu}) threw ${String(e)}`);
        }
        if (ok && (busy || last)) this.#fail(`cpuDown(${cpu}) accepted a ${last ? 'last online' : 'busy'} CPU`);
        if (ok) this.model.online[cpu] = false;
        break;
      }
      case 'up': {
        const offline: number[] = [];
        for (let c = 0; c < n; c++) if (!this.model.online[c]) offline.push(c);
        if (offline.length === 0) break;
        const cpu = offline[spec.cpu % offline.length];
        const alive = m.sim.cpu(cpu).alive;
        let ok = true;
        try {
          m.sim.cpuUp(cpu);
        } catch (e) {
          ok = false;
          if (!(e instanceof RangeError) || !alive) this.#fail(`cpuUp(${cpu}) threw ${String(e)}`);
        }
        if (ok && alive) this.#fail(`cpuUp(${cpu}) accepted a CPU still tearing down`);
        if (ok) this.model.online[cpu] = true;
        break;
      }
      case 'advance':
        this.#step(spec.ns);
        return;
      case 'faults': {
        if (!this.faultMode) this.#fail('faults command outside fault mode');
        const k = this.#faultCounters;
        const every = (period: number, count: number): boolean => period > 0 && count % period === 0;
        const plan: FaultPlan = {
          chip: () => every(spec.chip, ++k.chip),
          handler: () => every(spec.handler, ++k.handler),
          delivery: () => {
            const i = ++k.delivery;
            if (every(spec.drop, i)) return { kind: 'drop' };
            if (every(spec.delay, i)) return { kind: 'delay', ns: spec.delayNs };
            return null;
          },
        };
        m.faults.setPlan(plan);
        this.#step(0);
        return;
      }
    }
    this.#step(spec.dt);
  }

  #needTestArch(): TestArch {
    if (this.testArch === null) this.#fail('reservation commands need the test arch');
    return this.testArch;
  }

  /** A new model virq: learn its hwirq, give it a flow handler and a recording action. */
  #adopt(virq: number, arch: TestArch): void {
    const m = this.m;
    const e = this.model.virqs.get(virq);
    const desc = m.irq.irqToDesc(virq);
    if (e === undefined || desc === null) this.#fail(`virq ${virq} should exist after the reservation`);
    e.hwirq = desc.irqData.hwirq;
    m.irq.irqSetChipAndHandlerName(virq, arch.chip, m.irq.flow.handlePercpuIrq, 'percpu');
    const rc = m.irq.requestIrq(virq, () => IrqReturn.IRQ_HANDLED, 0, `model ${virq}`, null);
    if (rc !== 0) this.#fail(`requestIrq(${virq}) returned ${rc}`);
  }

  #send(
    arch: TestArch,
    what: string,
    p: ReturnType<RefModel['sendSingle']>,
    send: () => number,
  ): void {
    const calls = arch.chip.calls;
    const before = calls.length;
    if (p.throws) {
      let threw: unknown = null;
      try {
        send();
      } catch (e) {
        threw = e;
      }
      if (!(threw instanceof Error) || threw instanceof TypeError || threw instanceof RangeError) {
        this.#fail(`${what} should throw an Error (${p.why}); got ${String(threw)}`);
      }
      if (calls.length !== before) this.#fail(`${what} threw after calling the chip`);
      return;
    }
    const oopses = this.m.oopses.length;
    const rc = send();
    if (rc !== p.rc) this.#fail(`${what} returned ${rc}, model says ${p.rc}`);
    const made = calls.slice(before);
    const chipFault = this.m.oopses.slice(oopses).some((o) => o.site === 'chip');
    if (p.call === null || chipFault) {
      if (made.length !== 0) this.#fail(`${what} failed but called the chip`);
      return;
    }
    const want = p.call;
    const got = made[0] as (typeof made)[number] | undefined;
    const hwirq = this.model.virqs.get(want.irq)?.hwirq;
    if (
      made.length !== 1 ||
      got?.op !== want.op ||
      got.irq !== want.irq ||
      got.hwirq !== hwirq ||
      got.cpus.join(',') !== want.cpus.join(',')
    ) {
      this.#fail(`${what}: chip got ${JSON.stringify(made)}, model says ${JSON.stringify({ ...want, hwirq })}`);
    }
  }

  // ------------------------------------------------------------------ invariants

  /** The invariants that hold after every command (see docs/reliability.md). */
  check(): void {
    const m = this.m;
    const n = this.n;
    if (this.#problems.length > 0) this.#fail(this.#problems.join('; '));
    // Warnings that must never appear.
    const warnings = m.warnings;
    for (; this.#warnScan < warnings.length; this.#warnScan++) {
      const w = warnings[this.#warnScan];
      if (w.kind === 'WARN' && FORBIDDEN_WARNS.has(w.site ?? '')) this.#fail(`forbidden warning: ${w.message}`);
    }
    // Oopses: none without fault injection; with it, only injected ones.
    for (const o of m.oopses) {
      if (!o.injected) this.#fail(`oops not caused by fault injection: ${o.message} on CPU${o.cpu} in ${o.callsite}\n${o.stack}`);
      if (!this.faultMode) this.#fail(`oops without fault mode: ${o.message}`);
    }
    const online = m.cpuOnlineMask;
    const soft = this.soft;
    const seenCsds = new Set<CallSingleData>();
    let delivered = 0;
    let taken = 0;
    for (let c = 0; c < n; c++) {
      const cpu = m.sim.cpu(c);
      if (online.testCpu(c) !== this.model.online[c]) this.#fail(`CPU${c} online is ${online.testCpu(c)}, model says ${this.model.online[c]}`);
      if (cpu.hardirq !== 0 && cpu.hardirq !== 1) this.#fail(`CPU${c} hardirq depth ${cpu.hardirq}`);
      if (cpu.hardirq === 1 && cpu.irqsEnabled) this.#fail(`CPU${c} is in hard-irq context with interrupts enabled`);
      const queue = m.smp.callQueue(c);
      if (!cpu.alive) {
        if (online.testCpu(c)) this.#fail(`CPU${c} is dead but online`);
        if (queue.length > 0) this.#fail(`CPU${c} is dead with ${queue.length} queued cross calls (lost)`);
        if (cpu.task !== null || cpu.runQueue.length > 0) this.#fail(`CPU${c} is dead with task code (lost): ${cpu.task?.name ?? cpu.runQueue[0]?.name}`);
      }
      for (const csd of queue) {
        if ((csd.flags & 1) === 0) this.#fail(`CPU${c} has an unlocked csd queued (${csd.describe()})`);
        if (csd.dst !== c) this.#fail(`CPU${c} has a csd for CPU${csd.dst} queued`);
        if (seenCsds.has(csd)) this.#fail(`csd queued twice: ${csd.describe()}`);
        seenCsds.add(csd);
      }
      taken += cpu.irqCount;
      if (soft !== null) {
        const pending = soft.pendingCount(c);
        delivered += soft.delivered[c];
        const sum = soft.delivered[c] + soft.coalesced[c] + pending + soft.dropped[c] + soft.inFlight[c];
        if (soft.sent[c] !== sum) {
          this.#fail(
            `CPU${c} counters do not add up: sent ${soft.sent[c]} != delivered ${soft.delivered[c]} + coalesced ${soft.coalesced[c]} + pending ${pending} + dropped ${soft.dropped[c]} + in flight ${soft.inFlight[c]}`,
          );
        }
      }
    }
    if (soft !== null) {
      if (delivered !== taken) this.#fail(`controller delivered ${delivered} interrupts but CPUs took ${taken}`);
      if (this.testArch !== null) {
        const calls = this.testArch.chip.calls;
        for (; this.#chipScan < calls.length; this.#chipScan++) this.#chipRaises += calls[this.#chipScan].cpus.length;
        let sent = 0;
        for (let c = 0; c < n; c++) sent += soft.sent[c];
        if (sent !== this.#chipRaises) this.#fail(`the chip sent ${this.#chipRaises} IPIs but the controller got ${sent}`);
      }
    }
    if (this.ops % this.#deepEvery === 0) this.deepCheck();
  }

  /** Descriptors, domains and reverse maps against each other and against the model. */
  deepCheck(): void {
    const m = this.m;
    const domains = m.irq.domains.domains;
    const levelsPer = new Map<IrqDomain, number>();
    const levelSet = new Set<IrqData>();
    const live = [...m.irq.descs.allocatedIrqs()];
    if (live.length !== m.irq.descs.allocatedCount) this.#fail(`allocatedCount ${m.irq.descs.allocatedCount} != ${live.length} allocated`);
    for (const virq of live) {
      const desc = m.irq.irqToDesc(virq);
      if (desc?.irq !== virq) this.#fail(`virq ${virq}: descriptor missing or misnumbered`);
      for (let d: IrqData | null = desc.irqData; d !== null; d = d.parentData) {
        if (levelSet.has(d)) this.#fail(`virq ${virq}: irq_data shared with another descriptor (doubly owned)`);
        levelSet.add(d);
        if (d.irq !== virq) this.#fail(`virq ${virq}: a level says virq ${d.irq}`);
        if (d.domain === null) continue;
        if (!domains.includes(d.domain)) this.#fail(`virq ${virq}: level in a domain this machine does not have`);
        levelsPer.set(d.domain, (levelsPer.get(d.domain) ?? 0) + 1);
        if (m.irq.domains.resolve(d.domain, d.hwirq) !== d) {
          this.#fail(`virq ${virq}: hwirq ${d.hwirq} of ${d.domain.name} does not map back to it`);
        }
      }
      // The reference model covers the test arch's reservations; other arches keep their own.
      if (this.testArch === null) continue;
      const e = this.model.virqs.get(virq);
      if (e === undefined) this.#fail(`virq ${virq} is allocated but the model has no such virq (leaked)`);
      const common = desc.irqCommonData;
      if (common.affinity.toArray().join(',') !== e.mask.join(',')) {
        this.#fail(`virq ${virq}: affinity ${common.affinity.toString()}, model says ${e.mask.join(',')}`);
      }
      if (common.ipiOffset !== e.offset) this.#fail(`virq ${virq}: ipi_offset ${common.ipiOffset}, model says ${e.offset}`);
      if ((common.statusFlags & IRQ_NO_BALANCING) === 0) this.#fail(`virq ${virq}: IRQ_NO_BALANCING is not set`);
      if (desc.irqData.hwirq !== e.hwirq) this.#fail(`virq ${virq}: hwirq ${desc.irqData.hwirq}, model says ${e.hwirq}`);
      const arch = this.testArch;
      const want = e.kind === 'percpu' ? arch.perCpuIpiDomain : arch.ipiDomain;
      if (desc.irqData.domain !== want) this.#fail(`virq ${virq}: in domain ${desc.irqData.domain?.name ?? 'none'}, model says ${want.name}`);
    }
    for (const v of this.model.virqs.keys()) {
      if (this.testArch !== null && m.irq.irqToDesc(v) === null) this.#fail(`virq ${v} is in the model but not allocated (lost)`);
    }
    for (const d of domains) {
      if (d.mapcount !== (levelsPer.get(d) ?? 0)) this.#fail(`domain ${d.name}: mapcount ${d.mapcount} but ${levelsPer.get(d) ?? 0} levels`);
      for (const data of d.revmap) {
        if (data !== undefined && !levelSet.has(data)) this.#fail(`domain ${d.name}: linear map holds a freed irq_data (virq ${data.irq})`);
      }
      for (const [hwirq, data] of d.revmapTree) {
        if (!levelSet.has(data)) this.#fail(`domain ${d.name}: tree map holds a freed irq_data (hwirq ${hwirq}, virq ${data.irq})`);
        if (data.hwirq !== hwirq) this.#fail(`domain ${d.name}: tree map key ${hwirq} for hwirq ${data.hwirq}`);
      }
    }
    // Every per-CPU virq maps back to its CPU: through the reservation's base when it is intact.
    for (const [virq, e] of this.model.virqs) {
      if (e.kind !== 'percpu' || e.arch) continue;
      if (virq !== e.base + e.cpu - e.offset) this.#fail(`virq ${virq}: per-CPU layout broken (base ${e.base}, CPU ${e.cpu})`);
      if (this.model.virqs.get(e.base)?.resId !== e.resId) continue;
      const hw = m.ipi.ipiGetHwirq(e.base, e.cpu);
      if (hw !== e.hwirq) this.#fail(`ipiGetHwirq(${e.base}, ${e.cpu}) = ${hw}, but CPU ${e.cpu}'s virq ${virq} has hwirq ${e.hwirq}`);
    }
  }

  /** Drains the machine and checks that nothing was lost. */
  finish(): void {
    const m = this.m;
    const r = m.run({ maxEvents: 20_000_000 });
    if (r.reason === 'maxEvents') this.#fail('the machine did not settle (20M events)');
    if (r.reason === 'stalled' && !this.faultMode) this.#fail(`final drain stalled: ${r.stall?.message ?? ''}`);
    const saved = this.ops;
    this.ops = 0;
    this.check();
    this.ops = saved;
    const soft = this.soft;
    for (let c = 0; c < this.n; c++) {
      const cpu = m.sim.cpu(c);
      if (cpu.alive && m.sim.interruptController.pendingCount(c) > 0) this.#fail(`CPU${c} is idle with interrupts still pending`);
      if (soft !== null && soft.inFlight[c] !== 0) this.#fail(`CPU${c} has interrupts in flight after the drain`);
      if (!this.faultMode && m.smp.callQueue(c).length > 0) this.#fail(`CPU${c} still has ${m.smp.callQueue(c).length} queued cross calls`);
    }
    for (const t of this.#tasks) {
      if (t.handle.done) continue;
      if (!this.faultMode) this.#fail(`task "${t.what}" never finished`);
      const c = m.sim.cpu(t.handle.cpu);
      if (!c.alive) this.#fail(`task "${t.what}" is stuck on dead CPU${t.handle.cpu}`);
    }
    for (const rec of this.#calls) {
      if (rec.expected === null) {
        if (rec.task?.done === true) this.#fail(`${rec.what}: the task finished without making the call`);
        continue;
      }
      for (const c of rec.expected) {
        if (rec.runs.includes(c)) continue;
        const queued = m.smp.callQueue(c).some((csd) => csd.func === rec.func);
        if (this.faultMode && (queued || rec.task?.done !== true)) continue;
        this.#fail(`${rec.what}: CPU${c} never ran the function${queued ? ' (still queued)' : ''} (lost)`);
      }
    }
    for (const w of this.#wakes) {
      if (w.expected === null) continue;
      if (w.runs > w.expected) this.#fail(`${w.what}: woken task ran ${w.runs} times`);
      if (!this.faultMode && w.runs !== w.expected) this.#fail(`${w.what}: woken task ran ${w.runs} times, expected ${w.expected} (lost)`);
    }
    if (this.faultMode) {
      for (const rec of m.faults.records) {
        if (rec.cpu < -1 || rec.callsite === '' || rec.stack === '') this.#fail(`fault record without CPU, call site or stack: ${JSON.stringify(rec)}`);
      }
    }
    this.deepCheck();
  }
}
