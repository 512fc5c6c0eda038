/**
 * Kernel-style logging for the model: `pr_warn`, `pr_debug`, `WARN_ON` and `WARN_ON_ONCE`.
 *
 * Nothing here writes to a console. Messages go to the injected {@link Logger} and into the
 * machine's {@link Printk.records}, so tests and tools can assert on them and two machines never
 * share a log.
 *
 * @packageDocumentation
 */
import { inject, injectable } from 'inversify';

/** Severity of a log line, as the kernel's `KERN_*` levels. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'err';

/**
 * Where log lines go. Injected per machine; the default keeps nothing.
 * Token and interface share the name (`@inject(Logger) logger: Logger`).
 */
export interface Logger {
  /** Receives one line, without a trailing newline. */
  log(level: LogLevel, message: string): void;
}
/** DI token for {@link Logger}. */
export const Logger: unique symbol = Symbol.for('genipi/Logger');

/** A logger that drops everything; the default for machines. */
export const silentLogger: Logger = { log: () => undefined };

/** One entry in a machine's warning record. */
export interface WarningRecord {
  /** `pr_warn` for a logged warning line, `WARN` for a `WARN_ON`/`WARN_ON_ONCE` splat. */
  readonly kind: 'pr_warn' | 'WARN';
  /** The message without the trailing newline, prefixed as the kernel's `pr_fmt` does. */
  readonly message: string;
  /** For `WARN`: the call site (`"<C function>"` or `"<C function>:<label>"`). */
  readonly site?: string;
  /** Sequence number within the machine, from 0. */
  readonly seq: number;
}

/**
 * The per-machine printk: logs through the injected {@link Logger} and keeps the warning record.
 * `WARN_ON_ONCE` remembers one flag per call site, like the kernel's per-site static flag.
 */
@injectable()
export class Printk {
  readonly #logger: Logger;
  readonly #records: WarningRecord[] = [];
  readonly #onceFired = new Set<string>();
  readonly #listeners: ((record: WarningRecord) => void)[] = [];

  constructor(@inject(Logger) logger: Logger) {
    this.#logger = logger;
  }

  /** Warnings so far, oldest first. */
  get records(): readonly WarningRecord[] {
    return this.#records;
  }

  /** Calls `listener` with every warning recorded from now on (the tracer's `console` events). */
  addListener(listener: (record: WarningRecord) => void): void {
    this.#listeners.push(listener);
  }

  #record(record: WarningRecord): void {
    this.#records.push(record);
    this.#logger.log('warn', record.message);
    for (const l of this.#listeners) l(record);
  }

  /** `pr_warn(prefix + msg)`: logged and recorded. */
  prWarn(prefix: string, message: string): void {
    this.#record({ kind: 'pr_warn', message: prefix + message, seq: this.#records.length });
  }

  /** `pr_info`: logged only. */
  prInfo(prefix: string, message: string): void {
    this.#logger.log('info', prefix + message);
  }

  /** `pr_debug`: logged at debug level only. */
  prDebug(prefix: string, message: string): void {
    this.#logger.log('debug', prefix + message);
  }

  /**
   * `WARN_ON(condition)` at `site`: records a splat every time the condition is true.
   * @returns the condition, so it can be used as `if (printk.warnOn(...)) return -EINVAL`.
   */
  warnOn(condition: boolean, site: string, message = ''): boolean {
    if (condition) this.#splat(site, message);
    return condition;
  }

  /**
   * `WARN_ON_ONCE(condition)` at `site`: records a splat only the first time `site` fires.
   * @returns the condition, every time.
   */
  warnOnOnce(condition: boolean, site: string, message = ''): boolean {
    if (condition && !this.#onceFired.has(site)) {
      this.#onceFired.add(site);
      this.#splat(site, message);
    }
    return condition;
  }

  #splat(site: string, message: string): void {
    const text = `WARNING: at ${site}${message === '' ? '' : `: ${message}`}`;
    this.#record({ kind: 'WARN', message: text, site, seq: this.#records.length });
  }
}
