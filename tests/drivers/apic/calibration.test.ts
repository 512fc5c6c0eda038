/**
 * The APIC timing profiles against the real-hardware anchors they were calibrated on
 * (../shared/spec/perf-anchors.md; derivations in drivers/apic/timing.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { APIC_TIMING_PROFILES } from '../../../drivers/apic/index.js';
import type { Machine } from '../../../lib/index.js';
import { x86Machine } from './fixtures.js';

/** Keeps `cpus` busy in task code (interrupts on, not halted) until `untilNs`. */
function busy(m: Machine, cpus: readonly number[], untilNs: number): void {
  for (const c of cpus) {
    m.sim.spawn(c, function* spin() {
      while (m.now < untilNs) yield m.sim.delay(50);
    });
  }
}

/** ipi_benchmark "Normal IPI": one-way (to the function) and round trip of a waited single call. */
function normalIpi(apicMode: string): { oneway: number; rt: number } {
  const m = x86Machine(2, { apicMode });
  busy(m, [1], 20_000);
  let t0 = 0;
  let tf = 0;
  let t1 = 0;
  m.sim.spawn(0, function* () {
    yield m.sim.delay(1000);
    t0 = m.sim.localNow();
    yield* m.smp.smpCallFunctionSingle(1, () => (tf = m.sim.localNow()), null, true);
    t1 = m.sim.localNow();
  });
  m.run();
  return { oneway: tf - t0, rt: t1 - t0 };
}

/** `smp_call_function_many(online, wait)` from CPU 0 without shorthands (a 4.19 guest's broadcast). */
function broadcast(apicMode: string, nr: number): number {
  const m = x86Machine(nr, { apicMode, noIpiBroadcast: true });
  let dt = 0;
  m.sim.spawn(0, function* () {
    yield m.sim.delay(1000);
    const t0 = m.sim.localNow();
    yield* m.smp.smpCallFunctionMany(m.cpuOnlineMask, () => undefined, null, true);
    dt = m.sim.localNow() - t0;
  });
  m.run();
  return dt;
}

/** Amit's microbenchmark: a one-page shootdown from CPU 0 with `remote` busy CPUs in the mm. */
function shootdown(remote: number): number {
  const m = x86Machine(8, {}, { timing: 'haswell' });
  const mm = m.tlb.mmAlloc();
  for (let c = 1; c <= remote; c++) {
    m.sim.spawn(c, function* () {
      m.tlb.switchMm(mm);
      m.tlb.touch(5);
      while (m.now < 20_000) yield m.sim.delay(50);
    });
  }
  let dt = 0;
  m.sim.spawn(0, function* () {
    m.tlb.switchMm(mm);
    m.tlb.touch(5);
    yield m.sim.delay(1000);
    const t0 = m.sim.localNow();
    yield* m.tlb.flushTlbMmRange(mm, 5, 6);
    dt = m.sim.localNow() - t0;
  });
  m.run();
  return dt;
}

function near(value: number, target: number, tolerance: number): void {
  expect(Math.abs(value - target) / target).toBeLessThanOrEqual(tolerance);
}

describe(`APIC_TIMING_PROFILES['kvm-skylake']`, () => {
  describe('having the ipi_benchmark Normal IPI in x2APIC mode', () => {
    it('should take about 1452 ns one-way (IPIv series, without IPIv)', () => {
      expect(APIC_TIMING_PROFILES['kvm-skylake'].x2apicIcrWriteNs).toBeGreaterThan(0);
      near(normalIpi('x2apic-phys').oneway, 1452, 0.03);
    });
  });

  describe('having the same IPI in xAPIC mode', () => {
    it('should cost about 1.40 times the x2APIC round trip (kvm-unit-tests 6059 vs 4338 cycles)', () => {
      near(normalIpi('xapic-phys').rt / normalIpi('x2apic-phys').rt, 6059 / 4338, 0.03);
    });
  });

  describe('having an 80-CPU broadcast', () => {
    it('should be about 2.1 times slower in physical than in cluster x2APIC mode (198.5 vs 92.8 µs)', () => {
      near(broadcast('x2apic-phys', 80) / broadcast('x2apic-cluster', 80), 198.5 / 92.8, 0.05);
    });
  });
});

describe(`APIC_TIMING_PROFILES.haswell`, () => {
  describe('having Amit’s TLB-flush microbenchmark', () => {
    it('should take about 661 / 1436 ns for 0 / 1 remote CPUs', () => {
      near(shootdown(0), 661, 0.01);
      near(shootdown(1), 1436, 0.03);
    });

    it('should add much less for the next two remote CPUs than for the first (1571 ns for 3)', () => {
      const [one, three] = [shootdown(1), shootdown(3)];
      near(three, 1571, 0.06);
      expect(three - one).toBeLessThan((one - shootdown(0)) / 4);
      expect(three).toBeGreaterThan(one);
    });
  });
});
