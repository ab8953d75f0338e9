import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/core/base/money.js';
import type { AdmissionDecision } from '../../src/core/gateway/proxy/admission.js';
import { parseBudgetInput, parseRateLimitInput, type RateLimitInput } from '../../src/core/gateway/spend/model.js';
import { insertBudget, upsertRateLimit } from '../../src/core/gateway/spend/repo.js';
import { budgetStatus } from '../../src/core/gateway/spend/service.js';
import type { Store } from '../../src/core/base/store/types.js';
import { leaseRedisDb, redisAvailable, type RedisDbLease } from '../helpers/services.js';
import { BACKENDS } from '../helpers/stores.js';
import { ATTR, admissionWith, request } from './helpers.js';

const KEYED = { ...ATTR, keyId: 'key_1' };
const done = (tokens: number) => ({
  costUsd: money('0.001'),
  inputTokens: tokens,
  outputTokens: 0,
  totalTokens: tokens,
  failed: false,
});

const MODES = [
  { name: 'memory', available: () => true, opts: {} },
  { name: 'redis', available: redisAvailable, opts: { backend: 'redis' as const } },
];

for (const mode of MODES) {
  describe.skipIf(!mode.available())(`rate limits (${mode.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let admin: Redis | undefined;
    let lease: RedisDbLease | undefined;
    let url: string | undefined;
    beforeAll(async () => {
      ({ store, cleanup } = await BACKENDS[0]!.open());
      if (mode.name === 'redis') {
        lease = await leaseRedisDb();
        url = lease.url;
        admin = new Redis(url);
        await admin.flushdb();
      }
    });
    afterAll(async () => {
      await admin?.flushdb();
      admin?.disconnect();
      await lease?.release();
      await cleanup?.();
    });

    async function setup(limits: RateLimitInput[]) {
      await store.run('DELETE FROM rate_limits');
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
      await admin?.flushdb();
      for (const l of limits) await upsertRateLimit(store, parseRateLimitInput(l));
      return admissionWith(store, { ...mode.opts, redisUrl: url });
    }

    it('requests per minute: OpenAI-style headers, 429 with Retry-After, and a window that slides', async () => {
      const { adm } = await setup([{ scope: 'key', entity: 'key_1', kind: 'rpm', limit: '5' }]);
      const t0 = Date.UTC(2026, 4, 1, 12, 0, 0);
      const seen: AdmissionDecision[] = [];
      for (let i = 0; i < 3; i++) seen.push(await adm.admit(request({ attribution: KEYED, now: new Date(t0) })));
      for (let i = 0; i < 2; i++)
        seen.push(await adm.admit(request({ attribution: KEYED, now: new Date(t0 + 30_000) })));
      expect(seen.every((d) => d.admitted)).toBe(true);
      expect(seen.map((d) => d.headers?.['x-ratelimit-remaining-requests'])).toEqual(['4', '3', '2', '1', '0']);
      expect(seen[0]!.headers).toMatchObject({
        'x-ratelimit-limit-requests': '5',
        'x-ratelimit-reset-requests': '1m0s',
      });

      const refused = await adm.admit(request({ attribution: KEYED, now: new Date(t0 + 59_000) }));
      expect(refused.admitted).toBe(false);
      if (refused.admitted) return;
      expect(refused.status).toBe(429);
      expect(refused.headers).toMatchObject({ 'retry-after': '1', 'x-ratelimit-remaining-requests': '0' });
      expect(refused.body).toMatchObject({
        error: { type: 'rate_limit_exceeded', scope: 'key', entity_id: 'key_1', limit_type: 'rpm', limit: 5 },
      });
      // Other keys are not limited.
      expect(
        (await adm.admit(request({ attribution: { ...ATTR, keyId: 'key_2' }, now: new Date(t0 + 59_000) }))).admitted,
      ).toBe(true);
      // 60 s after the first three, they leave the window; the two from t0+30s still count.
      const later = await Promise.all(
        Array.from({ length: 4 }, () => adm.admit(request({ attribution: KEYED, now: new Date(t0 + 60_000) }))),
      );
      expect(later.filter((d) => d.admitted).length).toBe(3);
      await adm.close();
    });

    it('tokens per minute count the worst case at admission and the actual tokens after', async () => {
      const { adm } = await setup([{ scope: 'team', entity: 'payments', kind: 'tpm', limit: '1000' }]);
      const now = new Date();
      const call = () => adm.admit(request({ now, estimatedInputTokens: 100, maxOutputTokens: 400 })); // 500 tokens worst case
      const a = await call();
      const b = await call();
      expect([a.admitted, b.admitted]).toEqual([true, true]);
      expect(a.headers).toMatchObject({ 'x-ratelimit-limit-tokens': '1000', 'x-ratelimit-remaining-tokens': '500' });
      expect((await call()).admitted).toBe(false);
      // Each used 150 tokens: 700 free again.
      await adm.settle((a as { ticket: unknown }).ticket, done(150));
      await adm.settle((b as { ticket: unknown }).ticket, done(150));
      expect((await call()).admitted).toBe(true); // 300 + 500
      expect((await call()).admitted).toBe(false); // 800 + 500 > 1000
      await adm.close();
    });

    it('concurrent requests: a slot frees when the call settles', async () => {
      const { adm } = await setup([{ scope: 'agent', entity: 'billing-bot', kind: 'concurrent', limit: '3' }]);
      const inFlight = await Promise.all(Array.from({ length: 10 }, () => adm.admit(request())));
      expect(inFlight.filter((d) => d.admitted).length).toBe(3);
      const first = inFlight.find((d) => d.admitted) as { ticket: unknown };
      await adm.settle(first.ticket, done(10));
      expect((await adm.admit(request())).admitted).toBe(true);
      expect((await adm.admit(request())).admitted).toBe(false);
      await adm.close();
    });

    it('a call refused by a rate limit holds no budget, and one refused by a budget holds no rate limit', async () => {
      const { adm } = await setup([{ scope: 'org', entity: 'acme', kind: 'rpm', limit: '3' }]);
      const b = await insertBudget(
        store,
        parseBudgetInput({ scope: 'org', entity: 'acme', limit: '2', period: 'daily' }, 'UTC'),
      );
      await adm.reload();
      const now = new Date();
      const results = await Promise.all(Array.from({ length: 3 }, () => adm.admit(request({ now }))));
      // Budget fits 2 worst cases of 1 USD; the third is refused by the budget and gives its request slot back.
      expect(results.filter((d) => d.admitted).length).toBe(2);
      const again = await adm.admit(request({ now }));
      expect(again.admitted === false && (again.body as { error: { type: string } }).error.type).toBe(
        'budget_exceeded',
      );
      for (const d of results) if (d.admitted) await adm.settle(d.ticket, { ...done(1), costUsd: money('0') });
      // Now the budget has room but the rate limit does not (2 admitted + this = 3, then the 4th is over).
      expect((await adm.admit(request({ now }))).admitted).toBe(true);
      const rate = await adm.admit(request({ now }));
      expect(rate.admitted === false && (rate.body as { error: { type: string } }).error.type).toBe(
        'rate_limit_exceeded',
      );
      await adm.close();
      expect((await budgetStatus(store, b)).reservedUsd).toBe('1');
    });

    if (mode.name === 'redis') {
      it('two daemons on one Redis share one limit instead of multiplying it', async () => {
        const first = await setup([{ scope: 'key', entity: 'key_1', kind: 'rpm', limit: '10' }]);
        const second = await admissionWith(store, { ...mode.opts, redisUrl: url });
        const now = new Date();
        const all = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? first.adm : second.adm).admit(request({ attribution: KEYED, now })),
          ),
        );
        expect(all.filter((d) => d.admitted).length).toBe(10);
        await first.adm.close();
        await second.adm.close();
      });
    }
  });
}

describe('rate limit validation', () => {
  it('names the flag at fault', () => {
    expect(() => parseRateLimitInput({ scope: 'region', entity: 'x', kind: 'rpm', limit: '5' })).toThrow(/--scope/);
    expect(() => parseRateLimitInput({ scope: 'key', entity: 'x', kind: 'rph', limit: '5' })).toThrow(/--kind/);
    expect(() => parseRateLimitInput({ scope: 'key', entity: 'x', kind: 'rpm', limit: '-5' })).toThrow(/--limit/);
    expect(() =>
      parseRateLimitInput({ scope: 'key', entity: 'x', kind: 'concurrent', limit: '5', window: '1m' }),
    ).toThrow(/--window/);
    expect(parseRateLimitInput({ scope: 'key', entity: 'x', kind: 'tpm', limit: '5000', window: '10s' })).toMatchObject(
      { windowSeconds: 10, limit: 5000 },
    );
  });
});
