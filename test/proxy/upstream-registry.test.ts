import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/base/store/types.js';
import { loadPriceBook } from '../../src/core/gateway/pricing/book.js';
import { emptyUsage } from '../../src/core/gateway/pricing/types.js';
import { parseProvider, setPrice } from '../../src/core/gateway/pricing/service.js';
import { addUpstream, listUpstreams, removeUpstream } from '../../src/core/gateway/upstreams/registry.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { BACKENDS } from '../helpers/stores.js';

const record = (over: Partial<UsageRecord>): UsageRecord => ({
  id: 'r1',
  ts: '2026-03-01T10:00:00.000Z',
  provider: 'openai',
  model: 'gpt-4o-mini',
  endpoint: '/v1/chat/completions',
  orgId: 'default',
  teamId: 'default',
  agentId: 'default',
  userId: 'default',
  keyId: null,
  tags: [],
  ...emptyUsage(),
  inputTokens: 10,
  costUsd: null,
  latencyMs: 5,
  ttfbMs: 5,
  statusCode: 200,
  streamed: false,
  estimated: false,
  errorClass: null,
  ...over,
});

describe.each(BACKENDS)('upstream registry in the store ($name)', (b) => {
  describe.skipIf(!b.available())(b.name, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await b.open());
    });
    afterAll(async () => cleanup?.());

    it('adds, lists and removes upstreams, holding the key variable name only', async () => {
      await addUpstream(store, {
        name: 'groq',
        baseUrl: 'https://api.groq.com/openai/v1',
        keyEnv: 'GROQ_API_KEY',
        models: 'llama-3.1-70b',
      });
      await addUpstream(store, { name: 'openai-eu', kind: 'openai', baseUrl: 'https://eu.example.com', weight: 3 });
      await expect(addUpstream(store, { name: 'groq', baseUrl: 'http://x' })).rejects.toMatchObject({
        code: 'OCO_UPSTREAM_EXISTS',
      });
      const rows = await listUpstreams(store);
      expect(rows.map(({ createdAt: _c, ...r }) => r)).toEqual([
        {
          name: 'groq',
          kind: 'openai-compatible',
          baseUrl: 'https://api.groq.com/openai/v1',
          keyEnv: 'GROQ_API_KEY',
          models: ['llama-3.1-70b'],
          weight: 1,
        },
        {
          name: 'openai-eu',
          kind: 'openai',
          baseUrl: 'https://eu.example.com',
          keyEnv: null,
          models: null,
          weight: 3,
        },
      ]);
      expect(rows[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect((await removeUpstream(store, 'openai-eu')).name).toBe('openai-eu');
      await expect(removeUpstream(store, 'openai-eu')).rejects.toMatchObject({ code: 'OCO_UPSTREAM_NOT_FOUND' });
      expect((await listUpstreams(store)).map((r) => r.name)).toEqual(['groq']);
    });

    it("prices an upstream's models under its NAME and records calls with their deployment", async () => {
      await setPrice(store, {
        provider: parseProvider('groq'),
        model: 'llama-3.1-70b',
        prices: { input: '0.5', output: '1' },
        effectiveFrom: new Date('2026-01-01T00:00:00Z'),
      });
      const book = await loadPriceBook(store);
      const u = { ...emptyUsage(), inputTokens: 1000, outputTokens: 1000 };
      expect(book.price('groq', 'llama-3.1-70b', u).costUsd!.toFixed()).toBe('0.0015');
      expect(book.price('openai', 'llama-3.1-70b', u).costUsd).toBeNull();
      await writeRecords(store, [
        record({ id: 'a', deployment: 'openai-eu' }),
        record({ id: 'b', provider: 'groq', model: 'llama-3.1-70b', costUsd: '0.0015' }),
      ]);
      const rows = await store.all<{ id: string; provider: string; deployment: string | null }>(
        'SELECT id, provider, deployment FROM api_requests ORDER BY id',
      );
      expect(rows).toEqual([
        { id: 'a', provider: 'openai', deployment: 'openai-eu' },
        { id: 'b', provider: 'groq', deployment: null },
      ]);
    });
  });
});
