import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/core/base/store/migrate.js';
import { MIGRATIONS } from '../../src/core/base/store/migrations/index.js';
import type { Store } from '../../src/core/base/store/types.js';
import { RECORD_COLUMNS, recordValues, type UsageRecord } from '../../src/core/gateway/usage/record.js';
import { summarize } from '../../src/core/gateway/usage/summary.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { BACKENDS } from '../helpers/stores.js';

const HOUR = '2026-05-04T10:00:00.000Z';

function call(id: string, over: Partial<UsageRecord>): UsageRecord {
  return {
    id,
    ts: '2026-05-04T10:17:00.000Z',
    provider: 'openai',
    model: 'gpt-4o',
    endpoint: '/v1/chat/completions',
    orgId: 'acme',
    teamId: 'docs',
    agentId: 'writer',
    userId: 'default',
    keyId: null,
    tags: [],
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    toolPromptTokens: 0,
    costUsd: '0',
    latencyMs: 10,
    ttfbMs: null,
    statusCode: 200,
    streamed: false,
    estimated: false,
    errorClass: null,
    ...over,
  };
}

const CALLS: UsageRecord[] = [
  // OpenAI: 1000 prompt tokens of which 400 read from the cache.
  call('ok', { inputTokens: 600, cachedInputTokens: 400, outputTokens: 50, reasoningTokens: 10, costUsd: '0.0021' }),
  // Refused by a budget (402) and by a rate limit (429) before any upstream call: not errors.
  // A priced model's call without usage costs 0 (the gateway prices the empty usage).
  call('budget', { statusCode: 402, errorClass: 'refused', costUsd: '0' }),
  call('rate', { statusCode: 429, errorClass: 'refused', costUsd: '0' }),
  // Failures of the provider or the network are errors.
  call('fail', { statusCode: 500, errorClass: 'upstream_5xx', costUsd: '0' }),
  call('throttled', { statusCode: 429, errorClass: 'rate_limited', costUsd: '0' }),
  // Anthropic: uncached input, a cache read and cache writes (5 min and 1 h).
  call('claude', {
    provider: 'anthropic',
    model: 'claude-sonnet-4',
    agentId: 'triage',
    inputTokens: 30,
    cachedInputTokens: 2000,
    cacheWrite5mTokens: 500,
    cacheWrite1hTokens: 100,
    outputTokens: 20,
    costUsd: '0.0093',
  }),
];

describe.each(BACKENDS)('spend summary rollups on $name', (backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  const open = async (options?: { migrate?: boolean }): Promise<Store> => {
    const opened = await backend.open(options);
    cleanup = opened.cleanup;
    return opened.store;
  };

  it.skipIf(!backend.available())(
    'counts refusals apart from errors, and input as billed (uncached, cached, cache writes, total)',
    async () => {
      const store = await open();
      await store.transaction((tx) => writeRecords(tx, CALLS));
      const s = await summarize(store, {
        from: new Date(HOUR),
        to: new Date('2026-05-04T11:00:00.000Z'),
        groupBy: 'agent',
      });
      expect(s.rows).toEqual([
        {
          key: 'triage',
          requests: 1,
          errors: 0,
          refused: 0,
          unpricedRequests: 0,
          inputTokens: 30,
          cachedInputTokens: 2000,
          cacheWriteTokens: 600,
          inputTotalTokens: 2630,
          outputTokens: 20,
          reasoningTokens: 0,
          costUsd: '0.0093',
          routedCalls: 0,
          savingsUsd: '0',
          unknownSavingsCalls: 0,
          cacheHits: 0,
          cacheMisses: 0,
          cacheSavingsUsd: '0',
          unknownCacheSavingsCalls: 0,
        },
        {
          key: 'writer',
          requests: 5,
          errors: 2,
          refused: 2,
          unpricedRequests: 0,
          inputTokens: 600,
          cachedInputTokens: 400,
          cacheWriteTokens: 0,
          inputTotalTokens: 1000,
          outputTokens: 50,
          reasoningTokens: 10,
          costUsd: '0.0021',
          routedCalls: 0,
          savingsUsd: '0',
          unknownSavingsCalls: 0,
          cacheHits: 0,
          cacheMisses: 0,
          cacheSavingsUsd: '0',
          unknownCacheSavingsCalls: 0,
        },
      ]);
      expect(s.total).toEqual({
        requests: 6,
        errors: 2,
        refused: 2,
        unpricedRequests: 0,
        inputTokens: 630,
        cachedInputTokens: 2400,
        cacheWriteTokens: 600,
        inputTotalTokens: 3630,
        outputTokens: 70,
        reasoningTokens: 10,
        costUsd: '0.0114',
        routedCalls: 0,
        savingsUsd: '0',
        unknownSavingsCalls: 0,
        cacheHits: 0,
        cacheMisses: 0,
        cacheSavingsUsd: '0',
        unknownCacheSavingsCalls: 0,
      });
    },
  );

  it.skipIf(!backend.available())(
    'stores what routing chose and saved, and sums known savings exactly, counting unknown ones apart',
    async () => {
      const store = await open();
      const routed = (id: string, over: Partial<UsageRecord>) =>
        call(id, { model: 'gpt-4o-mini', originalModel: 'gpt-4o', routedModel: 'gpt-4o-mini', ...over });
      const calls = [
        routed('r1', { costUsd: '0.000123', savingsUsd: '0.001927' }),
        routed('r2', { costUsd: '0.0000001', savingsUsd: '0.0000019' }),
        // The requested model had no price: the saving is unknown, not 0.
        routed('r3', { originalModel: 'house-model', savingsUsd: null }),
        call('pinned', { costUsd: '0.01' }),
      ];
      await store.transaction((tx) => writeRecords(tx, calls));
      await store.transaction((tx) => writeRecords(tx, calls)); // replayed: counted once
      const rows = await store.all<Record<string, unknown>>(
        'SELECT id, original_model, routed_model, savings_usd FROM api_requests ORDER BY id',
      );
      expect(
        rows.map((r) => [
          r.id,
          r.original_model,
          r.routed_model,
          r.savings_usd === null ? null : String(r.savings_usd),
        ]),
      ).toEqual([
        ['pinned', null, null, null],
        ['r1', 'gpt-4o', 'gpt-4o-mini', '0.001927'],
        ['r2', 'gpt-4o', 'gpt-4o-mini', '0.0000019'],
        ['r3', 'house-model', 'gpt-4o-mini', null],
      ]);
      const s = await summarize(store, {
        from: new Date(HOUR),
        to: new Date('2026-05-04T11:00:00.000Z'),
        groupBy: 'model',
      });
      expect(s.rows.map((r) => [r.key, r.routedCalls, r.savingsUsd, r.unknownSavingsCalls])).toEqual([
        ['gpt-4o', 0, '0', 0],
        ['gpt-4o-mini', 3, '0.0019289', 1],
      ]);
      expect(s.total).toMatchObject({ requests: 4, routedCalls: 3, savingsUsd: '0.0019289', unknownSavingsCalls: 1 });
    },
  );

  it.skipIf(!backend.available())(
    'counts cache hits and misses and sums what hits saved exactly, counting unknown savings apart',
    async () => {
      const store = await open();
      const calls = [
        call('m1', { costUsd: '0.00525', cache: 'miss' }),
        call('h1', { costUsd: '0', cache: 'hit', cacheSavingsUsd: '0.00525', inputTokens: 0, outputTokens: 0 }),
        call('h2', { costUsd: '0', cache: 'hit', cacheSavingsUsd: '0.0000001', inputTokens: 0, outputTokens: 0 }),
        // The original call had no price: the saving is unknown, not 0.
        call('h3', { costUsd: '0', cache: 'hit', cacheSavingsUsd: null, inputTokens: 0, outputTokens: 0 }),
        call('plain', { costUsd: '0.01' }),
      ];
      await store.transaction((tx) => writeRecords(tx, calls));
      await store.transaction((tx) => writeRecords(tx, calls)); // replayed: counted once
      const rows = await store.all<Record<string, unknown>>(
        'SELECT id, cache, cache_savings_usd FROM api_requests ORDER BY id',
      );
      expect(
        rows.map((r) => [r.id, r.cache, r.cache_savings_usd === null ? null : String(r.cache_savings_usd)]),
      ).toEqual([
        ['h1', 'hit', '0.00525'],
        ['h2', 'hit', '0.0000001'],
        ['h3', 'hit', null],
        ['m1', 'miss', null],
        ['plain', null, null],
      ]);
      const s = await summarize(store, {
        from: new Date(HOUR),
        to: new Date('2026-05-04T11:00:00.000Z'),
        groupBy: 'model',
      });
      expect(s.total).toMatchObject({
        requests: 5,
        cacheHits: 3,
        cacheMisses: 1,
        cacheSavingsUsd: '0.0052501',
        unknownCacheSavingsCalls: 1,
      });
    },
  );

  it.skipIf(!backend.available())(
    'the migration moves refusals recorded before it out of errors, hour by hour',
    async () => {
      const store = await open({ migrate: false });
      const before = MIGRATIONS.filter((m) => m.name !== 'usage_hourly: refused calls counted apart from errors');
      expect(before).toHaveLength(MIGRATIONS.length - 1);
      await migrate(store, before);
      // As the previous release wrote them: the calls, and one rollup counting the two refusals as errors.
      const old = [
        ...CALLS.filter((c) => c.agentId === 'writer'),
        call('next-hour', { ts: '2026-05-04T11:05:00.000Z', statusCode: 402, errorClass: 'refused' }),
      ];
      for (const c of old) {
        const values = recordValues(c).map((v) =>
          typeof v === 'boolean' && backend.name === 'sqlite' ? Number(v) : v,
        );
        await store.run(
          `INSERT INTO api_requests (${RECORD_COLUMNS.join(',')}) VALUES (${RECORD_COLUMNS.map((_, i) => `$${i + 1}`).join(',')})`,
          values,
        );
      }
      const rollup = `INSERT INTO usage_hourly (hour, org_id, team_id, agent_id, user_id, provider, model, requests, errors, unpriced_requests, cost_usd)
      VALUES ($1, 'acme', 'docs', 'writer', 'default', 'openai', 'gpt-4o', $2, $3, $4, $5)`;
      await store.run(rollup, [HOUR, 5, 4, 0, '0.0021']);
      await store.run(rollup, ['2026-05-04T11:00:00.000Z', 1, 1, 0, '0']);
      await migrate(store);
      const rows = await store.all<{ errors: unknown; refused: unknown }>(
        'SELECT errors, refused FROM usage_hourly ORDER BY hour',
      );
      expect(rows.map((r) => [Number(r.errors), Number(r.refused)])).toEqual([
        [2, 2],
        [0, 1],
      ]);
    },
  );
});
