/**
 * Model-based property tests (fast-check `fc.commands`): random sequences of reservations,
 * destroys, sends, cross calls, reschedules, wake-ups, TLB shootdowns, interrupt-off sections,
 * hot-plug and time steps, with every invariant of docs/reliability.md checked after every
 * command and "nothing lost" checked when the machine has drained.
 *
 * Seeds are fixed so CI is reproducible; set GENIPI_FC_SEED to explore others. fast-check prints
 * the seed, the replay path and the shrunk command list of any failure.
 */
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { builtinArchNames } from '../../lib/index.js';
import { modelProperty } from './model/commands.js';

const SEED = Number(process.env.GENIPI_FC_SEED ?? 20_261_122);

describe('model-based: the test arch', () => {
  it.each([
    [2, 100, 30],
    [5, 100, 40],
    [8, 60, 60],
  ])('should keep every invariant on %i CPUs (%i runs of up to %i commands)', (nrCpus, numRuns, maxCommands) => {
    fc.assert(modelProperty({ nrCpus, maxCommands }), { numRuns, seed: SEED + nrCpus });
  });
});

describe.each(builtinArchNames().filter((a) => a !== 'test'))('model-based: the %s arch (cross calls, reschedules, wake-ups, TLB, hot-plug)', (arch) => {
  it('should keep every invariant on 5 CPUs (40 runs of up to 40 commands)', () => {
    fc.assert(modelProperty({ arch, nrCpus: 5, maxCommands: 40 }), { numRuns: 40, seed: SEED + arch.length });
  });
});

describe('model-based: fault injection', () => {
  it('should stay consistent and lose nothing silently with throwing chips and handlers, dropped and delayed deliveries', () => {
    fc.assert(modelProperty({ nrCpus: 4, maxCommands: 50, faults: true }), { numRuns: 100, seed: SEED });
  });
});
