/** Fixtures for the MIPS tests: machines and a "nothing changed" check that covers the devices. */
import { expect } from '@jest/globals';
import { MipsGicArch, MipsMailboxArch } from '../../../arch/mips/index.js';
import { MipsCpuIntc } from '../../../drivers/mips-cpu-intc/index.js';
import { MipsGicHw } from '../../../drivers/mips-gic/index.js';
import { IPI_EN_OFF, IPI_STATUS_OFF, MipsMailbox } from '../../../drivers/mips-mailbox/index.js';
import { type Machine, type MachineOptions, createMachine } from '../../../lib/index.js';
import { snapshotMachine } from '../../helpers/snapshot.js';

/** A `mips-mailbox` machine and its arch object. */
export function mailboxMachine(
  nrCpus = 4,
  options: Partial<MachineOptions> = {},
): { m: Machine; arch: MipsMailboxArch } {
  const m = createMachine({ arch: 'mips-mailbox', nrCpus, ...options });
  return { m, arch: m.get(MipsMailboxArch) };
}

/** A `mips-gic` machine and its arch object. */
export function gicMachine(
  nrCpus = 4,
  options: Partial<MachineOptions> = {},
): { m: Machine; arch: MipsGicArch } {
  const m = createMachine({ arch: 'mips-gic', nrCpus, ...options });
  return { m, arch: m.get(MipsGicArch) };
}

/** Runs `m` until nothing is left and asserts it did not stall. */
export function settle(m: Machine): void {
  const r = m.run({ maxEvents: 1_000_000 });
  expect(r.stall?.message ?? r.reason).toBe('idle');
}

/** Everything observable in a MIPS machine: {@link snapshotMachine} plus the MIPS devices. */
export function mipsSnapshot(m: Machine): unknown {
  const n = m.nrCpuIds;
  const intc = m.get(MipsCpuIntc);
  const devices: Record<string, unknown> = {
    ip: Array.from({ length: n }, (_, c) => intc.causeIp(c)),
    im: Array.from({ length: n }, (_, c) => intc.statusIm(c)),
  };
  if (m.arch === 'mips-mailbox') {
    const mb = m.get(MipsMailbox);
    devices.status = Array.from({ length: n }, (_, c) => mb.readl(c, IPI_STATUS_OFF));
    devices.en = Array.from({ length: n }, (_, c) => mb.readl(c, IPI_EN_OFF));
  } else {
    const hw = m.get(MipsGicHw);
    devices.gic = Array.from({ length: hw.sharedIntrs }, (_, i) => [
      hw.readGicPend(i),
      hw.readGicMask(i),
      hw.readGicMapVp(i),
    ]);
  }
  return { machine: snapshotMachine(m), devices };
}

/** Asserts that `call` throws `type` matching `message` and leaves the machine as it was. */
export function expectRejected(
  m: Machine,
  call: () => unknown,
  type: typeof TypeError | typeof RangeError | typeof Error,
  message: RegExp,
): void {
  const before = mipsSnapshot(m);
  expect(call).toThrow(type);
  expect(call).toThrow(message);
  expect(mipsSnapshot(m)).toEqual(before);
}
