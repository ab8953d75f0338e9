import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate, RuleContext } from '../../src/core/base/recommend/model.js';
import type { Store } from '../../src/core/base/store/types.js';
import { enableCacheRule } from '../../src/core/gateway/optimize/enable-cache.js';
import { LLM_RULES } from '../../src/core/gateway/optimize/rules.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { BACKENDS } from '../helpers/stores.js';
import { call, settings } from './helpers.js';

/**
 * enable-cache on hand-built call histories: each agent's repeats, and what the response cache
 * (cache.ttlSeconds 3600 by default, successful answers kept once complete, one org's entries never
 * another's) would have answered of them, worked out by hand in the comments. call() records each
 * call as 900 ms long.
 */
const NOW = new Date('2026-07-31T12:00:00.000Z');
const BASE = NOW.getTime() - 5 * 86_400_000;
const MIN = 60_000;
const at = (ms: number) => new Date(BASE + ms).toISOString();
const hash = (body: string) => createHash('sha256').update(body).digest('hex');

function ctx(over: Record<string, string | number> = {}, days = 30): RuleContext {
  return { from: new Date(NOW.getTime() - days * 86_400_000), to: NOW, days, now: NOW, setting: settings(over) };
}

const byResource = (cs: Candidate[]) => Object.fromEntries(cs.map((c) => [c.resourceId, c]));
const savings = (c: Candidate | undefined) => c?.monthlySavings?.toFixed() ?? null;

/** `n` calls of one request, `every` ms apart from `from`. */
function calls(n: number, body: string, from: number, every: number, over: Partial<UsageRecord>): UsageRecord[] {
  return Array.from({ length: n }, (_, i) => call(at(from + i * every), { requestHash: hash(body), ...over }));
}

describe.each(BACKENDS)('enable-cache rule on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const run = (over: Record<string, string | number> = {}) => enableCacheRule.evaluate(store, ctx(over));

  beforeAll(async () => {
    if (!backend.available()) return;
    ({ store, cleanup } = await backend.open());
    const records = [
      // faq: request A 12 times a minute apart (the first answered, 11 repeats), request B 4 times ten
      // minutes apart (3 repeats, the last unpriced): 14 repeats, 11 × 0.5 + 2 × 0.5 = 6.5 USD known.
      ...calls(12, '{"q":"A"}', 0, MIN, { agentId: 'faq', costUsd: '0.5' }),
      ...calls(3, '{"q":"B"}', 0, 10 * MIN, { agentId: 'faq', costUsd: '0.5' }),
      ...calls(1, '{"q":"B"}', 30 * MIN, 0, { agentId: 'faq', costUsd: null }),
      // varied: 20 different requests.
      ...Array.from({ length: 20 }, (_, i) => calls(1, `{"q":${i}}`, i * MIN, 0, { agentId: 'varied' })[0]!),
      // hourly: one request every two hours, past the hour an answer is kept: never a hit at the default TTL.
      ...calls(12, '{"q":"hourly"}', 0, 120 * MIN, { agentId: 'hourly', costUsd: '0.25' }),
      // cached: repeats the cache already sees (hits and misses): not candidates.
      ...calls(1, '{"q":"C"}', 0, 0, { agentId: 'cached', cache: 'miss' }),
      ...calls(11, '{"q":"C"}', MIN, MIN, { agentId: 'cached', cache: 'hit', costUsd: '0', cacheSavingsUsd: '0.5' }),
      // flaky: the first answer failed (not kept), so the second is a miss too: 10 repeats after it, 10 × 0.5.
      ...calls(1, '{"q":"D"}', 0, 0, { agentId: 'flaky', statusCode: 500, errorClass: 'upstream_5xx', costUsd: '0.1' }),
      ...calls(11, '{"q":"D"}', MIN, MIN, { agentId: 'flaky', costUsd: '0.5' }),
      // tenant: one request, alternately in two orgs: 5 repeats in each, never 11 in one.
      ...Array.from({ length: 12 }, (_, i) =>
        call(at(i * MIN), { agentId: 'tenant', orgId: i % 2 ? 'globex' : 'acme', requestHash: hash('{"q":"T"}') }),
      ),
      // refused: oco refused the repeats (budget): they reached no provider and cost nothing to save.
      ...calls(1, '{"q":"R"}', 0, 0, { agentId: 'refused' }),
      ...calls(11, '{"q":"R"}', MIN, MIN, {
        agentId: 'refused',
        statusCode: 429,
        errorClass: 'refused',
        costUsd: null,
      }),
      // old: repeats before the window.
      ...calls(12, '{"q":"old"}', -40 * 86_400_000, MIN, { agentId: 'old', costUsd: '1' }),
      // burst: 12 calls in flight together (1 ms apart, each 900 ms long) all miss, as they would; the 10 a
      // minute later hit the answer the first kept: 10 × 0.5 = 5 (21 × 0.5 if answers were kept on arrival).
      ...calls(12, '{"q":"burst"}', 0, 1, { agentId: 'burst', costUsd: '0.5' }),
      ...calls(10, '{"q":"burst"}', MIN, MIN, { agentId: 'burst', costUsd: '0.5' }),
      // passthrough: identical calls without a hash (the cache does not serve /v1/proxy/…).
      ...calls(12, '', 0, MIN, { agentId: 'passthrough', requestHash: null }),
    ];
    await store.transaction((tx) => writeRecords(tx, records));
  }, 60_000);
  afterAll(async () => cleanup?.());

  describe.skipIf(!backend.available())('cases', () => {
    it('is a row of the gateway rule table', () => {
      expect(LLM_RULES.map((r) => r.id)).toContain('enable-cache');
    });

    it('finds the repeats the cache would have answered, with their billed cost as the saving', async () => {
      const found = byResource(await run());
      expect(Object.keys(found).sort()).toEqual([
        'team/ops/agent/burst/model/claude-sonnet-4-5',
        'team/ops/agent/faq/model/claude-sonnet-4-5',
        'team/ops/agent/flaky/model/claude-sonnet-4-5',
      ]);
      expect(found['team/ops/agent/burst/model/claude-sonnet-4-5']!.evidence).toMatchObject({
        repeatedCalls: 10,
        repeatCostUsd: '5',
      });
      const faq = found['team/ops/agent/faq/model/claude-sonnet-4-5']!;
      expect(faq).toMatchObject({ provider: 'anthropic', account: 'acme', action: 'enable-cache', currency: 'USD' });
      expect(faq.evidence).toEqual({
        repeatedCalls: 14,
        distinctRequests: 2,
        repeatCostUsd: '6.5',
        repeatsCostUnknown: 1,
        ttlSeconds: 3600,
        windowDays: 30,
      });
      // 6.5 in 30 days: 6.5 a month.
      expect(savings(faq)).toBe('6.5');
      expect(faq.rationale).toContain('plus 1 repeats whose cost is unknown');
      const flaky = found['team/ops/agent/flaky/model/claude-sonnet-4-5']!;
      expect(flaky.evidence).toMatchObject({ repeatedCalls: 10, repeatCostUsd: '5' });
      // Over a 10-day window the same 5 USD is 15 a month.
      const ten = await enableCacheRule.evaluate(store, ctx({}, 10));
      expect(savings(byResource(ten)['team/ops/agent/flaky/model/claude-sonnet-4-5'])).toBe('15');
    });

    it('follows cache.ttlSeconds: answers kept a day catch the two-hourly repeats', async () => {
      const found = byResource(await run({ 'cache.ttlSeconds': 86_400 }));
      // 11 repeats × 0.25 = 2.75.
      expect(savings(found['team/ops/agent/hourly/model/claude-sonnet-4-5'])).toBe('2.75');
      expect(found['team/ops/agent/hourly/model/claude-sonnet-4-5']!.evidence).toMatchObject({ ttlSeconds: 86_400 });
    });

    it('counts repeats per org, and fires below optimize.cacheMinRepeats only when it is lowered', async () => {
      const loose = byResource(await run({ 'optimize.cacheMinRepeats': 5 }));
      // tenant: 5 repeats in each org × 0.027 (call()'s default cost) = 0.135, below optimize.minMonthlySavings.
      expect(loose['team/ops/agent/tenant/model/claude-sonnet-4-5']).toBeUndefined();
      const all = await run({ 'optimize.cacheMinRepeats': 5, 'optimize.minMonthlySavings': 0 });
      const tenant = all.filter((c) => c.resourceId === 'team/ops/agent/tenant/model/claude-sonnet-4-5');
      expect(tenant.map((c) => [c.account, c.evidence.repeatedCalls, savings(c)]).sort()).toEqual([
        ['acme', 5, '0.135'],
        ['globex', 5, '0.135'],
      ]);
      // Never the cached, refused, old, unhashed or all-different calls.
      const agents = new Set(all.map((c) => c.resourceId!.split('/')[3]));
      expect([...agents].sort()).toEqual(['burst', 'faq', 'flaky', 'tenant']);
    });
  });
});
