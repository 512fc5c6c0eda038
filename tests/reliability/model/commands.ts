/**
 * fast-check side of the model-based suite: arbitraries for command specs, the `fc.Command`
 * wrapper, and the property shared by the CI suite and the soak runner.
 */
import fc from 'fast-check';
import type { RefModel } from './ref-model.js';
import { type MaskSpec, type Spec, specToString } from './specs.js';
import { World, type WorldOptions } from './world.js';

/** What a property run is made of. */
export interface ModelRunOptions {
  /** Built-in arch (reservation commands only on `test`). */
  readonly arch?: string;
  /** Number of CPUs. */
  readonly nrCpus: number;
  /** Longest command sequence per run. */
  readonly maxCommands: number;
  /** Fault-injection mode. */
  readonly faults?: boolean;
  /** Deep check every k commands. */
  readonly deepEvery?: number;
  /** Arch options for the machines. */
  readonly archOptions?: Readonly<Record<string, unknown>>;
  /** Called once per applied command (the soak counts operations with it). */
  readonly onCommand?: () => void;
}

/** A command: the spec, applied to the world; the model is the world's reference model. */
export class SpecCommand implements fc.Command<RefModel, World> {
  constructor(
    readonly spec: Spec,
    readonly onCommand?: () => void,
  ) {}

  check(): boolean {
    return true;
  }

  run(_model: RefModel, world: World): void {
    this.onCommand?.();
    world.apply(this.spec);
  }

  toString(): string {
    return specToString(this.spec);
  }
}

/** Arbitrary CPU sets of an `n`-CPU machine. */
export function maskArb(n: number): fc.Arbitrary<MaskSpec> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant('range' as const), lo: fc.nat(n - 1), len: fc.oneof(fc.integer({ min: 0, max: Math.min(n, 6) }), fc.integer({ min: 0, max: n })) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('set' as const), cpus: fc.uniqueArray(fc.nat(n - 1), { maxLength: Math.min(n, 6) }) }) },
    { weight: 1, arbitrary: fc.constant({ t: 'all' as const }) },
  );
}

/** Arbitrary command specs for an `n`-CPU machine. */
export function specArbs(n: number, options: { reservations: boolean; faults: boolean }): fc.Arbitrary<Spec>[] {
  const cpuPick = fc.nat(1023);
  const target = fc.oneof({ weight: 12, arbitrary: fc.nat(n - 1) }, { weight: 1, arbitrary: fc.constantFrom(-1, n, n + 7) });
  const dt = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 0, max: 3000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 40_000 }) });
  const raw = fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(-1, 0, 3, 5, 9, 40, 100_000) });
  const mask = maskArb(n);
  const arbs: fc.Arbitrary<Spec>[] = [
    fc.record({ op: fc.constant('call' as const), from: cpuPick, to: target, wait: fc.boolean(), dt }),
    fc.record({ op: fc.constant('callAsync' as const), from: cpuPick, to: target, dt }),
    fc.record({ op: fc.constant('many' as const), from: cpuPick, mask, wait: fc.boolean(), dt }),
    fc.record({ op: fc.constant('each' as const), from: cpuPick, mask: fc.option(mask, { nil: null }), wait: fc.boolean(), dt }),
    fc.record({ op: fc.constant('resched' as const), from: fc.option(cpuPick, { nil: null }), to: fc.nat(n - 1), dt }),
    fc.record({ op: fc.constant('wake' as const), from: cpuPick, to: fc.nat(n - 1), dt }),
    fc.record({ op: fc.constant('tlbUse' as const), cpu: cpuPick, pages: fc.uniqueArray(fc.nat(47), { minLength: 1, maxLength: 4 }), lazy: fc.boolean(), dt }),
    fc.record({ op: fc.constant('tlbFlush' as const), from: cpuPick, start: fc.nat(40), len: fc.integer({ min: 0, max: 40 }), freed: fc.boolean(), dt }),
    fc.record({ op: fc.constant('irqOff' as const), cpu: cpuPick, ns: fc.integer({ min: 0, max: 20_000 }), dt }),
    fc.record({ op: fc.constant('down' as const), cpu: cpuPick, teardown: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5000 })), dt }),
    fc.record({ op: fc.constant('up' as const), cpu: cpuPick, dt }),
    fc.record({ op: fc.constant('advance' as const), ns: fc.integer({ min: 0, max: 100_000 }) }),
  ];
  if (options.reservations) {
    arbs.push(
      fc.record({ op: fc.constant('reserve' as const), kind: fc.constantFrom('single' as const, 'percpu' as const), mask, dt }),
      fc.record({ op: fc.constant('reserve' as const), kind: fc.constantFrom('single' as const, 'percpu' as const), mask, dt }),
      fc.record({ op: fc.constant('destroy' as const), pick: fc.nat(1023), raw, mask, dt }),
      fc.record({ op: fc.constant('sendSingle' as const), pick: fc.nat(1023), raw, cpu: target, dt }),
      fc.record({ op: fc.constant('sendMask' as const), pick: fc.nat(1023), raw, mask, dt }),
    );
  }
  if (options.faults) {
    const period = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 }));
    arbs.push(
      fc.record({
        op: fc.constant('faults' as const),
        chip: period,
        handler: period,
        drop: period,
        delay: period,
        delayNs: fc.integer({ min: 0, max: 20_000 }),
      }),
    );
  }
  return arbs;
}

/** The fc.commands arbitrary of a run. */
export function commandsArb(options: ModelRunOptions): fc.Arbitrary<Iterable<fc.Command<RefModel, World>>> {
  const arbs = specArbs(options.nrCpus, {
    reservations: (options.arch ?? 'test') === 'test',
    faults: options.faults ?? false,
  }).map((a) => a.map((spec) => new SpecCommand(spec, options.onCommand)));
  return fc.commands(arbs, { maxCommands: options.maxCommands, size: 'max' });
}

/** World options from run options and a generated idle style / seed. */
export function worldOptions(options: ModelRunOptions, idle: 'halt' | 'poll' | 'mixed', seed: number): WorldOptions {
  return {
    arch: options.arch ?? 'test',
    nrCpus: options.nrCpus,
    seed,
    idle,
    faults: options.faults ?? false,
    deepEvery: options.deepEvery ?? 1,
    ...(options.archOptions === undefined ? {} : { archOptions: options.archOptions }),
  };
}

/** The property: any command sequence keeps every invariant and loses nothing. */
export function modelProperty(options: ModelRunOptions): fc.IPropertyWithHooks<[Iterable<fc.Command<RefModel, World>>, 'halt' | 'poll' | 'mixed', number]> {
  return fc.property(
    commandsArb(options),
    fc.constantFrom('halt' as const, 'poll' as const, 'mixed' as const),
    fc.integer({ min: 1, max: 1000 }),
    (cmds, idle, seed) => {
      const world = new World(worldOptions(options, idle, seed));
      fc.modelRun(() => ({ model: world.model, real: world }), cmds);
      world.finish();
    },
  );
}

/** Replays a list of specs (a regression test from a shrunk counterexample). */
export function replay(options: WorldOptions, specs: readonly Spec[]): World {
  const world = new World(options);
  for (const spec of specs) world.apply(spec);
  world.finish();
  return world;
}
