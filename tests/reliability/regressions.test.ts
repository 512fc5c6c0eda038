/**
 * Shrunk counterexamples the model-based suite found, replayed as named regression tests. Each
 * is the command list fast-check printed, unchanged; `replay` applies it with every invariant
 * checked after every command and "nothing lost" checked after the final drain. The comment says
 * what was wrong and where it was fixed.
 */
import { describe, expect, it } from '@jest/globals';
import { replay } from './model/commands.js';
import type { Spec } from './model/specs.js';

describe('model-based regressions', () => {
  it('should run a cross call once when its target is unplugged while the sender spins in csd_lock (stop_machine waits)', () => {
    // CPU 1's second onEachCpu spun on the (1 -> 0) csd still locked by the first; cpuDown(0)
    // flushed it, and CPU 1 then queued the second call on the dead CPU 0: lost. Fixed in
    // SimCpus/Smp: cross-call sections are preempt-disabled and a CPU's dying step waits for the
    // sections open when it was unplugged, as stop_machine() does.
    const specs: Spec[] = [
      { op: 'each', from: 73, mask: null, wait: false, dt: 115 },
      { op: 'each', from: 817, mask: null, wait: false, dt: 0 },
      { op: 'down', cpu: 0, teardown: 0, dt: 0 },
    ];
    expect(() => replay({ nrCpus: 4 }, specs)).not.toThrow();
  });

  it('should run a task woken on a CPU that is unplugged before it takes the wake-up IPI', () => {
    // The dying CPU flushed its wake list (sched_ttwu_pending) and spawned the task on itself,
    // offline: RangeError out of machine.run(). Fixed in Sched: the task goes to an online CPU.
    const specs: Spec[] = [
      { op: 'wake', from: 0, to: 2, dt: 0 },
      { op: 'down', cpu: 743, teardown: 0, dt: 0 },
    ];
    expect(() => replay({ nrCpus: 3 }, specs)).not.toThrow();
    expect(() => replay({ nrCpus: 4 }, [{ op: 'wake', from: 0, to: 1, dt: 0 }, { op: 'down', cpu: 221, teardown: 0, dt: 0 }])).not.toThrow();
  });

  it('should finish an interrupt before the dying step, so a CPU brought back is not in hard-irq context', () => {
    // CPU 10 had taken an IPI when it was unplugged; it died in hard-irq context and cpuUp()
    // brought it back with interrupts enabled and hardirq = 1. Fixed in SimCpus: the dying step
    // of a CPU in an interrupt runs when the interrupt exits.
    const specs: Spec[] = [
      { op: 'sendMask', pick: 0, raw: null, mask: { t: 'range', lo: 10, len: 1 }, dt: 0 },
      { op: 'down', cpu: 378, teardown: 0, dt: 0 },
      { op: 'up', cpu: 0, dt: 0 },
    ];
    expect(() => replay({ nrCpus: 16 }, specs)).not.toThrow();
    const specs6: Spec[] = [
      { op: 'each', from: 0, mask: null, wait: false, dt: 0 },
      { op: 'down', cpu: 1, teardown: 125, dt: 0 },
      { op: 'destroy', pick: 0, raw: null, mask: { t: 'range', lo: 0, len: 0 }, dt: 125 },
      { op: 'up', cpu: 0, dt: 0 },
    ];
    expect(() => replay({ nrCpus: 6 }, specs6)).not.toThrow();
  });

  it('should run tasks on a CPU that died while an interrupt had preempted its idle time (arm64)', () => {
    // The CPU died with `remaining` idle time saved by the interrupt; after cpuUp it never
    // advanced again and its next task never ran. Fixed in SimCpus: dying drops that time.
    const specs: Spec[] = [
      { op: 'tlbFlush', from: 33, start: 0, len: 0, freed: false, dt: 0 },
      { op: 'down', cpu: 170, teardown: 0, dt: 0 },
      { op: 'down', cpu: 0, teardown: 0, dt: 540 },
      { op: 'call', from: 0, to: -1, wait: true, dt: 0 },
      { op: 'tlbFlush', from: 189, start: 0, len: 0, freed: false, dt: 0 },
      { op: 'down', cpu: 0, teardown: 0, dt: 640 },
      { op: 'up', cpu: 865, dt: 0 },
      { op: 'each', from: 0, mask: null, wait: false, dt: 0 },
    ];
    expect(() => replay({ arch: 'arm64', nrCpus: 4 }, specs)).not.toThrow();
  });

  it('should move a task queued for a CPU that goes offline before it is enqueued (test, riscv, x86)', () => {
    // wakeUpTask() to a busy CPU spawns the task at the sender's local time; the CPU was
    // unplugged in between and the task was enqueued on the dying CPU, which died with it. Fixed
    // in SimCpus: a task for an offline CPU migrates to an online one.
    const test: Spec[] = [
      { op: 'tlbFlush', from: 700, start: 0, len: 0, freed: false, dt: 0 },
      { op: 'reserve', kind: 'single', mask: { t: 'all' }, dt: 540 },
      { op: 'wake', from: 0, to: 7, dt: 0 },
      { op: 'tlbFlush', from: 0, start: 0, len: 0, freed: false, dt: 0 },
      { op: 'reserve', kind: 'single', mask: { t: 'range', lo: 0, len: 0 }, dt: 1345 },
      { op: 'down', cpu: 781, teardown: 0, dt: 0 },
      { op: 'call', from: 0, to: 0, wait: false, dt: 0 },
    ];
    expect(() => replay({ nrCpus: 9 }, test)).not.toThrow();
    const riscv: Spec[] = [
      { op: 'tlbUse', cpu: 401, pages: [0], lazy: false, dt: 0 },
      { op: 'down', cpu: 663, teardown: 504, dt: 0 },
      { op: 'tlbFlush', from: 0, start: 0, len: 0, freed: false, dt: 0 },
      { op: 'tlbUse', cpu: 0, pages: [0], lazy: false, dt: 503 },
      { op: 'wake', from: 97, to: 5, dt: 0 },
      { op: 'up', cpu: 0, dt: 817 },
      { op: 'down', cpu: 397, teardown: 0, dt: 0 },
    ];
    expect(() => replay({ arch: 'riscv', nrCpus: 9 }, riscv)).not.toThrow();
    const x86: Spec[] = [
      { op: 'tlbUse', cpu: 0, pages: [0], lazy: false, dt: 0 },
      { op: 'tlbFlush', from: 114, start: 0, len: 0, freed: false, dt: 0 },
      { op: 'wake', from: 34, to: 0, dt: 0 },
      { op: 'wake', from: 0, to: 0, dt: 2195 },
      { op: 'tlbFlush', from: 196, start: 0, len: 12, freed: false, dt: 1360 },
      { op: 'down', cpu: 0, teardown: 0, dt: 0 },
      { op: 'up', cpu: 0, dt: 0 },
    ];
    expect(() => replay({ arch: 'x86', nrCpus: 5 }, x86)).not.toThrow();
  });
});
