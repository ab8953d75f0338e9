import type { OcoConfig } from '../../base/config/resolve.js';
import { money } from '../../base/money.js';
import type { Store } from '../../base/store/types.js';
import type { CacheFilter } from './backend.js';
import { openCacheBackend } from './index.js';

const HOUR_MS = 3_600_000;
/** The windows `oco cache stats` reports, back from now (whole hours, as the rollups keep them). */
const PERIODS = [
  { period: '24h', hours: 24 },
  { period: '7d', hours: 24 * 7 },
  { period: '30d', hours: 24 * 30 },
] as const;

export interface CachePeriod {
  period: string;
  since: string;
  hits: number;
  misses: number;
  /** hits / (hits + misses); null when the cache was not consulted in the period. */
  hitRate: number | null;
  /** Exact decimal string: what the hits saved (their original calls' cost), where known. */
  savingsUsd: string;
  /** Hits whose original call had no price: their saving is unknown, not in savingsUsd. */
  unknownSavingsHits: number;
}

export interface CacheStats {
  enabled: boolean;
  backend: 'store' | 'redis';
  ttlSeconds: number;
  maxEntries: number;
  maxBytes: number;
  /** Live (unexpired) entries and the bytes of their answers. */
  entries: number;
  bytes: number;
  periods: CachePeriod[];
}

/** The cache's contents (from its backend) and what it did (hits, misses, savings from the hourly rollups). */
export async function cacheStats(config: OcoConfig, store: Store, now = new Date()): Promise<CacheStats> {
  const { backend, close } = openCacheBackend(config, store);
  try {
    const size = await backend.size(now);
    const saved = store.dialect.sumMoney('cache_savings_usd');
    const hour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    const periods: CachePeriod[] = [];
    for (const p of PERIODS) {
      const since = new Date(hour - (p.hours - 1) * HOUR_MS).toISOString();
      const r = await store.get<Record<string, unknown>>(
        `SELECT SUM(cache_hits) AS hits, SUM(cache_misses) AS misses, ${saved} AS saved,
           SUM(unknown_cache_savings_requests) AS unknown FROM usage_hourly WHERE hour >= $1`,
        [since],
      );
      const hits = Number(r?.hits ?? 0);
      const misses = Number(r?.misses ?? 0);
      periods.push({
        period: p.period,
        since,
        hits,
        misses,
        hitRate: hits + misses === 0 ? null : Math.round((hits / (hits + misses)) * 10_000) / 10_000,
        // One canonical decimal for both engines (PostgreSQL NUMERIC keeps its scale's trailing zeros).
        savingsUsd: r?.saved == null ? '0' : money(String(r.saved)).toFixed(),
        unknownSavingsHits: Number(r?.unknown ?? 0),
      });
    }
    return {
      enabled: config.bool('cache.enabled'),
      backend: backend.name,
      ttlSeconds: config.int('cache.ttlSeconds'),
      maxEntries: config.int('cache.maxEntries'),
      maxBytes: config.int('cache.maxBytes'),
      ...size,
      periods,
    };
  } finally {
    await close();
  }
}

/** Drops cached answers (an org's, a model's, or all); how many. The next matching calls go to the provider. */
export async function clearCache(
  config: OcoConfig,
  store: Store,
  filter: CacheFilter,
): Promise<{ cleared: number; backend: 'store' | 'redis' }> {
  const { backend, close } = openCacheBackend(config, store);
  try {
    return { cleared: await backend.clear(filter), backend: backend.name };
  } finally {
    await close();
  }
}
