/**
 * PatchworkOS's IPI framework (seed 000, ../shared/spec/peers.md §1) on simulated x86 CPUs with
 * the local APIC as its chip.
 */
import { describe, expect, it } from '@jest/globals';
import {
  ERR,
  IPI_BROADCAST,
  IPI_OTHERS,
  IPI_QUEUE_SIZE,
  IPI_SINGLE,
  type IpiChip,
  IpiCpuCtx,
  type IpiFuncData,
  PatchworkApicChip,
  type PatchworkCpu,
  PatchworkIpi,
  PatchworkX86Arch,
  VECTOR_IPI,
  patchworkX86Modules,
} from '../../../drivers/patchwork-ipi/index.js';
import { APIC_ICR, APIC_ICR2, Apic } from '../../../drivers/apic/index.js';
import { Errno, type Machine, createMachine } from '../../../lib/index.js';
import { snapshotMachine } from '../../helpers/snapshot.js';

const NR = 4;

/** An x86 machine running PatchworkOS's IPIs, with the APIC chip registered unless `chip` is false. */
function setup(options: { chip?: boolean; archOptions?: Record<string, unknown> } = {}): {
  m: Machine;
  pw: PatchworkIpi;
  chip: PatchworkApicChip;
} {
  const m = createMachine({
    arch: [...patchworkX86Modules],
    nrCpus: NR,
    archOptions: options.archOptions,
  });
  const pw = m.get(PatchworkIpi);
  const chip = m.get(PatchworkApicChip);
  if (options.chip !== false) expect(chip.moduleInit(pw)).toBe(0);
  return { m, pw, chip };
}

/** A chip whose hooks only record (interrupts go nowhere). */
function recordingChip(
  hooks: ('interrupt' | 'ack' | 'eoi')[] = ['interrupt', 'ack', 'eoi'],
): IpiChip & { log: string[] } {
  const log: string[] = [];
  const chip: IpiChip & { log: string[] } = { name: 'recorder', log };
  const c = chip as { -readonly [K in keyof IpiChip]: IpiChip[K] };
  if (hooks.includes('interrupt'))
    c.interrupt = (cpu, vector) => log.push(`interrupt ${cpu.id} 0x${vector.toString(16)}`);
  if (hooks.includes('ack')) c.ack = (cpu) => log.push(`ack ${cpu.id}`);
  if (hooks.includes('eoi')) c.eoi = (cpu) => log.push(`eoi ${cpu.id}`);
  return chip;
}

function settle(m: Machine): void {
  const r = m.run({ maxEvents: 1_000_000 });
  expect(r.stall?.message ?? r.reason).toBe('idle');
}

/** Runs `body` as task code on CPU `cpu` and returns its result after the machine settles. */
function onCpu<T>(m: Machine, cpu: number, body: () => T): T {
  const task = m.sim.spawn(cpu, function* () {
    const r = body();
    yield m.sim.delay(0);
    return r;
  });
  settle(m);
  return task.result as T;
}

/** Everything observable, plus the framework's queues and counters. */
function pwSnapshot(m: Machine, pw: PatchworkIpi): unknown {
  return {
    machine: snapshotMachine(m),
    chips: pw.ipiChipAmount(),
    queues: pw.cpus.map((c) => [c.ipi.readIndex, c.ipi.writeIndex, c.errno]),
    errno: pw.errno,
    interrupts: Array.from(pw.interrupts),
    run: Array.from(pw.functionsRun),
  };
}

function expectRejected(
  m: Machine,
  pw: PatchworkIpi,
  call: () => unknown,
  type: typeof Error,
  message: RegExp,
): void {
  const before = pwSnapshot(m, pw);
  expect(call).toThrow(type);
  expect(call).toThrow(message);
  expect(pwSnapshot(m, pw)).toEqual(before);
}

describe('PatchworkOS IPI constants', () => {
  describe('having include/kernel/cpu/ipi.h as reference', () => {
    it('should have a 16-entry queue, vector 0xFD, flags 0/1/2 and ERR = UINT64_MAX (as a double)', () => {
      expect(IPI_QUEUE_SIZE).toBe(16);
      expect(VECTOR_IPI).toBe(0xfd);
      expect([IPI_SINGLE, IPI_BROADCAST, IPI_OTHERS]).toEqual([0, 1, 2]);
      expect(ERR).toBe(2 ** 64);
    });
  });
});

describe(PatchworkIpi.prototype.ipiChipRegister, () => {
  describe('having no chip registered', () => {
    it('should register it, log it and count one chip', () => {
      const { pw, chip } = setup({ chip: false });
      expect(pw.ipiChipAmount()).toBe(0);
      expect(pw.ipiChipRegister(chip)).toBe(0);
      expect(pw.ipiChipAmount()).toBe(1);
      expect(pw.registeredChip).toBe(chip);
      expect(chip.name).toBe('Local APIC IPI');
    });
  });

  describe('having a chip registered already', () => {
    it('should return ERR with errno EBUSY, even for the same chip', () => {
      const { pw, chip } = setup();
      expect(pw.ipiChipRegister(recordingChip())).toBe(ERR);
      expect(pw.errno).toBe(Errno.EBUSY);
      expect(pw.ipiChipRegister(chip)).toBe(ERR);
      expect(pw.registeredChip).toBe(chip);
    });
  });

  describe('having a null or nameless chip', () => {
    it.each([
      ['null', null],
      ['undefined', undefined],
      ['a chip without a name', { interrupt: () => undefined }],
    ])('should return ERR with errno EINVAL for %s', (_what, chip) => {
      const { pw } = setup({ chip: false });
      expect(pw.ipiChipRegister(chip as IpiChip | null)).toBe(ERR);
      expect(pw.errno).toBe(Errno.EINVAL);
      expect(pw.ipiChipAmount()).toBe(0);
    });
  });

  describe('having something that is not a chip', () => {
    it.each([
      ['a string', 'apic', /ipiChipRegister: chip is "apic"/],
      ['a hook that is not a function', { name: 'x', eoi: 3 }, /ipiChipRegister: chip.eoi is 3/],
    ])('should throw a TypeError for %s and change nothing', (_what, chip, message) => {
      const { m, pw } = setup({ chip: false });
      expectRejected(
        m,
        pw,
        () => pw.ipiChipRegister(chip as unknown as IpiChip),
        TypeError,
        message,
      );
    });
  });
});

describe(PatchworkIpi.prototype.ipiChipUnregister, () => {
  describe('having the registered chip', () => {
    it('should unregister it', () => {
      const { pw, chip } = setup();
      pw.ipiChipUnregister(chip);
      expect(pw.ipiChipAmount()).toBe(0);
      expect(pw.ipiChipRegister(chip)).toBe(0);
    });
  });

  describe('having another chip or null', () => {
    it('should do nothing', () => {
      const { pw, chip } = setup();
      pw.ipiChipUnregister(recordingChip());
      pw.ipiChipUnregister(null);
      expect(pw.registeredChip).toBe(chip);
      expect(pw.ipiChipAmount()).toBe(1);
    });
  });
});

describe(PatchworkIpi.prototype.ipiSend, () => {
  describe('having IPI_SINGLE from task code', () => {
    it('should run the function on the target in its interrupt, with self and private', () => {
      const { m, pw } = setup();
      const seen: [number, unknown, number, boolean][] = [];
      const rc = onCpu(m, 0, () =>
        pw.ipiSend(
          pw.cpu(2),
          IPI_SINGLE,
          ({ self, private: p }: IpiFuncData) => {
            seen.push([self.id, p, m.sim.smpProcessorId(), m.sim.irqsDisabled()]);
          },
          'cookie',
        ),
      );
      expect(rc).toBe(0);
      expect(seen).toEqual([[2, 'cookie', 2, true]]);
      expect(Array.from(pw.interrupts)).toEqual([0, 0, 1, 0]);
      // The vector went out through the ICR of the sender with the target's firmware APIC ID.
      const apic = m.get(Apic);
      expect(apic.lapic(0).icrHigh >>> 24).toBe(apic.lapic(2).apicId);
      expect(apic.lapic(0).icrLow & 0xfff).toBe(VECTOR_IPI);
      // ipi_handle_pending() EOIed the APIC.
      expect(apic.lapic(2).inService(VECTOR_IPI)).toBe(false);
    });

    it('should run queued functions in order, the first interrupt draining the queue to empty', () => {
      const { m, pw } = setup();
      const order: [number, number][] = [];
      onCpu(m, 1, () => {
        for (let i = 0; i < 5; i++)
          pw.ipiSend(pw.cpu(3), IPI_SINGLE, () => order.push([i, pw.interrupts[3]]), null);
      });
      // Every function ran in CPU 3's first interrupt; the later vectors found the queue empty.
      expect(order).toEqual([0, 1, 2, 3, 4].map((i) => [i, 1]));
      expect(pw.functionsRun[3]).toBe(5);
      expect(pw.interrupts[3]).toBeGreaterThan(1);
    });
  });

  describe('having IPI_BROADCAST', () => {
    it('should queue and interrupt every CPU, the sender included, ignoring the cpu argument', () => {
      const { m, pw } = setup();
      const ran: number[] = [];
      const rc = onCpu(m, 1, () =>
        pw.ipiSend(null, IPI_BROADCAST, ({ self }) => ran.push(self.id), null),
      );
      expect(rc).toBe(0);
      expect(ran.sort()).toEqual([0, 1, 2, 3]);
      const rc2 = onCpu(m, 1, () =>
        pw.ipiSend(pw.cpu(2), IPI_BROADCAST, ({ self }) => ran.push(10 + self.id), null),
      );
      expect(rc2).toBe(0);
      expect(ran.filter((x) => x >= 10).sort()).toEqual([10, 11, 12, 13]);
    });
  });

  describe('having IPI_OTHERS', () => {
    it('should skip the specified CPU, which need not be the sender', () => {
      const { m, pw } = setup();
      const ran: number[] = [];
      const rc = onCpu(m, 0, () =>
        pw.ipiSend(pw.cpu(2), IPI_OTHERS, ({ self }) => ran.push(self.id), null),
      );
      expect(rc).toBe(0);
      expect(ran.sort()).toEqual([0, 1, 3]);
    });
  });

  describe('having a full queue (15 usable entries)', () => {
    it('should accept 15 entries and fail the 16th with EBUSY, dropping it', () => {
      const { pw } = setup({ chip: false });
      const chip = recordingChip();
      pw.ipiChipRegister(chip);
      const f = () => undefined;
      for (let i = 0; i < IPI_QUEUE_SIZE - 1; i++)
        expect(pw.ipiSend(pw.cpu(1), IPI_SINGLE, f, i)).toBe(0);
      expect(pw.cpu(1).ipi.length).toBe(15);
      expect(pw.ipiSend(pw.cpu(1), IPI_SINGLE, f, 15)).toBe(ERR);
      expect(pw.errno).toBe(Errno.EBUSY);
      expect(pw.cpu(1).ipi.length).toBe(15);
      // The failed send did not interrupt the CPU.
      expect(chip.log.filter((l) => l.startsWith('interrupt 1'))).toHaveLength(15);
    });
  });

  describe('having a broadcast that meets a full queue', () => {
    it('should stop there: earlier CPUs queued and interrupted, later ones untouched (partial broadcast)', () => {
      const { pw } = setup({ chip: false });
      const chip = recordingChip();
      pw.ipiChipRegister(chip);
      const f = () => undefined;
      for (let i = 0; i < 15; i++) pw.ipiSend(pw.cpu(2), IPI_SINGLE, f, null);
      chip.log.length = 0;
      expect(pw.ipiSend(null, IPI_BROADCAST, f, 'b')).toBe(ERR);
      expect(pw.errno).toBe(Errno.EBUSY);
      expect(chip.log).toEqual(['interrupt 0 0xfd', 'interrupt 1 0xfd']);
      expect(pw.cpus.map((c) => c.ipi.length)).toEqual([1, 1, 15, 0]);
    });
  });

  describe('having no chip', () => {
    it('should return ERR with ENODEV and queue nothing', () => {
      const { pw } = setup({ chip: false });
      expect(pw.ipiSend(pw.cpu(1), IPI_SINGLE, () => undefined, null)).toBe(ERR);
      expect(pw.errno).toBe(Errno.ENODEV);
      expect(pw.cpu(1).ipi.length).toBe(0);
    });
  });

  describe('having a chip without an interrupt hook', () => {
    it('should return ERR with ENOSYS and queue nothing', () => {
      const { pw } = setup({ chip: false });
      pw.ipiChipRegister(recordingChip(['ack', 'eoi']));
      expect(pw.ipiSend(null, IPI_BROADCAST, () => undefined, null)).toBe(ERR);
      expect(pw.errno).toBe(Errno.ENOSYS);
      expect(pw.cpus.map((c) => c.ipi.length)).toEqual([0, 0, 0, 0]);
    });
  });

  describe('having invalid parameters', () => {
    it.each([
      ['a null function', (pw: PatchworkIpi) => pw.ipiSend(pw.cpu(1), IPI_SINGLE, null, null)],
      [
        'IPI_SINGLE with a null cpu',
        (pw: PatchworkIpi) => pw.ipiSend(null, IPI_SINGLE, () => undefined, null),
      ],
      [
        'IPI_OTHERS with a null cpu',
        (pw: PatchworkIpi) => pw.ipiSend(null, IPI_OTHERS, () => undefined, null),
      ],
      [
        'flags 3 (both bits)',
        (pw: PatchworkIpi) => pw.ipiSend(pw.cpu(1), 3, () => undefined, null),
      ],
    ])('should return ERR with EINVAL for %s and queue nothing', (_what, call) => {
      const { pw } = setup();
      expect(call(pw)).toBe(ERR);
      expect(pw.errno).toBe(Errno.EINVAL);
      expect(pw.cpus.map((c) => c.ipi.length)).toEqual([0, 0, 0, 0]);
    });

    it('should look at flags & 3 only: 4 is IPI_SINGLE, 7 is invalid', () => {
      const { m, pw } = setup();
      let ran = -1;
      expect(onCpu(m, 0, () => pw.ipiSend(pw.cpu(3), 4, ({ self }) => (ran = self.id), null))).toBe(
        0,
      );
      expect(ran).toBe(3);
      expect(pw.ipiSend(pw.cpu(3), 7, () => undefined, null)).toBe(ERR);
    });
  });

  describe('having errno per CPU', () => {
    it("should set the failing caller's errno only, and leave it on success", () => {
      const { m, pw } = setup();
      const errnos = onCpu(m, 1, () => {
        pw.ipiSend(null, IPI_SINGLE, () => undefined, null);
        const after = pw.errno;
        pw.ipiSend(pw.cpu(2), IPI_SINGLE, () => undefined, null);
        return [after, pw.errno];
      });
      expect(errnos).toEqual([Errno.EINVAL, Errno.EINVAL]);
      expect(pw.cpu(1).errno).toBe(Errno.EINVAL);
      expect(pw.cpu(0).errno).toBe(0);
      expect(pw.errno).toBe(0);
    });
  });

  describe("having the C code's flags mask (archOptions.patchworkFlagsMask = 2)", () => {
    it('should dispatch on flags & IPI_OTHERS: IPI_BROADCAST is taken as IPI_SINGLE and 3 as IPI_OTHERS', () => {
      const { m, pw } = setup({ archOptions: { patchworkFlagsMask: 2 } });
      expect(pw.flagsMask).toBe(2);
      expect(pw.ipiSend(null, IPI_BROADCAST, () => undefined, null)).toBe(ERR);
      expect(pw.errno).toBe(Errno.EINVAL);
      const ran: number[] = [];
      onCpu(m, 0, () => {
        pw.ipiSend(pw.cpu(1), IPI_BROADCAST, ({ self }) => ran.push(self.id), null);
        pw.ipiSend(pw.cpu(1), 3, ({ self }) => ran.push(10 + self.id), null);
      });
      expect(ran.sort((a, b) => a - b)).toEqual([1, 10, 12, 13]);
    });

    it('should refuse any other mask when the machine is built', () => {
      expect(() => setup({ archOptions: { patchworkFlagsMask: 1 } })).toThrow(
        /patchworkFlagsMask is 1/,
      );
    });
  });

  describe('having bad argument types', () => {
    it.each([
      [
        'a cpu that is not a PatchworkCpu',
        (pw: PatchworkIpi) =>
          pw.ipiSend({ id: 1 } as unknown as PatchworkCpu, IPI_SINGLE, () => undefined, null),
        /ipiSend: cpu is .*; expected a PatchworkCpu/,
      ],
      [
        'non-integer flags',
        (pw: PatchworkIpi) => pw.ipiSend(pw.cpu(1), 0.5, () => undefined, null),
        /ipiSend: flags is 0.5/,
      ],
      [
        'a func that is not a function',
        (pw: PatchworkIpi) => pw.ipiSend(pw.cpu(1), IPI_SINGLE, 'f' as never, null),
        /ipiSend: func is "f"/,
      ],
    ])('should throw a TypeError for %s and change nothing', (_what, call, message) => {
      const { m, pw } = setup();
      expectRejected(m, pw, () => call(pw), TypeError, message);
    });

    it('should refuse a CPU of another machine', () => {
      const { m, pw } = setup();
      const other = setup().pw;
      expectRejected(
        m,
        pw,
        () => pw.ipiSend(other.cpu(1), IPI_SINGLE, () => undefined, null),
        TypeError,
        /belongs to another machine/,
      );
    });
  });

  describe('having a function that sends to its own CPU', () => {
    it('should report the deadlock on the non-reentrant queue lock', () => {
      const { m, pw } = setup();
      m.sim.spawn(0, function* () {
        pw.ipiSend(
          pw.cpu(1),
          IPI_SINGLE,
          ({ self }) => {
            pw.ipiSend(self, IPI_SINGLE, () => undefined, null);
          },
          null,
        );
        yield m.sim.delay(0);
      });
      expect(() => m.run()).toThrow(
        /deadlock: CPU1 pushes to CPU1's IPI queue while holding its lock/,
      );
    });
  });
});

describe(PatchworkIpi.prototype.ipiWakeUp, () => {
  describe('having a target', () => {
    it('should interrupt without queueing anything', () => {
      const { m, pw } = setup();
      onCpu(m, 0, () => {
        pw.ipiWakeUp(pw.cpu(3), IPI_SINGLE);
        pw.ipiWakeUp(pw.cpu(0), IPI_OTHERS);
      });
      expect(Array.from(pw.interrupts)).toEqual([0, 1, 1, 2]);
      expect(Array.from(pw.functionsRun)).toEqual([0, 0, 0, 0]);
    });
  });

  describe('having nothing to do it with', () => {
    it('should be silent for no chip, a null cpu, or invalid flags', () => {
      const { pw } = setup({ chip: false });
      const chip = recordingChip();
      pw.ipiWakeUp(pw.cpu(1), IPI_SINGLE);
      pw.ipiChipRegister(chip);
      pw.ipiWakeUp(null, IPI_SINGLE);
      pw.ipiWakeUp(null, IPI_OTHERS);
      pw.ipiWakeUp(pw.cpu(1), 3);
      expect(chip.log).toEqual([]);
      pw.ipiWakeUp(null, IPI_BROADCAST);
      expect(chip.log).toEqual([
        'interrupt 0 0xfd',
        'interrupt 1 0xfd',
        'interrupt 2 0xfd',
        'interrupt 3 0xfd',
      ]);
      expect(pw.errno).toBe(0);
    });
  });

  describe('having bad argument types', () => {
    it('should throw a TypeError and change nothing', () => {
      const { m, pw } = setup();
      expectRejected(
        m,
        pw,
        () => {
          pw.ipiWakeUp(pw.cpu(1), NaN);
        },
        TypeError,
        /ipiWakeUp: flags is NaN/,
      );
      expectRejected(
        m,
        pw,
        () => {
          pw.ipiWakeUp(3 as never, IPI_SINGLE);
        },
        TypeError,
        /ipiWakeUp: cpu is 3/,
      );
    });
  });
});

describe(PatchworkIpi.prototype.ipiInvoke, () => {
  describe('having pending IPIs on the current CPU', () => {
    it('should handle them at once, through the interrupt path, with interrupts off', () => {
      const { pw, m } = setup({ chip: false });
      const chip = recordingChip();
      pw.ipiChipRegister(chip);
      const log: string[] = [];
      m.sim.spawn(2, function* () {
        pw.ipiSend(
          pw.cpu(2),
          IPI_SINGLE,
          () => log.push(`ran irqsOff=${m.sim.irqsDisabled()}`),
          null,
        );
        log.push('before');
        pw.ipiInvoke();
        log.push(`after irqsOff=${m.sim.irqsDisabled()}`);
        yield m.sim.delay(0);
      });
      settle(m);
      expect(log).toEqual(['before', 'ran irqsOff=true', 'after irqsOff=false']);
      expect(chip.log).toEqual(['interrupt 2 0xfd', 'ack 2', 'eoi 2']);
      expect(pw.interrupts[2]).toBe(1);
    });
  });

  describe('having interrupts disabled', () => {
    it('should panic (throw) and run nothing', () => {
      const { pw, m } = setup();
      let thrown: unknown = null;
      m.sim.spawn(1, function* () {
        m.sim.localIrqDisable();
        try {
          pw.ipiInvoke();
        } catch (e) {
          thrown = e;
        }
        m.sim.localIrqEnable();
        yield m.sim.delay(0);
      });
      settle(m);
      expect(String(thrown)).toMatch(
        /ipiInvoke: panic: IRQ_INVOKE\(VECTOR_IPI\) on CPU1 with interrupts disabled/,
      );
      expect(pw.interrupts[1]).toBe(0);
    });
  });

  describe('having no current CPU', () => {
    it('should throw and change nothing', () => {
      const { m, pw } = setup();
      expectRejected(
        m,
        pw,
        () => {
          pw.ipiInvoke();
        },
        Error,
        /ipiInvoke: no CPU is running/,
      );
    });
  });
});

describe(PatchworkIpi.prototype.ipiHandlePending, () => {
  describe('having queued functions and a chip with ack and eoi', () => {
    it('should ack, drain the queue to empty in order, then eoi', () => {
      const { pw } = setup({ chip: false });
      const chip = recordingChip();
      pw.ipiChipRegister(chip);
      for (let i = 0; i < 3; i++)
        pw.ipiSend(pw.cpu(1), IPI_SINGLE, ({ private: p }) => chip.log.push(`run ${String(p)}`), i);
      chip.log.length = 0;
      pw.ipiHandlePending({ vector: VECTOR_IPI }, pw.cpu(1));
      expect(chip.log).toEqual(['ack 1', 'run 0', 'run 1', 'run 2', 'eoi 1']);
      expect(pw.cpu(1).ipi.length).toBe(0);
    });
  });

  describe('having functions that queue more work for the same CPU from another CPU', () => {
    it('should keep draining until the queue is empty', () => {
      const { pw } = setup({ chip: false });
      pw.ipiChipRegister(recordingChip());
      const ran: string[] = [];
      pw.ipiSend(
        pw.cpu(2),
        IPI_SINGLE,
        () => {
          ran.push('a');
          pw.ipiSend(pw.cpu(3), IPI_SINGLE, () => ran.push('x'), null);
        },
        null,
      );
      pw.ipiHandlePending({ vector: VECTOR_IPI }, pw.cpu(2));
      expect(ran).toEqual(['a']);
      expect(pw.cpu(3).ipi.length).toBe(1);
    });
  });

  describe('having an empty queue', () => {
    it('should still ack and eoi', () => {
      const { pw } = setup({ chip: false });
      const chip = recordingChip();
      pw.ipiChipRegister(chip);
      pw.ipiHandlePending({ vector: VECTOR_IPI }, pw.cpu(0));
      expect(chip.log).toEqual(['ack 0', 'eoi 0']);
    });
  });

  describe('having bad arguments', () => {
    it('should throw a TypeError naming the argument and change nothing', () => {
      const { m, pw } = setup();
      expectRejected(
        m,
        pw,
        () => {
          pw.ipiHandlePending(null as never, pw.cpu(0));
        },
        TypeError,
        /ipiHandlePending: frame is null/,
      );
      expectRejected(
        m,
        pw,
        () => {
          pw.ipiHandlePending({ vector: VECTOR_IPI }, 0 as never);
        },
        TypeError,
        /ipiHandlePending: self is 0/,
      );
    });
  });
});

describe(PatchworkIpi.prototype.ipiCpuCtxInit, () => {
  describe('having a used context', () => {
    it('should empty the ring and reset both indexes', () => {
      const { pw } = setup({ chip: false });
      pw.ipiChipRegister(recordingChip());
      for (let i = 0; i < 20; i++) pw.ipiSend(pw.cpu(1), IPI_SINGLE, () => undefined, i);
      pw.ipiHandlePending({ vector: VECTOR_IPI }, pw.cpu(1));
      pw.ipiSend(pw.cpu(1), IPI_SINGLE, () => undefined, 'x');
      const ctx = pw.cpu(1).ipi;
      expect([ctx.readIndex, ctx.writeIndex]).toEqual([15, 0]);
      pw.ipiCpuCtxInit(ctx);
      expect([ctx.readIndex, ctx.writeIndex, ctx.length, ctx.lockHolder]).toEqual([0, 0, 0, -1]);
      expect(ctx.queue.every((e) => e.func === null && e.private === null)).toBe(true);
    });
  });

  describe('having something that is not a context', () => {
    it('should throw a TypeError', () => {
      const { m, pw } = setup();
      expectRejected(
        m,
        pw,
        () => {
          pw.ipiCpuCtxInit({} as unknown as IpiCpuCtx);
        },
        TypeError,
        /ipiCpuCtxInit: ctx is .*; expected an IpiCpuCtx/,
      );
      expect(new IpiCpuCtx().queue).toHaveLength(IPI_QUEUE_SIZE);
    });
  });
});

describe(PatchworkIpi.prototype.cpu, () => {
  describe('having the CPUs online at boot', () => {
    it('should know exactly those CPUs, in id order (CPU_FOR_EACH)', () => {
      const m = createMachine({
        arch: [...patchworkX86Modules],
        nrCpus: NR,
        onlineCpus: [0, 2, 3],
      });
      const pw = m.get(PatchworkIpi);
      expect(pw.cpus.map((c) => c.id)).toEqual([0, 2, 3]);
      expect(() => pw.cpu(1)).toThrow(/cpu: id is 1/);
      expect(() => pw.cpuGet()).toThrow(/no CPU is running/);
    });
  });
});

describe('PatchworkApicChip', () => {
  describe('having the x86 APIC in x2APIC mode', () => {
    it('should fail to send: the chip writes the xAPIC MMIO page only (PatchworkOS has no x2APIC path)', () => {
      const { m, pw } = setup({ archOptions: { apicMode: 'x2apic-phys' } });
      expect(m.get(PatchworkX86Arch).name).toBe('patchwork-x86');
      expect(() => pw.ipiSend(pw.cpu(1), IPI_SINGLE, () => undefined, null)).toThrow(
        /xAPIC MMIO page is disabled/,
      );
    });
  });

  describe('having several CPUs sending to one target', () => {
    it('should let every IPI run, whatever the IRR coalescing', () => {
      const { m, pw } = setup();
      let runs = 0;
      for (const src of [0, 1, 3]) {
        m.sim.spawn(src, function* () {
          for (let i = 0; i < 4; i++) {
            expect(pw.ipiSend(pw.cpu(2), IPI_SINGLE, () => runs++, null)).toBe(0);
            yield m.sim.delay(37 * (src + 1));
          }
        });
      }
      settle(m);
      expect(runs).toBe(12);
      expect(pw.cpu(2).ipi.length).toBe(0);
      expect(m.get(Apic).lapic(2).inService(VECTOR_IPI)).toBe(false);
      expect(m.warnings).toEqual([]);
    });
  });

  describe('having a host-side send', () => {
    it("should write the boot CPU's ICR2 then ICR", () => {
      const { m, pw } = setup();
      const apic = m.get(Apic);
      pw.ipiSend(pw.cpu(3), IPI_SINGLE, () => undefined, null);
      expect(apic.regs.readRegister(0, APIC_ICR2) >>> 24).toBe(apic.lapic(3).apicId);
      expect(apic.regs.readRegister(0, APIC_ICR) & 0xff).toBe(VECTOR_IPI);
      settle(m);
      expect(pw.functionsRun[3]).toBe(1);
    });
  });
});
