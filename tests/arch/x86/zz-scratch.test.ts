import { it } from '@jest/globals';
import { createMachine, Cpumask, type Machine, type MachineOptions } from '../../../lib/index.js';

function busy(m: Machine, cpus: number[], untilNs: number) {
  for (const c of cpus) m.sim.spawn(c, function* spin() { while (m.now < untilNs) yield m.sim.delay(50); });
}

function b1(apicMode: string, timing = 'kvm-skylake') {
  const m = createMachine({ arch: 'x86', nrCpus: 2, timing, archOptions: { apicMode } } as MachineOptions);
  busy(m, [1], 20000);
  let t0 = 0, tf = 0, t1 = 0;
  m.sim.spawn(0, function* () {
    yield m.sim.delay(1000);
    t0 = m.sim.localNow();
    yield* m.smp.smpCallFunctionSingle(1, () => { tf = m.sim.localNow(); }, null, true);
    t1 = m.sim.localNow();
  });
  m.run();
  return { oneway: tf - t0, rt: t1 - t0 };
}

function b2(apicMode: string, nr: number, noIpiBroadcast = true) {
  const m = createMachine({ arch: 'x86', nrCpus: nr, archOptions: { apicMode, noIpiBroadcast } } as MachineOptions);
  let t0 = 0, t1 = 0;
  m.sim.spawn(0, function* () {
    yield m.sim.delay(1000);
    t0 = m.sim.localNow();
    yield* m.smp.smpCallFunctionMany(m.cpuOnlineMask, () => {}, null, true);
    t1 = m.sim.localNow();
  });
  m.run();
  return t1 - t0;
}

function b3(k: number) {
  const nr = 8;
  const m = createMachine({ arch: 'x86', nrCpus: nr, timing: 'haswell' });
  const mm = m.tlb.mmAlloc();
  const threads = Array.from({ length: k + 1 }, (_, i) => i);
  for (const c of threads.slice(1)) m.sim.spawn(c, function* () { m.tlb.switchMm(mm); m.tlb.touch(5); while (m.now < 20000) yield m.sim.delay(50); });
  let t0 = 0, t1 = 0;
  m.sim.spawn(0, function* () {
    m.tlb.switchMm(mm); m.tlb.touch(5);
    yield m.sim.delay(1000);
    t0 = m.sim.localNow();
    yield* m.tlb.flushTlbMmRange(mm, 5, 6);
    t1 = m.sim.localNow();
  });
  m.run();
  return t1 - t0;
}

it('calib', () => {
  const x2 = b1('x2apic-phys'), xa = b1('xapic-phys');
  console.log('B1 x2', x2, 'xapic', xa, 'ratio rt', xa.rt / x2.rt, 'oneway ratio', xa.oneway / x2.oneway);
  const p = b2('x2apic-phys', 80), c = b2('x2apic-cluster', 80);
  console.log('B2 phys', p, 'cluster', c, 'ratio', p / c, 'shorthand', b2('x2apic-cluster', 80, false), '2cpu', b2('x2apic-phys', 2));
  console.log('B3', [0, 1, 3].map(b3));
});
