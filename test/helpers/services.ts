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
