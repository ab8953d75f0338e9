import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/core/base/money.js';
import { BACKENDS } from '../helpers/stores.js';
import { startHarness, waitFor, type Harness } from '../proxy/harness.js';
import { parseExposition, select, total } from './exposition.js';

const ADMIN = 'admin-key-for-metrics-tests';

/**
 * Real calls through the gateway (official SDKs → fake upstreams), then a scrape of /metrics parsed
 * as exposition text: request counts, tokens and costs must equal what the store recorded, the cost
 * to the last digit; refusals, provider health and the stored-data gauges are read back too.
 */
describe.each(BACKENDS)('metrics after real traffic ($name)', (b) => {
  describe.skipIf(!b.available())(b.name, () => {
    let h: Harness;
    let openai: OpenAI;
    let anthropic: Anthropic;
    const scrape = async () => {
      const res = await fetch(`${h.url}/metrics`, { headers: { 'x-api-key': ADMIN } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parseExposition(await res.text());
    };

    beforeAll(async () => {
      h = await startHarness({
        engine: b.name,
        env: { OCO_ADMIN_API_KEY: ADMIN, OCO_METRICS_LABEL_ALLOW_LIST: 'payments, agent-7' },
      });
      openai = new OpenAI({ apiKey: 'sk-test-openai-key', baseURL: `${h.url}/v1/proxy/openai/v1`, maxRetries: 0 });
      anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${h.url}/v1/proxy/anthropic`, maxRetries: 0 });
    });
    afterAll(async () => h?.stop());

    it('counts requests, tokens and exact costs as the store recorded them', async () => {
      for (let i = 0; i < 3; i++)
        await openai.chat.completions.create(
          { model: 'gpt-4o', messages: [{ role: 'user', content: `hi ${i}` }] },
          { headers: { 'X-Team-ID': 'payments', 'X-Agent-ID': i === 0 ? 'agent-7' : `bot-${i}` } },
        );
      await openai.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Team-ID': 'search' } },
      );
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'stream' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _ of stream) void _;
      await anthropic.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      await expect(
        openai.chat.completions.create(
          { model: 'gpt-4o', messages: [{ role: 'user', content: 'fail' }] },
          { headers: { 'x-fake-scenario': '500' } },
        ),
      ).rejects.toThrow();
      await h.flush();

      const { samples } = await scrape();
      const rows = await h.daemon.store.all<{ provider: string; status_code: number; n: number | string }>(
        'SELECT provider, status_code, COUNT(*) AS n FROM api_requests GROUP BY provider, status_code',
      );
      expect(rows.length).toBeGreaterThanOrEqual(3);
      for (const r of rows)
        expect(total(samples, 'oco_llm_requests_total', { provider: r.provider, status: String(r.status_code) })).toBe(
          Number(r.n),
        );
      const count = await h.daemon.store.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM api_requests');
      expect(total(samples, 'oco_llm_requests_total')).toBe(Number(count!.n));
      expect(total(samples, 'oco_llm_requests_total', { route: 'proxy', status: '500', model: 'gpt-4o' })).toBe(1);

      // Tokens by class against the stored columns.
      const t = await h.daemon.store.get<Record<string, number | string>>(
        `SELECT SUM(input_tokens) AS input, SUM(cached_input_tokens) AS cached_input,
                SUM(cache_write_5m_tokens) AS cache_write_5m, SUM(cache_write_1h_tokens) AS cache_write_1h,
                SUM(output_tokens) AS output, SUM(reasoning_tokens) AS reasoning FROM api_requests`,
      );
      for (const [cls, v] of Object.entries(t!))
        expect(total(samples, 'oco_llm_tokens_total', { class: cls })).toBe(Number(v));

      // Cost: per provider × model, the exposed text is the store's exact decimal sum, digit for digit.
      const d = h.daemon.store.dialect;
      const costs = await h.daemon.store.all<{ provider: string; model: string; cost: string }>(
        `SELECT provider, model, ${d.sumMoney('cost_usd')} AS cost FROM api_requests
         WHERE cost_usd IS NOT NULL GROUP BY provider, model`,
      );
      expect(costs.length).toBeGreaterThanOrEqual(3);
      for (const c of costs) {
        if (money(c.cost).isZero()) continue;
        const s = select(samples, 'oco_llm_cost_usd_total', { provider: c.provider, model: c.model });
        const exact = s.reduce((sum, x) => sum.plus(x.text), money(0));
        expect(exact.toFixed()).toBe(money(c.cost).toFixed());
        expect(h.daemon.observability.gateway!.costUsd({ provider: c.provider, model: c.model }).toFixed()).toBe(
          money(c.cost).toFixed(),
        );
      }
      // Teams outside the allow list are "other"; allowed ones keep their id.
      const payments = await h.daemon.store.get<{ cost: string }>(
        `SELECT ${d.sumMoney('cost_usd')} AS cost FROM api_requests WHERE team_id = 'payments'`,
      );
      const paymentsText = select(samples, 'oco_llm_cost_usd_total', { team: 'payments' }).map((s) => s.text);
      expect(paymentsText).toEqual([money(payments!.cost).toFixed()]);
      expect(select(samples, 'oco_llm_cost_usd_total', { team: 'search' })).toEqual([]);
      expect(select(samples, 'oco_llm_cost_usd_total', { team: 'other' }).length).toBeGreaterThan(0);
      expect(total(samples, 'oco_llm_agent_requests_total', { agent: 'agent-7', team: 'payments' })).toBe(1);
      expect(total(samples, 'oco_llm_agent_requests_total', { agent: 'other', team: 'payments' })).toBe(2);

      // Histograms: one latency observation per call, TTFB and upstream time for the calls that were sent.
      const n = Number(count!.n);
      expect(total(samples, 'oco_llm_request_duration_seconds_count')).toBe(n);
      expect(total(samples, 'oco_llm_upstream_duration_seconds_count')).toBe(n);
      expect(total(samples, 'oco_llm_request_duration_seconds_sum')).toBeGreaterThan(0);
      expect(total(samples, 'oco_recorder_written_total')).toBeGreaterThanOrEqual(n);
      expect(total(samples, 'oco_recorder_queue_depth')).toBe(0);
      expect(total(samples, 'oco_recorder_spill_files')).toBe(0);
      expect(select(samples, 'oco_process_cpu_seconds_total').length).toBe(1);
    });

    it('reports the 500 on /health/providers until the provider answers again', async () => {
      await expect(
        openai.chat.completions.create(
          { model: 'gpt-4o', messages: [{ role: 'user', content: 'fail' }] },
          { headers: { 'x-fake-scenario': '500' } },
        ),
      ).rejects.toThrow();
      const bad = await fetch(`${h.url}/health/providers`);
      expect(bad.status).toBe(503);
      const body = (await bad.json()) as any;
      expect(body.status).toBe('degraded');
      expect(body.providers.openai).toMatchObject({ ok: false, lastError: { status: 500 } });
      expect(body.providers.anthropic.ok).toBe(true);
      await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'ok' }] });
      const good = await fetch(`${h.url}/health/providers`);
      expect(good.status).toBe(200);
      expect(((await good.json()) as any).providers.openai.ok).toBe(true);
    });

    it('counts budget refusals by reason and scope, and shows the budget gauges', async () => {
      const res = await fetch(`${h.url}/api/v1/budgets`, {
        method: 'POST',
        headers: { 'x-api-key': ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({
          scope: 'team',
          entity_id: 'tiny',
          create_entity: true,
          limit_usd: '0.000001',
          period: 'monthly',
          hard: true,
          name: 'tiny-team',
        }),
      });
      expect(res.status).toBe(201);
      const refused = await waitFor(
        async () => {
          const r = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-team-id': 'tiny', authorization: 'Bearer sk-test' },
            body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
          });
          await r.arrayBuffer();
          return r.status === 429 || r.status === 403 ? r.status : undefined;
        },
        5000,
        'the budget to refuse',
      );
      expect(refused).toBe(429);
      await h.daemon.observability.refresh();
      const { samples } = await scrape();
      expect(
        total(samples, 'oco_llm_refusals_total', { reason: 'budget_exceeded', scope: 'team' }),
      ).toBeGreaterThanOrEqual(1);
      const [limit] = select(samples, 'oco_budget_limit_usd', { budget: 'tiny-team', scope: 'team' });
      expect(limit!.value).toBe(0.000001);
      const [remaining] = select(samples, 'oco_budget_remaining_usd', { budget: 'tiny-team' });
      expect(remaining!.value).toBeLessThanOrEqual(0.000001);
      expect(select(samples, 'oco_budget_utilisation_ratio', { budget: 'tiny-team' }).length).toBe(1);
    });
  });
});

/** The unified route's extras: routing decisions and savings, cache hits and savings, retries and fallbacks. */
describe('metrics of the unified route', () => {
  let h: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        OCO_CACHE_ENABLED: 'true',
        OCO_ROUTE_RETRIES: '1',
        OCO_ROUTE_RETRY_BASE_MS: '10',
        OCO_ROUTE_RETRY_MAX_WAIT_MS: '500',
        OCO_ROUTE_BREAKER_FAILURES: '100',
        OPENAI_API_KEY: 'sk-openai-configured',
        ANTHROPIC_API_KEY: 'sk-ant-configured',
      },
    });
    client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => h?.stop());

  it('counts what the store records of routing, the cache, retries and fallbacks', async () => {
    const hi = [{ role: 'user' as const, content: 'hi' }];
    await client.chat.completions.create({ model: 'gpt-4o', messages: hi }, { headers: { 'X-OCO-Route': 'cost' } });
    const cached = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'cache me' }], temperature: 0 };
    await client.chat.completions.create(cached, { headers: { 'X-OCO-Route': 'off' } });
    await client.chat.completions.create(cached, { headers: { 'X-OCO-Route': 'off' } });
    h.fake.script('gpt-4o-mini', '500');
    await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hi },
      { headers: { 'X-OCO-Fallbacks': 'none', 'X-OCO-Cache': 'off' } },
    );
    h.fake.script('gpt-4o-mini', '500', '500');
    await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: hi },
      { headers: { 'X-OCO-Fallbacks': 'claude-sonnet-4-5', 'X-OCO-Cache': 'off' } },
    );
    await h.flush();
    const res = await fetch(`${h.url}/metrics`);
    const { samples } = parseExposition(await res.text());
    const q = (sql: string) => h.daemon.store.get<Record<string, any>>(sql);
    const d = h.daemon.store.dialect;

    const routed = await q(
      `SELECT COUNT(*) AS n, ${d.sumMoney('savings_usd')} AS saved FROM api_requests WHERE routed_model IS NOT NULL`,
    );
    expect(Number(routed!.n)).toBe(1);
    expect(total(samples, 'oco_llm_routing_decisions_total')).toBe(1);
    expect(select(samples, 'oco_llm_routing_savings_usd_total')[0]!.text).toBe(money(routed!.saved).toFixed());

    const hits = await q(
      `SELECT COUNT(*) AS n, ${d.sumMoney('cache_savings_usd')} AS saved FROM api_requests WHERE cache = 'hit'`,
    );
    const misses = await q(`SELECT COUNT(*) AS n FROM api_requests WHERE cache = 'miss'`);
    expect(Number(hits!.n)).toBe(1);
    expect(total(samples, 'oco_llm_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(total(samples, 'oco_llm_cache_lookups_total', { result: 'miss' })).toBe(Number(misses!.n));
    expect(money(hits!.saved).isZero()).toBe(false);
    expect(select(samples, 'oco_llm_cache_savings_usd_total')[0]!.text).toBe(money(hits!.saved).toFixed());

    // One retry that answered; then a retry that failed again and a fallback to Anthropic.
    expect(total(samples, 'oco_llm_attempts_total', { kind: 'retry', provider: 'openai' })).toBe(2);
    expect(total(samples, 'oco_llm_attempts_total', { kind: 'fallback', provider: 'anthropic' })).toBe(1);
    const all = await q('SELECT COUNT(*) AS n FROM api_requests');
    expect(total(samples, 'oco_llm_requests_total', { route: 'chat' })).toBe(Number(all!.n));
    expect(total(samples, 'oco_llm_requests_total', { route: 'chat', status: '500' })).toBe(3);
    // A cache hit reached no upstream: one fewer upstream observation than calls.
    expect(total(samples, 'oco_llm_upstream_duration_seconds_count')).toBe(Number(all!.n) - 1);
  });
});
