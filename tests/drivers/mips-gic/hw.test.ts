import { describe, expect, it } from '@jest/globals';
import { MipsCpuIntc } from '../../../drivers/mips-cpu-intc/index.js';
import {
  GIC_MAP_PIN_MAP_TO_PIN,
  GIC_TIMING,
  GIC_WEDGE_RW,
  type GicVpSink,
  MipsGicHw,
} from '../../../drivers/mips-gic/index.js';
import { expectRejected, gicMachine } from '../../arch/mips/helpers.js';

/** A GIC machine with shared interrupt 10 routed to VP 1, pin 0, and unmasked. */
function setup() {
  const { m } = gicMachine(2);
  const hw = m.get(MipsGicHw);
  // CPU 1 keeps interrupts off so the wire can be watched.
  m.sim.spawn(1, function* () {
    m.sim.localIrqDisable();
    yield m.sim.delay(1_000_000);
    m.sim.localIrqEnable();
  });
  m.run({ until: 0 });
  hw.writeGicMapPin(10, GIC_MAP_PIN_MAP_TO_PIN | 0);
  hw.writeGicMapVp(10, 1);
  hw.writeGicSmask(10);
  return { m, hw, intc: m.get(MipsCpuIntc) };
}

describe(MipsGicHw.prototype.writeGicWedge, () => {
  describe('having the RW bit', () => {
    it('should make the interrupt pending after the bus latency and assert its VP pin (CPU line IP2)', () => {
      const { m, hw, intc } = setup();
      hw.writeGicWedge(GIC_WEDGE_RW | 10);
      expect(hw.readGicPend(10)).toBe(false);
      m.run({ until: GIC_TIMING.latencyNs });
      expect(hw.readGicPend(10)).toBe(true);
      expect(hw.pinAsserted(1, 0)).toBe(true);
      expect(intc.causeIp(1)).toBe(1 << 2);
    });
  });

  describe('having no RW bit', () => {
    it('should clear the pending bit at once and drop the pin', () => {
      const { m, hw, intc } = setup();
      hw.writeGicWedge(GIC_WEDGE_RW | 10);
      m.run({ until: GIC_TIMING.latencyNs });
      hw.writeGicWedge(10);
      expect(hw.readGicPend(10)).toBe(false);
      expect(hw.pinAsserted(1, 0)).toBe(false);
      expect(intc.causeIp(1)).toBe(0);
    });
  });

  describe('having bad input', () => {
    it.each([
      [
        (hw: MipsGicHw) => {
          hw.writeGicWedge(GIC_WEDGE_RW | 256);
        },
        /writeGicWedge: intr is 256/,
      ],
      [(hw: MipsGicHw) => hw.readGicPend(-1), /readGicPend: intr is -1/],
      [
        (hw: MipsGicHw) => {
          hw.writeGicSmask(300);
        },
        /writeGicSmask: intr is 300/,
      ],
      [
        (hw: MipsGicHw) => {
          hw.writeGicMapVp(0, 2);
        },
        /writeGicMapVp: vp is 2/,
      ],
      [
        (hw: MipsGicHw) => {
          hw.writeGicMapPin(0, GIC_MAP_PIN_MAP_TO_PIN | 6);
        },
        /writeGicMapPin: pin 6 does not exist/,
      ],
      [
        (hw: MipsGicHw) => {
          hw.connectVp(9, null);
        },
        /connectVp: vp is 9/,
      ],
    ])('should throw a RangeError naming the argument (%#) and change nothing', (call, message) => {
      const { m, hw } = setup();
      expectRejected(
        m,
        () => {
          call(hw);
        },
        RangeError,
        message,
      );
    });
  });
});

describe(MipsGicHw.prototype.writeGicRmask, () => {
  describe('having a pending interrupt', () => {
    it('should keep it pending but drop the pin until it is unmasked again', () => {
      const { m, hw } = setup();
      hw.writeGicWedge(GIC_WEDGE_RW | 10);
      m.run({ until: GIC_TIMING.latencyNs });
      hw.writeGicRmask(10);
      expect(hw.readGicPend(10)).toBe(true);
      expect(hw.pinAsserted(1)).toBe(false);
      hw.writeGicSmask(10);
      expect(hw.pinAsserted(1)).toBe(true);
    });
  });
});

describe(MipsGicHw.prototype.writeGicMapVp, () => {
  describe('having a pending interrupt moved to another VP', () => {
    it('should move the pin level with it', () => {
      const { m, hw } = setup();
      hw.writeGicWedge(GIC_WEDGE_RW | 10);
      m.run({ until: GIC_TIMING.latencyNs });
      hw.writeGicMapVp(10, 0);
      expect([hw.pinAsserted(0), hw.pinAsserted(1)]).toEqual([true, false]);
      hw.writeGicMapPin(10, 3);
      expect(hw.pinAsserted(0)).toBe(false);
    });
  });
});

describe(MipsGicHw.prototype.connectVp, () => {
  describe('having a sink for a VP', () => {
    it("should send that VP's pin changes to the sink instead of the CPU lines, and back on null", () => {
      const { m, hw, intc } = setup();
      const seen: [number, number, boolean][] = [];
      const sink: GicVpSink = { gicPin: (vp, pin, asserted) => seen.push([vp, pin, asserted]) };
      hw.writeGicWedge(GIC_WEDGE_RW | 10);
      m.run({ until: GIC_TIMING.latencyNs });
      hw.connectVp(1, sink);
      expect(seen).toEqual([[1, 0, true]]);
      expect(intc.causeIp(1)).toBe(0);
      hw.writeGicWedge(10);
      expect(seen).toEqual([
        [1, 0, true],
        [1, 0, false],
      ]);
      hw.connectVp(1, null);
      hw.writeGicWedge(GIC_WEDGE_RW | 10);
      m.run({ until: m.now + GIC_TIMING.latencyNs });
      expect(intc.causeIp(1)).toBe(1 << 2);
      expect(seen).toHaveLength(2);
    });
  });
});
