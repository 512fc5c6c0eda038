/**
 * Golden files: `expectGolden(name, text)` compares `text` byte for byte with
 * tests/fixtures/<name>. Run the tests with UPDATE_GOLDEN=1 to rewrite the files (then review
 * the diff: the files are the specification of the output formats).
 */
import { expect } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(process.cwd(), 'tests', 'fixtures');

/** Asserts `text` equals tests/fixtures/<name> exactly. */
export function expectGolden(name: string, text: string): void {
  const file = join(FIXTURES, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text, 'utf8');
  if (!existsSync(file))
    throw new Error(
      `golden file tests/fixtures/${name} is missing; run with UPDATE_GOLDEN=1 to create it`,
    );
  expect(text).toBe(readFileSync(file, 'utf8'));
}
