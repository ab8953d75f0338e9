import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money, sumMoney } from '../../src/core/base/money.js';
import { migrate, migrationStatus } from '../../src/core/base/store/migrate.js';
import type { Migration } from '../../src/core/base/store/migrations/index.js';
import { MIGRATIONS } from '../../src/core/base/store/migrations/index.js';
import type { Store } from '../../src/core/base/store/types.js';
import { join } from 'node:path';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { runOco, tempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

describe.each(BACKENDS)('store on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterAll(async () => cleanup?.());

    it('applies the whole migration history and reports it', async () => {
      const status = await migrationStatus(store);
      expect(status.current).toBe(MIGRATIONS.at(-1)!.version);
      expect(status.pending).toEqual([]);
      expect(status.modified).toEqual([]);
      expect(await migrate(store)).toEqual([]); // idempotent
    });

    it('creates every table of the design', async () => {
      const tables = [
        'organizations',
        'teams',
        'agents',
        'api_keys',
        'model_pricing',
        'budgets',
        'budget_alerts',
        'rate_limits',
        'api_requests',
        'usage_hourly',
        'cloud_costs',
        'ingest_runs',
        'currency_rates',
        'optimization_recommendations',
        'governance_policies',
        'policy_violations',
        'backup_jobs',
        'backup_records',
        'dr_plans',
      ];
      for (const t of tables) {
        const row = await store.get(`SELECT COUNT(*) AS n FROM ${t}`);
        expect(Number(row!.n), t).toBe(0);
      }
    });

    it('binds $n placeholders in any order and repeated, and normalises values', async () => {
      const when = new Date('2026-03-01T12:34:56.789Z');
      await store.run(
        `INSERT INTO api_requests (id, ts, provider, model, tags, cost_usd, streamed, estimated) VALUES ($2, $1, $3, $3, $4, $5, $6, $7)`,
        [when, 'r1', 'openai', { team: 'a' }, new Money('0.000000123456789012345'), true, false],
      );
      const row = await store.get<{
        id: string;
        ts: string;
        model: string;
        tags: string;
        cost_usd: string;
        streamed: unknown;
      }>('SELECT id, ts, model, tags, cost_usd, streamed FROM api_requests WHERE id = $1 AND provider = $2', [
        'r1',
        'openai',
      ]);
      expect(row!.id).toBe('r1');
      expect(row!.model).toBe('openai');
      expect(new Date(row!.ts).toISOString()).toBe(when.toISOString());
      expect(JSON.parse(row!.tags)).toEqual({ team: 'a' });
      expect(new Money(row!.cost_usd).equals('0.000000123456789012345')).toBe(true);
      expect(Boolean(row!.streamed)).toBe(true);
    });

    it('commits a transaction that resolves and rolls back one that throws', async () => {
      await store.transaction(async (tx) => {
        await tx.run('INSERT INTO organizations (id, name) VALUES ($1, $2)', ['o1', 'One']);
      });
      await expect(
        store.transaction(async (tx) => {
          await tx.run('INSERT INTO organizations (id, name) VALUES ($1, $2)', ['o2', 'Two']);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const rows = await store.all<{ id: string }>('SELECT id FROM organizations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(['o1']);
    });

    it('keeps concurrent transactions apart', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction(async (tx) => {
            const row = await tx.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM teams');
            await tx.run('INSERT INTO teams (id, name) VALUES ($1, $2)', [`t${i}`, String(row!.n)]);
          }),
        ),
      );
      const row = await store.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM teams');
      expect(Number(row!.n)).toBe(20);
    });

    it('sums money exactly: a million small costs equal the decimal total', async () => {
      await store.exec(
        'CREATE TABLE exact_sum (cost {{money}})'.replace(
          '{{money}}',
          store.engine === 'postgres' ? 'NUMERIC' : 'TEXT',
        ),
      );
      // Costs of the size a single LLM call has, with more digits than a double holds.
      const costs: string[] = [];
      let seed = 12345;
      for (let i = 0; i < 1_000_000; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        costs.push(`0.${String(seed % 1_000_000_000).padStart(9, '0')}${String(i % 997).padStart(3, '0')}`);
      }
      const expected = sumMoney(costs);
      const floatSum = costs.reduce((a, c) => a + Number(c), 0);
      expect(new Money(floatSum).equals(expected)).toBe(false); // why exactness needs care at all
      await insertMany(store, costs);
      const row = await store.get<{ total: string }>(
        `SELECT ${store.dialect.sumMoney('cost')} AS total FROM exact_sum`,
      );
      expect(new Money(row!.total).toFixed()).toBe(expected.toFixed());
      await store.exec('DROP TABLE exact_sum');
    }, 120_000);

    it('adds money exactly in upserted rollups', async () => {
      const hour = '2026-01-01T00:00:00.000Z';
      const key = [hour, 'o', 't', 'a', 'u', 'openai', 'gpt-4o'];
      for (const c of ['0.1', '0.2', '0.0000000000000001']) {
        await store.run(
          `INSERT INTO usage_hourly (hour, org_id, team_id, agent_id, user_id, provider, model, requests, cost_usd)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)
           ON CONFLICT (hour, org_id, team_id, agent_id, user_id, provider, model)
           DO UPDATE SET requests = usage_hourly.requests + 1, cost_usd = ${store.dialect.addMoney('usage_hourly.cost_usd', 'excluded.cost_usd')}`,
          [...key, c],
        );
      }
      const row = await store.get<{ requests: unknown; cost_usd: string }>(
        'SELECT requests, cost_usd FROM usage_hourly',
      );
      expect(Number(row!.requests)).toBe(3);
      expect(new Money(row!.cost_usd).equals('0.3000000000000001')).toBe(true);
    });
  });
});

describe.each(BACKENDS)('migrations on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    it('rolls a failed migration back and keeps the previous version', async () => {
      const { store, cleanup } = await backend.open({ migrate: false });
      try {
        const good: Migration = { version: 1, name: 'good', up: 'CREATE TABLE m_good (id TEXT PRIMARY KEY);' };
        const bad: Migration = {
          version: 2,
          name: 'bad',
          up: 'CREATE TABLE m_half (id TEXT); CREATE TABLE m_good (id TEXT);',
        };
        await migrate(store, [good]);
        await store.run("INSERT INTO m_good (id) VALUES ('kept')");
        await expect(migrate(store, [good, bad])).rejects.toMatchObject({ code: 'OCO_MIGRATION_FAILED' });
        const status = await migrationStatus(store, [good, bad]);
        expect(status.current).toBe(1);
        expect(status.pending.map((p) => p.version)).toEqual([2]);
        // The half-applied statement of the failed migration is gone, the data before it is not.
        await expect(store.get('SELECT * FROM m_half')).rejects.toThrow();
        expect(await store.get('SELECT id FROM m_good')).toEqual({ id: 'kept' });
      } finally {
        await cleanup();
      }
    });

    it('lets several processes migrate at once and applies each migration once', async () => {
      const { store, url, cleanup } = await backend.open({ migrate: false });
      const home = tempHome();
      try {
        // Separate processes: that is the real race (two commands starting together), and the only one a synchronous SQLite driver can have.
        const env = backend.name === 'postgres' ? { DATABASE_URL: url } : { OCO_HOME: home.path };
        if (backend.name === 'sqlite') await store.close();
        const target = backend.name === 'sqlite' ? join(home.path, 'data', 'oco.db') : url;
        const runs = await Promise.all(Array.from({ length: 4 }, () => runOco(['db', 'migrate', '--json'], { env })));
        for (const r of runs) expect(r.code, r.stderr).toBe(0);
        const applied = runs.flatMap((r) => r.json().applied.map((m: { version: number }) => m.version));
        expect(applied.sort((a, b) => a - b)).toEqual(MIGRATIONS.map((m) => m.version));
        const check = backend.name === 'sqlite' ? new SqliteStore({ file: target }) : store;
        expect((await migrationStatus(check)).current).toBe(MIGRATIONS.at(-1)!.version);
        if (check !== store) await check.close();
      } finally {
        home.cleanup();
        await cleanup().catch(() => {});
      }
    });
  });
});

async function insertMany(store: Store, costs: string[]): Promise<void> {
  const chunk = store.engine === 'postgres' ? 50_000 : 10_000;
  for (let i = 0; i < costs.length; i += chunk) {
    const part = costs.slice(i, i + chunk);
    if (store.engine === 'postgres') {
      await store.run('INSERT INTO exact_sum (cost) SELECT unnest($1::numeric[])', [part]);
    } else {
      await store.transaction(async (tx) => {
        for (const c of part) await tx.run('INSERT INTO exact_sum (cost) VALUES ($1)', [c]);
      });
    }
  }
}
