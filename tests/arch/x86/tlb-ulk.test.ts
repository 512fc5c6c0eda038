import { describe, expect, it } from '@jest/globals';
import { FLUSH_ALL, INVALIDATE_TLB_VECTOR, X86UlkTlb } from '../../../arch/x86/index.js';
import { Cpumask, type Machine, type MmStruct, type SimTask } from '../../../lib/index.js';
import { icrLog, x86Machine, x86Of } from '../../drivers/apic/fixtures.js';

/** An 8-CPU ULK machine whose `users` run `mm` with pages 0-7 cached, busy until 50 µs. */
function setup(
  users: readonly number[],
  options: Record<string, unknown> = {},
): { m: Machine; mm: MmStruct; ulk: X86UlkTlb } {
  const m = x86Machine(8, { tlbModel: 'ulk', ...options });
  const mm = m.tlb.mmAlloc();
  for (const cpu of users.slice(1)) {
    m.sim.spawn(cpu, function* () {
      m.tlb.switchMm(mm);
      for (let p = 0; p < 8; p++) m.tlb.touch(p);
      yield m.sim.delay(50_000);
    });
  }
  return { m, mm, ulk: x86Of(m).ulkTlb };
}

/** Runs `body` as task code on CPU `cpu` after `mm` is loaded there; returns its error, if any. */
function initiate(
  m: Machine,
  mm: MmStruct,
  cpu: number,
  body: () => SimTask<void>,
  at = 1000,
): { error: unknown; done: number } {
  const out = { error: null as unknown, done: -1 };
  m.sim.spawn(cpu, function* () {
    m.tlb.switchMm(mm);
    for (let p = 0; p < 8; p++) m.tlb.touch(p);
    yield m.sim.delay(at);
    try {
      yield* body();
    } catch (e) {
      out.error = e;
    }
    out.done = m.sim.localNow();
  });
  return out;
}

function tlbRow(m: Machine): number[] {
  return [...(m.irqStats.get('TLB')?.counts ?? [])];
}

describe(X86UlkTlb.prototype.flushTlbMm, () => {
  describe('having an mm used by four CPUs', () => {
    it('should send INVALIDATE_TLB_VECTOR to the other three and wait until they flushed', () => {
      const { m, mm, ulk } = setup([0, 2, 5, 7]);
      const log = icrLog(m);
      const out = initiate(m, mm, 0, () => ulk.flushTlbMm(mm));
      m.run();
      expect(out.error).toBeNull();
      expect(log.map((w) => w.icr)).toEqual([
        INVALIDATE_TLB_VECTOR,
        INVALIDATE_TLB_VECTOR,
        INVALIDATE_TLB_VECTOR,
      ]);
      for (const cpu of [0, 2, 5, 7]) expect(m.tlb.cached(cpu, mm, 3)).toBe(false);
      expect(tlbRow(m)).toEqual([0, 0, 1, 0, 0, 1, 0, 1]);
      expect(ulk.flushCpumask.empty()).toBe(true);
      // The initiator returned only after the last target handled the vector.
      const last = Math.max(...log.map((w) => w.ts));
      expect(out.done).toBeGreaterThan(last + x86Of(m).apic.timing.deliveryNs);
    });
  });

  describe('having a lazy CPU in the mm', () => {
    it('should make it leave the mm instead of flushing', () => {
      const { m, mm, ulk } = setup([0, 3]);
      m.sim.spawn(4, function* () {
        m.tlb.switchMm(mm);
        m.tlb.touch(1);
        m.tlb.enterLazyTlb();
        yield m.sim.delay(50_000);
      });
      const out = initiate(m, mm, 0, () => ulk.flushTlbMm(mm));
      m.run();
      expect(out.error).toBeNull();
      expect(mm.cpumask.testCpu(4)).toBe(false);
      expect(mm.cpumask.testCpu(3)).toBe(true);
      expect(m.tlb.cached(4, mm, 1)).toBe(false);
    });
  });
});

describe(X86UlkTlb.prototype.flushTlbPage, () => {
  describe('having one page', () => {
    it('should flush only that page, everywhere', () => {
      const { m, mm, ulk } = setup([0, 1, 6]);
      initiate(m, mm, 0, () => ulk.flushTlbPage(mm, 4));
      m.run();
      for (const cpu of [0, 1, 6]) {
        expect(m.tlb.cached(cpu, mm, 4)).toBe(false);
        expect(m.tlb.cached(cpu, mm, 5)).toBe(true);
      }
    });
  });
});

describe(X86UlkTlb.prototype.flushTlbOthers, () => {
  describe('having two initiators at once', () => {
    it('should serialise them on tlbstate_lock and complete both', () => {
      const { m, mm, ulk } = setup([0, 1, 2, 3]);
      const log = icrLog(m);
      const done: number[] = [];
      for (const cpu of [0, 1]) {
        m.sim.spawn(cpu, function* () {
          m.tlb.switchMm(mm);
          yield m.sim.delay(1000);
          yield* ulk.flushTlbOthers(Cpumask.of(8, [2, 3]), mm, FLUSH_ALL);
          done[cpu] = m.sim.localNow();
        });
      }
      expect(m.run().reason).toBe('idle');
      // CPU 0 (APIC ID 0) took the lock first; CPU 1 (APIC ID 2) sent only after CPU 0 was done.
      expect(log.map((w) => w.apicid)).toEqual([0, 0, 2, 2]);
      expect(log[2].ts).toBeGreaterThanOrEqual(done[0]);
      expect(done[1]).toBeGreaterThan(done[0]);
      expect(tlbRow(m)).toEqual([0, 0, 2, 2, 0, 0, 0, 0]);
    });
  });

  describe('having a cpumask 2.6 would BUG_ON', () => {
    it.each([
      ['an empty mask', () => new Cpumask(8), /cpumask is empty/],
      ['the caller', () => Cpumask.of(8, [0, 1]), /cpumask contains the calling CPU 0/],
      ['an offline CPU', () => Cpumask.of(8, [1, 7]), /cpumask \{1,7\} names offline CPUs/],
    ])('should reject %s with a RangeError and send nothing', (_what, mask, message) => {
      const m = x86Machine(8, { tlbModel: 'ulk' }, { onlineCpus: [0, 1, 2, 3] });
      const mm = m.tlb.mmAlloc();
      const log = icrLog(m);
      const out = initiate(m, mm, 0, () => x86Of(m).ulkTlb.flushTlbOthers(mask(), mm, 1));
      m.run();
      expect(out.error).toBeInstanceOf(RangeError);
      expect(String(out.error)).toMatch(message);
      expect(log).toEqual([]);
      expect(x86Of(m).ulkTlb.flushCpumask.empty()).toBe(true);
    });

    it('should reject a missing mm with a TypeError', () => {
      const m = x86Machine(8, { tlbModel: 'ulk' });
      const mm = m.tlb.mmAlloc();
      const out = initiate(m, mm, 0, () =>
        x86Of(m).ulkTlb.flushTlbOthers(Cpumask.of(8, [1]), null as never, 1),
      );
      m.run();
      expect(out.error).toBeInstanceOf(TypeError);
      expect(String(out.error)).toMatch(/flushTlbOthers: mm is null; expected an MmStruct/);
    });
  });

  describe('having the modern TLB model', () => {
    it('should refuse the 2.6 API with an Error that names the option', () => {
      const m = x86Machine(8);
      const mm = m.tlb.mmAlloc();
      const out = initiate(m, mm, 0, () => x86Of(m).ulkTlb.flushTlbMm(mm));
      m.run();
      expect(x86Of(m).ulkTlb.enabled).toBe(false);
      expect(String(out.error)).toMatch(/flushTlbMm: .*tlbModel: 'ulk'/);
    });
  });
});
