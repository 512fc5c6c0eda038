import { describe, expect, it } from '@jest/globals';
import { MipsCpuIntc } from '../../../drivers/mips-cpu-intc/index.js';
import {
  IPI_BUF_OFF,
  IPI_CLEAR_OFF,
  IPI_EN_OFF,
  IPI_SET_OFF,
  IPI_STATUS_OFF,
  MAILBOX_TIMING,
  MIPS_MAILBOX_CPU_LINE,
  MipsMailbox,
} from '../../../drivers/mips-mailbox/index.js';
import { expectRejected, mailboxMachine } from '../../arch/mips/helpers.js';

/** A mailbox machine whose CPU 1 keeps interrupts off, so its registers can be watched. */
function setup() {
  const { m } = mailboxMachine(2);
  m.sim.spawn(1, function* () {
    m.sim.localIrqDisable();
    yield m.sim.delay(1_000_000);
    m.sim.localIrqEnable();
  });
  m.run({ until: 0 });
  return { m, mb: m.get(MipsMailbox), intc: m.get(MipsCpuIntc) };
}

describe(MipsMailbox.prototype.writel, () => {
  describe('having a SET write', () => {
    it('should OR the bits into STATUS after the bus latency and raise line IP6 while STATUS & EN', () => {
      const { m, mb, intc } = setup();
      mb.writel(1, IPI_SET_OFF, 0x5);
      m.run({ until: MAILBOX_TIMING.latencyNs - 1 });
      expect(mb.readl(1, IPI_STATUS_OFF)).toBe(0);
      m.run({ until: MAILBOX_TIMING.latencyNs });
      expect(mb.readl(1, IPI_STATUS_OFF)).toBe(0x5);
      expect(intc.causeIp(1)).toBe(1 << MIPS_MAILBOX_CPU_LINE);
      mb.writel(1, IPI_SET_OFF, 0x3);
      m.run({ until: m.now + MAILBOX_TIMING.latencyNs });
      expect(mb.readl(1, IPI_STATUS_OFF)).toBe(0x7);
    });

    it('should count a write whose bits were all pending as coalesced', () => {
      const { m, mb } = setup();
      mb.writel(1, IPI_SET_OFF, 0x2);
      mb.writel(1, IPI_SET_OFF, 0x2);
      mb.writel(1, IPI_SET_OFF, 0x6);
      m.run({ until: MAILBOX_TIMING.latencyNs });
      expect(mb.readl(1, IPI_STATUS_OFF)).toBe(0x6);
      expect(mb.coalesced[1]).toBe(1);
    });
  });

  describe('having a CLEAR write', () => {
    it('should clear exactly those bits at once and drop the line when STATUS & EN is 0', () => {
      const { m, mb, intc } = setup();
      mb.writel(1, IPI_SET_OFF, 0x3);
      m.run({ until: MAILBOX_TIMING.latencyNs });
      mb.writel(1, IPI_CLEAR_OFF, 0x1);
      expect(mb.readl(1, IPI_STATUS_OFF)).toBe(0x2);
      expect(mb.lineAsserted(1)).toBe(true);
      mb.writel(1, IPI_CLEAR_OFF, 0x2);
      expect(mb.lineAsserted(1)).toBe(false);
      expect(intc.causeIp(1)).toBe(0);
    });
  });

  describe('having an EN mask', () => {
    it('should keep disabled bits pending without raising the line', () => {
      const { m, mb } = setup();
      mb.writel(1, IPI_EN_OFF, 0x1);
      mb.writel(1, IPI_SET_OFF, 0x2);
      m.run({ until: MAILBOX_TIMING.latencyNs });
      expect(mb.readl(1, IPI_STATUS_OFF)).toBe(0x2);
      expect(mb.lineAsserted(1)).toBe(false);
      mb.writel(1, IPI_EN_OFF, 0x3);
      expect(mb.lineAsserted(1)).toBe(true);
    });
  });

  describe('having a writer on a CPU', () => {
    it('should charge the writer and land the bits relative to its local time', () => {
      const { m, mb } = setup();
      let sentAt = -1;
      m.sim.spawn(0, function* () {
        m.sim.charge(100);
        mb.writel(1, IPI_SET_OFF, 0x1);
        sentAt = m.sim.localNow();
        yield m.sim.delay(0);
      });
      m.run({ until: 100 + MAILBOX_TIMING.writeNs + MAILBOX_TIMING.latencyNs - 1 });
      expect(sentAt).toBe(100 + MAILBOX_TIMING.writeNs);
      expect(mb.readl(1, IPI_STATUS_OFF)).toBe(0);
      m.run({ until: m.now + 1 });
      expect(mb.readl(1, IPI_STATUS_OFF)).toBe(0x1);
    });
  });

  describe('having bad input', () => {
    it.each([
      [
        (mb: MipsMailbox) => {
          mb.writel(2, IPI_SET_OFF, 1);
        },
        RangeError,
        /writel: core is 2/,
      ],
      [
        (mb: MipsMailbox) => {
          mb.writel(0, IPI_STATUS_OFF, 1);
        },
        RangeError,
        /writel: offset 0x0 is not a writable/,
      ],
      [
        (mb: MipsMailbox) => {
          mb.writel(0, IPI_SET_OFF, 2 ** 32);
        },
        RangeError,
        /writel: value is 4294967296/,
      ],
      [
        (mb: MipsMailbox) => {
          mb.writel(0, IPI_SET_OFF, -1);
        },
        RangeError,
        /writel: value is -1/,
      ],
      [(mb: MipsMailbox) => mb.readl(0, 0x10), RangeError, /readl: offset 0x10/],
      [(mb: MipsMailbox) => mb.readl(-1, 0), RangeError, /readl: core is -1/],
      [(mb: MipsMailbox) => mb.readq(0, 0x24), RangeError, /readq: offset 0x24/],
      [
        (mb: MipsMailbox) => {
          mb.writeq(0, 0x28, 1 as unknown as bigint);
        },
        TypeError,
        /writeq: value is number/,
      ],
      [(mb: MipsMailbox) => mb.lineAsserted(5), RangeError, /lineAsserted: core is 5/],
    ])('should reject %# with the argument named and change nothing', (call, type, message) => {
      const { m, mb } = setup();
      expectRejected(
        m,
        () => {
          call(mb);
        },
        type,
        message,
      );
    });
  });
});

describe(MipsMailbox.prototype.readl, () => {
  describe('having write-only registers', () => {
    it('should read them as 0', () => {
      const { mb } = setup();
      expect(mb.readl(0, IPI_SET_OFF)).toBe(0);
      expect(mb.readl(0, IPI_CLEAR_OFF)).toBe(0);
    });
  });
});

describe(MipsMailbox.prototype.writeq, () => {
  describe('having the four mailbox buffers', () => {
    it('should keep a 64-bit value per buffer and core', () => {
      const { mb } = setup();
      mb.writeq(1, IPI_BUF_OFF, 0xffff_ffff_8000_1000n);
      mb.writeq(1, IPI_BUF_OFF + 0x18, -1n);
      expect(mb.readq(1, IPI_BUF_OFF)).toBe(0xffff_ffff_8000_1000n);
      expect(mb.readq(1, IPI_BUF_OFF + 0x18)).toBe(0xffff_ffff_ffff_ffffn);
      expect(mb.readq(0, IPI_BUF_OFF)).toBe(0n);
    });
  });
});
