import type { Store } from '../../base/store/types.js';
import type { PricedProvider } from '../model.js';
import type { CacheBackend, CacheEntry, CacheFilter, CacheLimits, CachedAnswer } from './backend.js';

/** Rows dropped per statement when pruning past the limits. */
const PRUNE_BATCH = 500;

/** Cached answers in the `response_cache` table of the store (SQLite or PostgreSQL). */
export class StoreCacheBackend implements CacheBackend {
  readonly name = 'store' as const;

  constructor(private readonly store: Store) {}

  async get(keyHash: string, orgId: string, now: Date): Promise<CachedAnswer | undefined> {
    // The org is checked as well as hashed into the key: an entry can only ever answer its own org.
    const row = await this.store.get<{ body: string; cost_usd: string | null; provider: string; model: string }>(
      `SELECT body, cost_usd, provider, model FROM response_cache
       WHERE key_hash = $1 AND org_id = $2 AND expires_at > $3`,
      [keyHash, orgId, now.toISOString()],
    );
    if (!row) return undefined;
    return {
      body: row.body,
      costUsd: row.cost_usd === null ? null : String(row.cost_usd),
      provider: row.provider as PricedProvider,
      model: row.model,
    };
  }

  async put(e: CacheEntry, limits: CacheLimits): Promise<void> {
    await this.store.run(
      `INSERT INTO response_cache (key_hash, org_id, provider, model, kind, body, body_bytes, cost_usd, created_at,
         expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (key_hash) DO UPDATE SET org_id = excluded.org_id, provider = excluded.provider,
         model = excluded.model, kind = excluded.kind, body = excluded.body, body_bytes = excluded.body_bytes,
         cost_usd = excluded.cost_usd, created_at = excluded.created_at, expires_at = excluded.expires_at`,
      [
        e.keyHash,
        e.orgId,
        e.provider,
        e.model,
        e.kind,
        e.body,
        e.bytes,
        e.costUsd,
        e.createdAt.toISOString(),
        e.expiresAt.toISOString(),
      ],
    );
    await this.prune(e.createdAt, limits);
  }

  /** Expired entries first, then the oldest until both limits hold. */
  private async prune(now: Date, limits: CacheLimits): Promise<void> {
    await this.store.run('DELETE FROM response_cache WHERE expires_at <= $1', [now.toISOString()]);
    const size = await this.size(now);
    let entries = size.entries;
    let bytes = size.bytes;
    while (entries > limits.maxEntries || bytes > limits.maxBytes) {
      const oldest = await this.store.all<{ key_hash: string; body_bytes: number | string }>(
        'SELECT key_hash, body_bytes FROM response_cache ORDER BY created_at, key_hash LIMIT $1',
        [PRUNE_BATCH],
      );
      if (oldest.length === 0) return;
      const drop: string[] = [];
      for (const r of oldest) {
        if (entries <= limits.maxEntries && bytes <= limits.maxBytes) break;
        drop.push(r.key_hash);
        entries--;
        bytes -= Number(r.body_bytes);
      }
      const marks = drop.map((_, i) => `$${i + 1}`).join(',');
      await this.store.run(`DELETE FROM response_cache WHERE key_hash IN (${marks})`, drop);
      await this.dropOrphanVectors();
    }
  }

  async size(now: Date): Promise<{ entries: number; bytes: number }> {
    const r = await this.store.get<{ n: number | string; b: number | string | null }>(
      'SELECT COUNT(*) AS n, SUM(body_bytes) AS b FROM response_cache WHERE expires_at > $1',
      [now.toISOString()],
    );
    return { entries: Number(r?.n ?? 0), bytes: Number(r?.b ?? 0) };
  }

  async clear(filter: CacheFilter): Promise<number> {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.orgId !== undefined) where.push(`org_id = $${params.push(filter.orgId)}`);
    if (filter.model !== undefined) where.push(`model = $${params.push(filter.model)}`);
    const r = await this.store.run(
      `DELETE FROM response_cache${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
      params,
    );
    await this.dropOrphanVectors();
    return r.changes;
  }

  /** The semantic cache's vectors point at entries by key hash: an entry dropped takes its vector along. */
  private async dropOrphanVectors(): Promise<void> {
    await this.store.run('DELETE FROM semantic_cache WHERE key_hash NOT IN (SELECT key_hash FROM response_cache)');
  }
}
