/**
 * Runs the test files of the examples in docs/examples, so the code docs/writing-a-driver.md
 * walks through is type-checked and its conformance suite passes in `npm test`; and checks that
 * the guide's excerpts are really in the example.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import '../../docs/examples/doorbell/doorbell.test.js';

const MARKER = /<!-- excerpt: (\S+) -->\s*```ts\n([\s\S]*?)```/g;

function read(path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
}

describe('docs/writing-a-driver.md', () => {
  const guide = read('docs/writing-a-driver.md');
  const excerpts = [...guide.matchAll(MARKER)];

  it('should have excerpts of the worked example', () => {
    expect(excerpts.length).toBeGreaterThanOrEqual(5);
  });

  it.each(excerpts.map((e, i) => [i + 1, e[1], e[2]] as const))(
    'excerpt %i should be lines of %s, in order (a "// …" line elides)',
    (_, path, code) => {
      const source = read(path)
        .split('\n')
        .map((l) => l.trim());
      let at = -1;
      for (const line of code.split('\n').map((l) => l.trim())) {
        if (line === '' || line.startsWith('// …')) continue;
        const found = source.indexOf(line, at + 1);
        expect({ line, found: found > at }).toEqual({ line, found: true });
        at = found;
      }
    },
  );
});
