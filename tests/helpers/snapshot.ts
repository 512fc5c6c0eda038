/**
 * `snapshotMachine(m)`: a deep, comparable picture of everything observable in a machine, for
 * "a rejected call changes nothing" checks. It covers the irq side (descriptors with every
 * hierarchy level, status, affinity, flow handler, actions and counts; domains with their
 * mapcounts and reverse maps), the cross-call side (every csd queued on every CPU), interrupt
 * delivery (pending interrupts and the soft controller's counters), the CPUs (state, flags,
 * tasks), the online mask, warnings, oopses and the engine (time, pending events).
 *
 * It has no test-runner dependency, so the soak runner can use it too.
 */
import { TestArch } from '../../arch/test/index.js';
import { type IrqData, type Machine, SoftIntc } from '../../lib/index.js';

/** Identity tags for functions and objects, stable within one snapshot comparison. */
const ids = new WeakMap<object, number>();
let nextId = 1;
function ident(value: unknown): unknown {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    let id = ids.get(value);
    if (id === undefined) {
      id = nextId++;
      ids.set(value, id);
    }
    return `#${id}`;
  }
  return value;
}

function levels(data: IrqData): unknown[] {
  const out: unknown[] = [];
  for (let d: IrqData | null = data; d !== null; d = d.parentData) {
    out.push({
      domain: d.domain === null ? null : ident(d.domain),
      domainName: d.domain?.name ?? null,
      hwirq: d.hwirq,
      chip: d.chip === null ? null : ident(d.chip),
      chipData: ident(d.chipData),
      level: ident(d),
    });
  }
  return out;
}

/** Everything observable in `m`, as plain data (compare two with `toEqual`). */
export function snapshotMachine(m: Machine): unknown {
  const irqs = [...m.irq.descs.allocatedIrqs()];
  const n = m.nrCpuIds;
  const intc = m.sim.interruptController;
  const cpus: unknown[] = [];
  for (let c = 0; c < n; c++) {
    const cpu = m.sim.cpu(c);
    cpus.push({
      state: cpu.state,
      alive: cpu.alive,
      irqsEnabled: cpu.irqsEnabled,
      hardirq: cpu.hardirq,
      needResched: cpu.needResched,
      idle: cpu.idle,
      polling: cpu.polling,
      idleMode: cpu.idleMode,
      irqCount: cpu.irqCount,
      task: cpu.task?.name ?? null,
      runQueue: cpu.runQueue.map((t) => t.name),
      waiting: cpu.waiting === null ? null : ident(cpu.waiting),
      pendingIrqs: intc.pendingCount(c),
      queue: m.smp.callQueue(c).map((csd) => ({
        csd: ident(csd),
        flags: csd.flags,
        func: ident(csd.func),
        info: ident(csd.info),
        src: csd.src,
        dst: csd.dst,
      })),
      schedulerIpis: m.sched.schedulerIpis[c],
      remoteFlushes: m.tlb.remoteFlushes[c],
    });
  }
  const soft = intc instanceof SoftIntc ? intc : null;
  const mux = m.irq.ipiMux;
  return {
    now: m.now,
    enginePending: m.engine.pending,
    eventsHandled: m.engine.eventsHandled,
    online: m.cpuOnlineMask.toString(),
    warnings: m.warnings.length,
    faults: m.faults.records.length,
    oopses: m.oopses.length,
    droppedOnDeath: m.sim.droppedOnDeath,
    csdReports: m.smp.csdReports.length,
    archCalls: m.arch === 'test' ? m.get(TestArch).chip.calls.length : null,
    irqStats: m.irqStats.rows().map((r) => [r.label, Array.from(r.counts)]),
    intc: soft === null
      ? intc.name
      : {
          sent: Array.from(soft.sent),
          coalesced: Array.from(soft.coalesced),
          delivered: Array.from(soft.delivered),
          dropped: Array.from(soft.dropped),
          inFlight: Array.from(soft.inFlight),
          spurious: Array.from(soft.spurious),
        },
    ipiMux: {
      domain: mux.domain === null ? null : ident(mux.domain),
      enable: Array.from({ length: n }, (_, c) => mux.enableMask(c)),
      pending: Array.from({ length: n }, (_, c) => mux.pendingMask(c)),
    },
    cpus,
    allocatedCount: m.irq.descs.allocatedCount,
    defaultHost: ident(m.irq.domains.irqGetDefaultHost()),
    domains: m.irq.domains.domains.map((d) => ({
      domain: ident(d),
      name: d.name,
      flags: d.flags,
      busToken: d.busToken,
      mapcount: d.mapcount,
      linear: Array.from(d.revmap, (x) => (x === undefined ? null : ident(x))),
      tree: [...d.revmapTree].map(([hwirq, x]) => [hwirq, ident(x)]),
    })),
    descs: irqs.map((irq) => {
      const desc = m.irq.irqToDesc(irq);
      if (desc === null) return null;
      const common = desc.irqCommonData;
      return {
        irq,
        desc: ident(desc),
        levels: levels(desc.irqData),
        status: common.statusFlags,
        affinity: common.affinity.toString(),
        ipiOffset: common.ipiOffset,
        handlerData: ident(common.handlerData),
        handler: ident(desc.handleIrq),
        name: desc.name,
        depth: desc.depth,
        actions: desc.actions.map((a) => ({
          handler: ident(a.handler),
          flags: a.flags,
          name: a.name,
          devId: ident(a.devId),
          percpuDevId: ident(a.percpuDevId),
        })),
        kstat: desc.kstatEntries(),
        unhandled: desc.irqsUnhandled,
        percpuEnabled: desc.percpuEnabled?.toString() ?? null,
      };
    }),
  };
}
