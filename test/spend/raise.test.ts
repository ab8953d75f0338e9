import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/core/base/money.js';
import type { Store } from '../../src/core/base/store/types.js';
import { parseBudgetInput } from '../../src/core/gateway/spend/model.js';
import { findBudget, insertBudget } from '../../src/core/gateway/spend/repo.js';
import { budgetStatus, raiseBudget } from '../../src/core/gateway/spend/service.js';
import { leaseRedisDb, redisAvailable, type RedisDbLease } from '../helpers/services.js';
import { BACKENDS } from '../helpers/stores.js';
import { ATTR, admissionWith, request, sleep } from './helpers.js';

const SETTLE = { costUsd: money('1'), inputTokens: 100, outputTokens: 50, totalTokens: 150, failed: false };

/**
 * A temporary raise reaches admission on each counter backend: calls fit the raised limit while the raise
 * lasts and are refused at the configured limit once its --until has passed, with no write and no restart
 * (the request's own clock, which admission decides by, is moved past --until).
 */
const COUNTERS = [
  { name: 'memory', available: () => true },
  { name: 'redis', available: redisAvailable },
] as const;

for (const backend of BACKENDS)
  for (const counters of COUNTERS) {
    describe.skipIf(!counters.available() || !backend.available())(
      `budget raises, ${backend.name} store, ${counters.name} counters`,
      () => {
        let store: Store;
        let cleanup: () => Promise<void>;
        let lease: RedisDbLease | undefined;
        beforeAll(async () => {
          ({ store, cleanup } = await backend.open());
          if (counters.name === 'redis') lease = await leaseRedisDb();
        });
        afterAll(async () => {
          await lease?.release();
          await cleanup?.();
        });

        it('admits up to the raised limit until --until, then to the configured one again', async () => {
          const b = await insertBudget(
            store,
            parseBudgetInput({ scope: 'team', entity: 'payments', limit: '2', period: 'total' }, 'UTC'),
          );
          const { adm } = await admissionWith(
            store,
            counters.name === 'redis' ? { backend: 'redis', redisUrl: lease!.url } : { backend: 'memory' },
          );
          try {
            const call = async (now = new Date()) => {
              const d = await adm.admit(request({ attribution: ATTR, now }));
              if (d.admitted) await adm.settle(d.ticket, SETTLE);
              return d;
            };
            expect((await call()).admitted).toBe(true);
            expect((await call()).admitted).toBe(true);
            const full = await call();
            expect(full.admitted).toBe(false);

            const until = new Date(Date.now() + 3_600_000);
            await raiseBudget(store, b, { by: '1.5', until: until.toISOString() });
            await adm.reload();
            const raised = await call();
            expect(raised.admitted).toBe(true);
            const over = await call();
            expect(over.admitted).toBe(false);
            if (!over.admitted) expect(over.body).toMatchObject({ error: { limit_usd: '3.5', spent_usd: '3' } });

            const status = await budgetStatus(store, await findBudget(store, { id: b.id }));
            expect(status).toMatchObject({
              limitUsd: '2',
              effectiveLimitUsd: '3.5',
              raise: { byUsd: '1.5', until: until.toISOString() },
            });

            // Past --until: the configured limit again, decided by the call's clock, nothing re-read.
            const after = new Date(until.getTime() + 1);
            const expired = await call(after);
            expect(expired.admitted).toBe(false);
            if (!expired.admitted) expect(expired.body).toMatchObject({ error: { limit_usd: '2' } });
            const later = await budgetStatus(store, await findBudget(store, { id: b.id }), after);
            expect(later).toMatchObject({ limitUsd: '2', effectiveLimitUsd: '2', raise: null });
          } finally {
            await adm.close();
            await store.run('DELETE FROM budgets');
            await store.run('DELETE FROM spend_events');
          }
        });

        it('a raise the daemon loaded ends at --until by the wall clock too', async () => {
          const b = await insertBudget(
            store,
            parseBudgetInput({ scope: 'agent', entity: 'short', limit: '0', period: 'total' }, 'UTC'),
          );
          const { adm } = await admissionWith(
            store,
            counters.name === 'redis' ? { backend: 'redis', redisUrl: lease!.url } : { backend: 'memory' },
          );
          try {
            const attribution = { ...ATTR, agentId: 'short' };
            const until = new Date(Date.now() + 1500);
            await raiseBudget(store, b, { by: '5', until: until.toISOString() });
            await adm.reload();
            expect((await adm.admit(request({ attribution }))).admitted).toBe(true);
            await sleep(Math.max(0, until.getTime() - Date.now()) + 50);
            const d = await adm.admit(request({ attribution }));
            expect(d.admitted).toBe(false);
          } finally {
            await adm.close();
            await store.run('DELETE FROM budgets');
            await store.run('DELETE FROM spend_events');
          }
        });
      },
    );
  }
