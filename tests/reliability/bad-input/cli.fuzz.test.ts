/**
 * Bad input at the command line and in scenario files.
 *
 * - `parseScenarioSpec` on any JSON value (and on mutations of a valid file) either returns a spec
 *   or throws a `ScenarioSpecError` whose lines name the field, the value and the fix; nothing
 *   else escapes.
 * - Scenario files are data only: keys such as `__proto__` or `constructor` and strings that look
 *   like code are rejected or kept as plain strings; nothing is evaluated, no prototype changes.
 * - `genipi run` with a scenario file or random arguments ends with exit code 0, 1 or 2 (usage),
 *   never an internal error, and explains a usage error on stderr.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseScenarioSpec, ScenarioSpecError } from '../../../lib/scenarios/spec.js';
import { cli } from '../../helpers/cli.js';

const SEED = 20_261_122;

const VALID = {
  name: 'fuzz',
  machine: { arch: 'test', cpus: 3, seed: 2 },
  duration: '40us',
  workload: [
    { kind: 'reschedule', from: [0], to: 'all', interval: '5us' },
    { kind: 'call-many', from: [1], interval: '10us', wait: true },
  ],
};

/** Values a field of a scenario file might be replaced with. */
const junk = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1.5, 1e300, '', 'all', '5us', '1s', '-3ms', 'x86', 'nope', [], {}, [0, 1], ['0'], { kind: 'busy' }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A valid file with one field (at any depth) replaced, added or removed. */
const mutated = fc
  .record({
    path: fc.constantFrom(
      ['name'],
      ['machine'],
      ['machine', 'arch'],
      ['machine', 'cpus'],
      ['machine', 'seed'],
      ['machine', 'timing'],
      ['machine', 'idle'],
      ['machine', 'extra'],
      ['duration'],
      ['workload'],
      ['workload', 0],
      ['workload', 0, 'kind'],
      ['workload', 0, 'from'],
      ['workload', 0, 'to'],
      ['workload', 0, 'interval'],
      ['workload', 1, 'wait'],
      ['workload', 1, 'bogus'],
      ['topLevelTypo'],
    ),
    value: fc.option(junk, { nil: undefined }),
  })
  .map(({ path, value }) => {
    const doc = JSON.parse(JSON.stringify(VALID)) as Record<string, unknown>;
    let cur: Record<string | number, unknown> = doc;
    for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (value === undefined) Reflect.deleteProperty(cur, last);
    else cur[last] = value;
    return doc;
  });

function parseOutcome(json: unknown): 'ok' | 'rejected' {
  try {
    parseScenarioSpec(json, 'fuzz.json');
    return 'ok';
  } catch (e) {
    if (!(e instanceof ScenarioSpecError)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) expect(p).toMatch(/ (is |is missing|is not a known field)/);
    return 'rejected';
  }
}

describe('bad input: scenario files', () => {
  it('should accept or reject any JSON value with a ScenarioSpecError, nothing else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        parseOutcome(json);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('should reject non-JSON values (functions, symbols, class instances) as data errors', () => {
    for (const v of [() => 1, Symbol('s'), new Map(), new Date(0), undefined, 5n]) {
      expect(parseOutcome(v)).toBe('rejected');
    }
  });

  it('should answer every mutation of a valid file with a spec or field-by-field problems', () => {
    fc.assert(
      fc.property(mutated, (doc) => {
        parseOutcome(doc);
      }),
      { numRuns: 400, seed: SEED },
    );
  });

  it('should treat everything as data: no prototype pollution, nothing evaluated', () => {
    const hostile = [
      '{"__proto__": {"polluted": true}, "duration": "10us", "workload": [{"kind": "busy", "cpus": "all"}]}',
      '{"constructor": {"prototype": {"polluted": true}}, "duration": "10us", "workload": [{"kind": "busy", "cpus": "all"}]}',
      '{"machine": {"__proto__": {"polluted": true}}, "duration": "10us", "workload": [{"kind": "busy", "cpus": "all"}]}',
      '{"name": "globalThis.polluted = true", "duration": "10us", "workload": [{"kind": "busy", "cpus": "all"}]}',
      '{"duration": "(() => { globalThis.polluted = true; return 1 })()", "workload": [{"kind": "busy", "cpus": "all"}]}',
      '{"machine": {"arch": "require(\'fs\')"}, "duration": "10us", "workload": [{"kind": "busy", "cpus": "all"}]}',
      '{"duration": "10us", "workload": [{"kind": "toString", "cpus": "all"}]}',
      '{"duration": "10us", "workload": [{"kind": "__proto__"}]}',
    ];
    for (const text of hostile) parseOutcome(JSON.parse(text));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((globalThis as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('should run what it accepts, or stop with a usage error, never an internal error', async () => {
    const docs = fc.sample(mutated, { numRuns: 60, seed: SEED });
    for (const doc of docs) {
      const r = await cli(['run', 'fuzz.json', '--duration', '30us'], { files: { 'fuzz.json': JSON.stringify(doc) } });
      expect({ doc, code: r.code, internal: r.stderr.includes('internal error') }).toEqual({ doc, code: r.code, internal: false });
      expect([0, 1, 2]).toContain(r.code);
      if (r.code === 2) expect(r.stderr.length).toBeGreaterThan(0);
    }
  });

  it('should explain unreadable or malformed files', async () => {
    for (const [files, re] of [
      [{}, /cannot read scenario file fuzz\.json: no such file/],
      [{ 'fuzz.json': '{ "duration": ' }, /is not valid JSON/],
      [{ 'fuzz.json': '[]' }, /\(top level\) is \[\]/],
      [{ 'fuzz.json': '{"duration": "1ms", "workload": [{"kind": "reschedul", "interval": "1us"}]}' }, /reschedule/],
    ] as const) {
      const r = await cli(['run', 'fuzz.json'], { files });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
    }
  });
});

describe('bad input: the command line', () => {
  const words = fc.constantFrom(
    'run',
    'list',
    'mixed',
    'reschedule-storm',
    'nosuch',
    '--arch',
    'test',
    'x86',
    'vax',
    '--cpus',
    '0',
    '4',
    '-3',
    '1.5',
    '99999',
    'abc',
    '--seed',
    '7',
    '9007199254740993',
    '--duration',
    '20us',
    '0ns',
    '-1ms',
    '1e3',
    '--timing',
    'haswell',
    'fast',
    '--json',
    '--trace',
    '',
    '--frobnicate',
    '-',
    '--',
  );
  it('should end every random command line with exit code 0, 1 or 2 and no internal error', async () => {
    const argvs = fc.sample(fc.array(words, { maxLength: 7 }), { numRuns: 120, seed: SEED });
    for (const argv of argvs) {
      // Keep runs short: a duration last wins over any earlier one.
      const args = argv.includes('run') ? [...argv, '--duration', '20us', '--cpus', '2'] : argv;
      const r = await cli(args);
      expect({ args, internal: r.stderr.includes('internal error') }).toEqual({ args, internal: false });
      expect([0, 1, 2]).toContain(r.code);
      if (r.code === 2) expect(r.stderr.trim().length).toBeGreaterThan(0);
    }
  });
});
