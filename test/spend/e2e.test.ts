import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money } from '../../src/core/base/money.js';
import { parseRateLimitInput } from '../../src/core/gateway/spend/model.js';
import { upsertRateLimit } from '../../src/core/gateway/spend/repo.js';
import { summarize } from '../../src/core/gateway/usage/summary.js';
import { startHarness, waitFor, type Harness } from '../proxy/harness.js';
import { sleep } from './helpers.js';

const ADMIN_KEY = 'admin-key-for-spend-e2e-0123456789';

/**
 * Spend controls inside the real gateway daemon: budgets created through the
 * admin API, calls made with the official openai SDK to the fake upstream.
 * gpt-4o at the fake's usage costs 0.00525 USD a call; with max_tokens 1000 the
 * worst case reserved is about 0.01 USD (1000 output tokens at 10 USD per 1M).
 */
describe('spend controls through the gateway daemon', () => {
  let h: Harness;
  let client: OpenAI;
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h.url}${path}`, {
      method,
      headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const chat = (team: string) =>
    client.chat.completions
      .create(
        { model: 'gpt-4o', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Team-ID': team } },
      )
      .withResponse();

  beforeAll(async () => {
    h = await startHarness({ env: { OCO_ADMIN_API_KEY: ADMIN_KEY } });
    client = new OpenAI({ apiKey: 'sk-test-openai-key', baseURL: `${h.url}/v1/proxy/openai/v1`, maxRetries: 0 });
  });
  afterAll(async () => h?.stop());

  it('admin API: POST validates (400 naming the field, nothing stored), GET lists and shows one entity', async () => {
    const bad = await admin('POST', '/api/v1/budgets', {
      scope: 'team',
      create_entity: true,
      entity_id: 'payments',
      limit_usd: '-1',
      period: 'monthly',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: 'invalid_request', field: 'limit' });
    const badTz = await admin('POST', '/api/v1/budgets', {
      scope: 'team',
      create_entity: true,
      entity_id: 'payments',
      limit_usd: '1',
      period: 'daily',
      timezone: 'Nowhere/Land',
    });
    expect(badTz.body.error.field).toBe('timezone');
    expect((await admin('GET', '/api/v1/budgets')).body).toEqual({ budgets: [] });

    const created = await admin('POST', '/api/v1/budgets', {
      scope: 'team',
      create_entity: true,
      entity_id: 'payments',
      limit_usd: '0.035',
      period: 'daily',
      timezone: 'Europe/Berlin',
      alert_at: [50, 100],
    });
    expect(created.status).toBe(201);
    expect(created.body.budget).toMatchObject({
      scope: 'team',
      entity_id: 'payments',
      limit_usd: '0.035',
      spent_usd: '0',
      remaining_usd: '0.035',
      alert_at: [50, 100],
    });
    expect(
      (
        await admin('POST', '/api/v1/budgets', {
          scope: 'team',
          create_entity: true,
          entity_id: 'payments',
          limit_usd: '5',
          period: 'daily',
        })
      ).status,
    ).toBe(409);
    const one = await admin('GET', '/api/v1/budgets/team/payments');
    expect(one.status).toBe(200);
    expect(one.body.budgets).toHaveLength(1);
    expect((await admin('GET', '/api/v1/budgets/team/nobody')).status).toBe(404);
    const unauth = await fetch(`${h.url}/api/v1/budgets`);
    expect(unauth.status).toBe(401);
  });

  it('a budget refusal reaches the openai SDK as 429 with the budget_exceeded body and Retry-After', async () => {
    await sleep(2300); // the daemon re-reads budgets every 2 s
    const costs: string[] = [];
    let refusal: APIError | undefined;
    for (let i = 0; i < 10 && !refusal; i++) {
      try {
        const { response } = await chat('payments');
        costs.push(response.headers.get('x-cost-usd')!);
      } catch (err) {
        refusal = err as APIError;
      }
    }
    // 5 calls spend 0.02625; a sixth bound (9 input tokens and 1000 output: 0.0100225) does not fit in 0.035.
    expect(costs).toEqual(['0.00525', '0.00525', '0.00525', '0.00525', '0.00525']);
    expect(refusal).toBeInstanceOf(APIError);
    expect(refusal!.status).toBe(429);
    const e = refusal!.error as Record<string, unknown>;
    expect(e).toMatchObject({
      type: 'budget_exceeded',
      scope: 'team',
      entity_id: 'payments',
      limit_usd: '0.035',
      spent_usd: '0.02625',
      reserved_usd: '0',
    });
    const resetsAt = new Date(String(e.resets_at));
    const retryAfter = Number(refusal!.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(Math.abs(Date.now() + retryAfter * 1000 - resetsAt.getTime())).toBeLessThan(5000);
    // Other teams are not affected; the upstream never saw the refused call.
    const before = h.fake.requests.length;
    await expect(chat('payments')).rejects.toMatchObject({ status: 429 });
    expect(h.fake.requests.length).toBe(before);
    const other = await chat('search');
    expect(other.response.status).toBe(200);

    // The ledger reaches the store write-behind (tens of ms): poll the admin API until it has.
    const status = await waitFor(
      async () => {
        const s = (await admin('GET', '/api/v1/budgets/team/payments')).body.budgets[0];
        return s.spent_usd === '0.02625' && s.reserved_usd === '0' && s;
      },
      3000,
      'the ledger to reach the store',
    );
    expect(status).toMatchObject({
      spent_usd: '0.02625',
      reserved_usd: '0',
      remaining_usd: '0.00875',
      state: 'alerting',
    });

    // The spend summary counts the two refusals as refused, not as errors.
    await h.flush();
    const summary = await summarize(h.daemon.store, {
      from: new Date(Date.now() - 3_600_000),
      to: new Date(),
      groupBy: 'team',
    });
    expect(summary.rows.find((r) => r.key === 'payments')).toMatchObject({
      requests: 7,
      refused: 2,
      errors: 0,
      costUsd: '0.02625',
    });
  });

  it('concurrent SDK calls through the daemon never overspend', async () => {
    const created = await admin('POST', '/api/v1/budgets', {
      scope: 'team',
      create_entity: true,
      entity_id: 'burst',
      limit_usd: '0.05',
      period: 'total',
    });
    expect(created.status).toBe(201);
    await upsertRateLimit(
      h.daemon.store,
      parseRateLimitInput({ scope: 'team', entity: 'chatty', kind: 'rpm', limit: '2' }),
    );
    await sleep(2300);
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => chat('burst')));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected' && (r.reason as APIError).status === 429).length;
    expect(ok + refused).toBe(40);
    expect(ok).toBeGreaterThanOrEqual(4); // 0.05 fits 4 worst cases in flight at once
    await h.flush();
    const row = await h.daemon.store.get<{ s: string | null }>(
      `SELECT ${h.daemon.store.dialect.sumMoney('cost_usd')} AS s FROM api_requests WHERE team_id = 'burst'`,
    );
    const spent = new Money(row?.s ?? '0');
    expect(spent.lte('0.05')).toBe(true);
    expect(spent.equals(new Money('0.00525').times(ok))).toBe(true);
  });

  it('an image and a tool count 1,234 prompt tokens upstream for a small body: 40 concurrent calls stay within 0.05 USD', async () => {
    for (const team of ['vision', 'drift'])
      expect(
        (
          await admin('POST', '/api/v1/budgets', {
            scope: 'team',
            create_entity: true,
            entity_id: team,
            limit_usd: team === 'vision' ? '0.05' : '1',
            period: 'total',
          })
        ).status,
      ).toBe(201);
    await sleep(2300);
    const look = (team: string) =>
      client.chat.completions
        .create(
          {
            model: 'gpt-4o',
            max_tokens: 300,
            messages: [
              {
                role: 'user',
                content: [
                  { type: 'text', text: 'What is on this receipt?' },
                  { type: 'image_url', image_url: { url: 'https://receipts.example/r1.png' } },
                ],
              },
            ],
            tools: [
              {
                type: 'function',
                function: {
                  name: 'find_order',
                  parameters: { type: 'object', properties: { id: { type: 'string' } } },
                },
              },
            ],
          },
          { headers: { 'X-Team-ID': team, 'x-fake-prompt-tokens': '1234' } },
        )
        .withResponse();
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => look('vision')));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(
      results
        .filter((r) => r.status === 'rejected')
        .every((r) => ((r as PromiseRejectedResult).reason as APIError).status === 429),
    ).toBe(true);
    // 1,234 × 2.5 + 300 × 10 USD per 1M: 0.006085 a call, against a bound of about 0.0067 (an image of unknown size is 1,445 tokens).
    expect(ok).toBeGreaterThanOrEqual(7);
    await h.flush();
    const row = await h.daemon.store.get<{ s: string | null }>(
      `SELECT ${h.daemon.store.dialect.sumMoney('cost_usd')} AS s FROM api_requests WHERE team_id = 'vision'`,
    );
    expect(new Money(row!.s!).equals(new Money('0.006085').times(ok))).toBe(true);
    expect(new Money(row!.s!).lte('0.05')).toBe(true);
    const status = await waitFor(
      async () => {
        const s = (await admin('GET', '/api/v1/budgets/team/vision')).body.budgets[0];
        return s.reserved_usd === '0' && s;
      },
      3000,
      'the ledger to reach the store',
    );
    expect(status).toMatchObject({ overshoot_calls: 0, unpriced_calls: 0 });
    expect(new Money(status.spent_usd).lte('0.05')).toBe(true);
  });

  it('a provider counting more than the request shows: the exact cost is kept and the overshoot counted', async () => {
    const { response } = await client.chat.completions
      .create(
        { model: 'gpt-4o', max_tokens: 300, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Team-ID': 'drift', 'x-fake-prompt-tokens': '5000' } },
      )
      .withResponse();
    expect(response.headers.get('x-cost-usd')).toBe('0.0155');
    const status = await waitFor(
      async () => {
        const s = (await admin('GET', '/api/v1/budgets/team/drift')).body.budgets[0];
        return s.overshoot_calls === 1 && s;
      },
      3000,
      'the overshoot to reach the store',
    );
    // Reserved: 9 input tokens (4 per message + "user" + "hi" + 3 to prime the reply) and 300 output tokens.
    expect(status).toMatchObject({
      spent_usd: '0.0155',
      overshoot_usd: new Money('0.0155').minus('0.0030225').toFixed(),
    });
  });

  it('a model without a price under a hard budget reaches the SDK as 403 unpriced_model naming the fix', async () => {
    const before = h.fake.requests.length;
    const err = (await client.chat.completions
      .create(
        { model: 'acme-llama-ft', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Team-ID': 'payments' } },
      )
      .catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(APIError);
    expect(err.status).toBe(403);
    expect(err.error).toMatchObject({
      type: 'unpriced_model',
      model: 'acme-llama-ft',
      provider: 'openai',
      scope: 'team',
      entity_id: 'payments',
    });
    expect(err.message).toContain('oco pricing set acme-llama-ft --provider openai');
    expect(h.fake.requests.length).toBe(before);
  });

  it('rate limits reach the SDK as OpenAI-style headers and a 429 with Retry-After', async () => {
    const first = await chat('chatty');
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(m\d+)?s$/);
    await chat('chatty');
    const err = (await chat('chatty').catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(429);
    expect((err.error as Record<string, unknown>).type).toBe('rate_limit_exceeded');
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(err.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('user and tag limits, and a limit narrowed to one model, count only their calls', async () => {
    const call = (model: string, headers: Record<string, string>) =>
      client.chat.completions
        .create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { headers })
        .then(() => 200)
        .catch((e: unknown) => (e as APIError).status);
    await upsertRateLimit(
      h.daemon.store,
      parseRateLimitInput({ scope: 'team', entity: 'labs', kind: 'rpm', limit: '1', model: 'gpt-4o' }),
    );
    await upsertRateLimit(
      h.daemon.store,
      parseRateLimitInput({ scope: 'user', entity: 'ana@example.com', kind: 'rpm', limit: '1' }),
    );
    await upsertRateLimit(
      h.daemon.store,
      parseRateLimitInput({ scope: 'tag', entity: 'eval', kind: 'rpm', limit: '1' }),
    );
    await sleep(2300);
    const before = h.fake.requests.length;
    const labs = { 'X-Team-ID': 'labs' };
    expect(await call('gpt-4o', labs)).toBe(200);
    // The same team's other model is not narrowed: still admitted after gpt-4o's limit is used up.
    expect(await call('gpt-4o-mini', labs)).toBe(200);
    const refused = (await client.chat.completions
      .create({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { headers: labs })
      .catch((e: unknown) => e)) as APIError;
    expect(refused.status).toBe(429);
    expect(refused.error).toMatchObject({ scope: 'team', entity_id: 'labs', model: 'gpt-4o', limit_type: 'rpm' });
    expect(refused.message).toContain('on gpt-4o');
    // A user limit follows the end user across teams; a tag limit the tag across users.
    expect(await call('gpt-4o-mini', { 'X-Team-ID': 't1', 'X-User-ID': 'ana@example.com' })).toBe(200);
    expect(await call('gpt-4o-mini', { 'X-Team-ID': 't2', 'X-User-ID': 'ana@example.com' })).toBe(429);
    expect(await call('gpt-4o-mini', { 'X-Team-ID': 't2', 'X-User-ID': 'bo@example.com' })).toBe(200);
    expect(await call('gpt-4o-mini', { 'X-Team-ID': 't3', 'x-oco-tags': 'eval,nightly' })).toBe(200);
    expect(await call('gpt-4o-mini', { 'X-Team-ID': 't4', 'x-oco-tags': 'eval' })).toBe(429);
    // Refused calls reached no provider: 5 admitted calls, 5 upstream requests.
    expect(h.fake.requests.length - before).toBe(5);
  });
});
