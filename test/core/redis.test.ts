import { describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/core/base/redis/connection.js';
import { redisAvailable, redisUrl } from '../helpers/services.js';

describe('Redis connection', () => {
  it('fails fast with a typed, masked error when Redis is down', async () => {
    const conn = new RedisConnection(
      { url: 'redis://:top-secret@127.0.0.1:1', display: 'redis://:****@127.0.0.1:1' },
      { connectTimeoutMs: 500 },
    );
    const started = Date.now();
    try {
      await expect(conn.get()).rejects.toMatchObject({ code: 'OCO_REDIS_UNREACHABLE', exitCode: 3 });
      const err = await conn.get().catch((e: Error) => e);
      expect(String((err as Error).message)).not.toContain('top-secret');
      expect((await conn.health()).ok).toBe(false);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await conn.close();
    }
  });

  describe.skipIf(!redisAvailable())('against the local server', () => {
    it('connects lazily, answers health and runs commands', async () => {
      const conn = new RedisConnection({ url: redisUrl(0), display: redisUrl(0) });
      try {
        const health = await conn.health();
        expect(health.ok).toBe(true);
        expect(health.latencyMs).toBeGreaterThanOrEqual(0);
        const key = `oco:test:${process.pid}:${Date.now()}`;
        await conn.with((r) => r.set(key, '1', 'EX', 10));
        expect(await conn.with((r) => r.get(key))).toBe('1');
        await conn.with((r) => r.del(key));
      } finally {
        await conn.close();
      }
    });
  });
});
