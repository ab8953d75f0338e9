import type { RedisConnection } from '../../base/redis/connection.js';
import type { PricedProvider } from '../model.js';
import type { CacheBackend, CacheEntry, CacheFilter, CacheLimits, CachedAnswer } from './backend.js';

const PREFIX = 'oco:cache:';
/** Entry hashes by creation time (ms): the order entries are dropped in. */
const INDEX = `${PREFIX}index`;
/** Entry hash → "bytes<TAB>org<TAB>model<TAB>expires ms": sizes and what `clear` filters on, without reading bodies. */
const META = `${PREFIX}meta`;

const entryKey = (hash: string) => `${PREFIX}e:${hash}`;

interface Meta {
  hash: string;
  bytes: number;
  org: string;
  model: string;
  expires: number;
}

function parseMeta(hash: string, v: string): Meta {
  const [bytes, org, model, expires] = v.split('\t');
  return { hash, bytes: Number(bytes), org: org ?? '', model: model ?? '', expires: Number(expires) };
}

/**
 * Cached answers in Redis, shared by every daemon using it: one string per entry with Redis's
 * own expiry, plus an index and a size table for the limits and `oco cache clear`.
 */
export class RedisCacheBackend implements CacheBackend {
  readonly name = 'redis' as const;

  constructor(private readonly redis: RedisConnection) {}

  async get(keyHash: string, orgId: string, now: Date): Promise<CachedAnswer | undefined> {
    const raw = await this.redis.with((r) => r.get(entryKey(keyHash)));
    if (!raw) return undefined;
    const e = JSON.parse(raw) as { o: string; p: PricedProvider; m: string; b: string; c: string | null; x: number };
    if (e.o !== orgId || e.x <= now.getTime()) return undefined;
    return { body: e.b, costUsd: e.c, provider: e.p, model: e.m };
  }

  async put(e: CacheEntry, limits: CacheLimits): Promise<void> {
    const expires = e.expiresAt.getTime();
    const value = JSON.stringify({
      o: e.orgId,
      p: e.provider,
      m: e.model,
      k: e.kind,
      b: e.body,
      c: e.costUsd,
      x: expires,
    });
    await this.redis.with((r) =>
      r
        .multi()
        .set(entryKey(e.keyHash), value, 'PX', Math.max(1, expires - e.createdAt.getTime()))
        .zadd(INDEX, e.createdAt.getTime(), e.keyHash)
        .hset(META, e.keyHash, `${e.bytes}\t${e.orgId}\t${e.model}\t${expires}`)
        .exec(),
    );
    await this.prune(e.createdAt, limits);
  }

  private async metas(): Promise<Meta[]> {
    const all = await this.redis.with((r) => r.hgetall(META));
    return Object.entries(all).map(([hash, v]) => parseMeta(hash, v));
  }

  private async drop(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.redis.with((r) =>
      r
        .multi()
        .del(...hashes.map(entryKey))
        .zrem(INDEX, ...hashes)
        .hdel(META, ...hashes)
        .exec(),
    );
  }

  /** Expired entries first (Redis dropped their bodies already), then the oldest until both limits hold. */
  private async prune(now: Date, limits: CacheLimits): Promise<void> {
    const metas = await this.metas();
    const expired = metas.filter((m) => m.expires <= now.getTime()).map((m) => m.hash);
    await this.drop(expired);
    let entries = metas.length - expired.length;
    let bytes = metas.reduce((n, m) => (m.expires <= now.getTime() ? n : n + m.bytes), 0);
    if (entries <= limits.maxEntries && bytes <= limits.maxBytes) return;
    const sizes = new Map<string, number>(metas.map((m) => [m.hash, m.bytes]));
    const oldest = await this.redis.with((r) => r.zrange(INDEX, '0', '-1'));
    const drop: string[] = [];
    for (const hash of oldest) {
      if (entries <= limits.maxEntries && bytes <= limits.maxBytes) break;
      if (expired.includes(hash)) continue;
      drop.push(hash);
      entries--;
      bytes -= sizes.get(hash) ?? 0;
    }
    await this.drop(drop);
  }

  async size(now: Date): Promise<{ entries: number; bytes: number }> {
    const live = (await this.metas()).filter((m) => m.expires > now.getTime());
    return { entries: live.length, bytes: live.reduce((n, m) => n + m.bytes, 0) };
  }

  async clear(filter: CacheFilter): Promise<number> {
    const hit = (await this.metas()).filter(
      (m) =>
        (filter.orgId === undefined || m.org === filter.orgId) &&
        (filter.model === undefined || m.model === filter.model),
    );
    await this.drop(hit.map((m) => m.hash));
    return hit.length;
  }
}
