import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { Money, money } from '../money.js';

/** Every metric oco exports starts with this. */
export const PREFIX = 'oco_';

/** What a storage failure was doing when it failed (the label of oco_storage_errors_total). */
export type StorageOperation = 'usage_write' | 'spill_replay' | 'gauge_refresh';

/**
 * The daemon's metrics registry: process metrics (CPU, memory, event-loop lag, handles; prom-client's
 * defaults under oco_) plus what the wings and base features register on it.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly storage: Counter<'operation'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.storage = new Counter({
      name: `${PREFIX}storage_errors_total`,
      help: 'Store operations that failed, by what they were doing.',
      labelNames: ['operation'],
      registers: [this.registry],
    });
  }

  storageError(operation: StorageOperation): void {
    this.storage.inc({ operation });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

/**
 * A counter of US dollars summed exactly: each series keeps its decimal sum (decimal.js) and is
 * written at scrape time as the nearest float64 to that sum. Prometheus samples are float64, so the
 * exposed value is the exact sum rounded once (about 15–17 significant digits), never a float
 * accumulation whose error grows with every call. Series are bound once (`series(labels)`) and
 * incremented through the returned handle: no label lookup per call.
 */
export class ExactCounter<L extends string> {
  private readonly counter: Counter<L>;
  private readonly sums: Array<{ labels: Record<L, string>; sum: { value: Money } }> = [];

  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    const sums = this.sums;
    this.counter = new Counter<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of sums) this.inc(s.labels as never, s.sum.value.toNumber());
      },
    });
  }

  /** The handle of one label set, created on first use (callers keep it, keyed as they like). */
  series(labels: Record<L, string>): { value: Money } {
    const sum = { value: money(0) };
    this.sums.push({ labels, sum });
    return sum;
  }

  /** The exact sum of every series matching `labels` (all when empty), for tests and for /health. */
  total(match: Partial<Record<L, string>> = {}): Money {
    let t = money(0);
    for (const s of this.sums)
      if (Object.entries(match).every(([k, v]) => s.labels[k as L] === v)) t = t.plus(s.sum.value);
    return t;
  }

  /** How many series exist. */
  get size(): number {
    return this.sums.length;
  }
}
