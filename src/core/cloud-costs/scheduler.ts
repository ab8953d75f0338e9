import type { OcoConfig } from '../base/config/resolve.js';
import { UsageError, isOcoError } from '../base/errors.js';
import type { Store } from '../base/store/types.js';
import type { IngestSummary } from './ingest.js';
import { PROVIDERS, addDays, todayUtc, type DayWindow, type CloudProvider } from './model.js';
import { lastRunOf } from './runs.js';

export interface CostSchedule {
  /** A provider name, or "all" for every configured provider. */
  provider: CloudProvider | 'all';
  everySeconds: number;
  /** Days re-fetched each run: cloud bills change for a few days after the fact. */
  lookbackDays: number;
  updatedAt: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
export const MIN_EVERY_SECONDS = 60;

/** "6h", "30m", "1d", "90s" → seconds. */
export function parseEvery(text: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!m)
    throw new UsageError(`--every "${text}" is not a duration`, { hint: 'Use a number and a unit: 30m, 6h, 1d.' });
  const seconds = Number(m[1]) * UNITS[m[2]!]!;
  if (seconds < MIN_EVERY_SECONDS)
    throw new UsageError(
      `--every ${text} is too often: at least ${MIN_EVERY_SECONDS / 60} minute (cloud billing data changes ` +
        `hourly at most)`,
    );
  return seconds;
}

export function formatEvery(seconds: number): string {
  for (const [u, n] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const)
    if (seconds % n === 0) return `${seconds / n}${u}`;
  return `${seconds}s`;
}

export async function setSchedule(
  store: Store,
  s: { provider: CloudProvider | 'all'; everySeconds: number; lookbackDays: number },
): Promise<CostSchedule> {
  await store.run(
    `INSERT INTO cost_schedules (provider, every_seconds, lookback_days, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (provider) DO UPDATE SET every_seconds = excluded.every_seconds,
       lookback_days = excluded.lookback_days, updated_at = excluded.updated_at`,
    [s.provider, s.everySeconds, s.lookbackDays, new Date()],
  );
  return (await listSchedules(store)).find((x) => x.provider === s.provider)!;
}

export async function removeSchedule(store: Store, provider: CloudProvider | 'all'): Promise<boolean> {
  return (await store.run('DELETE FROM cost_schedules WHERE provider = $1', [provider])).changes > 0;
}

export async function listSchedules(store: Store): Promise<CostSchedule[]> {
  const rows = await store.all<{
    provider: string;
    every_seconds: unknown;
    lookback_days: unknown;
    updated_at: string;
  }>('SELECT provider, every_seconds, lookback_days, updated_at FROM cost_schedules ORDER BY provider');
  return rows.map((r) => ({
    provider: r.provider as CostSchedule['provider'],
    everySeconds: Number(r.every_seconds),
    lookbackDays: Number(r.lookback_days),
    updatedAt: String(r.updated_at),
  }));
}

/** pino's calling convention (fields first, then the message), so the daemon's logger fits as is. */
export interface SchedulerLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export interface SchedulerOptions {
  logger: SchedulerLogger;
  /** How often schedules are looked at; runs happen at their own period. */
  tickMs?: number;
  now?: () => Date;
  /** A run still "running" after this long is taken as dead (its process crashed) and no longer blocks. */
  staleAfterMs?: number;
  /** Look once right away: a restarted daemon catches up on a due ingest without waiting a whole tick. */
  tickOnStart?: boolean;
  /** After each ingest that ran (e.g. the daemon's recommendation run, which reads what it wrote). */
  onIngested?: (provider: CloudProvider) => void;
}

export interface CostScheduler {
  /** One pass over the schedules (exposed for tests and for a daemon that drives its own timer). */
  tick(): Promise<
    Array<{
      provider: CloudProvider;
      action: 'ran' | 'skipped-running' | 'not-due' | 'failed';
      summary?: IngestSummary;
    }>
  >;
  stop(): Promise<void>;
}

/**
 * Scheduled ingests for the daemon: every tick, each provider whose schedule is due is
 * ingested for its look-back window, one provider at a time. A provider whose last run is
 * still going (here or in another process: the run record says "running") is skipped.
 * Every run is recorded in ingest_runs by the ingest itself.
 */
export function startCostScheduler(config: OcoConfig, store: Store, options: SchedulerOptions): CostScheduler {
  const tickMs = options.tickMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  const staleAfterMs = options.staleAfterMs ?? 6 * 3600_000;
  const inFlight = new Set<CloudProvider>();
  let current: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function due(provider: CloudProvider, everySeconds: number): Promise<'due' | 'skipped-running' | 'not-due'> {
    if (inFlight.has(provider)) return 'skipped-running';
    const last = await lastRunOf(store, provider);
    if (!last) return 'due';
    const age = now().getTime() - Date.parse(last.startedAt);
    if (last.status === 'running' && age < staleAfterMs) return 'skipped-running';
    return age >= everySeconds * 1000 ? 'due' : 'not-due';
  }

  async function tick() {
    const results: Awaited<ReturnType<CostScheduler['tick']>> = [];
    const schedules = await listSchedules(store);
    if (schedules.length === 0) return results;
    // The cloud SDKs load only once something is scheduled: ~25 MB of the daemon's memory otherwise.
    const { runIngest, selectProviders } = await import('./ingest.js');
    const byProvider = new Map<CloudProvider, CostSchedule>();
    for (const s of schedules) {
      const providers =
        s.provider === 'all' ? selectProviders(config, undefined).chosen : PROVIDERS.filter((p) => p === s.provider);
      // A provider's own schedule wins over "all".
      for (const p of providers) if (s.provider !== 'all' || !byProvider.has(p)) byProvider.set(p, s);
    }
    for (const [provider, s] of byProvider) {
      if (stopped) break;
      const state = await due(provider, s.everySeconds);
      if (state !== 'due') {
        if (state === 'skipped-running')
          options.logger.info({ provider }, 'cost ingest skipped: the last run is still going');
        results.push({ provider, action: state });
        continue;
      }
      const today = todayUtc(now());
      // Today included: its estimated figures are replaced by the next run, like the look-back days.
      const window: DayWindow = { from: addDays(today, -s.lookbackDays), to: addDays(today, 1) };
      inFlight.add(provider);
      try {
        const summary = await runIngest(store, config, { providers: [provider], window });
        const r = summary.providers[0];
        if (r?.status === 'failed') options.logger.warn({ provider, error: r.error }, 'scheduled cost ingest failed');
        else
          options.logger.info({ provider, rows: r?.rows, requests: r?.requests, window }, 'scheduled cost ingest done');
        results.push({ provider, action: r?.status === 'failed' ? 'failed' : 'ran', summary });
        if (r?.status !== 'failed') options.onIngested?.(provider);
      } catch (err) {
        // Not configured any more, or the database went away: log and try again next period.
        options.logger.error(
          { provider, error: isOcoError(err) ? err.toJSON() : String(err) },
          'scheduled cost ingest could not start',
        );
        results.push({ provider, action: 'failed' });
      } finally {
        inFlight.delete(provider);
      }
    }
    return results;
  }

  const timer = setInterval(() => {
    // Ticks never overlap: a long ingest delays the next look instead of starting a second one.
    if (stopped) return;
    current = current
      .then(tick)
      .catch((err) => options.logger.error({ error: String(err) }, 'cost scheduler tick failed'));
  }, tickMs);
  timer.unref();
  if (options.tickOnStart)
    current = current
      .then(tick)
      .catch((err) => options.logger.error({ error: String(err) }, 'cost scheduler tick failed'));

  return {
    tick: () => {
      const p = current.then(tick);
      current = p.catch(() => {});
      return p;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
