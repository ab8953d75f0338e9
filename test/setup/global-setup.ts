import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PG_ADMIN_URL, REDIS_URL, probePostgres, probeRedis, type ServiceState } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceState;
  }
}

/**
 * Probes PostgreSQL and Redis once. In CI (CI=true) a missing service fails the
 * whole run: those suites must run there. Elsewhere they skip with a one-line reason.
 * Every database a run creates carries the run id and is dropped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const [pgState, redisState] = await Promise.all([probePostgres(), probeRedis()]);
  if (process.env.CI === 'true') {
    const missing = [pgState, redisState].filter((s) => !s.ok).map((s) => s.reason);
    if (missing.length > 0) throw new Error(`CI=true and a required service is missing:\n${missing.join('\n')}`);
  } else {
    for (const s of [pgState, redisState])
      if (!s.ok) console.warn(`[skip] ${s.reason}; its suites are skipped (they fail when CI=true).`);
  }
  project.provide('services', {
    pg: { ...pgState, adminUrl: PG_ADMIN_URL },
    redis: { ...redisState, url: REDIS_URL },
    runId,
  });
  return async () => {
    if (!pgState.ok) return;
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname LIKE $1',
        [`oco_t_${runId}_%`],
      );
      for (const r of rows) await client.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
}
