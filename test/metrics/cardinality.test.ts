import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllowList, CappedLabels } from '../../src/core/base/metrics/labels.js';
import { money } from '../../src/core/base/money.js';
import { GatewayMetrics } from '../../src/core/gateway/metrics.js';
import type { Call } from '../../src/core/gateway/proxy/call.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { startHarness, type Harness } from '../proxy/harness.js';
import { parseExposition, select, total } from './exposition.js';

/** Ids sent through the daemon over HTTP (each a real call, recorded), and ids fed to the metrics in process. */
const CALLS = 1_000;
const AGENTS = 10_000;
const CONCURRENCY = 32;

const call = () => ({ provider: 'openai', ttfb: null }) as unknown as Call;
const record = (r: Partial<UsageRecord>): UsageRecord =>
  ({
    model: 'gpt-4o',
    statusCode: 200,
    inputTokens: 1,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 1,
    reasoningTokens: 0,
    toolPromptTokens: 0,
    ...r,
  }) as UsageRecord;

/** Label cardinality: ids clients choose never become series of their own unless allowed. */
describe('bounded label cardinality', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { OCO_METRICS_LABEL_ALLOW_LIST: 'agent-1,agent-2' } });
  });
  afterAll(async () => h?.stop());

  it(`keeps ${CALLS.toLocaleString('en')} calls from distinct agent and user ids to a handful of series`, async () => {
    let next = 0;
    const statuses = new Map<number, number>();
    const worker = async () => {
      for (let i = next++; i < CALLS; i = next++) {
        const res = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: 'Bearer sk-test',
            'x-agent-id': `agent-${i}`,
            'x-user-id': `user-${i}`,
          },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(statuses).toEqual(new Map([[200, CALLS]]));
    const text = await (await fetch(`${h.url}/metrics`)).text();
    const { samples } = parseExposition(text);
    const agents = select(samples, 'oco_llm_agent_requests_total');
    expect(agents.map((s) => s.labels.agent).sort()).toEqual(['agent-1', 'agent-2', 'other']);
    expect(total(samples, 'oco_llm_agent_requests_total')).toBe(CALLS);
    expect(total(samples, 'oco_llm_agent_requests_total', { agent: 'other' })).toBe(CALLS - 2);
    expect(select(samples, 'oco_llm_requests_total').length).toBe(1);
    // Nothing a client sends (agent, user, request id) appears in the scrape.
    expect(text).not.toMatch(/agent-(?![12]")\d+|user-\d+/);
    // The whole scrape stays small: far fewer lines than calls.
    expect(samples.length).toBeLessThan(1000);
  }, 120_000);

  it(`keeps ${AGENTS.toLocaleString('en')} distinct agent and team ids to three series in the exposition`, async () => {
    const registry = new Registry();
    const m = new GatewayMetrics(registry, { allow: AllowList.parse('agent-1,team-1'), maxModels: 200 });
    for (let i = 0; i < AGENTS; i++)
      m.ended(call(), record({ agentId: `agent-${i}`, teamId: `team-${i % 7}` }), money('0.5'), 1);
    const { samples } = parseExposition(await registry.metrics());
    const agents = select(samples, 'oco_llm_agent_requests_total');
    expect(agents.map((s) => `${s.labels.agent}/${s.labels.team}`).sort()).toEqual([
      'agent-1/team-1',
      'other/other',
      'other/team-1',
    ]);
    expect(total(samples, 'oco_llm_agent_requests_total')).toBe(AGENTS);
    expect(
      select(samples, 'oco_llm_cost_usd_total')
        .map((s) => s.labels.team)
        .sort(),
    ).toEqual(['other', 'team-1']);
    expect(total(samples, 'oco_llm_cost_usd_total')).toBe(AGENTS / 2);
    expect(samples.length).toBeLessThan(100);
  });

  it('caps model names at metrics.maxModels and folds the rest into "other"', () => {
    const registry = new Registry();
    const m = new GatewayMetrics(registry, { allow: new AllowList([]), maxModels: 3 });
    for (let i = 0; i < AGENTS; i++)
      m.ended(
        call(),
        record({ model: `model-${i}`, teamId: `team-${i}`, agentId: `agent-${i}` }),
        money('0.000001'),
        1,
      );
    expect(m.costUsd().toFixed()).toBe('0.01');
    expect(m.costUsd({ model: 'other', team: 'other' }).toFixed()).toBe('0.009997');
    return registry.getMetricsAsJSON().then((all) => {
      const requests = all.find((x) => x.name === 'oco_llm_requests_total')!;
      expect(requests.values.map((v) => v.labels.model).sort()).toEqual(['model-0', 'model-1', 'model-2', 'other']);
    });
  });

  it('labels absent ids "none", allowed ids themselves and others "other"', () => {
    const a = AllowList.parse(' payments, ,search ');
    expect([a.label('payments'), a.label('search'), a.label('x'), a.label(null), a.label('')]).toEqual([
      'payments',
      'search',
      'other',
      'none',
      'none',
    ]);
    const c = new CappedLabels(1);
    expect([c.label('a'), c.label('b'), c.label('a')]).toEqual(['a', 'other', 'a']);
  });
});
