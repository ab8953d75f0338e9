import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/base/store/types.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { medianLatencies } from '../../src/core/gateway/usage/latency.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { BACKENDS } from '../helpers/stores.js';

const now = Date.now();
let n = 0;
const call = (model: string, latencyMs: number | null, over: Partial<UsageRecord> = {}): UsageRecord => ({
  id: `r${++n}`,
  ts: new Date(now - n * 1000).toISOString(),
  provider: 'openai',
  model,
  endpoint: '/v1/chat/completions',
  orgId: 'default',
  teamId: 'default',
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
  costUsd: '0.001',
  latencyMs,
  ttfbMs: null,
  statusCode: 200,
  streamed: false,
  estimated: false,
  errorClass: null,
  ...over,
});

describe.each(BACKENDS)('measured latency per model on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      await store.transaction((tx) =>
        writeRecords(tx, [
          call('gpt-5-nano', 300),
          call('gpt-5-nano', 100),
          call('gpt-5-nano', 200),
          call('gpt-5-nano', 9000, { statusCode: 500, errorClass: 'upstream_5xx' }),
          call('gpt-5-nano', null),
          call('gpt-5-mini', 400),
          call('gpt-5-mini', 600),
          call('gpt-5-mini', 50, { ts: new Date(now - 30 * 86_400_000).toISOString() }),
          call('gpt-5-nano', 1, { provider: 'anthropic' }),
        ]),
      );
    });
    afterAll(async () => cleanup?.());

    it('is the median of recent successful calls, per provider and model; none measured, none returned', async () => {
      const m = await medianLatencies(
        store,
        [
          { provider: 'openai', model: 'gpt-5-nano' },
          { provider: 'openai', model: 'gpt-5-mini' },
          { provider: 'openai', model: 'gpt-5' },
        ],
        new Date(now - 7 * 86_400_000),
      );
      expect(Object.fromEntries(m)).toEqual({
        'openai/gpt-5-nano': { medianMs: 200, samples: 3 },
        'openai/gpt-5-mini': { medianMs: 500, samples: 2 },
      });
    });
  });
});
