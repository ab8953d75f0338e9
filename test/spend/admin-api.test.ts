import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleBudgetsApi } from '../../src/core/gateway/spend/admin-api.js';
import type { Store } from '../../src/core/base/store/types.js';
import { BACKENDS } from '../helpers/stores.js';
import { testConfig } from './helpers.js';

/** The admin API handlers on each store engine, without HTTP (the daemon test covers HTTP and X-API-Key). */
for (const backend of BACKENDS) {
  describe.skipIf(!backend.available())(`budgets admin API on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const config = testConfig({ OCO_BUDGET_TIMEZONE: 'America/New_York' });
    const call = (method: string, path: string, body?: unknown, query = '') =>
      handleBudgetsApi(config, store, { method, path, query: new URLSearchParams(query), body });
    beforeAll(async () => ({ store, cleanup } = await backend.open()));
    afterAll(async () => cleanup?.());

    it('creates with API field names and the configured default timezone, lists, filters, shows one entity', async () => {
      const created = await call('POST', '/api/v1/budgets', {
        scope: 'agent',
        entity_id: 'bot-1',
        limit_usd: 12.5,
        period: 'weekly',
        hard: false,
        alert_at: '90',
        webhook_url: 'https://hooks.example.com/T/abc',
      });
      expect(created!.status).toBe(201);
      expect((created!.body as any).budget).toMatchObject({
        scope: 'agent',
        entity_id: 'bot-1',
        limit_usd: '12.5',
        period: 'weekly',
        timezone: 'America/New_York',
        hard: false,
        alert_at: [90],
        webhook: 'https://hooks.example.com/…',
      });
      await call('POST', '/api/v1/budgets', {
        scope: 'team',
        entity: 'search',
        create_entity: true,
        limit: '3',
        period: 'rolling',
        window: '6h',
        model: 'gpt-4o',
      });
      const all = await call('GET', '/api/v1/budgets');
      expect((all!.body as any).budgets).toHaveLength(2);
      const teams = await call('GET', '/api/v1/budgets', undefined, 'scope=team');
      expect((teams!.body as any).budgets.map((b: any) => b.entity_id)).toEqual(['search']);
      const one = await call('GET', '/api/v1/budgets/team/search');
      expect((one!.body as any).budgets[0]).toMatchObject({
        window: '6h',
        model: 'gpt-4o',
        spent_usd: '0',
        resets_at: null,
      });
      expect(await call('GET', '/api/v1/costs/summary')).toBeNull();
    });

    it('rate limits upsert by scope, entity and kind; alerts deduplicate by key (engine-specific ON CONFLICT)', async () => {
      const { parseRateLimitInput } = await import('../../src/core/gateway/spend/model.js');
      const { upsertRateLimit, listRateLimits, deleteRateLimit, recordAlert, listAlerts } =
        await import('../../src/core/gateway/spend/repo.js');
      await upsertRateLimit(
        store,
        parseRateLimitInput({ scope: 'team', entity: 'search', kind: 'tpm', limit: '1000' }),
      );
      await upsertRateLimit(
        store,
        parseRateLimitInput({ scope: 'team', entity: 'search', kind: 'tpm', limit: '2000', window: '10s' }),
      );
      expect((await listRateLimits(store)).map((l) => [l.kind, l.limit, l.windowSeconds])).toEqual([['tpm', 2000, 10]]);
      expect(await deleteRateLimit(store, { scope: 'team', entityId: 'search' })).toHaveLength(1);
      const alert = {
        budgetId: 'b1',
        kind: 'threshold' as const,
        thresholdPct: 80,
        periodStart: '2026-01-01T00:00:00.000Z',
        spentUsd: '8.000000001',
        limitUsd: '10',
        details: { a: 1 },
        dedupeKey: 'threshold:b1:p:80',
      };
      expect(await recordAlert(store, alert)).toBe(true);
      expect(await recordAlert(store, alert)).toBe(false);
      const [got] = await listAlerts(store, { budgetId: 'b1' });
      expect(got).toMatchObject({
        kind: 'threshold',
        thresholdPct: 80,
        spentUsd: '8.000000001',
        limitUsd: '10',
        details: { a: 1 },
      });
    });

    it('rejects bad input with 400 naming the field, and stores nothing', async () => {
      const cases: Array<[unknown, string | undefined]> = [
        [{ scope: 'galaxy', entity_id: 'x', limit_usd: '1', period: 'daily' }, 'scope'],
        [{ scope: 'team', entity_id: 'x', limit_usd: 'ten', period: 'daily' }, 'limit'],
        [{ scope: 'team', entity_id: 'x', limit_usd: '1', period: 'hourly' }, 'period'],
        [{ scope: 'team', entity_id: 'x', limit_usd: '1', period: 'daily', timezone: 'Europe/Atlantis' }, 'timezone'],
        [{ scope: 'team', limit_usd: '1', period: 'daily' }, 'entity'],
        [[1, 2], undefined],
      ];
      for (const [body, field] of cases) {
        const r = await call('POST', '/api/v1/budgets', body);
        expect(r!.status).toBe(400);
        expect((r!.body as any).error.type).toBe('invalid_request');
        expect((r!.body as any).error.field).toBe(field);
      }
      expect((await call('GET', '/api/v1/budgets/team/x'))!.status).toBe(404);
      expect((await call('GET', '/api/v1/budgets/planet/x'))!.status).toBe(400);
    });
  });
}
