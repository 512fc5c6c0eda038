/**
 * The table of built-in architectures, by name. Adding an architecture to genipi means adding a
 * plugin module under arch/ and a row here; users can also pass any module to `createMachine`.
 *
 * @packageDocumentation
 */
import type { ContainerModule } from 'inversify';
import { testArchModule } from './test/index.js';
import { arm64Modules } from './arm64/index.js';
import { riscvModules } from './riscv/index.js';
import { mipsGicArchModules, mipsMailboxArchModules } from './mips/index.js';
import { coprocModule } from '../drivers/coproc/index.js';
import { apicModule } from '../drivers/apic/index.js';
import { x86ArchModule } from './x86/index.js';

/** Built-in architecture plugins by name. */
export const builtinArches: ReadonlyMap<string, readonly ContainerModule[]> = new Map([
  ['test', [testArchModule]],
  ['arm64', arm64Modules],
  ['riscv', riscvModules],
  ['mips-mailbox', mipsMailboxArchModules],
  ['mips-gic', [...mipsGicArchModules, coprocModule]],
  ['x86', [apicModule, x86ArchModule]],
]);
