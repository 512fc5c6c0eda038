/**
 * Command specs of the model-based test: plain data, so a shrunk counterexample can be pasted
 * into a regression test as it is printed. CPU and virq choices are resolved against the state
 * when the command runs (`from` is the k-th online CPU, `pick` the k-th virq the model owns), so
 * every generated sequence is runnable and shrinking keeps it meaningful.
 */

/** A CPU set, resolved against the machine size. */
export type MaskSpec =
  | { readonly t: 'range'; readonly lo: number; readonly len: number }
  | { readonly t: 'set'; readonly cpus: readonly number[] }
  | { readonly t: 'all' };

/** One command. `dt` is how long the machine runs after it (ns). */
export type Spec =
  | { readonly op: 'reserve'; readonly kind: 'single' | 'percpu'; readonly mask: MaskSpec; readonly dt: number }
  | { readonly op: 'destroy'; readonly pick: number; readonly raw: number | null; readonly mask: MaskSpec; readonly dt: number }
  | { readonly op: 'sendSingle'; readonly pick: number; readonly raw: number | null; readonly cpu: number; readonly dt: number }
  | { readonly op: 'sendMask'; readonly pick: number; readonly raw: number | null; readonly mask: MaskSpec; readonly dt: number }
  | { readonly op: 'call'; readonly from: number; readonly to: number; readonly wait: boolean; readonly dt: number }
  | { readonly op: 'callAsync'; readonly from: number; readonly to: number; readonly dt: number }
  | { readonly op: 'many'; readonly from: number; readonly mask: MaskSpec; readonly wait: boolean; readonly dt: number }
  | { readonly op: 'each'; readonly from: number; readonly mask: MaskSpec | null; readonly wait: boolean; readonly dt: number }
  | { readonly op: 'resched'; readonly from: number | null; readonly to: number; readonly dt: number }
  | { readonly op: 'wake'; readonly from: number; readonly to: number; readonly dt: number }
  | { readonly op: 'tlbUse'; readonly cpu: number; readonly pages: readonly number[]; readonly lazy: boolean; readonly dt: number }
  | { readonly op: 'tlbFlush'; readonly from: number; readonly start: number; readonly len: number; readonly freed: boolean; readonly dt: number }
  | { readonly op: 'irqOff'; readonly cpu: number; readonly ns: number; readonly dt: number }
  | { readonly op: 'down'; readonly cpu: number; readonly teardown: number; readonly dt: number }
  | { readonly op: 'up'; readonly cpu: number; readonly dt: number }
  | { readonly op: 'advance'; readonly ns: number }
  | {
      readonly op: 'faults';
      /** Every k-th chip IPI callback throws (0: never). */
      readonly chip: number;
      /** Every k-th irq handler throws. */
      readonly handler: number;
      /** Every k-th delivery is dropped. */
      readonly drop: number;
      /** Every k-th delivery is delayed by `delayNs`. */
      readonly delay: number;
      readonly delayNs: number;
    };

/** Resolves a mask spec to an ascending CPU list of an `n`-CPU machine. */
export function resolveMask(spec: MaskSpec, n: number): number[] {
  switch (spec.t) {
    case 'all':
      return Array.from({ length: n }, (_, i) => i);
    case 'range': {
      const lo = spec.lo % n;
      const out: number[] = [];
      for (let c = lo; c < Math.min(n, lo + spec.len); c++) out.push(c);
      return out;
    }
    case 'set':
      return [...new Set(spec.cpus.map((c) => c % n))].sort((a, b) => a - b);
  }
}

/** A compact one-line form of a spec for logs and counterexamples. */
export function specToString(spec: Spec): string {
  return JSON.stringify(spec);
}
