import { describe, expect, it } from '@jest/globals';
import { builtinArchNames, type Scenario } from '../../../lib/index.js';
import { defaultArch } from '../../../lib/cli/commands.js';
import { chromeTraceProblems } from '../../helpers/chrome-check.js';
import { cli } from '../../helpers/cli.js';

/** A short run on the test arch: fast and independent of the other arches' timing. */
const FAST = ['--arch', 'test', '--duration', '200us'];

describe('genipi run', () => {
  it('should print the summary and /proc/interrupts, write the trace files and say how to open them', async () => {
    const r = await cli([
      'run',
      ...FAST,
      '--trace',
      't.json',
      '--ftrace',
      't.txt',
      '--events',
      'e.json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^genipi run mixed: test, 8 CPUs, seed 1, 200us of workload, kvm-skylake timing\n/,
    );
    expect(r.stdout).toContain('│ IPI kind');
    expect(r.stdout).toMatch(/│ reschedule +│ +\d+ │/);
    expect(r.stdout).toContain('\ncross calls: ');
    expect(r.stdout).toContain('\n/proc/interrupts:\n           CPU0       CPU1');
    expect(r.stdout).not.toContain('\u001b[');
    expect([...r.written.keys()]).toEqual(['t.json', 't.txt', 'e.json']);
    expect(r.stderr).toContain('wrote Chrome trace (');
    expect(r.stderr).toContain('): t.json\nopen it in Perfetto: https://ui.perfetto.dev');
    const trace = JSON.parse(r.written.get('t.json')!) as Parameters<typeof chromeTraceProblems>[0];
    expect(chromeTraceProblems(trace, 8)).toEqual([]);
    expect(trace.traceEvents.filter((e) => e.ph === 'f').length).toBeGreaterThan(10);
    expect(trace.otherData).toMatchObject({
      scenario: 'mixed',
      arch: 'test',
      cpus: 8,
      seed: 1,
      durationNs: 200_000,
    });
    expect(
      r.written.get('t.txt')!.startsWith('# tracer: nop\n#\n# entries-in-buffer/entries-written: '),
    ).toBe(true);
    expect(JSON.parse(r.written.get('e.json')!)).toMatchObject({
      format: 'genipi-events',
      meta: { scenario: 'mixed' },
    });
  });

  it('should give byte-identical output files and stdout for the same seed, and different ones for another', async () => {
    const args = [
      'run',
      'reschedule-storm',
      '--arch',
      'test',
      '--cpus',
      '4',
      '--duration',
      '100us',
      '--trace',
      't.json',
      '--ftrace',
      't.txt',
      '--events',
      'e.json',
    ];
    const a = await cli([...args, '--seed', '7']);
    const b = await cli([...args, '--seed', '7']);
    const c = await cli([...args, '--seed', '8']);
    for (const f of ['t.json', 't.txt', 'e.json']) {
      expect(a.written.get(f)).toBe(b.written.get(f));
      expect(a.written.get(f)).not.toBe(c.written.get(f));
    }
    expect(a.stdout).toBe(b.stdout);
  });

  it('should print JSON with --json and nothing else on stdout', async () => {
    const r = await cli(['run', ...FAST, '--json', '--seed', '3']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & {
      run: { reason: string };
      summary: { kinds: unknown[] };
      interrupts: { cpus: number[] };
    };
    expect(j).toMatchObject({
      scenario: 'mixed',
      arch: 'test',
      cpus: 8,
      seed: 3,
      durationNs: 200_000,
      timing: 'kvm-skylake',
      files: {},
    });
    expect(j.run.reason).toBe('idle');
    expect(j.summary.kinds.length).toBe(3);
    expect(j.interrupts.cpus).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('should run the default scenario on the default architecture', async () => {
    expect(builtinArchNames()).toContain(defaultArch());
    const r = await cli(['run', '--duration', '50us']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(
      `genipi run mixed: ${defaultArch()}, 8 CPUs, seed 1, 50us of workload, kvm-skylake timing`,
    );
  });

  it('should run a scenario file with the command line overriding it', async () => {
    const file = JSON.stringify({
      name: 'mine',
      machine: { arch: 'test', cpus: 3, seed: 4 },
      duration: '50us',
      workload: [{ kind: 'call-single', from: [0], interval: '5us' }],
    });
    const r = await cli(['run', 'dir/mine.json', '--cpus', '4', '--timing', 'haswell'], {
      files: { 'dir/mine.json': file },
    });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(
      'genipi run mine: test, 4 CPUs, seed 4, 50us of workload, haswell timing',
    );
    expect(r.stdout).toMatch(/│ call-function-single │ +\d+ │/);
  });

  it('should report the deadlock demo with exit code 1 and still print and write what it has', async () => {
    const r = await cli(['run', 'deadlock', '--arch', 'test', '--trace', 'd.json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('run ended: stalled at ');
    expect(r.stderr).toContain('genipi: the run stalled at ');
    expect(r.stderr).toContain(
      'deadlock: wait-for cycle CPU0 -> CPU1 -> CPU0\nCPU0 (irqs off) spinning since',
    );
    expect(r.stderr).toContain(
      '(scenario deadlock demonstrates this: it was detected and reported instead of hanging)',
    );
    expect(r.written.has('d.json')).toBe(true);
  });

  it('should print the ipi_benchmark table for the twin', async () => {
    const r = await cli(['run', 'ipi-benchmark', '--arch', 'test']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\nipi_benchmark \(ns, summed over the iterations\):\nDry-run: +0, +1500 ns\nSelf-IPI: /,
    );
  });

  describe('having bad input (exit code 2, nothing written)', () => {
    it.each<[string, string[], Record<string, string>, RegExp]>([
      [
        'an unknown scenario',
        ['run', 'reschedule-strom'],
        {},
        /^error: unknown scenario "reschedule-strom"; did you mean "reschedule-storm"\? built-in scenarios: mixed, /,
      ],
      [
        'a scenario file that does not exist',
        ['run', 'missing.json'],
        {},
        /^error: cannot read scenario file missing\.json: no such file; check the path\n/,
      ],
      [
        'a directory as scenario file',
        ['run', 'dir/'],
        {},
        /^error: cannot read scenario file dir\/: it is a directory; check the path\n/,
      ],
      [
        'a scenario file that is not JSON',
        ['run', 'bad.json'],
        { 'bad.json': '{ "duration": 1ms }' },
        /^error: bad\.json is not valid JSON \(.*\); fix the syntax/,
      ],
      [
        'a scenario file with bad fields',
        ['run', 'bad.json'],
        {
          'bad.json': '{"duration":"1ms","machine":{"cpus":0},"workload":[{"kind":"call-single"}]}',
        },
        /^error: bad\.json: 2 problems:\n {2}machine\.cpus is 0; expected the number of CPUs: an integer from 1 to 8192, e\.g\. 8\n {2}workload\[0\]\.interval is missing; /,
      ],
      [
        'a scenario file naming a missing CPU',
        ['run', 'cpu.json', '--cpus', '2'],
        {
          'cpu.json':
            '{"duration":"10us","machine":{"arch":"test"},"workload":[{"kind":"busy","cpus":[5]}]}',
        },
        /^error: scenario cpu\.json needs at least 6 CPUs; --cpus is 2\n/,
      ],
      [
        'a scenario file naming an unknown arch',
        ['run', 'a.json'],
        {
          'a.json':
            '{"duration":"10us","machine":{"arch":"x87"},"workload":[{"kind":"busy","cpus":"all"}]}',
        },
        /^error: architecture "x87" \(from scenario a\.json\) is not built in; did you mean "x86"\? use one of: /,
      ],
      [
        'an unknown --arch',
        ['run', '--arch', 'sparc'],
        {},
        /^error: architecture "sparc" is not built in; use one of: test, /,
      ],
      [
        'a non-numeric --cpus',
        ['run', '--cpus', 'eight'],
        {},
        /^error: option '-c, --cpus <n>' argument 'eight' is invalid\. expected the number of CPUs, an integer from 1 to 8192 \(e\.g\. --cpus 8\)\n/,
      ],
      [
        'zero --cpus',
        ['run', '--cpus', '0'],
        {},
        /argument '0' is invalid\. expected the number of CPUs/,
      ],
      [
        'too many --cpus',
        ['run', '--cpus', '8193'],
        {},
        /argument '8193' is invalid\. expected the number of CPUs/,
      ],
      [
        'too few CPUs for the scenario',
        ['run', 'deadlock', '--cpus', '1'],
        {},
        /^error: scenario deadlock needs at least 2 CPUs; --cpus is 1\n/,
      ],
      [
        'too few CPUs for the default scenario',
        ['run', '--cpus', '4'],
        {},
        /^error: scenario mixed needs at least 8 CPUs; --cpus is 4\n/,
      ],
      [
        'a fractional --seed',
        ['run', '--seed', '1.5'],
        {},
        /^error: option '-s, --seed <n>' argument '1\.5' is invalid\. expected an integer seed/,
      ],
      [
        'a bad --duration',
        ['run', '--duration', 'soon'],
        {},
        /^error: option '-d, --duration <time>' argument 'soon' is invalid\. expected a duration such as 500us, 2ms or 1s/,
      ],
      [
        'a zero --duration',
        ['run', '--duration', '0'],
        {},
        /argument '0' is invalid\. expected a duration/,
      ],
      [
        'a bad --timing',
        ['run', '--timing', 'fast'],
        {},
        /^error: option '--timing <profile>' argument 'fast' is invalid\. Allowed choices are kvm-skylake, haswell\.\n/,
      ],
      [
        'an output in a missing directory',
        ['run', '--trace', '/nonexistent/t.json'],
        {},
        /^error: cannot write --trace \/nonexistent\/t\.json: directory \/nonexistent does not exist; choose another path\n/,
      ],
      [
        'an output that is a directory',
        ['run', '--ftrace', 'out/'],
        {},
        /^error: cannot write --ftrace out\/: out\/ is a directory; choose another path\n/,
      ],
      [
        'two outputs to one file',
        ['run', '--trace', 'x.json', '--events', 'x.json'],
        {},
        /^error: --events and --trace both write x\.json; give them different files\n/,
      ],
      [
        '--arch with a scenario bound to another',
        ['run', 'patchwork-overflow', '--arch', 'x86'],
        {},
        /^error: scenario patchwork-overflow runs on patchwork-x86 only; drop --arch x86/,
      ],
      [
        'a workload that does not fit the machine',
        ['run', 'w.json', '--cpus', '2'],
        {
          'w.json':
            '{"duration":"10us","machine":{"arch":"test"},"workload":[{"kind":"call-single","from":[1],"to":[1],"interval":5}]}',
        },
        /^error: workload\[0\]\.to is \[1\]; sender CPU 1 has no other CPU to target/,
      ],
      [
        'an unknown option',
        ['run', '--cpu', '4'],
        {},
        /^error: unknown option '--cpu'\n\(Did you mean --cpus\?\)\n/,
      ],
      [
        'an option without its value',
        ['run', '--trace'],
        {},
        /^error: option '--trace <file\.json>' argument missing\n/,
      ],
      [
        'an unknown command',
        ['rnu'],
        {},
        /^error: unknown command 'rnu'\n\(Did you mean run\?\)\n/,
      ],
      [
        'too many arguments',
        ['run', 'mixed', 'extra'],
        {},
        /^error: too many arguments for 'run'\. Expected 1 argument but got 2\.\n/,
      ],
    ])('should reject %s', async (_what, args, files, stderr) => {
      const r = await cli(args, { files });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(stderr);
      expect(r.stderr).toContain('(add --help for usage)');
      expect(r.stdout).toBe('');
      expect(r.written.size).toBe(0);
    });
  });

  it('should refuse a machine the architecture cannot build (exit code 2)', async () => {
    const r = await cli([
      'run',
      'reschedule-storm',
      '--arch',
      'mips-gic',
      '--cpus',
      '8192',
      '--trace',
      't.json',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: cannot build the machine: mips-gic: 8192 possible CPUs need /,
    );
    expect(r.written.size).toBe(0);
  });

  it('should fail with exit code 1 when the simulation throws, and write nothing', async () => {
    const broken: Scenario = {
      name: 'broken',
      title: 'task code that throws',
      defaults: { cpus: 2, durationNs: 1_000 },
      minCpus: 2,
      prepare(m) {
        m.sim.spawn(0, function* boom() {
          yield m.sim.delay(10);
          throw new Error('boom');
        });
        return {};
      },
    };
    const r = await cli(['run', 'broken', '--arch', 'test', '--trace', 't.json'], {
      scenarios: new Map([['broken', broken]]),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the simulation failed: boom\n/);
    expect(r.written.size).toBe(0);
  });

  it('should fail with exit code 1 when an output file cannot be written after the run', async () => {
    const r = await cli(['run', ...FAST, '--trace', '/readonly/t.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: cannot write --trace \/readonly\/t\.json: EROFS: read-only file system/m,
    );
  });
});

describe('the progress bar', () => {
  it('should draw on a terminal when the run takes a while', async () => {
    const r = await cli(['run', ...FAST], { stderrIsTTY: true, msPerTick: 100 });
    expect(r.code).toBe(0);
    expect(r.progress).toContain('simulating [');
    expect(r.stderr).toBe('');
  });

  it.each<[string, Parameters<typeof cli>[1]]>([
    ['stderr is not a terminal', { stderrIsTTY: false, msPerTick: 100 }],
    ['CI is set', { stderrIsTTY: true, env: { CI: 'true' }, msPerTick: 100 }],
    ['the run is quick', { stderrIsTTY: true, msPerTick: 0 }],
  ])('should draw nothing when %s', async (_what, setup) => {
    const r = await cli(['run', ...FAST], setup);
    expect(r.progress).toBe('');
  });

  it('should draw nothing with --json', async () => {
    expect(
      (await cli(['run', ...FAST, '--json'], { stderrIsTTY: true, msPerTick: 100 })).progress,
    ).toBe('');
  });
});

describe('table colours', () => {
  it('should colour tables on a terminal unless NO_COLOR is set', async () => {
    expect((await cli(['list'], { stdoutIsTTY: true })).stdout).toContain('\u001b[');
    expect(
      (await cli(['list'], { stdoutIsTTY: true, env: { NO_COLOR: '1' } })).stdout,
    ).not.toContain('\u001b[');
  });
});

describe('genipi list', () => {
  it('should list the scenarios and architectures', async () => {
    const r = await cli(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Scenarios \(genipi run <name>\):\n/);
    expect(r.stdout).toContain('mixed (default)');
    expect(r.stdout).toContain('patchwork-overflow');
    expect(r.stdout).toContain(
      `Architectures (--arch; default ${defaultArch()}): ${builtinArchNames().join(', ')}`,
    );
  });

  it('should print JSON with --json', async () => {
    const j = JSON.parse((await cli(['list', '--json'])).stdout) as {
      defaultScenario: string;
      scenarios: { name: string }[];
      arches: string[];
    };
    expect(j.defaultScenario).toBe('mixed');
    expect(j.scenarios.map((s) => s.name)).toContain('deadlock');
    expect(j.arches).toEqual(builtinArchNames());
  });
});

describe('genipi bench', () => {
  it('should run npm run bench with the arguments and pass its exit code on', async () => {
    const r = await cli(['bench', 'b3', '--quick'], {
      scripts: { bench: 'node bench/run.js' },
      scriptExit: 3,
    });
    expect(r.scripts).toEqual([{ name: 'bench', args: ['b3', '--quick'] }]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('genipi bench: npm run bench -- b3 --quick\n');
  });

  it.each([
    ['no bench script', { test: 'jest' }],
    ['no package.json', null],
  ])('should explain when there is %s (exit code 1)', async (_what, scripts) => {
    const r = await cli(['bench'], { scripts });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: this installation has no benchmark suite \(genipi's package\.json has no "bench" script\); .*genipi run ipi-benchmark/,
    );
    expect(r.scripts).toEqual([]);
  });
});

describe('help and version', () => {
  it.each([
    ['--help'],
    ['run', '--help'],
    ['list', '--help'],
    ['bench', '--help'],
    ['help', 'run'],
  ])('should print help with examples for %s (exit 0)', async (...args) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: genipi/);
    expect(r.stdout).toContain('Examples:');
    expect(r.stderr).toBe('');
  });

  it('should document the run options', async () => {
    const r = await cli(['run', '--help']);
    for (const o of [
      '--arch',
      '--cpus',
      '--seed',
      '--duration',
      '--trace',
      '--ftrace',
      '--events',
      '--json',
      '--timing',
    ])
      expect(r.stdout).toContain(o);
    expect(r.stdout).toContain('Exit codes: 0 success, 1 the run failed or stalled, 2 usage error');
  });

  it('should print the version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('0.1.0\n');
  });

  it('should print help to stderr with exit code 2 when no command is given', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: genipi/);
  });
});
