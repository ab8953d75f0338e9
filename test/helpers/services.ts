import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** Whether PostgreSQL is there; suites use describe.skipIf(!pgAvailable()). In CI a missing server already failed the run. */
export function pgAvailable(): boolean {
  return inject('services').pg.ok;
}

export function redisAvailable(): boolean {
  return inject('services').redis.ok;
}

export function redisUrl(db = 0): string {
  const base = inject('services').redis.url.replace(/\/\d*$/, '');
  return `${base}/${db}`;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database for one suite; dropped by drop() and, as a safety net, at the end of the run. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { pg: state, runId } = inject('services');
  const name = `oco_t_${runId}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: state.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(state.adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: state.adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface RedisDbLease {
  url: string;
  release(): Promise<void>;
}

/**
 * A Redis logical database of this suite's own, for suites that FLUSHDB: two test runs on one
 * machine (two checkouts, a run beside CI) would otherwise wipe each other's keys. Leases live in
 * database 0 with an expiry, so a killed run frees its databases by itself.
 */
export async function leaseRedisDb(): Promise<RedisDbLease> {
  const { Redis } = await import('ioredis');
  const lock = new Redis(redisUrl(0), { lazyConnect: true, maxRetriesPerRequest: 1 });
  const owner = `${inject('services').runId}:${process.pid}:${randomBytes(4).toString('hex')}`;
  try {
    for (let db = 1; db < 16; db++) {
      const key = `oco:test-lease:${db}`;
      if ((await lock.set(key, owner, 'PX', 10 * 60_000, 'NX')) !== 'OK') continue;
      return {
        url: redisUrl(db),
        async release() {
          const r = new Redis(redisUrl(0), { maxRetriesPerRequest: 1 });
          try {
            if ((await r.get(key)) === owner) await r.del(key);
          } finally {
            r.disconnect();
          }
        },
      };
    }
    throw new Error(
      'no free Redis database for this suite: 15 are leased (other test runs?); wait or clear oco:test-lease:* in db 0',
    );
  } finally {
    lock.disconnect();
  }
}
