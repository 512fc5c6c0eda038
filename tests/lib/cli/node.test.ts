import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeContainer, nodeFiles, nodeHost } from '../../../lib/cli/node.js';
import { CliFiles, CliHost, CliIo } from '../../../lib/cli/services.js';

describe('the Node CLI services', () => {
  it('should read and write files and say why a path cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'genipi-cli-'));
    try {
      const file = join(dir, 'out.txt');
      expect(nodeFiles.cannotWrite(file)).toBeNull();
      nodeFiles.writeText(file, 'hello\n');
      expect(readFileSync(file, 'utf8')).toBe('hello\n');
      expect(nodeFiles.readText(file)).toBe('hello\n');
      expect(nodeFiles.cannotWrite(file)).toBeNull();
      expect(nodeFiles.cannotWrite(dir)).toBe(`${dir} is a directory`);
      expect(nodeFiles.cannotWrite(join(dir, 'missing', 'x.json'))).toBe(
        `directory ${join(dir, 'missing')} does not exist`,
      );
      writeFileSync(join(dir, 'plain'), '');
      expect(nodeFiles.cannotWrite(join(dir, 'plain', 'x.json'))).toBe(
        `${join(dir, 'plain')} is not a directory`,
      );
      expect(() => nodeFiles.readText(join(dir, 'nope.json'))).toThrow(
        expect.objectContaining({ code: 'ENOENT' }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("should find genipi's package.json for the version and scripts", () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      version: string;
      scripts: Record<string, string>;
    };
    const host = nodeHost();
    expect(host.version).toBe(pkg.version);
    expect(host.packageScripts()).toEqual(pkg.scripts);
    expect(typeof host.now()).toBe('number');
  });

  it('should bind the three services', () => {
    const c = nodeContainer();
    expect(c.get<CliIo>(CliIo).progressStream).toBe(process.stderr);
    expect(c.get<CliFiles>(CliFiles)).toBe(nodeFiles);
    expect(c.get<CliHost>(CliHost).version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
