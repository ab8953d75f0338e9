import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/core/base/redis/connection.js';
import type { CacheBackend, CacheEntry } from '../../src/core/gateway/cache/backend.js';
import { RedisCacheBackend } from '../../src/core/gateway/cache/redis-backend.js';
import { StoreCacheBackend } from '../../src/core/gateway/cache/store-backend.js';
import { leaseRedisDb, redisAvailable, type RedisDbLease } from '../helpers/services.js';
import { BACKENDS } from '../helpers/stores.js';

const T0 = new Date('2026-05-04T10:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const LIMITS = { maxEntries: 100, maxBytes: 1_000_000 };

function entry(hash: string, over: Partial<CacheEntry> = {}): CacheEntry {
  const body = over.body ?? JSON.stringify({ id: `chatcmpl-${hash}`, object: 'chat.completion' });
  return {
    keyHash: hash,
    orgId: 'org-a',
    provider: 'openai',
    model: 'gpt-4o',
    kind: 'chat',
    body,
    bytes: Buffer.byteLength(body),
    costUsd: '0.00525',
    createdAt: T0,
    expiresAt: at(60),
    ...over,
  };
}

interface Subject {
  name: string;
  available: () => boolean;
  open(): Promise<{ backend: CacheBackend; cleanup(): Promise<void> }>;
}

const SUBJECTS: Subject[] = [
  ...BACKENDS.map((b) => ({
    name: `store on ${b.name}`,
    available: b.available,
    async open() {
      const s = await b.open();
      return { backend: new StoreCacheBackend(s.store), cleanup: s.cleanup };
    },
  })),
  {
    name: 'redis',
    available: redisAvailable,
    async open() {
      const lease: RedisDbLease = await leaseRedisDb();
      const admin = new Redis(lease.url);
      await admin.flushdb();
      const conn = new RedisConnection({ url: lease.url, display: lease.url });
      return {
        backend: new RedisCacheBackend(conn),
        async cleanup() {
          await admin.flushdb();
          admin.disconnect();
          await conn.close();
          await lease.release();
        },
      };
    },
  },
];

/** One contract for every place cached answers live. */
describe.each(SUBJECTS)('response cache backend: $name', (subject) => {
  let backend: CacheBackend;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    if (!subject.available()) return;
    ({ backend, cleanup } = await subject.open());
  });
  afterAll(async () => cleanup?.());
  const run = it.skipIf(!subject.available());

  run('returns an entry to its own org only, with its exact cost, until it expires', async () => {
    await backend.clear({});
    await backend.put(entry('k1'), LIMITS);
    expect(await backend.get('k1', 'org-a', at(1))).toEqual({
      body: entry('k1').body,
      costUsd: '0.00525',
      provider: 'openai',
      model: 'gpt-4o',
    });
    expect(await backend.get('k1', 'org-b', at(1))).toBeUndefined();
    expect(await backend.get('nope', 'org-a', at(1))).toBeUndefined();
    expect(await backend.get('k1', 'org-a', at(60))).toBeUndefined();
  });

  run('keeps an unknown cost as null, never 0', async () => {
    await backend.clear({});
    await backend.put(entry('u', { costUsd: null }), LIMITS);
    expect((await backend.get('u', 'org-a', at(1)))?.costUsd).toBeNull();
  });

  run('replaces an entry under the same key', async () => {
    await backend.clear({});
    await backend.put(entry('r'), LIMITS);
    await backend.put(entry('r', { body: '{"v":2}', bytes: 7, createdAt: at(1), expiresAt: at(61) }), LIMITS);
    expect((await backend.get('r', 'org-a', at(2)))?.body).toBe('{"v":2}');
    expect(await backend.size(at(2))).toEqual({ entries: 1, bytes: 7 });
  });

  run('drops the oldest entries past the entry and byte limits, and expired ones', async () => {
    await backend.clear({});
    for (let i = 0; i < 5; i++) await backend.put(entry(`e${i}`, { createdAt: at(i), expiresAt: at(100) }), LIMITS);
    await backend.put(entry('e5', { createdAt: at(5), expiresAt: at(100) }), { maxEntries: 3, maxBytes: 1_000_000 });
    expect((await backend.size(at(6))).entries).toBe(3);
    expect(await backend.get('e2', 'org-a', at(6))).toBeUndefined();
    expect(await backend.get('e3', 'org-a', at(6))).toBeDefined();
    const bytes = entry('e6').bytes;
    await backend.put(entry('e6', { createdAt: at(6), expiresAt: at(100) }), { maxEntries: 100, maxBytes: bytes * 2 });
    expect(await backend.size(at(7))).toEqual({ entries: 2, bytes: bytes * 2 });
    expect(await backend.get('e5', 'org-a', at(7))).toBeDefined();
    // Expired at 100: the next write drops them.
    await backend.put(entry('late', { createdAt: at(200), expiresAt: at(300) }), LIMITS);
    expect(await backend.size(at(200))).toEqual({ entries: 1, bytes: entry('late').bytes });
  });

  run('clears by org, by model, or everything', async () => {
    await backend.clear({});
    await backend.put(entry('a1'), LIMITS);
    await backend.put(entry('a2', { model: 'gpt-4o-mini' }), LIMITS);
    await backend.put(entry('b1', { orgId: 'org-b' }), LIMITS);
    expect(await backend.clear({ orgId: 'org-a', model: 'gpt-4o-mini' })).toBe(1);
    expect(await backend.clear({ orgId: 'org-b' })).toBe(1);
    expect((await backend.size(at(1))).entries).toBe(1);
    expect(await backend.clear({})).toBe(1);
    expect(await backend.size(at(1))).toEqual({ entries: 0, bytes: 0 });
  });
});
