import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money, money } from '../../src/core/base/money.js';
import { emptyUsage, modelLimits, PriceBook, priceUsage } from '../../src/core/gateway/pricing/index.js';
import { setPrice } from '../../src/core/gateway/pricing/service.js';
import type { AdmissionDecision, AdmissionRequest } from '../../src/core/gateway/proxy/admission.js';
import type { SpendAdmission } from '../../src/core/gateway/spend/admission.js';
import { boundCall } from '../../src/core/gateway/spend/estimate/index.js';
import { parseBudgetInput, type Budget, type BudgetInput } from '../../src/core/gateway/spend/model.js';
import { insertBudget } from '../../src/core/gateway/spend/repo.js';
import { budgetStatus } from '../../src/core/gateway/spend/service.js';
import type { Store } from '../../src/core/base/store/types.js';
import { leaseRedisDb, redisAvailable, type RedisDbLease } from '../helpers/services.js';
import { BACKENDS } from '../helpers/stores.js';
import { admissionWith, request, sleep } from './helpers.js';
import { dataUrl, pngHeader } from './images.js';

/**
 * Hard budgets against calls whose provider-counted input is far above what the body's
 * size suggests (an image, a tool schema, message framing), with real prices: the
 * reservation is the call's bound, so spend never passes the limit, on every backend.
 * Also: models without a price (refused, or admitted and counted), and a cost above its
 * bound (recorded exactly, logged, counted as an overshoot).
 */
const BOOK = new PriceBook();
const MODEL = 'gpt-4o';
const TOOL = {
  type: 'function',
  function: {
    name: 'find_order',
    description: 'Find an order by id',
    parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  },
};
const BODY = {
  model: MODEL,
  max_tokens: 200,
  messages: [
    { role: 'system', content: 'You answer about orders.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Which order is on this receipt?' },
        { type: 'image_url', image_url: { url: dataUrl('image/png', pngHeader(1024, 1024)), detail: 'high' } },
      ],
    },
  ],
  tools: [TOOL],
};
const BODY_BYTES = Buffer.byteLength(JSON.stringify(BODY));
/** What the provider reports: the image alone is 765 tokens by OpenAI's formula (1024² → 768² → 4 tiles), plus the text and the tool. */
const REPORTED = { ...emptyUsage(), inputTokens: 765 + 70, outputTokens: 200 };
const COST = priceUsage(BOOK, 'openai', MODEL, REPORTED)!;

function call(over: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return request({
    model: MODEL,
    endpoint: '/v1/chat/completions',
    body: BODY,
    maxOutputTokens: 200,
    estimatedInputTokens: Math.ceil(BODY_BYTES / 4),
    ...over,
  });
}

const settleInfo = (cost: Money | null, input = REPORTED.inputTokens) => ({
  costUsd: cost,
  inputTokens: input,
  outputTokens: 200,
  totalTokens: input + 200,
  failed: false,
});

async function budget(store: Store, input: BudgetInput) {
  return insertBudget(store, parseBudgetInput({ period: 'total', ...input }, 'UTC'));
}

/** n concurrent calls; each admitted one settles at the reported usage after a short random delay. */
async function hammer(adm: SpendAdmission, n: number): Promise<AdmissionDecision[]> {
  let seed = 11;
  const rand = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
  return Promise.all(
    Array.from({ length: n }, async () => {
      const d = await adm.admit(call());
      if (d.admitted) {
        await sleep(Math.floor(rand() * 5));
        await adm.settle(d.ticket, settleInfo(COST));
      }
      return d;
    }),
  );
}

async function theBound(): Promise<Money> {
  const b = await boundCall(
    { provider: 'openai', model: MODEL, endpoint: '/v1/chat/completions', body: BODY, maxOutputTokens: 200 },
    modelLimits(BOOK, 'openai', MODEL),
    4096,
  );
  return priceUsage(BOOK, 'openai', MODEL, {
    ...emptyUsage(),
    inputTokens: b.inputTokens,
    outputTokens: b.outputTokens,
  })!;
}

async function expectNeverOver(
  store: Store,
  adm: SpendAdmission,
  decisions: AdmissionDecision[],
  limit: Money,
  b: Budget,
) {
  const admitted = decisions.filter((d) => d.admitted).length;
  expect(admitted).toBeGreaterThanOrEqual(10); // the limit fits 10 bounds at once; settles free room for more
  for (const d of decisions)
    if (!d.admitted) expect((d.body as { error: { type: string } }).error.type).toBe('budget_exceeded');
  await adm.close(); // flushes the ledger
  const rows = await store.all<{
    state: string;
    reserved_usd: string;
    cost_usd: string | null;
    overshoot_usd: string | null;
  }>('SELECT state, reserved_usd, cost_usd, overshoot_usd FROM spend_events');
  expect(rows).toHaveLength(admitted);
  let spent = new Money(0);
  for (const r of rows) {
    expect(r.state).toBe('settled');
    expect(money(r.reserved_usd).gte(r.cost_usd!)).toBe(true); // every reservation covered its call
    expect(r.overshoot_usd).toBeNull();
    spent = spent.plus(r.cost_usd!);
  }
  expect(spent.lte(limit)).toBe(true);
  expect(spent.equals(COST.times(admitted))).toBe(true);
  const status = await budgetStatus(store, b);
  expect(status).toMatchObject({ reservedUsd: '0', overshootCalls: 0, unpricedCalls: 0 });
  expect(adm.stats.overshoot).toBe(0);
}

describe('the reservation is an upper bound', () => {
  it('the provider counts far more than the body size suggests, and no more than the bound', async () => {
    const bodySizeGuess = priceUsage(BOOK, 'openai', MODEL, {
      ...emptyUsage(),
      inputTokens: Math.ceil(BODY_BYTES / 4),
      outputTokens: 200,
    })!;
    expect(REPORTED.inputTokens).toBeGreaterThan(2 * Math.ceil(BODY_BYTES / 4));
    expect(COST.gt(bodySizeGuess)).toBe(true); // the old reservation: the last admitted call would overshoot
    expect((await theBound()).gte(COST)).toBe(true);
  });
});

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available())(`hard budgets with the in-process ledger on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ store, cleanup } = await backend.open()));
    afterAll(async () => cleanup?.());
    const clear = async () => {
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
      await store.run('DELETE FROM model_pricing');
    };

    it('200 concurrent calls with an image and a tool, usage above the body size: spend never passes the limit', async () => {
      const limit = (await theBound()).times(10);
      const b = await budget(store, { scope: 'team', entity: 'payments', limit: limit.toFixed() });
      const { adm } = await admissionWith(store, { backend: 'memory', estimateCost: undefined });
      await expectNeverOver(store, adm, await hammer(adm, 200), limit, b);
      await clear();
    });

    it('a model without a price: refused under a hard budget (403 naming the model and the fix), warned once', async () => {
      await budget(store, { scope: 'team', entity: 'payments', limit: '100' });
      const { adm, log } = await admissionWith(store, { backend: 'memory', estimateCost: undefined });
      const refused = await adm.admit(call({ model: 'acme-llama-ft' }));
      expect(refused.admitted).toBe(false);
      const d = refused as { status: number; body: { error: Record<string, string> }; headers: Record<string, string> };
      expect(d.status).toBe(403);
      expect(d.headers['x-should-retry']).toBe('false');
      expect(d.body.error).toMatchObject({
        type: 'unpriced_model',
        provider: 'openai',
        model: 'acme-llama-ft',
        scope: 'team',
        entity_id: 'payments',
      });
      expect(d.body.error.message).toContain('oco pricing set acme-llama-ft --provider openai');
      expect((await adm.admit(call({ model: 'acme-llama-ft' }))).admitted).toBe(false);
      expect(log.lines.filter((l) => l.obj.model === 'acme-llama-ft')).toHaveLength(1);
      expect(adm.stats.refusedUnpriced).toBe(2);
      // A soft budget does not block: the call goes through and is counted as unpriced.
      await budget(store, { scope: 'team', entity: 'research', limit: '1', soft: true });
      const soft = await adm.admit(
        call({
          model: 'acme-llama-ft',
          attribution: { orgId: 'acme', teamId: 'research', agentId: 'a', userId: 'u', tags: [] },
        }),
      );
      expect(soft.admitted).toBe(true);
      await adm.close();
      await clear();
    });

    it('budget.unpricedModels=allow admits, records the cost as unknown and counts the call; a price added later prices the next call', async () => {
      const b = await budget(store, { scope: 'team', entity: 'payments', limit: '1' });
      const { adm, log } = await admissionWith(store, {
        backend: 'memory',
        estimateCost: undefined,
        priceReloadMs: 50,
        env: { OCO_BUDGET_UNPRICED_MODELS: 'allow' },
      });
      for (let i = 0; i < 3; i++) {
        const d = await adm.admit(call({ model: 'acme-llama-ft' }));
        expect(d.admitted).toBe(true);
        await adm.settle((d as { ticket: unknown }).ticket, settleInfo(null));
      }
      expect(log.lines.filter((l) => l.obj.model === 'acme-llama-ft' && l.obj.decision === 'admit')).toHaveLength(1);
      await adm.close();
      const status = await budgetStatus(store, b);
      expect(status).toMatchObject({ spentUsd: '0', unpricedCalls: 3, overshootCalls: 0 });
      const rows = await store.all<{ cost_usd: string | null; reserved_usd: string }>(
        'SELECT cost_usd, reserved_usd FROM spend_events',
      );
      expect(rows.map((r) => r.cost_usd)).toEqual([null, null, null]); // unknown, never 0

      // "oco pricing set" while the daemon runs: the next call is priced and reserved.
      const again = await admissionWith(store, { backend: 'memory', estimateCost: undefined, priceReloadMs: 50 });
      const before = (await again.adm.admit(call({ model: 'acme-llama-ft' }))) as { body: { error: { type: string } } };
      expect(before.body.error.type).toBe('unpriced_model');
      await setPrice(store, {
        provider: 'openai',
        model: 'acme-llama-ft',
        prices: { input: '2', output: '8' },
        effectiveFrom: new Date(Date.now() - 60_000),
      });
      await sleep(200);
      const priced = await again.adm.admit(call({ model: 'acme-llama-ft', maxOutputTokens: 100 }));
      expect(priced.admitted).toBe(true);
      await again.adm.settle((priced as { ticket: unknown }).ticket, settleInfo(money('0.0012')));
      await again.adm.close();
      const row = await store.get<{ reserved_usd: string; cost_usd: string; unpriced: unknown }>(
        `SELECT reserved_usd, cost_usd, unpriced FROM spend_events WHERE cost_usd IS NOT NULL`,
      );
      expect(money(row!.reserved_usd).gt(0)).toBe(true);
      expect(row!.cost_usd).toBe('0.0012');
      expect(Boolean(row!.unpriced)).toBe(false);
      expect(await budgetStatus(store, b)).toMatchObject({ spentUsd: '0.0012', unpricedCalls: 3 });
      await clear();
    });

    it('a cost above its bound is recorded exactly, logged with the amounts and counted as an overshoot', async () => {
      const b = await budget(store, { scope: 'team', entity: 'payments', limit: '5' });
      const { adm, log } = await admissionWith(store, { backend: 'memory', estimateCost: undefined });
      const d = await adm.admit(call());
      const bound = await theBound();
      const cost = bound.plus('0.001');
      await adm.settle((d as { ticket: unknown }).ticket, settleInfo(cost, 5000));
      await adm.close();
      const line = log.lines.find((l) => l.obj.overshoot_usd !== undefined)!;
      expect(line.level).toBe('warn');
      expect(line.obj).toMatchObject({
        model: MODEL,
        cost_usd: cost.toFixed(),
        overshoot_usd: '0.001',
        input_tokens: 5000,
      });
      expect(adm.stats.overshoot).toBe(1);
      expect(await budgetStatus(store, b)).toMatchObject({
        spentUsd: cost.toFixed(),
        overshootCalls: 1,
        overshootUsd: '0.001',
      });
      await clear();
    });
  });
}

describe.skipIf(!redisAvailable())('hard budgets with the Redis ledger', () => {
  const backend = BACKENDS[0]!;
  let store: Store;
  let cleanup: () => Promise<void>;
  let lease: RedisDbLease;
  let url: string;
  let admin: Redis;
  const ids: string[] = [];
  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    lease = await leaseRedisDb();
    url = lease.url;
    admin = new Redis(url);
  });
  afterAll(async () => {
    // Only this suite's keys (budget ids are unique): its tests share the database.
    for (const id of ids) {
      const keys = await admin.keys(`oco:spend:*${id}*`);
      if (keys.length) await admin.del(...keys);
    }
    admin?.disconnect();
    await lease?.release();
    await cleanup?.();
  });

  it('200 concurrent calls with an image and a tool, usage above the body size: spend never passes the limit', async () => {
    const limit = (await theBound()).times(10);
    const b = await budget(store, { scope: 'team', entity: 'payments', limit: limit.toFixed() });
    ids.push(b.id);
    const { adm } = await admissionWith(store, { backend: 'redis', redisUrl: url, estimateCost: undefined });
    await expectNeverOver(store, adm, await hammer(adm, 200), limit, b);
    expect(await admin.get(`oco:spend:r:${b.id}:sum`)).toBe('0');
    await store.run('DELETE FROM budgets');
    await store.run('DELETE FROM spend_events');
  });

  it('an overshoot is counted with the Redis counters too', async () => {
    const b = await budget(store, { scope: 'team', entity: 'payments', limit: '5' });
    ids.push(b.id);
    const { adm } = await admissionWith(store, { backend: 'redis', redisUrl: url, estimateCost: undefined });
    const d = await adm.admit(call());
    const cost = (await theBound()).plus('0.002');
    await adm.settle((d as { ticket: unknown }).ticket, settleInfo(cost, 6000));
    await adm.close();
    expect(await budgetStatus(store, b)).toMatchObject({
      spentUsd: cost.toFixed(),
      overshootCalls: 1,
      overshootUsd: '0.002',
    });
  });
});
