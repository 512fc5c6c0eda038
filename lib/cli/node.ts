/**
 * Node implementations of the CLI services, and the container `main.ts` uses.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Container } from 'inversify';
import { CliFiles, CliHost, CliIo } from './services.js';

/** Finds genipi's package.json walking up from this file. */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string };
        if (pkg.name === 'genipi') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

function readPackage(): { version: string; scripts: Record<string, string> } | null {
  const root = packageRoot();
  if (root === null) return null;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version?: string;
    scripts?: Record<string, string>;
  };
  return { version: pkg.version ?? '0.0.0', scripts: pkg.scripts ?? {} };
}

/** The real files. */
export const nodeFiles: CliFiles = {
  readText: (path) => readFileSync(path, 'utf8'),
  writeText: (path, text) => {
    writeFileSync(path, text, 'utf8');
  },
  cannotWrite(path) {
    const full = resolve(path);
    if (existsSync(full)) {
      if (statSync(full).isDirectory()) return `${path} is a directory`;
      try {
        accessSync(full, constants.W_OK);
        return null;
      } catch {
        return `no permission to write ${path}`;
      }
    }
    const dir = dirname(full);
    if (!existsSync(dir)) return `directory ${dirname(path)} does not exist`;
    if (!statSync(dir).isDirectory()) return `${dirname(path)} is not a directory`;
    try {
      accessSync(dir, constants.W_OK);
      return null;
    } catch {
      return `no permission to write in ${dirname(path)}`;
    }
  },
};

/** The process's stdout/stderr and environment. */
export function nodeIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY,
    stderrIsTTY: process.stderr.isTTY,
    env: process.env,
    progressStream: process.stderr,
  };
}

/** The package's scripts via npm, and the wall clock. */
export function nodeHost(): CliHost {
  const pkg = readPackage();
  return {
    version: pkg?.version ?? '0.0.0',
    packageScripts: () => pkg?.scripts ?? null,
    runScript: (name, args) =>
      new Promise((done) => {
        const root = packageRoot() ?? process.cwd();
        const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
        const child = spawn(
          npm,
          ['run', '--silent', name, ...(args.length > 0 ? ['--', ...args] : [])],
          { cwd: root, stdio: 'inherit' },
        );
        child.on('error', () => {
          done(1);
        });
        child.on('exit', (code) => {
          done(code ?? 1);
        });
      }),
    now: () => performance.now(),
  };
}

/** The container `genipi` runs with. */
export function nodeContainer(): Container {
  const c = new Container();
  c.bind<CliIo>(CliIo).toConstantValue(nodeIo());
  c.bind<CliFiles>(CliFiles).toConstantValue(nodeFiles);
  c.bind<CliHost>(CliHost).toConstantValue(nodeHost());
  return c;
}
