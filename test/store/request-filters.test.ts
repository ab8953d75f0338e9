import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/base/store/types.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { parseRequestQuery, type RequestQueryInput } from '../../src/core/gateway/usage/request-query.js';
import { listRequests } from '../../src/core/gateway/usage/summary.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { BACKENDS } from '../helpers/stores.js';
import { usageRecord } from '../helpers/usage-record.js';

function call(id: string, minute: number, over: Partial<UsageRecord> = {}): UsageRecord {
  return usageRecord({
    id,
    ts: `2026-05-04T10:${String(minute).padStart(2, '0')}:00.000Z`,
    model: 'gpt-4o',
    userId: 'default',
    tags: [],
    costUsd: '0.01',
    ...over,
  });
}

const CALLS: UsageRecord[] = [
  call('a', 1, { keyId: 'key_1', costUsd: '0.5' }),
  call('b', 2, { keyId: 'key_1', teamId: 'payments', statusCode: 429, errorClass: 'refused', costUsd: '0' }),
  call('c', 3, { provider: 'anthropic', model: 'claude-sonnet-4', agentId: 'triage', costUsd: '0.1' }),
  // As text "10" < "9" < "0.5"? No: "10" < "9" but 10 > 9. Compared as text or rounded they would mislead.
  call('d', 4, { costUsd: '10' }),
  call('e', 5, { costUsd: '9', statusCode: 503, errorClass: 'upstream_5xx' }),
  call('f', 6, { costUsd: null, model: 'mystery' }),
];

const NOW = new Date('2026-05-04T12:00:00.000Z');
const ids = (page: { requests: Array<{ id: string }> }) => page.requests.map((r) => r.id);

describe.each(BACKENDS)('spend requests filters on $name', (backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  const open = async (): Promise<Store> => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    await opened.store.transaction((tx) => writeRecords(tx, CALLS));
    return opened.store;
  };
  const list = async (store: Store, q: RequestQueryInput) => listRequests(store, parseRequestQuery(q, NOW));

  it.skipIf(!backend.available())(
    'filters by key, agent, team, model, provider, status, time and exact cost',
    async () => {
      const store = await open();
      expect(ids(await list(store, {}))).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
      expect(ids(await list(store, { key: 'key_1' }))).toEqual(['b', 'a']);
      expect(ids(await list(store, { agent: 'triage' }))).toEqual(['c']);
      expect(ids(await list(store, { team: 'payments' }))).toEqual(['b']);
      expect(ids(await list(store, { model: 'mystery' }))).toEqual(['f']);
      expect(ids(await list(store, { provider: 'anthropic' }))).toEqual(['c']);
      expect(ids(await list(store, { status: '429' }))).toEqual(['b']);
      expect(ids(await list(store, { status: '5xx' }))).toEqual(['e']);
      expect(ids(await list(store, { status: '2xx' }))).toEqual(['f', 'd', 'c', 'a']);
      expect(ids(await list(store, { since: '2026-05-04T10:03:00Z', until: '2026-05-04T10:05:00Z' }))).toEqual([
        'd',
        'c',
      ]);
      // Exact decimals; the unpriced call (its cost unknown) is left out, never taken as 0.
      expect(ids(await list(store, { 'min-cost': '0.5' }))).toEqual(['e', 'd', 'a']);
      expect(ids(await list(store, { 'min-cost': '9.5' }))).toEqual(['d']);
      expect(ids(await list(store, { 'min-cost': '0' }))).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect(ids(await list(store, { key: 'key_1', status: '2xx', 'min-cost': '0.1' }))).toEqual(['a']);
    },
  );

  it.skipIf(!backend.available())('pages with a cursor under the same filters', async () => {
    const store = await open();
    const first = await list(store, { status: '2xx', limit: '2' });
    expect(ids(first)).toEqual(['f', 'd']);
    const second = await list(store, { status: '2xx', limit: '2', cursor: first.nextCursor! });
    expect(ids(second)).toEqual(['c', 'a']);
    expect(second.nextCursor).toBeNull();
  });

  it.skipIf(!backend.available())('refuses bad values naming the flag, code OCO_SPEND_FILTER_INVALID', async () => {
    const store = await open();
    const cases: Array<[RequestQueryInput, string]> = [
      [{ status: '42' }, 'status'],
      [{ status: 'teapot' }, 'status'],
      [{ 'min-cost': '-1' }, 'min-cost'],
      [{ 'min-cost': 'lots' }, 'min-cost'],
      [{ since: 'yesterday' }, 'since'],
      [{ since: '1d', until: '2d' }, 'until'],
      [{ provider: 'Open AI' }, 'provider'],
      [{ limit: '0' }, 'limit'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ cursor: Buffer.from('["x","y"]').toString('base64url') }, 'cursor'],
      [{ team: '' }, 'team'],
    ];
    for (const [q, flag] of cases) {
      const err = await list(store, q).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(q)).toMatchObject({
        code: 'OCO_SPEND_FILTER_INVALID',
        exitCode: 2,
        details: { flag },
      });
    }
  });
});

describe('spend requests filters read through an index (SQLite query plans)', () => {
  const sqlite = BACKENDS.find((b) => b.name === 'sqlite')!;
  it('key, agent, team, model: their (column, ts) index; the rest walk an index newest first', async () => {
    const { store, cleanup } = await sqlite.open();
    try {
      const plan = async (q: RequestQueryInput) => {
        // The statement listRequests runs, with its parameters, captured and explained (not rebuilt here).
        const seen: Array<[string, unknown]> = [];
        const spy = new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === 'all')
              return (sql: string, params: never) => {
                seen.push([sql, params]);
                return target.all(sql, params);
              };
            return Reflect.get(target, prop, receiver) as unknown;
          },
        });
        await listRequests(spy, parseRequestQuery(q, NOW));
        const [sql, params] = seen[0]!;
        const rows = await store.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params as never);
        return rows.map((r) => r.detail).join(' | ');
      };
      expect(await plan({ key: 'key_1' })).toContain('INDEX api_requests_key_ts');
      expect(await plan({ agent: 'writer' })).toContain('INDEX api_requests_agent_ts');
      expect(await plan({ team: 'docs' })).toContain('INDEX api_requests_team_ts');
      expect(await plan({ model: 'gpt-4o' })).toContain('INDEX api_requests_model_ts');
      for (const q of [{ provider: 'openai' }, { status: '5xx' }, { 'min-cost': '1' }, { since: '1d' }, {}]) {
        const p = await plan(q);
        expect(p, JSON.stringify(q)).toMatch(/USING (COVERING )?INDEX api_requests_ts_id/);
        expect(p, JSON.stringify(q)).not.toContain('USE TEMP B-TREE');
      }
    } finally {
      await cleanup();
    }
  });
});

describe.each(BACKENDS)('spend requests show the key’s name and metadata on $name', (backend) => {
  it('rows of a key carry its name and labels as they are now; a deleted key and keyless calls show null', async () => {
    const { createKey } = await import('../../src/core/gateway/keys/lifecycle.js');
    const { store, cleanup } = await backend.open();
    try {
      const created = await createKey(store, { name: 'billing-prod', metadata: ['env=prod', 'Cost-Center=42'] });
      const id = created.record.id;
      await store.transaction((tx) =>
        writeRecords(tx, [call('k1', 1, { keyId: id }), call('k2', 2, { keyId: 'key_gone' }), call('n1', 3)]),
      );
      const page = await listRequests(store, parseRequestQuery({}, NOW));
      const byId = Object.fromEntries(page.requests.map((r) => [r.id, r]));
      expect(byId.k1).toMatchObject({ keyName: 'billing-prod', keyMetadata: { env: 'prod', 'Cost-Center': '42' } });
      expect(byId.k2).toMatchObject({ keyId: 'key_gone', keyName: null, keyMetadata: null });
      expect(byId.n1).toMatchObject({ keyId: null, keyName: null, keyMetadata: null });
      expect(JSON.stringify(page)).not.toContain(created.key); // the secret never appears
    } finally {
      await cleanup();
    }
  });
});
