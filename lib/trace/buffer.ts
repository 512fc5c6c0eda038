/**
 * A trace buffer: collects a machine's trace records for the exporters, like the kernel's ring
 * buffer (when it is full the oldest records are overwritten and counted).
 *
 * @packageDocumentation
 */
import type { TraceRecord, TraceSink, Tracer } from './tracer.js';

/** Options of {@link TraceBuffer}. */
export interface TraceBufferOptions {
  /** Most records kept; older ones are overwritten. Default: unlimited. */
  readonly capacity?: number;
}

/** Collects trace records; attach it to a machine's {@link Tracer}. */
export class TraceBuffer {
  readonly #capacity: number;
  #ring: TraceRecord[] = [];
  #head = 0;
  #written = 0;

  /** @throws RangeError for a capacity that is not a positive integer. */
  constructor(options: TraceBufferOptions = {}) {
    const capacity = options.capacity ?? Infinity;
    if (capacity !== Infinity && (!Number.isSafeInteger(capacity) || capacity < 1)) {
      throw new RangeError(
        `TraceBuffer: capacity is ${String(capacity)}; expected a positive integer`,
      );
    }
    this.#capacity = capacity;
  }

  /** The sink to pass to {@link Tracer.attach}. */
  readonly sink: TraceSink = (record) => {
    this.#written++;
    if (this.#ring.length < this.#capacity) {
      this.#ring.push(record);
      return;
    }
    this.#ring[this.#head] = record;
    this.#head = (this.#head + 1) % this.#ring.length;
  };

  /** Attaches to `tracer`; returns the function that detaches. */
  attach(tracer: Tracer): () => void {
    return tracer.attach(this.sink);
  }

  /** Records written since creation (`entries-written`). */
  get written(): number {
    return this.#written;
  }

  /** Records held (`entries-in-buffer`). */
  get size(): number {
    return this.#ring.length;
  }

  /** The records held, oldest first (emission order). */
  records(): TraceRecord[] {
    return this.#head === 0
      ? this.#ring.slice()
      : [...this.#ring.slice(this.#head), ...this.#ring.slice(0, this.#head)];
  }

  /** Drops every record (the written count is kept). */
  clear(): void {
    this.#ring = [];
    this.#head = 0;
  }
}

/**
 * Records in time order, as `trace` prints them after merging the per-CPU buffers: by `ts`,
 * ties in emission order. Returns a new array.
 */
export function sortByTime(records: readonly TraceRecord[]): TraceRecord[] {
  return [...records].sort((a, b) => a.ts - b.ts || a.seq - b.seq);
}

/** Records in emission order (by `seq`). Returns a new array. */
export function sortBySeq(records: readonly TraceRecord[]): TraceRecord[] {
  return [...records].sort((a, b) => a.seq - b.seq);
}

/**
 * CPUs of a `%*pb` hex cpumask string (`00000000,00000080` → [7]), ascending.
 * @throws RangeError if `mask` is not a hex mask.
 */
export function parseHexMask(mask: string): number[] {
  const hex = mask.replace(/,/g, '');
  if (!/^[0-9a-fA-F]+$/.test(hex))
    throw new RangeError(`parseHexMask: "${mask}" is not a hex cpumask`);
  const cpus: number[] = [];
  for (let i = hex.length - 1, base = 0; i >= 0; i--, base += 4) {
    const nibble = parseInt(hex[i], 16);
    for (let b = 0; b < 4; b++) if ((nibble & (1 << b)) !== 0) cpus.push(base + b);
  }
  return cpus;
}
