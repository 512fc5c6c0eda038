/**
 * The reference model of the reservation side: which virqs the machine should hold, with which
 * mask, offset and domain, and what `irq_reserve_ipi()`, `irq_destroy_ipi()`, `ipi_send_single()`
 * and `ipi_send_mask()` should return and send. It is written from the spec (linux-ipi.md §1–4,
 * quirks of §2.2 and §12 included), independently of lib/irq, and knows nothing of the machine.
 */

/** The kind of domain a virq lives in. */
export type DomainKind = 'single' | 'percpu';

/** One virq the machine should hold. */
export interface VirqEntry {
  /** Reservation it was allocated by (arch-owned virqs have their own ids). */
  readonly resId: number;
  /** Base virq of that reservation. */
  readonly base: number;
  /** Domain kind. */
  readonly kind: DomainKind;
  /** The whole reservation mask (every virq of a reservation carries it), ascending. */
  readonly mask: readonly number[];
  /** `ipi_offset`: first CPU of the mask for per-CPU reservations, 0 for single. */
  readonly offset: number;
  /** The CPU this virq belongs to (per-CPU), or -1. */
  readonly cpu: number;
  /** hwirq, learned from the machine when the reservation is made (the chip's numbering). */
  hwirq: number;
  /** Owned by the architecture (never destroyed by the model's commands). */
  readonly arch: boolean;
}

/** What a model operation predicts. */
export type Prediction<T> = { readonly throws: true; readonly why: string } | ({ readonly throws: false } & T);

/** A chip call the model predicts (`hwirq` resolved from the entry). */
export interface PredictedCall {
  readonly op: 'ipiSendSingle' | 'ipiSendMask';
  readonly irq: number;
  readonly cpus: readonly number[];
}

const EINVAL = -22;
const ENOMEM = -12;

/** The reference model. */
export class RefModel {
  /** Virq → what the machine should hold there. */
  readonly virqs = new Map<number, VirqEntry>();
  /** Online state per CPU. */
  readonly online: boolean[];
  #nextRes = 1;

  constructor(
    readonly nrCpuIds: number,
    readonly nrIrqs: number,
    online: readonly number[],
  ) {
    this.online = Array.from({ length: nrCpuIds }, (_, c) => online.includes(c));
  }

  /** CPUs online, ascending. */
  onlineList(): number[] {
    const out: number[] = [];
    for (let c = 0; c < this.nrCpuIds; c++) if (this.online[c]) out.push(c);
    return out;
  }

  /** Virqs the model's commands may destroy or send on (not the arch's), ascending. */
  ownVirqs(): number[] {
    return [...this.virqs.entries()]
      .filter(([, e]) => !e.arch)
      .map(([v]) => v)
      .sort((a, b) => a - b);
  }

  /** Records a virq the architecture owns. */
  adoptArch(virq: number, kind: DomainKind, mask: readonly number[], offset: number, hwirq: number): void {
    const resId = this.#nextRes++;
    this.virqs.set(virq, { resId, base: virq, kind, mask, offset, cpu: -1, hwirq, arch: true });
  }

  /** `irq_domain_alloc_descs(-1, cnt, 0)`: lowest free run from 1, or -ENOMEM. */
  firstFit(cnt: number): number {
    let start = 1;
    for (;;) {
      if (start + cnt > this.nrIrqs) return ENOMEM;
      let ok = true;
      for (let i = 0; i < cnt; i++) {
        if (this.virqs.has(start + i)) {
          start = start + i + 1;
          ok = false;
          break;
        }
      }
      if (ok) return start;
    }
  }

  /** `irq_reserve_ipi(domain, dest)`: the predicted return value (spec §1.1). */
  reserve(kind: DomainKind, dest: readonly number[]): number {
    if (dest.length === 0) return EINVAL;
    let nr = dest.length;
    if (kind === 'single') {
      nr = 1;
    } else {
      for (let i = 1; i < dest.length; i++) if (dest[i] !== dest[i - 1] + 1) return EINVAL;
    }
    return this.firstFit(nr);
  }

  /** Applies a successful reservation at `base` (hwirqs are learned afterwards). */
  commitReserve(kind: DomainKind, dest: readonly number[], base: number): void {
    const resId = this.#nextRes++;
    if (kind === 'single') {
      this.virqs.set(base, { resId, base, kind, mask: dest, offset: 0, cpu: -1, hwirq: -1, arch: false });
      return;
    }
    dest.forEach((cpu, i) => {
      this.virqs.set(base + i, { resId, base, kind, mask: dest, offset: dest[0], cpu, hwirq: -1, arch: false });
    });
  }

  /**
   * `irq_destroy_ipi(irq, dest)` (spec §2.1, with the §2.2 quirks): the return value, the virqs
   * freed, whether the subset WARN or the free-irqs WARN fires — or a throw where the kernel would
   * dereference NULL (a later virq of the range has no descriptor).
   */
  destroy(
    irq: number,
    dest: readonly number[],
  ): Prediction<{ rc: number; freed: readonly number[]; subsetWarn: boolean; freeWarn: boolean }> {
    const e = this.virqs.get(irq);
    const none = { throws: false as const, freed: [], subsetWarn: false, freeWarn: false };
    if (irq === 0 || e === undefined) return { ...none, rc: EINVAL };
    if (!dest.every((c) => e.mask.includes(c))) return { ...none, rc: EINVAL, subsetWarn: true };
    let start = irq;
    let count = 1;
    if (e.kind === 'percpu') {
      const first = dest.length === 0 ? this.nrCpuIds : dest[0];
      start = irq + first - e.offset;
      count = dest.length;
    }
    // irq_domain_free_irqs(start, count)
    if (!this.virqs.has(start)) return { ...none, rc: 0, freeWarn: true };
    for (let i = 1; i < count; i++) {
      if (!this.virqs.has(start + i)) return { throws: true, why: `virq ${start + i} has no descriptor` };
    }
    const freed = Array.from({ length: count }, (_, i) => start + i);
    return { ...none, rc: 0, freed };
  }

  /** Applies a destroy's frees. */
  commitFree(freed: readonly number[]): void {
    for (const v of freed) this.virqs.delete(v);
  }

  /** `ipi_send_single(virq, cpu)` (spec §4.1–4.3) on the test chip, which has both hooks. */
  sendSingle(virq: number, cpu: number): Prediction<{ rc: number; call: PredictedCall | null }> {
    const e = this.virqs.get(virq);
    if (e === undefined || cpu < 0 || cpu >= this.nrCpuIds || !e.mask.includes(cpu)) {
      return { throws: false, rc: EINVAL, call: null };
    }
    let target = virq;
    if (e.kind === 'percpu' && cpu !== e.offset) {
      target = virq + cpu - e.offset;
      if (!this.virqs.has(target)) return { throws: true, why: `per-CPU virq ${target} of CPU ${cpu} is gone` };
    }
    return { throws: false, rc: 0, call: { op: 'ipiSendSingle', irq: target, cpus: [cpu] } };
  }

  /** `ipi_send_mask(virq, dest)` (spec §4.4): the chip's mask hook gets the base data, once. */
  sendMask(virq: number, dest: readonly number[]): Prediction<{ rc: number; call: PredictedCall | null }> {
    const e = this.virqs.get(virq);
    if (e === undefined || !dest.every((c) => e.mask.includes(c))) return { throws: false, rc: EINVAL, call: null };
    return { throws: false, rc: 0, call: { op: 'ipiSendMask', irq: virq, cpus: dest } };
  }
}
