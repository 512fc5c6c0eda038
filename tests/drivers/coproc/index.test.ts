/**
 * A MIPS coprocessor on the mips-gic platform: the documented use of `ipi_get_hwirq()` (spec §3),
 * with Linux and the firmware ping-ponging messages through two generic IPIs.
 */
import { describe, expect, it } from '@jest/globals';
import { COPROC_TIMING, CoprocFirmware, MipsRproc } from '../../../drivers/coproc/index.js';
import { GIC_TIMING, MipsGic, gicSharedToHwirq } from '../../../drivers/mips-gic/index.js';
import { Cpumask, DOMAIN_BUS_IPI, Errno, INVALID_HWIRQ, type Machine } from '../../../lib/index.js';
import { expectRejected, gicMachine, settle } from '../../arch/mips/helpers.js';

/** 4 possible CPUs, CPU 3 never online: the coprocessor. */
function setup(): { m: Machine; rproc: MipsRproc; gic: MipsGic } {
  const { m } = gicMachine(4, { onlineCpus: [0, 1, 2] });
  return { m, rproc: m.get(MipsRproc), gic: m.get(MipsGic) };
}

/** Starts the firmware on CPU 3 and lets it boot. */
function started(): ReturnType<typeof setup> {
  const s = setup();
  expect(s.rproc.mipsRprocOpStart(3)).toBe(0);
  settle(s.m);
  expect(s.rproc.firmware.state).toBe('running');
  return s;
}

describe(MipsRproc.prototype.mipsRprocOpStart, () => {
  describe('having a possible CPU that is not online', () => {
    it('should find the IPI domain by bus token and give its two hwirqs to the firmware', () => {
      const { m, rproc, gic } = setup();
      expect(rproc.ipiDomain()).toBe(m.irq.irqFindMatchingHost(null, DOMAIN_BUS_IPI));
      expect(rproc.ipiDomain()).toBe(gic.gicIpiDomain);
      expect(rproc.mipsRprocOpStart(3)).toBe(0);
      // CPU 3's own call/resched IPIs (virqs 5 and 9, shared 251 and 255) went back to the pool
      // and were reserved again first-fit: towards Linux CPU 0 first, then towards CPU 3.
      expect(rproc.ipiLinux).toBe(5);
      expect(rproc.ipiRemote).toBe(9);
      expect(m.ipi.ipiGetHwirq(rproc.ipiLinux, 0)).toBe(gicSharedToHwirq(251));
      expect(m.ipi.ipiGetHwirq(rproc.ipiRemote, 3)).toBe(gicSharedToHwirq(255));
      // Each IPI is for its CPU only.
      expect(m.ipi.ipiGetHwirq(rproc.ipiRemote, 0)).toBe(INVALID_HWIRQ);
      expect(m.ipi.ipiGetHwirq(rproc.ipiLinux, 3)).toBe(INVALID_HWIRQ);
      const fw = m.get(CoprocFirmware);
      expect([fw.vp, fw.ipiToRemote, fw.ipiFromRemote]).toEqual([3, 262, 258]);
      expect(fw.state).toBe('off');
      m.run({ until: COPROC_TIMING.bootNs });
      expect(fw.state).toBe('running');
      // Linux requested only its own side: "mips-rproc IPI in", unmasked towards CPU 0.
      expect(m.irq.irqToDesc(rproc.ipiLinux)!.actions.map((a) => a.name)).toEqual([
        'mips-rproc IPI in',
      ]);
      expect(gic.pcpuMask(0)).toContain(251);
      expect(m.irq.irqToDesc(rproc.ipiRemote)!.actions).toEqual([]);
      // The firmware unmasked its own interrupt at the GIC.
      expect(gic.hw.readGicMask(255)).toBe(true);
    });
  });

  describe('having a coprocessor already started', () => {
    it('should return -EBUSY and change nothing else', () => {
      const { m, rproc } = started();
      const before = m.irq.descs.allocatedCount;
      expect(rproc.mipsRprocOpStart(2)).toBe(-Errno.EBUSY);
      expect(m.irq.descs.allocatedCount).toBe(before);
      expect(m.warnings.at(-1)?.message).toBe('mips-rproc: CPU3 in use');
    });
  });

  describe('having an online CPU', () => {
    it('should fail to steal it with -EINVAL, undo everything and keep its Linux IPIs working', () => {
      const { m, rproc, gic } = setup();
      expect(rproc.mipsRprocOpStart(2)).toBe(-Errno.EINVAL);
      expect(m.warnings.at(-1)?.message).toBe('mips-rproc: Failed to steal CPU2 for remote');
      expect([rproc.cpu, rproc.ipiLinux, rproc.ipiRemote]).toEqual([-1, 0, 0]);
      expect(gic.ipiAvailable()).toEqual([]);
      expect(m.irq.irqToDesc(4)!.actions[0].name).toBe('IPI call');
      expect(m.irq.irqToDesc(8)!.actions[0].name).toBe('IPI resched');
      let ran = 0;
      m.sim.spawn(0, function* () {
        yield* m.smp.smpCallFunctionSingle(2, () => ran++, null, true);
      });
      settle(m);
      expect(ran).toBe(1);
      expect(m.get(CoprocFirmware).state).toBe('off');
    });
  });

  describe('having a bad CPU number', () => {
    it.each([[0], [4], [-1], [1.5]])(
      'should throw a RangeError for %p and change nothing',
      (cpu) => {
        const { m, rproc } = setup();
        expectRejected(
          m,
          () => rproc.mipsRprocOpStart(cpu),
          RangeError,
          /mipsRprocOpStart: cpu is/,
        );
      },
    );
  });
});

describe(MipsRproc.prototype.pingPong, () => {
  describe('having a running firmware', () => {
    it('should bounce every message once between Linux CPU 0 and the coprocessor', () => {
      const { m, rproc, gic } = started();
      const fw = rproc.firmware;
      rproc.pingPong(10);
      settle(m);
      expect(rproc.received).toBe(10);
      expect(fw.messages).toBe(10);
      expect(fw.interrupts).toBe(10);
      expect(fw.toRemote).toEqual([]);
      expect(fw.fromRemote).toEqual([]);
      // Each reply was one edge interrupt on CPU 0 through the GIC cascade.
      expect(m.irq.irqToDesc(rproc.ipiLinux)!.kstatIrqsCpu(0)).toBe(10);
      expect(m.sim.cpu(0).irqCount).toBe(10);
      expect(gic.hw.readGicPend(251)).toBe(false);
      expect(gic.hw.readGicPend(255)).toBe(false);
      expect(m.warnings).toEqual([]);
    });

    it('should take the latency of both GIC hops, the firmware and a halted CPU 0 waking up', () => {
      const { m, rproc } = started();
      rproc.pingPong(4);
      settle(m);
      const oneWayToFw = GIC_TIMING.latencyNs + COPROC_TIMING.irqEntryNs;
      const back =
        COPROC_TIMING.handleNs + GIC_TIMING.latencyNs + m.timing.irqEntryNs + m.timing.haltWakeNs;
      // The handler acks the edge (one GIC write) before it looks at the replies.
      const first = oneWayToFw + back + GIC_TIMING.writeNs;
      // Later pings are sent from the handler on CPU 0, which pays for its GIC write.
      expect(rproc.roundTrips).toEqual([
        first,
        first + GIC_TIMING.writeNs,
        first + GIC_TIMING.writeNs,
        first + GIC_TIMING.writeNs,
      ]);
      expect(rproc.firmware.arrivals[0]).toBe(COPROC_TIMING.bootNs + oneWayToFw);
    });
  });

  describe('having no coprocessor started', () => {
    it('should throw an Error; a bad round count throws a RangeError', () => {
      const { m, rproc } = setup();
      expectRejected(
        m,
        () => {
          rproc.pingPong(1);
        },
        Error,
        /no coprocessor is started/,
      );
      const s = started();
      expectRejected(
        s.m,
        () => {
          s.rproc.pingPong(0);
        },
        RangeError,
        /pingPong: rounds is 0/,
      );
    });
  });
});

describe(MipsRproc.prototype.mipsRprocOpKick, () => {
  describe('having a running firmware and nothing queued', () => {
    it('should interrupt the firmware, which finds no message and does not answer', () => {
      const { m, rproc } = started();
      rproc.mipsRprocOpKick(0);
      settle(m);
      expect(rproc.firmware.interrupts).toBe(1);
      expect(rproc.firmware.messages).toBe(0);
      expect(rproc.received).toBe(0);
    });
  });

  describe('having a bad vqid', () => {
    it('should throw a TypeError and send nothing', () => {
      const { m, rproc } = started();
      expectRejected(
        m,
        () => {
          rproc.mipsRprocOpKick('0' as unknown as number);
        },
        TypeError,
        /mipsRprocOpKick: vqid is "0"/,
      );
    });
  });
});

describe(MipsRproc.prototype.mipsRprocOpStop, () => {
  describe('having a running firmware', () => {
    it('should halt it, destroy both IPIs and give CPU 3 its Linux IPIs back', () => {
      const { m, rproc, gic } = started();
      expect(rproc.mipsRprocOpStop()).toBe(0);
      expect(rproc.firmware.state).toBe('halted');
      expect([rproc.cpu, rproc.ipiLinux, rproc.ipiRemote]).toEqual([-1, 0, 0]);
      expect(m.irq.irqToDesc(5)!.actions[0].name).toBe('IPI call');
      expect(m.irq.irqToDesc(9)!.actions[0].name).toBe('IPI resched');
      expect(m.ipi.ipiGetHwirq(5, 3)).toBe(gicSharedToHwirq(251));
      expect(gic.ipiAvailable()).toEqual([]);
      // It can be started again.
      expect(rproc.mipsRprocOpStart(3)).toBe(0);
      settle(m);
      rproc.pingPong(2);
      settle(m);
      expect(rproc.received).toBe(2);
    });
  });

  describe('having a firmware that has not booted yet', () => {
    it('should keep it halted: the pending boot does not bring it back', () => {
      const { m, rproc, gic } = setup();
      expect(rproc.mipsRprocOpStart(3)).toBe(0);
      expect(rproc.mipsRprocOpStop()).toBe(0);
      settle(m);
      expect(rproc.firmware.state).toBe('halted');
      expect(gic.hw.readGicMask(255)).toBe(true);
      // Interrupt 255 is CPU 3's resched IPI again, unmasked by request_irq, routed to CPU 3.
      expect(m.irq.irqToDesc(9)!.actions[0].name).toBe('IPI resched');
    });
  });

  describe('having nothing started', () => {
    it('should return -EBUSY', () => {
      const { rproc } = setup();
      expect(rproc.mipsRprocOpStop()).toBe(-Errno.EBUSY);
    });
  });
});

describe('the coprocessor CPU', () => {
  describe('having the firmware running on it', () => {
    it('should stay offline to Linux: cross calls skip it', () => {
      const { m } = started();
      const counts = [0, 0, 0, 0];
      m.sim.spawn(0, function* () {
        yield* m.smp.onEachCpu(() => counts[m.sim.smpProcessorId()]++, null, true);
      });
      settle(m);
      expect(counts).toEqual([1, 1, 1, 0]);
      expect(m.cpuOnlineMask.toString()).toBe('0-2');
      expect(m.cpuPossibleMask.toString()).toBe('0-3');
      expect(Cpumask.of(4, [3]).subset(m.cpuOnlineMask)).toBe(false);
    });
  });
});
