/**
 * A deep, comparable picture of a machine's irq state, for "bad input leaves the machine
 * unchanged" checks: descriptors, every hierarchy level, domains, reverse maps, warnings and the
 * call logs of the chips involved.
 */
import { expect } from '@jest/globals';
import { TestArch } from '../../arch/test/index.js';
import type { IrqData, Machine } from '../../lib/index.js';
import type { RecordingChip } from './domains.js';

function levels(data: IrqData): unknown[] {
  const out: unknown[] = [];
  for (let d: IrqData | null = data; d !== null; d = d.parentData) {
    out.push({
      domain: d.domain?.name ?? null,
      hwirq: d.hwirq,
      chip: d.chip?.name ?? null,
      chipData: d.chipData,
    });
  }
  return out;
}

/** Everything observable about the irq side of `m` (plus the given chips' call counts). */
export function machineState(m: Machine, chips: readonly RecordingChip[] = []): unknown {
  const irqs = [...m.irq.descs.allocatedIrqs()];
  return {
    allocatedCount: m.irq.descs.allocatedCount,
    warnings: m.warnings.length,
    archCalls: m.arch === 'test' ? m.get(TestArch).chip.calls.length : 0,
    chipCalls: chips.map((c) => c.calls.length),
    defaultHost: m.irq.domains.irqGetDefaultHost()?.name ?? null,
    domains: m.irq.domains.domains.map((d) => ({
      name: d.name,
      flags: d.flags,
      busToken: d.busToken,
      mapcount: d.mapcount,
      linear: Array.from(d.revmap, (x) => x?.irq ?? null),
      tree: [...d.revmapTree].map(([hwirq, x]) => [hwirq, x.irq]),
    })),
    descs: irqs.map((irq) => {
      const desc = m.irq.irqToDesc(irq);
      if (desc === null) return null;
      const common = desc.irqCommonData;
      return {
        irq,
        levels: levels(desc.irqData),
        status: common.statusFlags,
        affinity: common.affinity.toString(),
        ipiOffset: common.ipiOffset,
        handlerData: common.handlerData,
        handler: desc.handleIrq,
        name: desc.name,
      };
    }),
  };
}

/**
 * Asserts that `call` throws `type` with a message matching `message`, and that the machine state
 * (see {@link machineState}) is the same afterwards.
 */
export function expectRejected(
  m: Machine,
  call: () => unknown,
  type: typeof TypeError | typeof RangeError,
  message: RegExp,
  chips: readonly RecordingChip[] = [],
): void {
  const before = machineState(m, chips);
  expect(call).toThrow(type);
  expect(call).toThrow(message);
  expect(machineState(m, chips)).toEqual(before);
}
