import { describe, expect, it } from '@jest/globals';
import { APIC_TIMING_PROFILES, resolveApicTiming } from '../../../drivers/apic/index.js';
import { CORE_TIMING_PROFILES, createMachine } from '../../../lib/index.js';
import { apicOf, x86Machine } from './fixtures.js';

describe(resolveApicTiming, () => {
  describe('having each core timing profile', () => {
    it('should have an APIC profile of the same name', () => {
      for (const name of Object.keys(CORE_TIMING_PROFILES))
        expect(resolveApicTiming(name, {}).name).toBe(name);
    });

    it('should be picked by the machine timing option', () => {
      expect(apicOf(x86Machine(2)).timing).toBe(APIC_TIMING_PROFILES['kvm-skylake']);
      expect(apicOf(x86Machine(2, {}, { timing: 'haswell' })).timing).toBe(
        APIC_TIMING_PROFILES.haswell,
      );
    });
  });

  describe('having apicTiming overrides', () => {
    it('should replace only the given numbers', () => {
      const t = resolveApicTiming('haswell', { apicTiming: { icrBusyNs: 500 } });
      expect(t).toEqual({ ...APIC_TIMING_PROFILES.haswell, icrBusyNs: 500 });
    });
  });

  describe('having bad overrides', () => {
    it.each([
      [{ apicTiming: 5 }, TypeError, /archOptions\.apicTiming is 5; expected an object/],
      [
        { apicTiming: { icrBusy: 1 } },
        TypeError,
        /archOptions\.apicTiming\.icrBusy is not an APIC timing parameter/,
      ],
      [
        { apicTiming: { deliveryNs: -1 } },
        RangeError,
        /deliveryNs is -1; expected an integer number of ns ≥ 0/,
      ],
      [
        { apicTiming: { xapicIcrReadNs: 0 } },
        RangeError,
        /xapicIcrReadNs is 0; expected an integer number of ns ≥ 1/,
      ],
      [{ apicTiming: { perDestNs: 1.5 } }, RangeError, /perDestNs is 1.5/],
    ])('should reject %j when the machine is created', (archOptions, type, message) => {
      expect(() => createMachine({ arch: 'x86', nrCpus: 2, archOptions })).toThrow(type);
      expect(() => createMachine({ arch: 'x86', nrCpus: 2, archOptions })).toThrow(message);
    });

    it('should reject a profile it has no numbers for', () => {
      expect(() => resolveApicTiming('pentium', {})).toThrow(/no timing for profile "pentium"/);
    });
  });
});
