import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/core/gateway/keys/lifecycle.js';
import { revokeKey } from '../../src/core/gateway/keys/service.js';
import { PriceBook } from '../../src/core/gateway/pricing/book.js';
import { listedProviders, listModels } from '../../src/core/gateway/proxy/unified.js';
import { RoutePolicyCache, setRoutePolicy } from '../../src/core/gateway/routing/policies.js';
import { listRequests } from '../../src/core/gateway/usage/summary.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { runOco } from '../helpers/cli.js';
import { pgAvailable } from '../helpers/services.js';
import { startHarness, waitFor, type Harness } from './harness.js';

const ADMIN_KEY = 'admin-key-for-route-policies-0123';
const ENGINES = [
  { engine: 'sqlite' as const, available: true },
  { engine: 'postgres' as const, available: pgAvailable() },
];

/**
 * Routing strategies per virtual key and per team, through the daemon against the wire fake, with
 * the official openai SDK holding the virtual key in its key slot. The gateway's default here is
 * `quality` (OCO_ROUTE_STRATEGY), team `fast` routes on `cost`, key `careful` on `quality`, key
 * `pinned` is `off`. For "hi" to gpt-4o: cost → gpt-5-nano; quality keeps gpt-4o and says so in
 * X-OCO-Model; off keeps gpt-4o and sends no X-OCO-Model.
 */
describe.each(ENGINES)('routing strategy per key and team ($engine)', ({ engine, available }) => {
  let h: Harness;
  const secrets: Record<string, string> = {};
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    if (!available) return;
    h = await startHarness({
      engine,
      env: { OCO_ADMIN_API_KEY: ADMIN_KEY, OCO_ROUTE_STRATEGY: 'quality', OPENAI_API_KEY: 'sk-configured-openai' },
    });
    for (const name of ['plain', 'careful', 'pinned', 'gone']) {
      const k = await createKey(h.daemon.store, { name, teamId: 'fast' });
      secrets[name] = k.key;
      ids[name] = k.record.id;
    }
    await setRoutePolicy(h.daemon.store, { team: 'fast' }, 'cost');
    await setRoutePolicy(h.daemon.store, { key: 'careful' }, 'quality');
    await setRoutePolicy(h.daemon.store, { key: ids.pinned }, 'off');
    // Set before the daemon's next read: the test waits for it instead of restarting anything.
    await waitFor(async () => (await call({ key: 'pinned' })).strategy === 'off', 5000, 'policies read');
  }, 60_000);
  afterAll(async () => h?.stop());

  const hi = [{ role: 'user' as const, content: 'hi' }];
  const oco = (args: string[]) => runOco(args, { env: h.env, timeoutMs: 30_000 });
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${h.url}${path}`, {
      ...init,
      headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });

  /** One chat call; what the client got back and what the fake upstream was asked for. */
  async function call(opts: { key?: string; headers?: Record<string, string> } = {}) {
    const client = new OpenAI({
      apiKey: opts.key ? secrets[opts.key]! : 'sk-client-key',
      baseURL: `${h.url}/v1`,
      maxRetries: 0,
    });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, { headers: opts.headers })
      .withResponse();
    return {
      upstreamModel: JSON.parse(h.fake.last()!.body).model as string,
      strategy: response.headers.get('x-oco-route'),
      modelHeader: response.headers.get('x-oco-model'),
      id: response.headers.get('x-request-id')!,
    };
  }

  it.skipIf(!available)('precedence: header, then key, then team, then config; off pins', async () => {
    // config (quality): no key, no team
    expect(await call()).toMatchObject({ upstreamModel: 'gpt-4o', strategy: 'quality', modelHeader: 'gpt-4o' });
    // team (cost), named by the header or by the key's own team
    expect(await call({ headers: { 'X-Team-ID': 'fast' } })).toMatchObject({ upstreamModel: 'gpt-5-nano' });
    expect(await call({ key: 'plain' })).toMatchObject({
      upstreamModel: 'gpt-5-nano',
      strategy: 'cost',
      modelHeader: 'gpt-5-nano',
    });
    // key (quality) beats team (cost)
    expect(await call({ key: 'careful' })).toMatchObject({ upstreamModel: 'gpt-4o', strategy: 'quality' });
    // key off pins, whatever the team and the config say
    expect(await call({ key: 'pinned' })).toMatchObject({ upstreamModel: 'gpt-4o', strategy: 'off' });
    // the header beats the key, and X-OCO-Route: off always pins
    const header = (v: string) => ({ 'X-OCO-Route': v });
    expect(await call({ key: 'careful', headers: header('cost') })).toMatchObject({ upstreamModel: 'gpt-5-nano' });
    expect(await call({ key: 'plain', headers: header('off') })).toMatchObject({
      upstreamModel: 'gpt-4o',
      strategy: 'off',
    });
    expect(await call({ headers: { ...header('off'), 'X-Team-ID': 'fast' } })).toMatchObject({
      upstreamModel: 'gpt-4o',
      strategy: 'off',
    });
    // a routed call is recorded as routed, whichever rule chose the strategy
    const routed = await call({ key: 'plain' });
    await h.flush();
    const row = await h.daemon.store.get<Record<string, unknown>>(
      'SELECT original_model, routed_model, key_id, team_id FROM api_requests WHERE id = $1',
      [routed.id],
    );
    expect(row).toMatchObject({ original_model: 'gpt-4o', routed_model: 'gpt-5-nano', key_id: ids.plain });
  });

  it.skipIf(!available)('a change through the admin API or the CLI applies without a restart', async () => {
    const put = await admin('/api/v1/route/policies/key/plain', {
      method: 'PUT',
      body: JSON.stringify({ strategy: 'off' }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      policy: { scope: 'key', subject: ids.plain, key_name: 'plain', key_status: 'active', strategy: 'off' },
    });
    const t0 = Date.now();
    await waitFor(async () => (await call({ key: 'plain' })).strategy === 'off', 5000, 'key set to off');
    const setMs = Date.now() - t0;
    expect(setMs).toBeLessThan(4000);

    const unset = await oco(['route', 'unset', '--key', 'plain', '--json']);
    expect(unset.code, unset.stderr).toBe(0);
    expect(unset.json()).toEqual({ scope: 'key', subject: ids.plain, removed: true });
    const t1 = Date.now();
    await waitFor(async () => (await call({ key: 'plain' })).upstreamModel === 'gpt-5-nano', 5000, 'key unset');
    const unsetMs = Date.now() - t1;
    expect(unsetMs).toBeLessThan(4000);
    console.log(`route policy change seen after ${setMs} ms (admin API) and ${unsetMs} ms (CLI)`);

    const set = await oco(['route', 'set', '--team', 'slow', '--strategy', 'latency', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ scope: 'team', subject: 'slow', keyName: null, strategy: 'latency' });
    const list = await oco(['route', 'list', '--json']);
    expect(list.json().policies.map((p: any) => [p.scope, p.keyName ?? p.subject, p.strategy])).toEqual(
      expect.arrayContaining([
        ['key', 'careful', 'quality'],
        ['key', 'pinned', 'off'],
        ['team', 'fast', 'cost'],
        ['team', 'slow', 'latency'],
      ]),
    );
    const table = await oco(['route', 'list']);
    expect(table.stdout).toMatch(/team\s+fast\s+-\s+-\s+cost/);
    const listed = await admin('/api/v1/route/policies');
    const body = (await listed.json()) as { policies: Array<Record<string, unknown>> };
    expect(body.policies.find((p) => p.subject === 'slow')).toMatchObject({ scope: 'team', strategy: 'latency' });
    // Never the key itself: not in what is listed, not in what is stored.
    for (const secret of Object.values(secrets)) {
      expect(list.stdout + table.stdout + JSON.stringify(body)).not.toContain(secret);
      expect(list.stdout).not.toContain(secret.slice(13));
    }
    const stored = await h.daemon.store.all('SELECT * FROM route_policies');
    expect(JSON.stringify(stored)).not.toMatch(/oco_[A-Za-z0-9_-]{20,}/);
    const del = await admin('/api/v1/route/policies/team/slow', { method: 'DELETE' });
    expect(await del.json()).toEqual({ scope: 'team', subject: 'slow', removed: true });
  });

  it.skipIf(!available)('admin API: clear errors, nothing stored', async () => {
    const put = (path: string, body: unknown) => admin(path, { method: 'PUT', body: JSON.stringify(body) });
    const unknownKey = await put('/api/v1/route/policies/key/nobody', { strategy: 'cost' });
    expect(unknownKey.status).toBe(404);
    expect(((await unknownKey.json()) as any).error.message).toContain('no virtual key with id, prefix or name');
    const badStrategy = await put('/api/v1/route/policies/team/fast', { strategy: 'fastest' });
    expect(badStrategy.status).toBe(400);
    expect(await badStrategy.json()).toMatchObject({
      error: { type: 'invalid_request', field: 'strategy', message: expect.stringContaining('"fastest"') },
    });
    expect((await put('/api/v1/route/policies/team/fast', {})).status).toBe(400);
    expect((await put('/api/v1/route/policies/team/bad%20team', { strategy: 'cost' })).status).toBe(400);
    const missing = await admin('/api/v1/route/policies/team/nobody', { method: 'DELETE' });
    expect(missing.status).toBe(404);
    const noAuth = await fetch(`${h.url}/api/v1/route/policies`);
    expect(noAuth.status).toBe(401);
    const held = await h.daemon.store.get<{ strategy: string }>(
      "SELECT strategy FROM route_policies WHERE scope = 'team' AND subject = 'fast'",
    );
    expect(held?.strategy).toBe('cost');
  });

  it.skipIf(!available)('spend requests shows routing per call; --routed filters', async () => {
    // One routed call whose saving is unknown (the requested model has no price), written as the gateway would.
    const now = new Date().toISOString();
    const unknown: UsageRecord = {
      id: `unknown-saving-${engine}`,
      ts: now,
      provider: 'openai',
      model: 'gpt-5-nano',
      endpoint: '/v1/chat/completions',
      orgId: 'default',
      teamId: 'fast',
      agentId: 'default',
      userId: 'default',
      keyId: null,
      tags: [],
      inputTokens: 10,
      cachedInputTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 5,
      reasoningTokens: 0,
      toolPromptTokens: 0,
      costUsd: '0.000001',
      latencyMs: 10,
      ttfbMs: 5,
      statusCode: 200,
      streamed: false,
      estimated: false,
      errorClass: null,
      originalModel: 'openai/house-model',
      routedModel: 'gpt-5-nano',
      savingsUsd: null,
    };
    await h.flush();
    await h.daemon.store.transaction((tx) => writeRecords(tx, [unknown]));

    const routed = await listRequests(h.daemon.store, { limit: 1000, routed: true });
    expect(routed.requests.length).toBeGreaterThanOrEqual(3);
    expect(routed.requests.every((r) => r.routedModel !== null)).toBe(true);
    expect(routed.requests.find((r) => r.id === unknown.id)).toMatchObject({
      originalModel: 'openai/house-model',
      routedModel: 'gpt-5-nano',
      savingsUsd: null,
    });
    // gpt-4o → gpt-5-nano for the fake's 1000 prompt (200 cached) and 300 completion tokens: 0.00525 − 0.000161
    const known = routed.requests.find((r) => r.originalModel === 'gpt-4o')!;
    expect(known).toMatchObject({ model: 'gpt-5-nano', routedModel: 'gpt-5-nano', savingsUsd: '0.005089' });
    const plain = await listRequests(h.daemon.store, { limit: 1000, routed: false });
    expect(plain.requests.length).toBeGreaterThan(0);
    expect(plain.requests.every((r) => r.routedModel === null && r.savingsUsd === null)).toBe(true);
    // paging keeps the filter
    const first = await listRequests(h.daemon.store, { limit: 1, routed: true });
    const second = await listRequests(h.daemon.store, { limit: 1, routed: true, cursor: first.nextCursor! });
    expect(second.requests[0]!.routedModel).not.toBeNull();
    expect(second.requests[0]!.id).not.toBe(first.requests[0]!.id);

    const json = await oco(['spend', 'requests', '--routed', '--limit', '1000', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.json().requests.find((r: any) => r.id === unknown.id)).toMatchObject({ savingsUsd: null });
    expect(json.json().requests.length).toBe(routed.requests.length);
    const table = await oco(['spend', 'requests', '--routed', '--limit', '1000']);
    expect(table.stdout).toMatch(/ROUTED\s+SAVED USD/);
    expect(table.stdout).toMatch(/gpt-4o → gpt-5-nano\s+0\.005089/);
    expect(table.stdout).toMatch(/openai\/house-model → gpt-5-nano\s+unknown/);
    const none = await oco(['spend', 'requests', '--no-routed', '--limit', '5']);
    expect(none.stdout).not.toContain('SAVED USD');

    const api = await admin('/api/v1/costs/requests?routed=true&limit=1000');
    const page = (await api.json()) as { requests: Array<Record<string, unknown>> };
    expect(page.requests.find((r) => r.id === unknown.id)).toMatchObject({
      original_model: 'openai/house-model',
      routed_model: 'gpt-5-nano',
      savings_usd: null,
    });
    expect(page.requests.every((r) => r.routed_model !== null)).toBe(true);
    expect((await admin('/api/v1/costs/requests?routed=maybe')).status).toBe(400);

    // Summaries: routed calls and known savings, the unknown one counted apart, never as 0.
    const summary = await oco(['spend', 'summary', '--since', '1d', '--json']);
    expect(summary.json().total).toMatchObject({ unknownSavingsCalls: 1 });
    expect(summary.json().total.routedCalls).toBe(routed.requests.length);
    const apiSummary = (await (await admin('/api/v1/costs/summary')).json()) as { total: Record<string, unknown> };
    expect(apiSummary.total).toMatchObject({ routed_calls: routed.requests.length, unknown_savings_calls: 1 });
  });

  it.skipIf(!available)('GET /v1/models lists only the configured providers', async () => {
    const client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
    const owners = new Set<string>();
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      owners.add(m.owned_by);
      ids.push(m.id);
    }
    expect([...owners]).toEqual(['openai']);
    expect(ids).toContain('gpt-4o');
  });

  it.skipIf(!available || engine !== 'sqlite')('CLI validation: unknown key or strategy, bad team', async () => {
    const unknownKey = await oco(['route', 'set', '--key', 'nobody', '--strategy', 'cost']);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toContain('--key: no virtual key with id, prefix or name "nobody"');
    expect(unknownKey.stderr).toContain('oco keys list');
    const unknownJson = await oco(['route', 'set', '--key', 'nobody', '--strategy', 'cost', '--json']);
    expect(unknownJson.json().error).toMatchObject({ code: 'OCO_KEY_NOT_FOUND', exitCode: 1 });
    const badStrategy = await oco(['route', 'set', '--team', 'fast', '--strategy', 'fastest']);
    expect(badStrategy.code).toBe(2);
    expect(badStrategy.stderr).toContain('--strategy: "fastest" is not a routing strategy');
    expect(badStrategy.stderr).toContain('off, cost, quality, latency');
    const neither = await oco(['route', 'set', '--strategy', 'cost']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('exactly one of --key and --team');
    const both = await oco(['route', 'set', '--key', 'plain', '--team', 'fast', '--strategy', 'cost']);
    expect(both.code).toBe(2);
    const badTeam = await oco(['route', 'set', '--team', 'a team', '--strategy', 'cost']);
    expect(badTeam.code).toBe(2);
    expect(badTeam.stderr).toContain('--team: "a team" is not a team id');
    // The key itself is refused without being repeated.
    const secret = await oco(['route', 'set', '--key', secrets.plain!, '--strategy', 'cost']);
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain('not the key itself');
    expect(secret.stderr).not.toContain(secrets.plain!.slice(12));
    await revokeKey(h.daemon.store, ids.gone!);
    const revoked = await oco(['route', 'set', '--key', 'gone', '--strategy', 'cost']);
    expect(revoked.code).toBe(2);
    expect(revoked.stderr).toContain('is revoked');
    const again = await oco(['route', 'unset', '--team', 'nobody', '--json']);
    expect(again.code).toBe(0);
    expect(again.json()).toEqual({ scope: 'team', subject: 'nobody', removed: false });
    const stored = await h.daemon.store.all("SELECT subject FROM route_policies WHERE scope = 'team'");
    expect(stored.map((r) => r.subject)).toEqual(['fast']);
  });
});

describe('the providers GET /v1/models lists', () => {
  it('lists those with a key configured; all three when none is (clients bring their own keys)', async () => {
    expect(listedProviders({})).toEqual(['openai', 'anthropic', 'gemini']);
    expect(listedProviders({ openai: '', anthropic: undefined })).toEqual(['openai', 'anthropic', 'gemini']);
    expect(listedProviders({ gemini: 'AIza-x', openai: 'sk-x' })).toEqual(['openai', 'gemini']);
    const book = new PriceBook();
    const only = listModels(book, ['gemini']).data;
    expect(only.length).toBeGreaterThan(0);
    expect(new Set(only.map((m) => m.owned_by))).toEqual(new Set(['gemini']));
    const all = listModels(book, listedProviders({})).data;
    expect(new Set(all.map((m) => m.owned_by))).toEqual(new Set(['openai', 'anthropic', 'gemini']));
    expect(listModels(book, []).data).toEqual([]);
  });
});

describe('RoutePolicyCache', () => {
  it('serves from memory, keeps its last copy when a read fails, skips strategies it does not know', async () => {
    let rows: Array<Record<string, string>> = [
      { scope: 'key', subject: 'key_a', strategy: 'off' },
      { scope: 'team', subject: 'fast', strategy: 'cost' },
      { scope: 'team', subject: 'future', strategy: 'cheapest-ever' },
    ];
    let fail = false;
    let reads = 0;
    const warnings: string[] = [];
    const store = {
      all: async () => {
        reads++;
        if (fail) throw new Error('database is down');
        return rows;
      },
    };
    const cache = new RoutePolicyCache(store as never, {
      logger: { warn: (_: unknown, msg: string) => warnings.push(msg) } as never,
      refreshMs: 60_000,
    });
    await cache.start();
    try {
      expect(cache.size).toBe(2);
      expect(cache.strategyFor('key_a', 'fast')).toEqual({ strategy: 'off', source: 'key' });
      expect(cache.strategyFor('key_b', 'fast')).toEqual({ strategy: 'cost', source: 'team' });
      expect(cache.strategyFor(undefined, 'future')).toBeUndefined();
      expect(cache.strategyFor(undefined, undefined)).toBeUndefined();
      const before = reads;
      for (let i = 0; i < 100; i++) cache.strategyFor('key_a', 'fast');
      expect(reads).toBe(before); // lookups never read the store
      fail = true;
      await cache.refresh();
      expect(warnings).toEqual(['routing policies not read; keeping the last']);
      expect(cache.strategyFor('key_a', undefined)?.strategy).toBe('off');
      fail = false;
      rows = [];
      await cache.refresh();
      expect(cache.size).toBe(0);
      expect(cache.strategyFor('key_a', 'fast')).toBeUndefined();
    } finally {
      cache.close();
    }
  });
});
