import { describe, expect, it } from '@jest/globals';
import {
  createMachine,
  parseHexMask,
  serializeEventLog,
  toEventLog,
  TraceBuffer,
  type TraceRecord,
} from '../../../lib/index.js';
import { expectGolden } from '../../helpers/golden.js';
import { traceFixture } from '../../helpers/trace-fixture.js';

function rec(seq: number): TraceRecord {
  return { seq, ts: seq * 10, cpu: 0, name: 'e', fields: { n: seq } };
}

describe('TraceBuffer', () => {
  it('should keep the newest records when full and count every write', () => {
    const b = new TraceBuffer({ capacity: 3 });
    for (let i = 0; i < 5; i++) b.sink(rec(i));
    expect(b.written).toBe(5);
    expect(b.size).toBe(3);
    expect(b.records().map((r) => r.seq)).toEqual([2, 3, 4]);
    b.clear();
    expect(b.records()).toEqual([]);
    expect(b.written).toBe(5);
  });

  it.each([0, -1, 1.5, Number.NaN])('should reject capacity %p', (capacity) => {
    expect(() => new TraceBuffer({ capacity })).toThrow(RangeError);
  });

  it('should attach to a tracer, enable it, and stop receiving once detached', () => {
    const m = createMachine({ arch: 'test', nrCpus: 2 });
    const b = new TraceBuffer();
    expect(m.tracer.enabled).toBe(false);
    const detach = b.attach(m.tracer);
    expect(m.tracer.enabled).toBe(true);
    m.sim.spawn(0, function* t() {
      yield* m.smp.smpCallFunctionSingle(1, function f() {}, null, true);
    });
    m.run();
    const n = b.size;
    expect(n).toBeGreaterThan(0);
    detach();
    expect(m.tracer.enabled).toBe(false);
    m.sim.spawn(0, function* t() {
      yield* m.smp.smpCallFunctionSingle(1, function f() {}, null, true);
    });
    m.run();
    expect(b.size).toBe(n);
  });
});

describe('parseHexMask', () => {
  it.each([
    ['0', []],
    ['e', [1, 2, 3]],
    ['00000000,00000080', [7]],
    ['1,00000001', [0, 32]],
  ])('should read %s', (mask, cpus) => {
    expect(parseHexMask(mask)).toEqual(cpus);
  });

  it('should reject what is not a hex mask', () => {
    expect(() => parseHexMask('0x3')).toThrow(RangeError);
  });
});

describe('event log', () => {
  it('should list records in emission order as compact arrays and parse as JSON', () => {
    const { records } = traceFixture();
    const text = serializeEventLog(toEventLog([...records].reverse(), { arch: 'test', cpus: 4 }));
    const log = JSON.parse(text) as ReturnType<typeof toEventLog>;
    expect(log.format).toBe('genipi-events');
    expect(log.columns).toEqual(['seq', 'ts', 'cpu', 'name', 'fields']);
    expect(log.events.map((e) => e[0])).toEqual(records.map((r) => r.seq));
    expect(log.events[0]).toEqual([
      records[0].seq,
      records[0].ts,
      records[0].cpu,
      records[0].name,
      records[0].fields,
    ]);
    expectGolden('events-test-arch.json', text);
  });

  it('should be valid JSON with no events', () => {
    expect(JSON.parse(serializeEventLog(toEventLog([])))).toMatchObject({ events: [], meta: {} });
  });
});
