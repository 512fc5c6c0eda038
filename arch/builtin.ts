/**
 * The table of built-in architectures, by name. Adding an architecture to genipi means adding a
 * plugin module under arch/ and a row here; users can also pass any module to `createMachine`.
 *
 * @packageDocumentation
 */
import type { ContainerModule } from 'inversify';
import { testArchModule } from './test/index.js';

/** Built-in architecture plugins by name. */
export const builtinArches: ReadonlyMap<string, readonly ContainerModule[]> = new Map([
  ['test', [testArchModule]],
]);
