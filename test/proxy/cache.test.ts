import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/core/base/money.js';
import { createKey } from '../../src/core/gateway/keys/lifecycle.js';
import { enableCacheRule } from '../../src/core/gateway/optimize/enable-cache.js';
import { summarize } from '../../src/core/gateway/usage/summary.js';
import { settings } from '../optimize/helpers.js';
import { leaseRedisDb, pgAvailable, redisAvailable, type RedisDbLease } from '../helpers/services.js';
import { startHarness, waitFor, type Harness } from './harness.js';

const ADMIN_KEY = 'admin-key-for-cache-0123456789';
const MARKER = 'PROMPT-CANARY-cache-4d1e8b';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * The response cache on the unified routes, driven by the official openai SDK against the
 * wire fakes: what is a hit, a miss and a bypass, what each costs and records, orgs kept
 * apart, a cached answer replayed as a stream, expiry, and no prompt text in the store.
 */
describe('the response cache on the unified endpoint', () => {
  let h: Harness;
  let client: OpenAI;
  let n = 0;
  /** A question no other test asks, so each test starts from an empty cache for it. */
  const fresh = (what = 'q') => [{ role: 'user' as const, content: `${what} ${++n}` }];
  beforeAll(async () => {
    h = await startHarness({
      env: { OCO_ADMIN_API_KEY: ADMIN_KEY, OCO_CACHE_ENABLED: 'true', ANTHROPIC_API_KEY: 'sk-ant-configured' },
    });
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
  const upstreamCalls = () => h.fake.requests.length;
  /** Waits (bounded) for the entry a miss writes after answering. */
  const entries = async (want: number) => {
    for (let i = 0; i < 100; i++) {
      const r = await h.daemon.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM response_cache');
      if (Number(r!.n) >= want) return Number(r!.n);
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error(`the cache never held ${want} entries`);
  };
  const count = async () =>
    Number((await h.daemon.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM response_cache'))!.n);

  it('answers a repeated temperature-0 call from the cache: $0, no upstream call, recorded as a hit with its saving', async () => {
    const messages = fresh();
    const before = await count();
    const first = await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0 }).withResponse();
    expect(first.response.headers.get('x-oco-cache')).toBe('miss');
    expect(first.response.headers.get('x-cost-usd')).toBe('0.00525');
    await entries(before + 1);
    const calls = upstreamCalls();
    const second = await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0 }).withResponse();
    expect(upstreamCalls()).toBe(calls);
    expect(second.response.headers.get('x-oco-cache')).toBe('hit');
    expect(second.response.headers.get('x-cost-usd')).toBe('0');
    expect(second.response.headers.get('x-oco-cache-saved-usd')).toBe('0.00525');
    expect(second.data).toEqual(first.data);
    const miss = await row(first.response.headers.get('x-request-id'));
    const hit = await row(second.response.headers.get('x-request-id'));
    expect(miss).toMatchObject({ cache: 'miss', cache_savings_usd: null, status_code: 200 });
    expect(hit).toMatchObject({ cache: 'hit', status_code: 200, input_tokens: 0, output_tokens: 0 });
    expect(trim(hit.cost_usd)).toBe('0');
    expect(trim(hit.cache_savings_usd)).toBe('0.00525');
    expect(hit.provider).toBe('openai');
    expect(hit.model).toBe('gpt-4o');
  });

  it('bypasses calls that are not repeatable or say X-OCO-Cache: off, and caches X-OCO-Cache: on', async () => {
    const messages = fresh();
    const a = await client.chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
    const b = await client.chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
    expect([a.response.headers.get('x-oco-cache'), b.response.headers.get('x-oco-cache')]).toEqual([
      'bypass',
      'bypass',
    ]);
    expect((await row(b.response.headers.get('x-request-id'))).cache).toBeNull();

    const off = { headers: { 'X-OCO-Cache': 'off' } };
    const c = await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0 }, off).withResponse();
    const calls = upstreamCalls();
    const d = await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0 }, off).withResponse();
    expect(upstreamCalls()).toBe(calls + 1);
    expect([c.response.headers.get('x-oco-cache'), d.response.headers.get('x-oco-cache')]).toEqual([
      'bypass',
      'bypass',
    ]);
    // The header is oco's: it never reaches the provider.
    expect(h.fake.last()!.headers['x-oco-cache']).toBeUndefined();

    const on = { headers: { 'X-OCO-Cache': 'on' } };
    const before = await count();
    const e = await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0.7 }, on).withResponse();
    expect(e.response.headers.get('x-oco-cache')).toBe('miss');
    await entries(before + 1);
    const f = await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0.7 }, on).withResponse();
    expect(f.response.headers.get('x-oco-cache')).toBe('hit');
  });

  it('keys a routed call by the model routed to; its hit names that model and is not counted as routed', async () => {
    const messages = fresh('route me');
    const route = { headers: { 'X-OCO-Route': 'cost' } };
    const before = await count();
    const miss = await client.chat.completions
      .create({ model: 'gpt-4o', messages, temperature: 0 }, route)
      .withResponse();
    expect(miss.response.headers.get('x-oco-cache')).toBe('miss');
    await entries(before + 1);
    const hit = await client.chat.completions
      .create({ model: 'gpt-4o', messages, temperature: 0 }, route)
      .withResponse();
    expect(hit.response.headers.get('x-oco-cache')).toBe('hit');
    expect(hit.response.headers.get('x-oco-model')).toBe(miss.response.headers.get('x-oco-model'));
    const m = await row(miss.response.headers.get('x-request-id'));
    const r = await row(hit.response.headers.get('x-request-id'));
    expect(m.routed_model).toBe(miss.response.headers.get('x-oco-model'));
    expect(r).toMatchObject({ cache: 'hit', routed_model: null, original_model: null, savings_usd: null });
  });

  it('refuses an X-OCO-Cache value it does not know with a 400 naming the header, before any call', async () => {
    const calls = upstreamCalls();
    const r = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-oco-cache': 'sometimes' },
      body: JSON.stringify({ model: 'gpt-4o', messages: fresh(), temperature: 0 }),
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe('invalid_request');
    expect(body.error.message).toContain('X-OCO-Cache');
    expect(body.error.message).toContain('sometimes');
    expect(upstreamCalls()).toBe(calls);
    const semantic = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-oco-cache': 'semantic' },
      body: JSON.stringify({ model: 'gpt-4o', messages: fresh() }),
    });
    expect(semantic.status).toBe(400);
    expect(((await semantic.json()) as { error: { message: string } }).error.message).toContain('cache.semanticModel');
    expect(upstreamCalls()).toBe(calls);
  });

  it('never answers one org from another org’s entry, by header or by virtual key', async () => {
    const messages = fresh();
    const before = await count();
    const a = await client.chat.completions
      .create({ model: 'gpt-4o', messages, temperature: 0 }, { headers: { 'X-Org-ID': 'org-a' } })
      .withResponse();
    expect(a.response.headers.get('x-oco-cache')).toBe('miss');
    await entries(before + 1);
    const b = await client.chat.completions
      .create({ model: 'gpt-4o', messages, temperature: 0 }, { headers: { 'X-Org-ID': 'org-b' } })
      .withResponse();
    expect(b.response.headers.get('x-oco-cache')).toBe('miss');
    await entries(before + 2);
    const again = await client.chat.completions
      .create({ model: 'gpt-4o', messages, temperature: 0 }, { headers: { 'X-Org-ID': 'org-a' } })
      .withResponse();
    expect(again.response.headers.get('x-oco-cache')).toBe('hit');

    const k1 = await createKey(h.daemon.store, { name: 'c1', orgId: 'org-k1' });
    const k2 = await createKey(h.daemon.store, { name: 'c2', orgId: 'org-k2' });
    const via = (key: string) =>
      new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 }).chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'keyed question' }], temperature: 0 })
        .withResponse();
    const before2 = await count();
    expect((await via(k1.key)).response.headers.get('x-oco-cache')).toBe('miss');
    await entries(before2 + 1);
    expect((await via(k2.key)).response.headers.get('x-oco-cache')).toBe('miss');
    await entries(before2 + 2);
    expect((await via(k1.key)).response.headers.get('x-oco-cache')).toBe('hit');
  });

  it('replays a cached answer as a stream, with the usage chunk when asked, through the SDK', async () => {
    const messages = fresh();
    const before = await count();
    const plain = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, temperature: 0 });
    await entries(before + 1);
    const calls = upstreamCalls();
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'claude-sonnet-4-5',
        messages,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    expect(response.headers.get('x-oco-cache')).toBe('hit');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    let text = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const c of stream) {
      if (c.choices[0]?.delta.content) text += c.choices[0].delta.content;
      if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
      if (c.usage) usage = c.usage;
    }
    expect(upstreamCalls()).toBe(calls);
    expect(text).toBe(plain.choices[0]!.message.content);
    expect(finish).toBe(plain.choices[0]!.finish_reason);
    expect(usage).toEqual(plain.usage);
    const r = await row(response.headers.get('x-request-id'));
    expect(r).toMatchObject({ cache: 'hit', streamed: expect.anything() });
    expect(Boolean(r.streamed)).toBe(true);
  });

  it('keeps a streamed miss as the completion its chunks add up to, served whole to the next call', async () => {
    const messages = fresh();
    const before = await count();
    const s = await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0, stream: true });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta.content ?? '';
    await entries(before + 1);
    const calls = upstreamCalls();
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages, temperature: 0 })
      .withResponse();
    expect(response.headers.get('x-oco-cache')).toBe('hit');
    expect(upstreamCalls()).toBe(calls);
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]!.message.content).toBe(text);
    expect(data.choices[0]!.finish_reason).toBe('stop');
    // The stream carried no usage to this client: the entry has the usage the call was billed for.
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 300 });
  });

  it('caches embeddings (deterministic) without a header', async () => {
    const input = `embed ${++n}`;
    const before = await count();
    const a = await client.embeddings.create({ model: 'text-embedding-3-small', input }).withResponse();
    expect(a.response.headers.get('x-oco-cache')).toBe('miss');
    await entries(before + 1);
    const b = await client.embeddings.create({ model: 'text-embedding-3-small', input }).withResponse();
    expect(b.response.headers.get('x-oco-cache')).toBe('hit');
    expect(b.data).toEqual(a.data);
  });

  it('does not keep failed answers', async () => {
    const messages = fresh();
    const before = await count();
    const err = await client.chat.completions
      .create({ model: 'gpt-4o', messages, temperature: 0 }, { headers: { 'x-fake-scenario': '500' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    await new Promise((r) => setTimeout(r, 50));
    expect(await count()).toBe(before);
  });

  it('answers a hit without admission: a budget that refuses every call does not refuse a hit', async () => {
    const org = { headers: { 'X-Org-ID': 'org-broke' } };
    const messages = fresh();
    const before = await count();
    await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0 }, org);
    await entries(before + 1);
    const created = await fetch(`${h.url}/api/v1/budgets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
      body: JSON.stringify({
        scope: 'org',
        entity_id: 'org-broke',
        limit_usd: '0.000001',
        period: 'daily',
        create_entity: true,
      }),
    });
    expect(created.status).toBe(201);
    // Budgets reach the gateway on its next reload (every 2 s): wait, bounded, for the first refusal.
    const status = await waitFor(
      () =>
        client.chat.completions.create({ model: 'gpt-4o', messages: fresh(), temperature: 0 }, org).then(
          () => undefined,
          (e: { status?: number }) => e.status,
        ),
      6000,
      'the budget to refuse',
    );
    expect(status).toBe(429);
    const hit = await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0 }, org).withResponse();
    expect(hit.response.headers.get('x-oco-cache')).toBe('hit');
    expect(hit.response.status).toBe(200);
  });

  it('shows hits, misses and savings in the spend summary', async () => {
    await h.flush();
    const s = await summarize(h.daemon.store, {
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 3_600_000),
      groupBy: 'model',
    });
    const gpt = s.rows.find((r) => r.key === 'gpt-4o')!;
    expect(gpt.cacheHits).toBeGreaterThan(0);
    expect(gpt.cacheMisses).toBeGreaterThan(0);
    expect(Number(gpt.cacheSavingsUsd)).toBeGreaterThan(0);
    expect(s.total.cacheHits).toBeGreaterThanOrEqual(gpt.cacheHits);
  });

  it('stores no prompt text: every table and the database files are scanned for a marker', async () => {
    const messages = [{ role: 'user' as const, content: `${MARKER} tell me the plan` }];
    const before = await count();
    await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0 });
    const s = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages,
      temperature: 0,
      stream: true,
    });
    for await (const _ of s);
    await client.embeddings.create({ model: 'text-embedding-3-small', input: MARKER });
    await entries(before + 3);
    await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0 });
    await h.flush();
    const store = h.daemon.store;
    const tables = await store.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
    expect(tables.map((t) => t.name)).toContain('response_cache');
    for (const { name } of tables) {
      const rows = await store.all(`SELECT * FROM "${name}"`);
      expect(JSON.stringify(rows), name).not.toContain(MARKER);
    }
    const bytes = filesUnder(h.home.path)
      .map((f) => readFileSync(f).toString('latin1'))
      .join('\n');
    expect(bytes).toContain('response_cache');
    expect(bytes).not.toContain(MARKER);
  });
});

describe('cached answers expire', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { OCO_CACHE_ENABLED: 'true', OCO_CACHE_TTL_SECONDS: '1' } });
  });
  afterAll(async () => h?.stop());

  it('serves an entry within its TTL and calls the provider again after it', async () => {
    const client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
    const ask = () =>
      client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'ttl' }], temperature: 0 })
        .withResponse()
        .then((r) => r.response.headers.get('x-oco-cache'));
    expect(await ask()).toBe('miss');
    for (let i = 0; i < 50; i++) {
      const r = await h.daemon.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM response_cache');
      if (Number(r!.n) > 0) break;
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(await ask()).toBe('hit');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await ask()).toBe('miss');
  });
});

describe('the response cache when off (the default)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.stop());

  it('calls the provider every time and says nothing about a cache', async () => {
    const client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
    const ask = () =>
      client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'off' }], temperature: 0 })
        .withResponse();
    const calls = h.fake.requests.length;
    const a = await ask();
    const b = await ask();
    expect(h.fake.requests.length).toBe(calls + 2);
    expect(a.response.headers.get('x-oco-cache')).toBeNull();
    expect(b.response.headers.get('x-oco-cache')).toBeNull();
  });

  it('records a hash of each unified body (never the body), so enable-cache can price the repeats', async () => {
    const client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
    const ask = (content: string) =>
      client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content }], temperature: 0, user: 'repeat-test' })
        .withResponse();
    const a = await ask('repeat me');
    const b = await ask('repeat me');
    const c = await ask('something else');
    const passthrough = await new OpenAI({
      apiKey: 'sk-client-key',
      baseURL: `${h.url}/v1/proxy/openai/v1`,
      maxRetries: 0,
    }).chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'repeat me' }], temperature: 0 })
      .withResponse();
    await h.flush();
    const hashOf = async (r: { response: Response }) =>
      (await h.daemon.store.get<{ request_hash: string | null }>(
        'SELECT request_hash FROM api_requests WHERE id = $1',
        [r.response.headers.get('x-request-id')],
      ))!.request_hash;
    const [ha, hb, hc, hp] = [await hashOf(a), await hashOf(b), await hashOf(c), await hashOf(passthrough)];
    expect(ha).toMatch(/^[0-9a-f]{64}$/);
    expect(hb).toBe(ha);
    expect(hc).not.toBe(ha);
    // The cache serves the unified routes only: a passthrough call has no hash.
    expect(hp).toBeNull();
    // The second call would have been a hit: its cost is the saving. The test before asked its own
    // question twice (the same answer, the same cost): two requests repeated once each.
    const now = new Date();
    const found = await enableCacheRule.evaluate(h.daemon.store, {
      from: new Date(now.getTime() - 86_400_000),
      to: new Date(now.getTime() + 60_000),
      days: 30,
      now,
      setting: settings({ 'optimize.cacheMinRepeats': 1, 'optimize.minMonthlySavings': 0 }),
    });
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence).toMatchObject({
      repeatedCalls: 2,
      distinctRequests: 2,
      repeatCostUsd: money(b.response.headers.get('x-cost-usd')!).times(2).toFixed(),
    });
    expect(found[0]!.resourceId).toMatch(/\/model\/gpt-4o/);
  });
});

describe.skipIf(!redisAvailable())('the response cache in Redis', () => {
  let h: Harness;
  let lease: RedisDbLease;
  let admin: Redis;
  beforeAll(async () => {
    lease = await leaseRedisDb();
    admin = new Redis(lease.url);
    await admin.flushdb();
    h = await startHarness({ env: { OCO_CACHE_ENABLED: 'true', OCO_CACHE_BACKEND: 'redis', REDIS_URL: lease.url } });
  });
  afterAll(async () => {
    await h?.stop();
    await admin?.flushdb();
    admin?.disconnect();
    await lease?.release();
  });

  it('answers hits from Redis, shared by key hash, and holds no prompt text', async () => {
    const client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: `${MARKER} in redis` }];
    const ask = () =>
      client.chat.completions
        .create({ model: 'gpt-4o', messages, temperature: 0 })
        .withResponse()
        .then((r) => r.response.headers.get('x-oco-cache'));
    expect(await ask()).toBe('miss');
    for (let i = 0; i < 100 && (await admin.keys('oco:cache:e:*')).length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await ask()).toBe('hit');
    const keys = await admin.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      const type = await admin.type(k);
      const value =
        type === 'string'
          ? await admin.get(k)
          : type === 'hash'
            ? JSON.stringify(await admin.hgetall(k))
            : JSON.stringify(await admin.zrange(k, '0', '-1'));
      expect(`${k} ${value}`).not.toContain(MARKER);
    }
  });
});

describe('the semantic cache (X-OCO-Cache: semantic)', () => {
  let h: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        OCO_CACHE_ENABLED: 'true',
        OCO_CACHE_SEMANTIC_MODEL: 'text-embedding-3-small',
        OCO_CACHE_SEMANTIC_THRESHOLD: '0.9',
      },
    });
    client = new OpenAI({
      apiKey: 'sk-client-key',
      baseURL: `${h.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { 'X-OCO-Cache': 'semantic', 'X-Org-ID': 'org-sem' },
    });
  });
  afterAll(async () => h?.stop());

  const ask = (content: string, more: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content }], temperature: 0.5, ...more }, { headers })
      .withResponse()
      .then((r) => r.response.headers);
  const vectors = async () =>
    Number((await h.daemon.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM semantic_cache'))!.n);

  it('answers a request that means the same from the earlier answer; another question, params or org go upstream', async () => {
    const first = await ask('What is the capital of France?');
    expect(first.get('x-oco-cache')).toBe('miss');
    await waitFor(async () => (await vectors()) === 1, 5000, 'the vector');
    const calls = h.fake.requests.filter((r) => r.url === '/v1/chat/completions').length;
    const same = await ask('what is the capital of france');
    expect(same.get('x-oco-cache')).toBe('hit');
    expect(same.get('x-oco-cache-similarity')).toBe('1.0000');
    expect(same.get('x-cost-usd')).toBe('0');
    expect(h.fake.requests.filter((r) => r.url === '/v1/chat/completions').length).toBe(calls);
    expect((await ask('Tell me a joke about cats')).get('x-oco-cache')).toBe('miss');
    expect((await ask('what is the capital of france', { max_tokens: 20 })).get('x-oco-cache')).toBe('miss');
    expect((await ask('what is the capital of france', {}, { 'X-Org-ID': 'org-other' })).get('x-oco-cache')).toBe(
      'miss',
    );
  });

  it('bills each embedding it asks for to the caller, as its own call', async () => {
    await h.flush();
    const rows = await h.daemon.store.all<{ org_id: string; n: number }>(
      `SELECT org_id, COUNT(*) AS n FROM api_requests WHERE endpoint = '/v1/embeddings' GROUP BY org_id ORDER BY org_id`,
    );
    expect(rows.map((r) => [r.org_id, Number(r.n)])).toEqual([
      ['org-other', 1],
      ['org-sem', 4],
    ]);
  });

  it('stores vectors, never the text', async () => {
    const marker = `${MARKER} semantic`;
    await ask(marker);
    await waitFor(async () => (await vectors()) >= 5, 5000, 'the vectors');
    const rows = await h.daemon.store.all('SELECT * FROM semantic_cache');
    expect(JSON.stringify(rows)).not.toContain(MARKER);
    const bytes = filesUnder(h.home.path)
      .map((f) => readFileSync(f).toString('latin1'))
      .join('\n');
    expect(bytes).not.toContain(MARKER);
  });
});

describe.skipIf(!pgAvailable())('the response cache on PostgreSQL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ engine: 'postgres', env: { OCO_CACHE_ENABLED: 'true' } });
  });
  afterAll(async () => h?.stop());

  it('keeps, serves and records a hit with its exact saving', async () => {
    const client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
    const ask = () =>
      client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'pg' }], temperature: 0 })
        .withResponse();
    expect((await ask()).response.headers.get('x-oco-cache')).toBe('miss');
    await waitFor(async () => {
      const r = await h.daemon.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM response_cache');
      return Number(r!.n) === 1;
    });
    const hit = await ask();
    expect(hit.response.headers.get('x-oco-cache')).toBe('hit');
    expect(hit.response.headers.get('x-oco-cache-saved-usd')).toBe('0.00525');
    await h.flush();
    const r = await h.daemon.store.get<Record<string, unknown>>(
      'SELECT cache, cost_usd, cache_savings_usd FROM api_requests WHERE id = $1',
      [hit.response.headers.get('x-request-id')],
    );
    expect(r!.cache).toBe('hit');
    expect(Number(r!.cost_usd)).toBe(0);
    expect(String(r!.cache_savings_usd).replace(/0+$/, '')).toBe('0.00525');
  });
});
