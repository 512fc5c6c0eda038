import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it, jest } from '@jest/globals';
import * as archTest from '../arch/test/index.js';
import { TestArch } from '../arch/test/index.js';
import * as genipi from '../lib/index.js';
import { Cpumask, createMachine, errnoName, irqReserveIpi } from '../lib/index.js';

/**
 * The README's library example without its import lines. The tests below check that the README
 * shows exactly these lines and that every `console.log(…); // output` comment is what runs.
 */
function readmeExample(): void {
  // README-EXAMPLE-BEGIN
  const machine = createMachine({ arch: 'test', nrCpus: 4 });
  const { perCpuIpiDomain, chip } = machine.get(TestArch); // chip records its calls

  // One virq per CPU for CPUs 1-3: CPU c owns virq base + c - 1.
  const base = irqReserveIpi(perCpuIpiDomain, Cpumask.of(4, [1, 2, 3]));
  console.log(base); // 1
  console.log(machine.ipi.ipiGetHwirq(base, 3)); // 3
  console.log(machine.ipi.ipiSendSingle(base, 3)); // 0
  console.log(machine.ipi.ipiSendMask(base, Cpumask.of(4, [2, 3]))); // 0
  console.log(chip.calls[0]); // { op: 'ipiSendSingle', irq: 3, hwirq: 3, cpus: [3] }
  console.log(chip.calls[1]); // { op: 'ipiSendMask', irq: 1, hwirq: 1, cpus: [2, 3] }

  // Linux's checks and error codes: a per-CPU mask must be one run of CPUs.
  const err = machine.ipi.irqReserveIpi(perCpuIpiDomain, Cpumask.of(4, [0, 2]));
  console.log(errnoName(err)); // -EINVAL
  console.log(machine.warnings.at(-1)?.message); // genirq/ipi: Destination mask has holes
  // README-EXAMPLE-END
}

const MARKER = '<!-- This block is run by tests/readme.test.ts; change both together. -->';

/** The lines of the fenced ```ts block that follows the marker comment in README.md. */
function readmeBlock(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const at = readme.indexOf(MARKER);
  expect(at).toBeGreaterThanOrEqual(0);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (match === null) throw new Error('README.md: no ```ts block after the example marker');
  return match[1].split('\n');
}

/** The lines between the BEGIN and END markers of readmeExample() in this file. */
function testBlock(): string[] {
  const source = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
  const begin = source.findIndex((l) => l.trim() === '// README-EXAMPLE-BEGIN');
  const end = source.findIndex((l) => l.trim() === '// README-EXAMPLE-END');
  return source.slice(begin + 1, end);
}

/** Trimmed, non-empty lines: indentation and blank lines do not count. */
function normalise(lines: string[]): string[] {
  return lines.map((l) => l.trim()).filter((l) => l !== '');
}

/** What a `// comment` after `console.log(value)` must say: strings as printed, others as inspected. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : inspect(value, { breakLength: Infinity });
  return text.replace(/\s+/g, '');
}

function runExample(): unknown[] {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  readmeExample();
  return log.mock.calls.map((args) => args[0] as unknown);
}

describe('README library example', () => {
  describe('having the code block of README.md', () => {
    it('should be the code this test runs, plus import lines', () => {
      const body = readmeBlock().filter((l) => !l.startsWith('import '));
      expect(normalise(body)).toEqual(normalise(testBlock()));
    });

    it('should import only names that the package root and genipi/arch/test export', () => {
      const modules: Record<string, object> = { genipi, 'genipi/arch/test': archTest };
      const imports = readmeBlock().filter((l) => l.startsWith('import '));
      expect(imports).toHaveLength(2);
      for (const line of imports) {
        const m = /^import \{ (.+) \} from '([^']+)';$/.exec(line);
        expect(m).not.toBeNull();
        const [, names, from] = m as RegExpExecArray;
        expect(Object.keys(modules)).toContain(from);
        for (const name of names.split(',').map((n) => n.trim())) {
          expect(Object.keys(modules[from])).toContain(name);
        }
      }
    });
  });

  describe('when run', () => {
    it('should print what its comments say', () => {
      const printed = runExample();
      const comments = readmeBlock()
        .filter((l) => l.startsWith('console.log('))
        .map((l) => l.slice(l.indexOf('// ') + 3));
      expect(printed.map(shown)).toEqual(comments.map((c) => c.replace(/\s+/g, '')));
    });

    it('should reserve, look up, send and reject exactly as shown', () => {
      expect(runExample()).toEqual([
        1,
        3,
        0,
        0,
        { op: 'ipiSendSingle', irq: 3, hwirq: 3, cpus: [3] },
        { op: 'ipiSendMask', irq: 1, hwirq: 1, cpus: [2, 3] },
        '-EINVAL',
        'genirq/ipi: Destination mask has holes',
      ]);
    });
  });
});
