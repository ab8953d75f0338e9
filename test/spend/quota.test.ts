import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/core/base/money.js';
import type { AdmissionDecision } from '../../src/core/gateway/proxy/admission.js';
import type { SpendAdmission } from '../../src/core/gateway/spend/admission.js';
import { parseBudgetInput, parseRateLimitInput, type RateLimitInput } from '../../src/core/gateway/spend/model.js';
import { insertBudget, listRateLimits, upsertRateLimit } from '../../src/core/gateway/spend/repo.js';
import { budgetStatus, rateLimitStatuses } from '../../src/core/gateway/spend/service.js';
import type { Store } from '../../src/core/base/store/types.js';
import { leaseRedisDb, redisAvailable, type RedisDbLease } from '../helpers/services.js';
import { BACKENDS } from '../helpers/stores.js';
import { ATTR, admissionWith, request, sleep } from './helpers.js';

/**
 * Request quotas (`oco limits create --kind requests --period …`): counted in the budget ledger, one per call,
 * next to the USD budgets a call must also fit; every backend, and Redis, hold the same guarantees.
 */
const SETTLED = { costUsd: money('0.5'), inputTokens: 10, outputTokens: 5, totalTokens: 15, failed: false };

async function quota(store: Store, input: RateLimitInput) {
  return upsertRateLimit(store, parseRateLimitInput({ kind: 'requests', period: 'daily', ...input }, 'UTC'));
}

async function clear(store: Store) {
  await store.run('DELETE FROM rate_limits');
  await store.run('DELETE FROM budgets');
  await store.run('DELETE FROM spend_events');
}

/** n concurrent calls; each admitted one settles after a short delay (admissions and settlements interleave). */
async function burst(adm: SpendAdmission, n: number, attribution = ATTR): Promise<AdmissionDecision[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const d = await adm.admit(request({ attribution }));
      if (d.admitted) {
        await sleep(i % 4);
        await adm.settle(d.ticket, SETTLED);
      }
      return d;
    }),
  );
}

function refusalOf(d: AdmissionDecision | undefined): Record<string, unknown> {
  expect(d?.admitted).toBe(false);
  return (d as { body: { error: Record<string, unknown> } }).body.error;
}

describe('request quota input', () => {
  it('--period only with --kind requests; requests needs a period; the narrowing is kept', () => {
    expect(() => parseRateLimitInput({ scope: 'key', entity: 'k', kind: 'rpm', limit: '5', period: 'daily' })).toThrow(
      /--period: only applies to --kind requests/,
    );
    expect(() => parseRateLimitInput({ scope: 'key', entity: 'k', kind: 'requests', limit: '5' })).toThrow(/--period/);
    expect(() =>
      parseRateLimitInput({ scope: 'key', entity: 'k', kind: 'requests', limit: '5', period: 'rolling' }),
    ).toThrow(/--window: is required with --period rolling/);
    expect(() =>
      parseRateLimitInput({
        scope: 'key',
        entity: 'k',
        kind: 'requests',
        limit: '5',
        period: 'daily',
        timezone: 'Mars/Base',
      }),
    ).toThrow(/--timezone/);
    expect(() =>
      parseRateLimitInput({ scope: 'key', entity: 'k', kind: 'requests', limit: '9000001', period: 'total' }),
    ).toThrow(/above the largest quota/);
    expect(
      parseRateLimitInput(
        {
          scope: 'tag',
          entity: 'eval',
          kind: 'requests',
          limit: '100',
          period: 'rolling',
          window: '6h',
          model: 'gpt-4o',
        },
        'UTC',
      ),
    ).toMatchObject({ kind: 'requests', period: 'rolling', windowSeconds: 21_600, model: 'gpt-4o', timezone: 'UTC' });
  });
});

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available())(`request quotas, in-process ledger on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ store, cleanup } = await backend.open()));
    afterAll(async () => cleanup?.());

    it('40 concurrent calls against a quota of 10 a day: exactly 10 admitted, the rest refused as rate_limit_exceeded', async () => {
      const l = await quota(store, { scope: 'team', entity: 'payments', limit: '10' });
      // A USD budget applies too: a call must fit both, and the budget still counts dollars, not calls.
      const b = await insertBudget(
        store,
        parseBudgetInput({ scope: 'team', entity: 'payments', limit: '100', period: 'monthly' }, 'UTC'),
      );
      const { adm } = await admissionWith(store, { backend: 'memory' });
      const decisions = await burst(adm, 40);
      await adm.close();
      expect(decisions.filter((d) => d.admitted)).toHaveLength(10);
      const err = refusalOf(decisions.find((d) => !d.admitted));
      expect(err).toMatchObject({
        type: 'rate_limit_exceeded',
        limit_type: 'requests',
        scope: 'team',
        entity_id: 'payments',
        limit: 10,
        period: 'daily',
      });
      expect(String(err.message)).toContain('Request quota of 10 requests per daily period for team payments');
      const refused = decisions.find((d) => !d.admitted) as { headers: Record<string, string> };
      expect(refused.headers['x-should-retry']).toBe('false');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await budgetStatus(store, b)).spentUsd).toBe('5'); // 10 calls × 0.5 USD
      const [status] = await rateLimitStatuses(store, [l]);
      expect(status).toMatchObject({ kind: 'requests', limit: 10, used: 10, remaining: 0, period: 'daily' });
      await clear(store);
    });

    it('a call that failed without a cost is not counted; an unpriced call is; a restart counts from the store', async () => {
      await quota(store, { scope: 'agent', entity: 'billing-bot', limit: '3', period: 'total' });
      const first = await admissionWith(store, { backend: 'memory' });
      const failed = await first.adm.admit(request());
      await first.adm.settle((failed as { ticket: unknown }).ticket, {
        costUsd: null,
        inputTokens: 0,
        outputTokens: 0,
        totalTokens: 0,
        failed: true,
      });
      const unpriced = await first.adm.admit(request());
      await first.adm.settle((unpriced as { ticket: unknown }).ticket, { ...SETTLED, costUsd: null });
      await first.adm.close();
      // A new daemon loads the count (1) from the ledger: two more calls fit, the third is refused.
      const second = await admissionWith(store, { backend: 'memory' });
      const after = await burst(second.adm, 3);
      await second.adm.close();
      expect(after.map((d) => d.admitted)).toEqual([true, true, false]);
      const [status] = await rateLimitStatuses(store, await listRateLimits(store));
      expect(status).toMatchObject({ used: 3, remaining: 0, resetsAt: null });
      await clear(store);
    });

    it('a quota narrowed to a model counts only that model; rpm limits beside it keep working', async () => {
      await quota(store, { scope: 'org', entity: 'acme', limit: '1', model: 'gpt-4o' });
      await upsertRateLimit(store, parseRateLimitInput({ scope: 'org', entity: 'acme', kind: 'rpm', limit: '3' }));
      const { adm } = await admissionWith(store, { backend: 'memory' });
      const mini = () => adm.admit(request({ model: 'gpt-4o-mini' }));
      const big = () => adm.admit(request({ model: 'gpt-4o' }));
      const a = await big();
      expect(a.admitted).toBe(true);
      expect(refusalOf(await big())).toMatchObject({ limit_type: 'requests', model: 'gpt-4o' });
      expect((await mini()).admitted).toBe(true);
      expect((await mini()).admitted).toBe(true);
      // The rpm limit (3 a minute) has counted both admitted kinds of call and now refuses with its own headers.
      const rpm = await mini();
      expect(refusalOf(rpm)).toMatchObject({ limit_type: 'rpm' });
      await adm.close();
      await clear(store);
    });
  });
}

describe.skipIf(!redisAvailable())('request quotas through Redis', () => {
  const backend = BACKENDS[0]!;
  let store: Store;
  let cleanup: () => Promise<void>;
  let lease: RedisDbLease;
  let admin: Redis;
  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    lease = await leaseRedisDb();
    admin = new Redis(lease.url);
    await admin.flushdb();
  });
  afterAll(async () => {
    await admin?.flushdb();
    admin?.disconnect();
    await lease?.release();
    await cleanup?.();
  });

  it('two daemons share one quota; after Redis loses its data the count is rebuilt from the store', async () => {
    const l = await quota(store, { scope: 'user', entity: 'ana', limit: '12', period: 'weekly' });
    // A USD budget in the same Lua call reserves the call's bound while the quota reserves one call.
    const usd = await insertBudget(
      store,
      parseBudgetInput({ scope: 'user', entity: 'ana', limit: '100', period: 'monthly' }, 'UTC'),
    );
    const attribution = { ...ATTR, userId: 'ana' };
    const d1 = await admissionWith(store, { backend: 'redis', redisUrl: lease.url });
    const d2 = await admissionWith(store, { backend: 'redis', redisUrl: lease.url });
    const [a, b] = await Promise.all([burst(d1.adm, 4, attribution), burst(d2.adm, 4, attribution)]);
    expect([...a, ...b].filter((d) => d.admitted)).toHaveLength(8);
    // Ledger rows are written behind (every 20 ms here); another daemon's unwritten last rows are the documented
    // gap after Redis loses its data, so let both write theirs first.
    await sleep(300);
    await admin.flushdb();
    const rest = await burst(d1.adm, 10, attribution);
    expect(rest.filter((d) => d.admitted)).toHaveLength(4);
    expect(refusalOf(rest.find((d) => !d.admitted))).toMatchObject({ limit_type: 'requests', used: 12 });
    await d1.adm.close();
    await d2.adm.close();
    expect(await admin.get(`oco:spend:r:${l.id}:sum`)).toBe('0');
    expect(await admin.get(`oco:spend:r:${usd.id}:sum`)).toBe('0');
    expect((await budgetStatus(store, usd)).spentUsd).toBe('6'); // 12 calls × 0.5 USD
    const [status] = await rateLimitStatuses(store, [l]);
    expect(status).toMatchObject({ used: 12, remaining: 0 });
  });
});
