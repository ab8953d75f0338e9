import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallFinisher } from '../../src/core/gateway/proxy/call.js';
import { loadPriceBook } from '../../src/core/gateway/pricing/index.js';
import { emptyUsage } from '../../src/core/gateway/pricing/types.js';
import { summarize } from '../../src/core/gateway/usage/summary.js';
import { pgAvailable } from '../helpers/services.js';
import { startHarness, type Harness } from './harness.js';

const ADMIN_KEY = 'admin-key-for-routing-0123456789';
const ENGINES = [
  { engine: 'sqlite' as const, available: true },
  { engine: 'postgres' as const, available: pgAvailable() },
];

/**
 * Smart routing applied on the unified endpoint, through the official openai SDK against the
 * wire fake. The fake answers every OpenAI chat call with 1000 prompt tokens (200 of them cached)
 * and 300 completion tokens; the savings below are worked out by hand from the shipped prices.
 */
describe.each(ENGINES)('smart routing on /v1/chat/completions ($engine)', ({ engine, available }) => {
  let h: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    if (!available) return;
    h = await startHarness({ engine, env: { OCO_ADMIN_API_KEY: ADMIN_KEY } });
    client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => h?.stop());

  const row = async (id: string | null) => {
    await h.flush();
    return (await h.daemon.store.get<Record<string, any>>('SELECT * FROM api_requests WHERE id = $1', [id]))!;
  };
  const trim = (v: unknown) =>
    v === null
      ? null
      : String(v)
          .replace(/(\.\d*?)0+$/, '$1')
          .replace(/\.$/, '');
  const hi = [{ role: 'user' as const, content: 'hi' }];
  const route = (strategy: string) => ({ headers: { 'X-OCO-Route': strategy } });

  it.skipIf(!available)(
    'cost: a trivial prompt to a premium model goes to the economy model, saving exactly',
    async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'gpt-4o', messages: hi }, route('cost'))
        .withResponse();
      expect(response.headers.get('x-oco-model')).toBe('gpt-5-nano');
      expect(data.model).toBe('gpt-5-nano');
      expect(JSON.parse(h.fake.last()!.body).model).toBe('gpt-5-nano');
      expect(h.fake.last()!.headers['x-oco-route']).toBeUndefined();
      const r = await row(response.headers.get('x-request-id'));
      // gpt-5-nano, a reasoning model: the fake's 300 completion tokens hold 100 of reasoning (priced as output):
      // 800 × 0.05/M + 200 × 0.005/M + 300 × 0.40/M = 0.00004 + 0.000001 + 0.00012 = 0.000161
      expect(trim(r.cost_usd)).toBe('0.000161');
      // gpt-4o for the same counts (reasoning at its output rate): 800 × 2.50/M + 200 × 1.25/M + 300 × 10/M
      // = 0.002 + 0.00025 + 0.003 = 0.00525; saved 0.00525 − 0.000161 = 0.005089
      expect(r).toMatchObject({ model: 'gpt-5-nano', original_model: 'gpt-4o', routed_model: 'gpt-5-nano' });
      expect(trim(r.savings_usd)).toBe('0.005089');
    },
  );

  it.skipIf(!available)('off pins the requested model and records nothing routed', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, route('off'))
      .withResponse();
    expect(data.model).toBe('gpt-4o-2024-08-06');
    expect(JSON.parse(h.fake.last()!.body).model).toBe('gpt-4o');
    const r = await row(response.headers.get('x-request-id'));
    expect(r).toMatchObject({ original_model: null, routed_model: null, savings_usd: null });
  });

  it.skipIf(!available)('refuses a strategy it does not know, nothing forwarded', async () => {
    const before = h.fake.requests.length;
    const err = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, route('fastest'))
      .catch((e) => e);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).error).toMatchObject({ param: 'X-OCO-Route' });
    expect(h.fake.requests.length).toBe(before);
  });

  it.skipIf(!available)('a saving is unknown, not 0, when the requested model has no price', async () => {
    // No price for this model, so cost routing keeps it (never a blind move): the record says not routed.
    const { response } = await client.chat.completions
      .create({ model: 'openai/house-model', messages: hi }, route('cost'))
      .withResponse();
    const kept = await row(response.headers.get('x-request-id'));
    expect(kept).toMatchObject({ routed_model: null, savings_usd: null });
    // A routed call whose original has no price (a price removed since the decision) records an unknown saving.
    const book = await loadPriceBook(h.daemon.store);
    const records: any[] = [];
    const finisher = new CallFinisher({
      prices: () => book,
      recorder: { enqueue: (r: unknown) => records.push(r) } as never,
      logger: { isLevelEnabled: () => false, warn: () => {} } as never,
    });
    const at = new Date();
    finisher.finish(
      {
        id: 'x',
        start: performance.now(),
        at,
        ts: at.toISOString(),
        provider: 'openai',
        wire: 'openai',
        endpoint: '/v1/chat/completions',
        info: { model: 'gpt-5-nano' } as never,
        attribution: { orgId: 'o', teamId: 't', agentId: 'a', userId: 'u', tags: [] } as never,
        requestChars: 2,
        tickets: [],
        ttfb: null,
        streamed: false,
        route: {
          originalModel: 'openai/house-model',
          original: { provider: 'openai', model: 'house-model' },
          routedModel: 'gpt-5-nano',
        },
      },
      {
        status: 200,
        usage: { usage: { ...emptyUsage(), inputTokens: 10 } },
        errorClass: null,
        estimated: false,
      } as never,
    );
    expect(records[0]).toMatchObject({
      originalModel: 'openai/house-model',
      routedModel: 'gpt-5-nano',
      savingsUsd: null,
    });
  });

  it.skipIf(!available)('spend summary counts routed calls and sums their savings exactly', async () => {
    await h.flush();
    const s = await summarize(h.daemon.store, {
      from: new Date(Date.now() - 3600_000),
      to: new Date(Date.now() + 3600_000),
      groupBy: 'model',
    });
    expect(s.total).toMatchObject({ routedCalls: 1, savingsUsd: '0.005089', unknownSavingsCalls: 0 });
    const admin = await fetch(`${h.url}/api/v1/costs/summary?group_by=model`, { headers: { 'x-api-key': ADMIN_KEY } });
    const body = (await admin.json()) as { total: Record<string, unknown> };
    expect(body.total).toMatchObject({ routed_calls: 1, savings_usd: '0.005089', unknown_savings_calls: 0 });
  });

  it.skipIf(!available)(
    'admission reserves for the model called: a budget the requested model would break',
    async () => {
      // No max_tokens: a hard budget bounds a call by the model's whole output window, 16,384 tokens for both
      // models: about $0.164 for gpt-4o, $0.0098 for gpt-5-nano. A $0.05 budget admits only the routed call.
      const created = await fetch(`${h.url}/api/v1/budgets`, {
        method: 'POST',
        headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({
          scope: 'team',
          entity_id: 'routed',
          create_entity: true,
          limit_usd: '0.10',
          period: 'daily',
        }),
      });
      expect(created.status).toBe(201);
      await new Promise((r) => setTimeout(r, 2300)); // the daemon re-reads budgets every 2 s
      const team = { 'X-Team-ID': 'routed' };
      const before = h.fake.requests.length;
      const pinned = await client.chat.completions
        .create({ model: 'gpt-4o', messages: hi }, { headers: { ...team, 'X-OCO-Route': 'off' } })
        .catch((e) => e);
      expect((pinned as APIError).status).toBe(429);
      expect((pinned as APIError).error).toMatchObject({ type: 'budget_exceeded' });
      expect(h.fake.requests.length).toBe(before);
      const routed = await client.chat.completions.create(
        { model: 'gpt-4o', messages: hi },
        { headers: { ...team, 'X-OCO-Route': 'cost' } },
      );
      expect(routed.model).toBe('gpt-5-nano');
    },
  );
});
