import { describe, expect, it } from '@jest/globals';
import {
  formatDuration,
  parseDuration,
  parseScenarioSpec,
  ScenarioSpecError,
} from '../../../lib/index.js';

function problems(json: unknown): readonly string[] {
  try {
    parseScenarioSpec(json, 'my.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioSpecError);
    expect((error as Error).message.startsWith('my.json: ')).toBe(true);
    return (error as ScenarioSpecError).problems;
  }
  throw new Error('expected the spec to be rejected');
}

const ok = { duration: '1ms', workload: [{ kind: 'reschedule', interval: '10us' }] };

describe('scenario files', () => {
  it.each([
    [0, 0],
    [1500, 1500],
    ['40ns', 40],
    ['2us', 2_000],
    ['2µs', 2_000],
    [' 1.5 ms ', 1_500_000],
    ['1s', 1_000_000_000],
    ['250', 250],
    ['-1us', null],
    ['1h', null],
    [1.5, null],
    [-3, null],
    [true, null],
  ])('should parse duration %p as %p', (value, ns) => {
    expect(parseDuration(value)).toBe(ns);
  });

  it.each([
    [40, '40ns'],
    [2_000, '2us'],
    [1_500_000, '1.5ms'],
    [2_000_000_000, '2s'],
  ])('should format %i ns as %s', (ns, text) => {
    expect(formatDuration(ns)).toBe(text);
  });

  it('should fill in defaults', () => {
    const spec = parseScenarioSpec(ok);
    expect(spec).toEqual({
      name: undefined,
      description: undefined,
      machine: {},
      duration: 1_000_000,
      workload: [
        { kind: 'reschedule', from: 'all', to: 'all', interval: 10_000, jitter: 0, start: 0 },
      ],
    });
  });

  it('should accept every workload kind with its fields', () => {
    const spec = parseScenarioSpec({
      $schema: 'ignored',
      name: 'all-kinds',
      machine: { arch: 'x86', cpus: 4, seed: 9, timing: 'haswell', idle: 'poll' },
      duration: 200000,
      workload: [
        { kind: 'busy', cpus: [3], chunk: '5us' },
        { kind: 'wakeup', from: [0], to: [1, 2], interval: '10us', task: '1us', count: 3 },
        { kind: 'call-single', from: [1], interval: '7us', wait: false, work: 100 },
        { kind: 'call-many', from: [2], interval: '9us', fanout: 2 },
        {
          kind: 'tlb-shootdown',
          from: [0],
          sharers: [0, 1, 2],
          lazy: [2],
          pages: 8,
          mm: 2,
          interval: '20us',
        },
      ],
    });
    expect(spec.workload.map((w) => w.kind)).toEqual([
      'busy',
      'wakeup',
      'call-single',
      'call-many',
      'tlb-shootdown',
    ]);
    expect(spec.machine).toEqual({
      arch: 'x86',
      cpus: 4,
      seed: 9,
      timing: 'haswell',
      idle: 'poll',
    });
  });

  describe('having a bad file', () => {
    it.each<[string, unknown, string[]]>([
      [
        'not an object',
        [1, 2],
        [
          '(top level) is [1,2]; expected an object such as { "duration": "1ms", "workload": [ … ] }',
        ],
      ],
      [
        'no duration',
        { workload: ok.workload },
        ['duration is missing; expected the simulated time the workload runs'],
      ],
      [
        'a bad duration',
        { ...ok, duration: '5 minutes' },
        [
          'duration is "5 minutes"; expected the simulated time the workload runs: an integer of ns or a string with a unit (ns, us, ms, s), e.g. "1ms", at least 1ns',
        ],
      ],
      [
        'an empty workload',
        { ...ok, workload: [] },
        ['workload is []; expected a non-empty list of workload entries'],
      ],
      [
        'too many CPUs',
        { ...ok, machine: { cpus: 9000 } },
        ['machine.cpus is 9000; expected the number of CPUs: an integer from 1 to 8192, e.g. 8'],
      ],
      [
        'a fractional seed',
        { ...ok, machine: { seed: 1.5 } },
        ['machine.seed is 1.5; expected the random seed: an integer, e.g. 1'],
      ],
      [
        'a bad timing',
        { ...ok, machine: { timing: 'fast' } },
        ['machine.timing is "fast"; expected a timing profile: one of kvm-skylake, haswell'],
      ],
      [
        'a typo in machine',
        { ...ok, machine: { cpu: 4 } },
        [
          'machine.cpu is not a known field; did you mean "cpus"? remove it or use one of: arch, cpus, seed, timing, idle',
        ],
      ],
      [
        'a typo at the top',
        { ...ok, worklaod: [] },
        ['worklaod is not a known field; did you mean "workload"?'],
      ],
      [
        'an unknown kind',
        { ...ok, workload: [{ kind: 'resched', interval: 5 }] },
        [
          'workload[0].kind is "resched"; did you mean "reschedule"? expected one of: reschedule, wakeup, call-single, call-many, tlb-shootdown, busy',
        ],
      ],
      [
        'no kind',
        { ...ok, workload: [{ interval: 5 }] },
        ['workload[0].kind is missing; expected one of:'],
      ],
      [
        'an entry that is not an object',
        { ...ok, workload: ['busy'] },
        ['workload[0] is "busy"; expected an object with a "kind"'],
      ],
      [
        'a missing interval',
        { ...ok, workload: [{ kind: 'call-single' }] },
        ['workload[0].interval is missing; expected the time between two operations of one sender'],
      ],
      [
        'a zero interval',
        { ...ok, workload: [{ kind: 'call-single', interval: 0 }] },
        [
          'workload[0].interval is 0; expected the time between two operations of one sender: an integer of ns or a string with a unit (ns, us, ms, s), e.g. "20us", at least 1ns',
        ],
      ],
      [
        'a bad CPU set',
        { ...ok, workload: [{ kind: 'reschedule', interval: 5, from: 'some' }] },
        [
          'workload[0].from is "some"; expected the CPUs that send (each runs one sender task): "all" or a non-empty list of CPU numbers, e.g. [0, 1]',
        ],
      ],
      [
        'a bad wait',
        { ...ok, workload: [{ kind: 'call-many', interval: 5, wait: 'yes' }] },
        [
          'workload[0].wait is "yes"; expected whether the sender waits for every function to finish: true or false',
        ],
      ],
      [
        'a bad fanout',
        { ...ok, workload: [{ kind: 'call-many', interval: 5, fanout: 0 }] },
        [
          'workload[0].fanout is 0; expected how many targets per call: "all" or a positive integer, e.g. 3',
        ],
      ],
      [
        'too many pages',
        { ...ok, workload: [{ kind: 'tlb-shootdown', interval: 5, pages: 5000 }] },
        [
          'workload[0].pages is 5000; expected pages flushed per shootdown: an integer from 1 to 4096, e.g. 1',
        ],
      ],
      [
        'a typo in an entry',
        { ...ok, workload: [{ kind: 'busy', cpus: 'all', chunks: 3 }] },
        [
          'workload[0].chunks is not a known field; did you mean "chunk"? remove it or use one of: kind, cpus, chunk',
        ],
      ],
      [
        'a busy entry without cpus',
        { ...ok, workload: [{ kind: 'busy' }] },
        ['workload[0].cpus is missing; expected the CPUs kept busy'],
      ],
    ])('should reject %s naming the field, the value and the fix', (_what, json, expected) => {
      const got = problems(json);
      expect(got).toHaveLength(expected.length);
      expected.forEach((e, i) => {
        expect(got[i]).toContain(e);
      });
    });

    it('should report every problem at once', () => {
      const got = problems({
        duration: 'x',
        workload: [{ kind: 'busy' }, { kind: 'nope' }],
        extra: 1,
      });
      expect(got).toHaveLength(4);
      expect(
        (() => {
          try {
            parseScenarioSpec({ duration: 'x', workload: [{ kind: 'busy' }] }, 'f.json');
          } catch (e) {
            return (e as Error).message;
          }
          return '';
        })(),
      ).toMatch(
        /^f\.json: 2 problems:\n {2}duration is "x"; .*\n {2}workload\[0\]\.cpus is missing; /,
      );
    });
  });
});
