import pg from 'pg';
import { Redis } from 'ioredis';

/** Where the test suites find PostgreSQL and Redis; the machines here run both on loopback. */
export const PG_ADMIN_URL = process.env.OCO_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.OCO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ServiceState {
  pg: { ok: boolean; reason?: string; adminUrl: string };
  redis: { ok: boolean; reason?: string; url: string };
  runId: string;
}

export async function probePostgres(): Promise<{ ok: boolean; reason?: string }> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `PostgreSQL at ${PG_ADMIN_URL} unreachable: ${(err as Error).message}` };
  } finally {
    await client.end().catch(() => {});
  }
}

export async function probeRedis(): Promise<{ ok: boolean; reason?: string }> {
  const r = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `Redis at ${REDIS_URL} unreachable: ${(err as Error).message}` };
  } finally {
    r.disconnect();
  }
}
