import { afterEach, describe, expect, it } from 'vitest';
import { money, type Money } from '../../src/core/base/money.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { MIGRATIONS } from '../../src/core/base/store/migrations/index.js';
import type { Store } from '../../src/core/base/store/types.js';
import { RECORD_COLUMNS, recordValues, type UsageRecord } from '../../src/core/gateway/usage/record.js';
import { SqliteWriter } from '../../src/core/gateway/usage/sqlite-writer.js';
import { StoreSink } from '../../src/core/gateway/usage/sink.js';
import { summarize } from '../../src/core/gateway/usage/summary.js';
import { BACKENDS, type Backend } from '../helpers/stores.js';

const TEAMS = ['docs', 'search', 'payments'];
const MODELS: Array<[string, string]> = [
  ['openai', 'gpt-4o'],
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-sonnet-4'],
];
const KEYS = [null, 'key_a1', 'key_b2'];
const TAG_SETS = [[], ['batch'], ['batch', 'eval'], ['eval', 'eval'], ['nightly']];

/**
 * 360 calls over three days (2026-05-03 … 05), every hour a few, with costs that do not add up in binary floating
 * point, unpriced calls, refusals, failures, routed calls and cache hits, keys and tags (a repeated tag included).
 */
function calls(): UsageRecord[] {
  const out: UsageRecord[] = [];
  for (let i = 0; i < 360; i++) {
    const [provider, model] = MODELS[i % 3]!;
    const ts = new Date(Date.UTC(2026, 4, 3) + i * 12 * 60_000 + (i % 7) * 1000).toISOString();
    out.push({
      id: `c${i}`,
      ts,
      provider: provider as UsageRecord['provider'],
      model,
      endpoint: '/v1/chat/completions',
      orgId: i % 11 === 0 ? 'beta' : 'acme',
      teamId: TEAMS[i % 3 === 0 ? (i >> 1) % 3 : i % 3]!,
      agentId: `agent${i % 4}`,
      userId: `user${i % 5}`,
      keyId: KEYS[i % 3 === 1 ? 0 : (i >> 2) % 3]!,
      tags: TAG_SETS[i % 5]!,
      inputTokens: 100 + i,
      cachedInputTokens: i % 4,
      cacheWrite5mTokens: i % 2,
      cacheWrite1hTokens: i % 3,
      outputTokens: 10 + (i % 9),
      reasoningTokens: i % 6,
      toolPromptTokens: i % 5 === 0 ? 7 : 0,
      costUsd: i % 13 === 0 ? null : `0.${String(1 + ((i * 7919) % 99991)).padStart(6, '0')}1`,
      latencyMs: 100,
      ttfbMs: null,
      statusCode: i % 17 === 0 ? 402 : i % 19 === 0 ? 500 : 200,
      streamed: false,
      estimated: false,
      errorClass: i % 17 === 0 ? 'refused' : i % 19 === 0 ? 'upstream_5xx' : null,
      routedModel: i % 10 === 0 ? 'gpt-4o-mini' : null,
      originalModel: i % 10 === 0 ? 'gpt-4o' : null,
      savingsUsd: i % 10 === 0 ? (i % 20 === 0 ? null : '0.0003') : null,
      cache: i % 8 === 0 ? 'hit' : i % 8 === 1 ? 'miss' : null,
      cacheSavingsUsd: i % 8 === 0 ? (i % 16 === 0 ? '0.00111' : null) : null,
    });
  }
  return out;
}

/** What a group of raw calls sums to, counted as write.ts counts (exact decimals). */
function expected(rs: UsageRecord[]) {
  const sum = (f: (r: UsageRecord) => string | null | undefined) =>
    rs.reduce((m: Money, r) => (f(r) == null ? m : m.plus(f(r)!)), money(0)).toFixed();
  return {
    requests: rs.length,
    refused: rs.filter((r) => r.errorClass === 'refused').length,
    errors: rs.filter((r) => r.errorClass !== 'refused' && (r.errorClass || (r.statusCode ?? 0) >= 400)).length,
    unpricedRequests: rs.filter((r) => r.costUsd === null).length,
    inputTokens: rs.reduce((n, r) => n + r.inputTokens + r.toolPromptTokens, 0),
    outputTokens: rs.reduce((n, r) => n + r.outputTokens, 0),
    costUsd: sum((r) => r.costUsd),
    routedCalls: rs.filter((r) => r.routedModel).length,
    savingsUsd: sum((r) => (r.routedModel ? r.savingsUsd : null)),
    cacheHits: rs.filter((r) => r.cache === 'hit').length,
    cacheSavingsUsd: sum((r) => (r.cache === 'hit' ? r.cacheSavingsUsd : null)),
  };
}

function groupBy(rs: UsageRecord[], key: (r: UsageRecord) => string[]): Map<string, UsageRecord[]> {
  const out = new Map<string, UsageRecord[]>();
  for (const r of rs) for (const k of key(r)) out.set(k, [...(out.get(k) ?? []), r]);
  return out;
}

const pick = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(expected([])).map((k) => [k, row[k]])) as ReturnType<typeof expected>;

/** Writes as the daemon does: the SQLite writer (the worker's code) on its own connection, or the store's sink. */
async function record(backend: Backend, store: Store, url: string, rs: UsageRecord[]): Promise<number> {
  if (backend.name === 'sqlite') {
    const w = new SqliteWriter(url);
    try {
      return await w.handle({ op: 'write', records: rs });
    } finally {
      await w.handle({ op: 'close' });
    }
  }
  return new StoreSink(store).write(rs);
}

const FROM = new Date('2026-05-03T00:00:00.000Z');
const TO = new Date('2026-05-06T00:00:00.000Z');
const keyLabel = (r: UsageRecord) => r.keyId ?? '(none)';
const tagLabels = (r: UsageRecord) => (r.tags.length ? [...new Set(r.tags)] : ['(untagged)']);

describe.each(BACKENDS)('usage_daily on $name', (backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it.skipIf(!backend.available())(
    'equals the raw calls exact sums per day and key, and per tag, and a replay adds nothing',
    async () => {
      const opened = await backend.open();
      cleanup = opened.cleanup;
      const { store, url } = opened;
      const all = calls();
      expect(await record(backend, store, url, all.slice(0, 200))).toBe(200);
      // a replayed spill or journal batch overlapping what is stored: only the new calls count
      expect(await record(backend, store, url, all.slice(150))).toBe(160);
      expect(await record(backend, store, url, all)).toBe(0);

      const day = store.dialect.dateText('day');
      const daily = await store.all<Record<string, unknown>>(
        `SELECT ${day} AS day, key_id, SUM(requests) AS requests, ${store.dialect.sumMoney('cost_usd')} AS cost,
           SUM(unpriced_requests) AS unpriced, SUM(refused) AS refused, SUM(errors) AS errors,
           SUM(input_tokens) AS input
         FROM usage_daily GROUP BY ${day}, key_id ORDER BY 1, 2`,
      );
      const want = groupBy(all, (r) => [`${r.ts.slice(0, 10)}|${r.keyId ?? ''}`]);
      expect(daily).toHaveLength(want.size);
      for (const d of daily) {
        const e = expected(want.get(`${d.day}|${d.key_id}`)!);
        expect([Number(d.requests), money(String(d.cost)).toFixed(), Number(d.unpriced)]).toEqual([
          e.requests,
          e.costUsd,
          e.unpricedRequests,
        ]);
        expect([Number(d.refused), Number(d.errors), Number(d.input)]).toEqual([e.refused, e.errors, e.inputTokens]);
      }

      const tags = await store.all<{ tag: string; requests: unknown; cost: unknown }>(
        `SELECT tag, SUM(requests) AS requests, ${store.dialect.sumMoney('cost_usd')} AS cost
         FROM usage_daily_tags GROUP BY tag ORDER BY tag`,
      );
      const byTag = groupBy(all, (r) => (r.tags.length ? [...new Set(r.tags)] : ['']));
      expect(tags.map((t) => [t.tag, Number(t.requests), money(String(t.cost)).toFixed()])).toEqual(
        [...byTag].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, rs]) => [t, rs.length, expected(rs).costUsd]),
      );
      // usage_hourly still agrees with the raw rows
      const hourly = await store.get<{ cost: unknown }>(
        `SELECT ${store.dialect.sumMoney('cost_usd')} AS cost FROM usage_hourly`,
      );
      expect(money(String(hourly!.cost)).toFixed()).toBe(expected(all).costUsd);
    },
  );

  it.skipIf(!backend.available())(
    'spend summary cuts by key and tag and by two levels, with exact totals, whole days or hours at the edges',
    async () => {
      const opened = await backend.open();
      cleanup = opened.cleanup;
      const { store, url } = opened;
      const all = calls();
      await record(backend, store, url, all);

      const byKey = await summarize(store, { from: FROM, to: TO, groupBy: 'key' });
      const wantKey = groupBy(all, (r) => [keyLabel(r)]);
      expect(byKey.rows.map((r) => r.key)).toEqual(['(none)', 'key_a1', 'key_b2']);
      for (const r of byKey.rows) expect(pick(r)).toEqual(expected(wantKey.get(r.key)!));
      expect(pick(byKey.total)).toEqual(expected(all));

      // a call under two tags is in both rows and once in the total
      const byTag = await summarize(store, { from: FROM, to: TO, groupBy: 'tag' });
      const wantTag = groupBy(all, tagLabels);
      expect(byTag.rows.map((r) => r.key)).toEqual(['(untagged)', 'batch', 'eval', 'nightly']);
      for (const r of byTag.rows) expect(pick(r)).toEqual(expected(wantTag.get(r.key)!));
      expect(pick(byTag.total)).toEqual(expected(all));
      expect(byTag.rows.reduce((n, r) => n + r.requests, 0)).toBeGreaterThan(all.length);

      // two levels: team, then model; the rows partition the calls
      const two = await summarize(store, { from: FROM, to: TO, groupBy: 'team', thenBy: 'model' });
      expect(two.thenBy).toBe('model');
      const wantTwo = groupBy(all, (r) => [`${r.teamId}|${r.model}`]);
      expect(two.rows).toHaveLength(wantTwo.size);
      for (const r of two.rows) expect(pick(r)).toEqual(expected(wantTwo.get(`${r.key}|${r.subKey}`)!));
      expect(pick(two.total)).toEqual(expected(all));

      // tag within a filter: one tag's calls by key
      const evalByKey = await summarize(store, { from: FROM, to: TO, groupBy: 'key', filter: { tag: 'eval' } });
      const evalCalls = all.filter((r) => r.tags.includes('eval'));
      expect(pick(evalByKey.total)).toEqual(expected(evalCalls));

      // partial days at both edges come from the hourly rollup, the day between from the daily one
      const from = new Date('2026-05-03T13:20:00.000Z');
      const to = new Date('2026-05-05T06:10:00.000Z');
      const edges = await summarize(store, { from, to, groupBy: 'model' });
      expect([edges.from, edges.to]).toEqual(['2026-05-03T13:00:00.000Z', '2026-05-05T07:00:00.000Z']);
      const inside = all.filter((r) => r.ts >= edges.from && r.ts < edges.to);
      expect(pick(edges.total)).toEqual(expected(inside));
      const wantModel = groupBy(inside, (r) => [r.model]);
      for (const r of edges.rows) expect(pick(r)).toEqual(expected(wantModel.get(r.key)!));
      // ... and a key cut over the same window is widened to whole days, and says so
      const keyEdges = await summarize(store, { from, to, groupBy: 'key' });
      expect([keyEdges.from, keyEdges.to]).toEqual(['2026-05-03T00:00:00.000Z', '2026-05-06T00:00:00.000Z']);
      // by day: the daily rollup's days and the hourly edges' days agree with the raw calls
      const days = await summarize(store, { from, to, groupBy: 'day', thenBy: 'org' });
      const wantDays = groupBy(inside, (r) => [`${r.ts.slice(0, 10)}|${r.orgId}`]);
      expect(days.rows).toHaveLength(wantDays.size);
      for (const r of days.rows) expect(pick(r)).toEqual(expected(wantDays.get(`${r.key}|${r.subKey}`)!));

      await expect(summarize(store, { from, to, groupBy: 'team', thenBy: 'team' })).rejects.toThrow(/twice/);
    },
  );

  it.skipIf(!backend.available())('the migration sums in the calls recorded before it', async () => {
    const opened = await backend.open({ migrate: false });
    cleanup = opened.cleanup;
    const { store } = opened;
    await migrate(
      store,
      MIGRATIONS.filter((m) => m.version !== 19),
    );
    const all = calls();
    for (const c of all) {
      const values = recordValues(c).map((v) => (typeof v === 'boolean' && backend.name === 'sqlite' ? Number(v) : v));
      await store.run(
        `INSERT INTO api_requests (${RECORD_COLUMNS.join(',')})
         VALUES (${RECORD_COLUMNS.map((_, i) => `$${i + 1}`).join(',')})`,
        values,
      );
    }
    await migrate(store);
    const byKey = await summarize(store, { from: FROM, to: TO, groupBy: 'key', thenBy: 'day' });
    const want = groupBy(all, (r) => [`${keyLabel(r)}|${r.ts.slice(0, 10)}`]);
    expect(byKey.rows).toHaveLength(want.size);
    for (const r of byKey.rows) expect(pick(r)).toEqual(expected(want.get(`${r.key}|${r.subKey}`)!));
    const byTag = await summarize(store, { from: FROM, to: TO, groupBy: 'tag' });
    const wantTag = groupBy(all, tagLabels);
    for (const r of byTag.rows) expect(pick(r)).toEqual(expected(wantTag.get(r.key)!));
    expect(byTag.rows).toHaveLength(wantTag.size);
    const cache = await summarize(store, { from: FROM, to: TO, groupBy: 'org' });
    expect(pick(cache.total)).toEqual(expected(all));
  });
});
