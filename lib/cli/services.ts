/**
 * The services the CLI gets from its container: terminal I/O, files, the host (package
 * scripts, wall clock) and the named scenarios. `main.ts` binds the Node implementations; tests
 * bind in-memory ones and run commands in-process.
 *
 * @packageDocumentation
 */
import type { Scenario } from '../scenarios/scenario.js';

/** Where output goes and what the terminal is. */
export interface CliIo {
  /** Writes data (results) to stdout. */
  out(text: string): void;
  /** Writes diagnostics (errors, progress, notes) to stderr. */
  err(text: string): void;
  /** stdout is a terminal (colours allowed unless `NO_COLOR`). */
  readonly stdoutIsTTY: boolean;
  /** stderr is a terminal (the progress bar is drawn only then, and never under `CI`). */
  readonly stderrIsTTY: boolean;
  /** Environment variables (`NO_COLOR`, `CI`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The stream cli-progress draws on (stderr), when there is one. */
  readonly progressStream?: NodeJS.WritableStream;
}
/** DI token for {@link CliIo}. */
export const CliIo: unique symbol = Symbol.for('genipi/cli/CliIo');

/** The scenarios `genipi run` and `genipi list` know by name (the built-in ones unless bound otherwise). */
export type CliScenarios = ReadonlyMap<string, Scenario>;
/** DI token for {@link CliScenarios}. */
export const CliScenarios: unique symbol = Symbol.for('genipi/cli/CliScenarios');

/** File access. Paths are relative to the working directory. */
export interface CliFiles {
  /**
   * Reads a UTF-8 file.
   * @throws Error with a `code` (`ENOENT`, `EISDIR`, `EACCES`) when it cannot.
   */
  readText(path: string): string;
  /** Writes a UTF-8 file, replacing it. @throws Error with a `code` when it cannot. */
  writeText(path: string, text: string): void;
  /** Why `path` cannot be written (missing directory, a directory, no permission), or null if it can. */
  cannotWrite(path: string): string | null;
}
/** DI token for {@link CliFiles}. */
export const CliFiles: unique symbol = Symbol.for('genipi/cli/CliFiles');

/** The host: the package's scripts and a wall clock. */
export interface CliHost {
  /** `scripts` of genipi's package.json, or null if it cannot be found. */
  packageScripts(): Readonly<Record<string, string>> | null;
  /** Runs `npm run <name> -- <args>` in the package directory; resolves to its exit code. */
  runScript(name: string, args: readonly string[]): Promise<number>;
  /** Wall-clock milliseconds (only to decide whether a run is long enough for a progress bar). */
  now(): number;
  /** genipi's version. */
  readonly version: string;
}
/** DI token for {@link CliHost}. */
export const CliHost: unique symbol = Symbol.for('genipi/cli/CliHost');
