import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminKey } from '../../src/core/gateway/keys/admin-keys.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { GROUP_BY } from '../../src/core/gateway/usage/summary.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { usageRecord } from '../helpers/usage-record.js';
import { startHarness, type Harness } from '../proxy/harness.js';

const ADMIN_KEY = 'admin-secret-api-789';

type Err = { error: { type: string; code: string; message: string; field?: string } };

const record = (id: string, over: Partial<UsageRecord>) => usageRecord({ id, ...over });

describe('the admin API: scopes, budgets, limits, pricing and spend', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { OCO_ADMIN_API_KEY: ADMIN_KEY, OPENAI_API_KEY: 'sk-configured-upstream' } });
  });
  afterAll(async () => h?.stop());

  const api = async (method: string, path: string, body?: unknown, key: string | null = ADMIN_KEY) => {
    const res = await fetch(`${h.url}${path}`, {
      method,
      headers: {
        ...(key ? { 'x-api-key': key } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };
  const count = async (table: string) =>
    Number((await h.daemon.store.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);

  it('read keys may only GET; a refused change is 403 OCO_ADMIN_SCOPE and changes nothing', async () => {
    const created = await api('POST', '/api/v1/admin-keys', { scope: 'read', name: 'grafana' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'grafana', scope: 'read', status: 'active' });
    const readKey = created.body.key as string;
    expect(readKey).toMatch(/^oco-admin_/);
    // Stored hashed: the secret appears nowhere in the table.
    expect(JSON.stringify(await h.daemon.store.all('SELECT * FROM admin_keys'))).not.toContain(readKey);

    expect((await api('GET', '/api/v1/limits', undefined, readKey)).status).toBe(200);
    expect((await api('GET', '/api/v1/spend/summary', undefined, readKey)).status).toBe(200);
    const before = await count('rate_limits');
    for (const [method, path, body] of [
      ['POST', '/api/v1/limits', { scope: 'team', entity: 'docs', kind: 'rpm', limit: 5 }],
      ['POST', '/api/v1/admin-keys', { scope: 'write' }],
      ['DELETE', '/api/v1/limits?scope=team&entity=docs', undefined],
      ['POST', '/api/v1/pricing', { model: 'gpt-4o', input: '1' }],
    ] as const) {
      const r = await api(method, path, body, readKey);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect((r.body as Err).error).toMatchObject({ type: 'forbidden', code: 'OCO_ADMIN_SCOPE' });
    }
    expect(await count('rate_limits')).toBe(before);
    expect(await count('admin_keys')).toBe(1);

    const { key: writeKey } = await createAdminKey(h.daemon.store, { scope: 'write', name: 'ci' });
    const set = await api(
      'POST',
      '/api/v1/limits',
      { scope: 'team', entity: 'docs', kind: 'rpm', limit: 5, create_entity: true },
      writeKey,
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ scope: 'team', entity_id: 'docs', kind: 'rpm', limit: 5, window: '1m' });

    const revoked = await api('POST', '/api/v1/admin-keys/grafana/revoke', undefined, writeKey);
    expect(revoked.body).toMatchObject({ status: 'revoked' });
    const after = await api('GET', '/api/v1/limits', undefined, readKey);
    expect(after.status).toBe(401);
    expect((after.body as Err).error.code).toBe('OCO_ADMIN_UNAUTHORIZED');
    expect((await api('GET', '/api/v1/limits', undefined, 'oco-admin_wrong-secret-of-the-right-shape')).status).toBe(
      401,
    );
    expect((await api('GET', '/api/v1/limits', undefined, null)).status).toBe(401);
  });

  it('an admin key sent to a proxy route is refused there, never forwarded upstream', async () => {
    const { key } = await createAdminKey(h.daemon.store, { scope: 'write', name: 'misplaced' });
    const calls = h.fake.requests?.length;
    const res = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(401);
    expect(h.fake.requests?.length).toBe(calls);
  });

  it('updates, resets and deletes budgets with the CLI validation; bad input changes nothing', async () => {
    const created = await api('POST', '/api/v1/budgets', {
      scope: 'team',
      entity: 'docs',
      limit: '100',
      period: 'monthly',
      create_entity: true,
    });
    expect(created.status).toBe(201);
    const id = created.body.budget.id as string;

    const patched = await api('PATCH', `/api/v1/budgets/${id}`, { limit: '250.50', 'alert-at': '50,90' });
    expect(patched.status).toBe(200);
    expect(patched.body.budget).toMatchObject({ id, limit_usd: '250.5', alert_at: [50, 90] });

    for (const [body, field] of [
      [{ limit: '-3' }, 'limit'],
      [{ period: 'fortnightly' }, 'period'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const bad = await api('PATCH', `/api/v1/budgets/${id}`, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect((bad.body as Err).error).toMatchObject({ code: 'OCO_SPEND_INVALID', field });
    }
    const empty = await api('PATCH', `/api/v1/budgets/${id}`, {});
    expect(empty.status).toBe(400);
    expect((empty.body as Err).error.code).toBe('OCO_ADMIN_BAD_REQUEST');
    const notJson = await api('PATCH', `/api/v1/budgets/${id}`, '{"limit":');
    expect(notJson.status).toBe(400);
    expect((await api('GET', '/api/v1/budgets/team/docs')).body.budgets[0]).toMatchObject({ limit_usd: '250.5' });

    const reset = await api('POST', `/api/v1/budgets/${id}/reset`);
    expect(reset.status).toBe(200);
    expect(reset.body.budget).toMatchObject({ id, spent_usd: '0', limit_usd: '250.5' });

    const alerts = await api('GET', `/api/v1/budgets/alerts?budget=${id}&limit=10`);
    expect(alerts.status).toBe(200);
    expect(alerts.body).toEqual([]);
    const badLimit = await api('GET', '/api/v1/budgets/alerts?limit=0');
    expect((badLimit.body as Err).error).toMatchObject({ code: 'OCO_SPEND_INVALID', field: 'limit' });

    expect(await api('DELETE', `/api/v1/budgets/${id}`)).toMatchObject({
      status: 200,
      body: { deleted: id, scope: 'team', entity_id: 'docs' },
    });
    const again = await api('DELETE', `/api/v1/budgets/${id}`);
    expect(again.status).toBe(404);
    expect((again.body as Err).error.code).toBe('OCO_BUDGET_NOT_FOUND');
    const wrongMethod = await api('PUT', `/api/v1/budgets/${id}`, {});
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('PATCH, DELETE');
  });

  it('lists, sets and deletes rate limits', async () => {
    const bad = await api('POST', '/api/v1/limits', { scope: 'team', entity: 'ops', kind: 'rph', limit: 5 });
    expect(bad.status).toBe(400);
    expect((bad.body as Err).error).toMatchObject({ code: 'OCO_SPEND_INVALID', field: 'kind' });
    const set = await api('POST', '/api/v1/limits', {
      scope: 'agent',
      entity_id: 'bot',
      kind: 'tpm',
      limit: '1000',
      window: '10s',
    });
    expect(set.body).toMatchObject({ scope: 'agent', entity_id: 'bot', kind: 'tpm', limit: 1000, window: '10s' });
    // The list adds where each limit stands (used, remaining: null for the sliding-window kinds, not in the store).
    expect((await api('GET', '/api/v1/limits')).body).toEqual(
      expect.arrayContaining([{ ...set.body, used: null, remaining: null, resets_at: null }]),
    );
    const removed = await api('DELETE', `/api/v1/limits/${set.body.id}`);
    expect(removed.body).toEqual([set.body]);
    const gone = await api('DELETE', `/api/v1/limits/${set.body.id}`);
    expect((gone.body as Err).error.code).toBe('OCO_RATE_LIMIT_NOT_FOUND');
    const unnamed = await api('DELETE', '/api/v1/limits?scope=team');
    expect((unnamed.body as Err).error).toMatchObject({ code: 'OCO_SPEND_INVALID', field: 'entity' });
  });

  it('sets and imports prices', async () => {
    const set = await api('POST', '/api/v1/pricing', {
      model: 'my-model',
      provider: 'openai',
      input: '0.5',
      cached_input: 0.25,
      output: '2',
      effective_from: '2026-01-01T00:00:00Z',
    });
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({ model: 'my-model', prices: { input: '0.5', cached_input: '0.25', output: '2' } });
    const bad = await api('POST', '/api/v1/pricing', { model: 'my-model', input: 'cheap' });
    expect(bad.status).toBe(400);
    expect((bad.body as Err).error.message).toContain('input must be a non-negative decimal');
    const badCtx = await api('POST', '/api/v1/pricing', { model: 'my-model', input: '1', min_context: -1 });
    expect((badCtx.body as Err).error).toMatchObject({ field: 'min_context' });

    const imported = await api('POST', '/api/v1/pricing/import?effective_from=2026-02-01T00:00:00Z', {
      'gpt-imported': { litellm_provider: 'openai', input_cost_per_token: 0.000001, output_cost_per_token: 0.000004 },
      'not-priced': { litellm_provider: 'openai', output_cost_per_token: 1 },
    });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ models: 1, rows: 2, effective_from: '2026-02-01T00:00:00.000Z' });
    expect(imported.body.skipped).toEqual([{ model: 'not-priced', reason: 'no input_cost_per_token' }]);
    const notObject = await api('POST', '/api/v1/pricing/import', [1, 2]);
    expect(notObject.status).toBe(400);
  });

  it('lists calls with every filter and a cursor; summaries by each grouping; bad values name the parameter', async () => {
    await h.daemon.store.transaction((tx) =>
      writeRecords(tx, [
        record('r1', { keyId: 'key_a' }),
        record('r2', { keyId: 'key_a', statusCode: 502, errorClass: 'upstream_5xx', costUsd: '1.5' }),
        record('r3', { provider: 'anthropic', model: 'claude-haiku', teamId: 'ops', agentId: 'pager' }),
      ]),
    );
    const ids = (b: any) => (b.requests as Array<{ id: string }>).map((r) => r.id).sort();
    const q = (s: string) => api('GET', `/api/v1/spend/requests?${s}`).then((r) => r.body);
    expect(ids(await q('key=key_a'))).toEqual(['r1', 'r2']);
    expect(ids(await q('status=5xx'))).toEqual(['r2']);
    expect(ids(await q('min_cost=1'))).toEqual(['r2']);
    expect(ids(await q('team=ops&agent=pager&provider=anthropic&model=claude-haiku&since=1d'))).toEqual(['r3']);
    const first = await q('limit=2&since=1h');
    expect(first.requests).toHaveLength(2);
    const second = await q(`limit=2&since=1h&cursor=${first.next_cursor}`);
    expect([...ids(first), ...ids(second)].sort()).toEqual(['r1', 'r2', 'r3']);
    expect(second.next_cursor).toBeNull();

    for (const [query, field] of [
      ['status=teapot', 'status'],
      ['min_cost=-1', 'min_cost'],
      ['since=yesterday', 'since'],
      ['cursor=bogus', 'cursor'],
      ['limit=5000', 'limit'],
      ['routed=maybe', 'routed'],
    ] as const) {
      const r = await api('GET', `/api/v1/spend/requests?${query}`);
      expect(r.status, query).toBe(400);
      expect((r.body as Err).error, query).toMatchObject({ code: 'OCO_SPEND_FILTER_INVALID', field });
      expect((r.body as Err).error.message, query).toMatch(new RegExp(`^${field}: `));
    }

    const dims = GROUP_BY.filter((d) => d !== 'day');
    expect(dims).toHaveLength(8);
    for (const by of dims) {
      const r = await api('GET', `/api/v1/spend/summary?by=${by}&since=1d`);
      expect(r.status, by).toBe(200);
      expect(r.body.total.requests, by).toBeGreaterThanOrEqual(3);
    }
    const two = await api('GET', '/api/v1/spend/summary?by=team,model&since=1d');
    expect(two.body.rows).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'ops', sub_key: 'claude-haiku' })]),
    );
    const badBy = await api('GET', '/api/v1/spend/summary?by=colour');
    expect((badBy.body as Err).error).toMatchObject({ code: 'OCO_SPEND_FILTER_INVALID', field: 'by' });
  });
});
