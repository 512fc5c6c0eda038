/**
 * Chip and domain builders shared by the tests. Everything is built through the public API
 * (`machine.irq.*`), the way a plugin author would.
 */
import {
  Errno,
  IRQ_DOMAIN_FLAG_IPI_PER_CPU,
  IRQ_DOMAIN_FLAG_IPI_SINGLE,
  type IrqChip,
  type IrqData,
  type IrqDomain,
  type IrqDomainOps,
  type Machine,
  type ReadonlyCpumask,
  isCpumask,
} from '../../lib/index.js';

/** One recorded IPI chip hook call. */
export interface ChipCall {
  readonly op: 'ipiSendSingle' | 'ipiSendMask';
  /** virq of the IrqData the core passed. */
  readonly irq: number;
  /** hwirq of that IrqData. */
  readonly hwirq: number;
  /** Target CPUs, ascending (one for ipiSendSingle). */
  readonly cpus: readonly number[];
  /** The IrqData object itself, to check identity. */
  readonly data: IrqData;
}

/** Which IPI hooks a chip has. */
export type ChipKind = 'single' | 'mask' | 'both' | 'none';

/** A chip plus the log of its IPI hook calls. */
export interface RecordingChip {
  readonly chip: IrqChip;
  readonly calls: ChipCall[];
}

/** A chip with only `ipiSendSingle`, only `ipiSendMask`, both, or neither; every call is logged. */
export function recordingChip(kind: ChipKind, name = `chip-${kind}`): RecordingChip {
  const calls: ChipCall[] = [];
  const ipiSendSingle = (data: IrqData, cpu: number): void => {
    calls.push({ op: 'ipiSendSingle', irq: data.irq, hwirq: data.hwirq, cpus: [cpu], data });
  };
  const ipiSendMask = (data: IrqData, dest: ReadonlyCpumask): void => {
    calls.push({ op: 'ipiSendMask', irq: data.irq, hwirq: data.hwirq, cpus: dest.toArray(), data });
  };
  switch (kind) {
    case 'single':
      return { chip: { name, ipiSendSingle }, calls };
    case 'mask':
      return { chip: { name, ipiSendMask }, calls };
    case 'both':
      return { chip: { name, ipiSendSingle, ipiSendMask }, calls };
    case 'none':
      return { chip: { name }, calls };
  }
}

/** Which IPI flags a domain gets. */
export type IpiMode = 'single' | 'percpu' | 'both' | 'none';

/** The IPI flags of a mode. */
export function ipiFlags(mode: IpiMode): number {
  switch (mode) {
    case 'single':
      return IRQ_DOMAIN_FLAG_IPI_SINGLE;
    case 'percpu':
      return IRQ_DOMAIN_FLAG_IPI_PER_CPU;
    case 'both':
      return IRQ_DOMAIN_FLAG_IPI_SINGLE | IRQ_DOMAIN_FLAG_IPI_PER_CPU;
    case 'none':
      return 0;
  }
}

/** Arguments an alloc op received. */
export interface AllocCall {
  readonly domain: IrqDomain;
  readonly virq: number;
  readonly nrIrqs: number;
  readonly arg: unknown;
}

/** Arguments a free op received. */
export interface FreeCall {
  readonly domain: IrqDomain;
  readonly virq: number;
  readonly nrIrqs: number;
}

/** Options of {@link createIpiDomain}. */
export interface IpiDomainOptions {
  readonly mode: IpiMode;
  /** Chip set on every level the alloc op sets up; default a fresh recording chip with both hooks. */
  readonly chip?: RecordingChip;
  readonly name?: string;
  /** Linear reverse-map size; 0 (default) makes a tree-only domain. */
  readonly size?: number;
  /** First hwirq; default 0. */
  readonly hwirqBase?: number;
  /** The alloc op returns this (a negative errno) without setting anything up. */
  readonly allocError?: number;
  /** Build the domain without an alloc op. */
  readonly noAlloc?: boolean;
  /** Build the domain without a free op. */
  readonly noFree?: boolean;
}

/** A domain built by {@link createIpiDomain} and the logs of its ops. */
export interface IpiDomainFixture {
  readonly domain: IrqDomain;
  readonly chip: RecordingChip;
  readonly allocCalls: AllocCall[];
  readonly freeCalls: FreeCall[];
  /** Distance between the hwirq blocks of two per-CPU reservations. */
  readonly stride: number;
}

/**
 * An IPI domain (root, no parent) whose alloc op numbers hwirqs like a plugin would:
 * - per-CPU domains: reservation `n` (from 0) gives CPU `c` hwirq `hwirqBase + n * stride + c`,
 *   where `stride` is the machine's `nr_cpu_ids`, and the level's chip data is `{ cpu: c }`;
 * - single domains: reservation `n` gets hwirq `hwirqBase + n`, chip data `{ cpu: -1 }`.
 * The free op is `irq_domain_free_irqs_top`.
 */
export function createIpiDomain(m: Machine, options: IpiDomainOptions): IpiDomainFixture {
  const chip = options.chip ?? recordingChip('both');
  const allocCalls: AllocCall[] = [];
  const freeCalls: FreeCall[] = [];
  const hwirqBase = options.hwirqBase ?? 0;
  const stride = m.nrCpuIds;
  let seq = 0;
  const ops: IrqDomainOps = {};
  if (options.noAlloc !== true) {
    ops.alloc = (domain, virq, nrIrqs, arg): number => {
      allocCalls.push({ domain, virq, nrIrqs, arg });
      if (options.allocError !== undefined) return options.allocError;
      if (!isCpumask(arg)) return -Errno.EINVAL;
      const n = seq++;
      if ((domain.flags & IRQ_DOMAIN_FLAG_IPI_SINGLE) === 0) {
        // Per-CPU: the core hands over a contiguous mask, CPU first(arg) + i owns virq + i.
        const first = arg.first();
        for (let i = 0; i < nrIrqs; i++) {
          const cpu = first + i;
          m.irq.irqDomainSetHwirqAndChip(
            domain,
            virq + i,
            hwirqBase + n * stride + cpu,
            chip.chip,
            { cpu },
          );
        }
      } else {
        m.irq.irqDomainSetHwirqAndChip(domain, virq, hwirqBase + n, chip.chip, { cpu: -1 });
      }
      return 0;
    };
  }
  if (options.noFree !== true) {
    ops.free = (domain, virq, nrIrqs): void => {
      freeCalls.push({ domain, virq, nrIrqs });
      m.irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
    };
  }
  const domain = m.irq.irqDomainCreateHierarchy({
    parent: null,
    flags: ipiFlags(options.mode),
    size: options.size ?? 0,
    name: options.name ?? `ipi-${options.mode}`,
    ops,
  });
  return { domain, chip, allocCalls, freeCalls, stride };
}

/** Options of {@link createIpiHierarchy}. */
export interface IpiHierarchyOptions {
  readonly mode: 'single' | 'percpu';
  /** When false the parent's alloc op succeeds but leaves its level's chip unset. Default true. */
  readonly parentSetsChip?: boolean;
  /** Parent hwirq of the first virq ever allocated; default 100. */
  readonly parentHwirqBase?: number;
  /** Child hwirq of the first virq ever allocated; default 0. */
  readonly childHwirqBase?: number;
}

/** A two-level hierarchy: a non-IPI root ("gic") and an IPI child on top of it. */
export interface IpiHierarchyFixture {
  readonly parent: IrqDomain;
  readonly child: IrqDomain;
  readonly parentChip: RecordingChip;
  readonly childChip: RecordingChip;
  readonly parentAllocCalls: AllocCall[];
  readonly childAllocCalls: AllocCall[];
  readonly parentFreeCalls: FreeCall[];
  readonly childFreeCalls: FreeCall[];
}

/**
 * Builds the MIPS-GIC shape: the child IPI domain's alloc calls `irq_domain_alloc_irqs_parent`
 * and then sets hwirq + chip on its own level; the parent's alloc sets hwirq + chip on the parent
 * level (unless `parentSetsChip` is false). Hwirqs are handed out sequentially per virq at both
 * levels. The child frees with `irq_domain_free_irqs_top`, the parent with
 * `irq_domain_free_irqs_common`.
 */
export function createIpiHierarchy(m: Machine, options: IpiHierarchyOptions): IpiHierarchyFixture {
  const parentChip = recordingChip('both', 'gic');
  const childChip = recordingChip('both', 'gic-ipi');
  const parentAllocCalls: AllocCall[] = [];
  const childAllocCalls: AllocCall[] = [];
  const parentFreeCalls: FreeCall[] = [];
  const childFreeCalls: FreeCall[] = [];
  let parentHwirq = options.parentHwirqBase ?? 100;
  let childHwirq = options.childHwirqBase ?? 0;
  const parent = m.irq.irqDomainCreateHierarchy({
    parent: null,
    flags: 0,
    size: 0,
    name: 'gic',
    ops: {
      alloc: (domain, virq, nrIrqs, arg): number => {
        parentAllocCalls.push({ domain, virq, nrIrqs, arg });
        if (options.parentSetsChip === false) return 0;
        for (let i = 0; i < nrIrqs; i++) {
          m.irq.irqDomainSetHwirqAndChip(domain, virq + i, parentHwirq++, parentChip.chip);
        }
        return 0;
      },
      free: (domain, virq, nrIrqs): void => {
        parentFreeCalls.push({ domain, virq, nrIrqs });
        m.irq.irqDomainFreeIrqsCommon(domain, virq, nrIrqs);
      },
    },
  });
  const child = m.irq.irqDomainCreateHierarchy({
    parent,
    flags: ipiFlags(options.mode),
    size: 0,
    name: 'gic-ipi',
    ops: {
      alloc: (domain, virq, nrIrqs, arg): number => {
        childAllocCalls.push({ domain, virq, nrIrqs, arg });
        const ret = m.irq.irqDomainAllocIrqsParent(domain, virq, nrIrqs, arg);
        if (ret < 0) return ret;
        for (let i = 0; i < nrIrqs; i++) {
          m.irq.irqDomainSetHwirqAndChip(domain, virq + i, childHwirq++, childChip.chip);
        }
        return 0;
      },
      free: (domain, virq, nrIrqs): void => {
        childFreeCalls.push({ domain, virq, nrIrqs });
        m.irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
      },
    },
  });
  return {
    parent,
    child,
    parentChip,
    childChip,
    parentAllocCalls,
    childAllocCalls,
    parentFreeCalls,
    childFreeCalls,
  };
}

/** A plain (non-IPI) hierarchical root domain whose alloc gives virq `v` hwirq `hwirqBase + v`. */
export function createPlainDomain(
  m: Machine,
  options: {
    readonly name?: string;
    readonly size?: number;
    readonly hwirqBase?: number;
    readonly chip?: IrqChip;
  } = {},
): IrqDomain {
  const hwirqBase = options.hwirqBase ?? 0;
  const chip = options.chip ?? recordingChip('both', 'plain').chip;
  return m.irq.irqDomainCreateHierarchy({
    parent: null,
    flags: 0,
    size: options.size ?? 0,
    name: options.name ?? 'plain',
    ops: {
      alloc: (domain, virq, nrIrqs): number => {
        for (let i = 0; i < nrIrqs; i++) {
          m.irq.irqDomainSetHwirqAndChip(domain, virq + i, hwirqBase + virq + i, chip);
        }
        return 0;
      },
      free: (domain, virq, nrIrqs): void => {
        m.irq.irqDomainFreeIrqsTop(domain, virq, nrIrqs);
      },
    },
  });
}
