/**
 * The machine's seeded random number generator. Everything random in a simulation draws from
 * here, so one seed gives one event order.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { MachineConfig } from '../machine/config.js';

/** Seeded randomness. Token and interface share the name. */
export interface Rng {
  /** A uniform integer in `[from, to]`. */
  int(from: number, to: number): number;
  /** A uniform float in `[0, 1)`. */
  float(): number;
}
/** DI token for {@link Rng}. */
export const Rng: unique symbol = Symbol.for('genipi/Rng');

/** {@link Rng} on pure-rand's xoroshiro128+, seeded from `MachineConfig.seed`. */
@injectable()
export class SeededRng implements Rng {
  readonly #gen: RandomGenerator;

  constructor(@inject(MachineConfig) config: MachineConfig) {
    this.#gen = xoroshiro128plus(config.seed);
  }

  int(from: number, to: number): number {
    return uniformInt(this.#gen, from, to);
  }

  float(): number {
    return uniformInt(this.#gen, 0, 0x3fffffff) / 0x40000000;
  }
}
