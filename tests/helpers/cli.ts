/** Runs the genipi CLI in-process with in-memory terminal, files and host. */
import { Container } from 'inversify';
import { CliFiles, CliHost, CliIo, CliScenarios } from '../../lib/cli/services.js';
import type { Scenario } from '../../lib/index.js';
import { runCli } from '../../lib/cli/program.js';

/** What a CLI run produced. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Files written, by path. */
  readonly written: ReadonlyMap<string, string>;
  /** What the fake progress stream received. */
  readonly progress: string;
  /** Scripts run through the host. */
  readonly scripts: readonly { name: string; args: readonly string[] }[];
}

/** Options of {@link cli}. */
export interface CliSetup {
  /** Files that exist, by path. */
  readonly files?: Readonly<Record<string, string>>;
  readonly stdoutIsTTY?: boolean;
  readonly stderrIsTTY?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** package.json scripts (null: not found). */
  readonly scripts?: Readonly<Record<string, string>> | null;
  /** Exit code of a script run. */
  readonly scriptExit?: number;
  /** Wall-clock milliseconds each `now()` call advances. */
  readonly msPerTick?: number;
  /** Scenarios by name instead of the built-in ones. */
  readonly scenarios?: ReadonlyMap<string, Scenario>;
}

/** Runs `genipi <args…>`. */
export async function cli(args: readonly string[], setup: CliSetup = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let progress = '';
  let clock = 0;
  const written = new Map<string, string>();
  const scripts: { name: string; args: readonly string[] }[] = [];
  const existing = new Map(Object.entries(setup.files ?? {}));
  const c = new Container();
  const io: CliIo = {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    stdoutIsTTY: setup.stdoutIsTTY ?? false,
    stderrIsTTY: setup.stderrIsTTY ?? false,
    env: setup.env ?? {},
    progressStream: {
      write: (chunk: string) => {
        progress += chunk;
        return true;
      },
      isTTY: true,
      columns: 100,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => undefined,
      removeListener: () => undefined,
    } as unknown as NodeJS.WritableStream,
  };
  const files: CliFiles = {
    readText(path) {
      if (path.endsWith('/')) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
      const text = existing.get(path);
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    writeText(path, text) {
      if (path.startsWith('/readonly/'))
        throw Object.assign(new Error(`EROFS: read-only file system, open '${path}'`), {
          code: 'EROFS',
        });
      written.set(path, text);
    },
    cannotWrite(path) {
      if (path.startsWith('/nonexistent/')) return 'directory /nonexistent does not exist';
      if (path.endsWith('/')) return `${path} is a directory`;
      return null;
    },
  };
  const host: CliHost = {
    version: '0.1.0',
    packageScripts: () => (setup.scripts === undefined ? { test: 'jest' } : setup.scripts),
    runScript: (name, args) => {
      scripts.push({ name, args });
      return Promise.resolve(setup.scriptExit ?? 0);
    },
    now: () => (clock += setup.msPerTick ?? 0),
  };
  c.bind<CliIo>(CliIo).toConstantValue(io);
  c.bind<CliFiles>(CliFiles).toConstantValue(files);
  c.bind<CliHost>(CliHost).toConstantValue(host);
  if (setup.scenarios !== undefined)
    c.bind<CliScenarios>(CliScenarios).toConstantValue(setup.scenarios);
  const code = await runCli(['node', 'genipi', ...args], c);
  return { code, stdout, stderr, written, progress, scripts };
}
