/**
 * The bare baseline of B1 and B5: a minimal IPI event loop with no framework — typed-array event
 * records, the same priority queue (flatqueue), and per CPU a send → deliver → handle cycle.
 * It does what the full stack does for one IPI (pick a target, queue a delivery after a latency,
 * count it, schedule the next send) and nothing else.
 */
import FlatQueue from 'flatqueue';

const SEND = 0;
const DELIVER = 1;
const HANDLE = 2;

/** Runs `totalIpis` IPIs on `nrCpus` CPUs; each CPU sends to `pick(cpu)`; returns events handled. */
export function baselineIpiLoop(nrCpus: number, totalIpis: number, pick: (cpu: number) => number): number {
  const q = new FlatQueue<number>();
  let cap = 1024;
  let kind = new Int32Array(cap);
  let arg = new Int32Array(cap);
  const free: number[] = [];
  let next = 0;
  const handled = new Uint32Array(nrCpus);
  const pending = new Uint8Array(nrCpus);
  const push = (at: number, k: number, a: number): void => {
    let id = free.pop();
    if (id === undefined) {
      id = next++;
      if (id >= cap) {
        cap *= 2;
        const k2 = new Int32Array(cap);
        k2.set(kind);
        kind = k2;
        const a2 = new Int32Array(cap);
        a2.set(arg);
        arg = a2;
      }
    }
    kind[id] = k;
    arg[id] = a;
    q.push(id, at);
  };
  for (let cpu = 0; cpu < nrCpus; cpu++) push(cpu, SEND, cpu);
  let sent = 0;
  let events = 0;
  while (q.length > 0) {
    const now = q.peekValue() as number;
    const id = q.pop() as number;
    free.push(id);
    events++;
    const a = arg[id];
    switch (kind[id]) {
      case SEND:
        if (sent < totalIpis) {
          sent++;
          push(now + 1000, DELIVER, pick(a));
          push(now + 2000, SEND, a);
        }
        break;
      case DELIVER:
        if (pending[a] === 0) {
          pending[a] = 1;
          push(now + 300, HANDLE, a);
        }
        break;
      default:
        pending[a] = 0;
        handled[a]++;
    }
  }
  return events;
}

/**
 * The storm's peer picker (B5): a fixed linear congruential sequence, never the sender, so the
 * bare loop, the engine row and SIM.JS get the same targets for the same order of sends.
 */
export function lcgPicker(nrCpus: number): (cpu: number) => number {
  // The state lives in a typed array: a closure variable holding a uint32 above 2^30 is a heap
  // number, so every draw allocated one, and that cost (a sixth of the engine row's time) was
  // paid alike by the three engines B5 compares, pulling their ratios towards 1.
  const x = new Int32Array([12345]);
  return (cpu) => {
    x[0] = Math.imul(x[0], 1664525) + 1013904223;
    let t = (x[0] >>> 0) % (nrCpus - 1);
    if (t >= cpu) t++;
    return t;
  };
}
