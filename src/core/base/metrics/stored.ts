import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Queryable } from '../store/types.js';
import { PREFIX, type Metrics } from './registry.js';

/**
 * One gauge's value for one label set. `since` (epoch seconds) makes it an age: the value written at
 * scrape time is now − since, so an age keeps growing between refreshes as it does in fact.
 */
export interface GaugeSample {
  labels: Record<string, string>;
  value?: number;
  since?: number;
}

export interface StoredGauge {
  /** Without the oco_ prefix. */
  name: string;
  help: string;
  labelNames: readonly string[];
}

/**
 * A feature's gauges read from stored data: one `read` fills all of them (one round of queries over
 * aggregates, indexed tables or small tables, never raw call rows per scrape). Wings and base features
 * provide these; the daemon passes them in.
 */
export interface StoredGaugeSource {
  name: string;
  gauges: readonly StoredGauge[];
  read(store: Queryable, now: Date): Promise<Record<string, GaugeSample[]>>;
}

export interface StoredGaugesOptions {
  refreshMs: number;
  logger?: Logger;
}

/**
 * Gauges from stored data, refreshed on a timer (metrics.refreshSeconds) and at start; a scrape
 * writes the last values read and never queries the store. A source that fails keeps its last values
 * and counts an oco_storage_errors_total{operation="gauge_refresh"}; refreshes never overlap.
 */
export class StoredGauges {
  private readonly samples = new Map<string, GaugeSample[]>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly refreshed: Gauge;

  constructor(
    private readonly metrics: Metrics,
    private readonly store: Queryable,
    private readonly sources: readonly StoredGaugeSource[],
    private readonly opts: StoredGaugesOptions,
  ) {
    const registry: Registry = metrics.registry;
    const samples = this.samples;
    for (const source of sources)
      for (const g of source.gauges) {
        const name = `${PREFIX}${g.name}`;
        new Gauge({
          name,
          help: g.help,
          labelNames: g.labelNames,
          registers: [registry],
          collect() {
            this.reset();
            const now = Date.now() / 1000;
            for (const s of samples.get(name) ?? [])
              this.set(s.labels, s.since !== undefined ? Math.max(0, now - s.since) : (s.value ?? 0));
          },
        });
      }
    this.refreshed = new Gauge({
      name: `${PREFIX}stored_gauges_refreshed_timestamp_seconds`,
      help: 'When each stored-data gauge source was last read successfully (Unix seconds).',
      labelNames: ['source'],
      registers: [registry],
    });
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs);
    this.timer.unref();
  }

  /** Reads every source now (resolves when done; a refresh under way is awaited, not doubled). */
  refresh(): Promise<void> {
    this.running ??= this.readAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async readAll(): Promise<void> {
    const now = new Date();
    for (const source of this.sources) {
      try {
        const read = await source.read(this.store, now);
        for (const g of source.gauges) this.samples.set(`${PREFIX}${g.name}`, read[g.name] ?? []);
        this.refreshed.set({ source: source.name }, now.getTime() / 1000);
      } catch (err) {
        this.metrics.storageError('gauge_refresh');
        this.opts.logger?.warn(
          { source: source.name, err: { message: (err as Error).message } },
          'metrics: stored gauges not refreshed; keeping the last values',
        );
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

/** An ISO timestamp (or what a store returns for one) as Unix seconds; undefined when absent or unreadable. */
export function epochSeconds(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : Date.parse(String(v));
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
