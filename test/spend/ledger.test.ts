import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money, money } from '../../src/core/base/money.js';
import type { AdmissionDecision } from '../../src/core/gateway/proxy/admission.js';
import type { SpendAdmission } from '../../src/core/gateway/spend/admission.js';
import { parseBudgetInput, type BudgetInput } from '../../src/core/gateway/spend/model.js';
import { insertBudget, resetBudget } from '../../src/core/gateway/spend/repo.js';
import { RedisLedger } from '../../src/core/gateway/spend/redis-ledger.js';
import { budgetStatus } from '../../src/core/gateway/spend/service.js';
import type { Store } from '../../src/core/base/store/types.js';
import { leaseRedisDb, redisAvailable, type RedisDbLease } from '../helpers/services.js';
import { BACKENDS } from '../helpers/stores.js';
import { ATTR, admissionWith, privateRedisPort, request, sleep, startRedisServer } from './helpers.js';

const SETTLE = (cost: string) => ({
  costUsd: money(cost),
  inputTokens: 100,
  outputTokens: 50,
  totalTokens: 150,
  failed: false,
});

async function budget(store: Store, input: BudgetInput) {
  return insertBudget(store, parseBudgetInput({ period: 'monthly', ...input }, 'UTC'));
}

async function ledgerTotals(
  store: Store,
): Promise<{ settled: Money; rows: number; reserved: number; released: number }> {
  const rows = await store.all<{ state: string; cost_usd: string | null }>('SELECT state, cost_usd FROM spend_events');
  let settled = new Money(0);
  for (const r of rows) if (r.state === 'settled') settled = settled.plus(r.cost_usd ?? '0');
  return {
    settled,
    rows: rows.length,
    reserved: rows.filter((r) => r.state === 'reserved').length,
    released: rows.filter((r) => r.state === 'released').length,
  };
}

/**
 * n concurrent calls spread over the given daemons; each admitted call settles
 * after a short random delay at `cost` (less than the worst case reserved), so
 * admissions and settlements interleave.
 */
async function hammer(
  daemons: SpendAdmission[],
  n: number,
  cost: string,
  attribution = ATTR,
): Promise<AdmissionDecision[]> {
  let seed = 7;
  const rand = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const adm = daemons[i % daemons.length]!;
      const d = await adm.admit(request({ attribution }));
      if (d.admitted) {
        await sleep(Math.floor(rand() * 5));
        await adm.settle(d.ticket, SETTLE(cost));
      }
      return d;
    }),
  );
}

function expectGuarantee(
  decisions: AdmissionDecision[],
  limit: string,
  cost: string,
  totals: { settled: Money; rows: number; reserved: number },
) {
  const admitted = decisions.filter((d) => d.admitted).length;
  const refused = decisions.filter((d) => !d.admitted);
  expect(admitted + refused.length).toBe(decisions.length); // every call decided
  expect(admitted).toBeGreaterThanOrEqual(10); // the budget fits 10 worst cases
  for (const d of refused) {
    expect(d.admitted === false && d.status).toBe(429);
    expect((d as { body: { error: { type: string } } }).body.error.type).toBe('budget_exceeded');
  }
  expect(totals.settled.lte(limit)).toBe(true); // spend never passes the limit
  expect(totals.settled.equals(money(cost).times(admitted))).toBe(true); // each admitted call counted exactly once
  expect(totals.rows).toBe(admitted); // refused calls leave nothing behind
  expect(totals.reserved).toBe(0); // every reservation settled
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available())(`in-process ledger on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ store, cleanup } = await backend.open()));
    afterAll(async () => cleanup?.());

    it('200 concurrent calls against a budget that fits 10: spend ≤ limit, nothing double counted, reservations released', async () => {
      const b = await budget(store, { scope: 'team', entity: 'payments', limit: '10' });
      const { adm } = await admissionWith(store, { backend: 'memory' });
      const decisions = await hammer([adm], 200, '0.75');
      await adm.close();
      expectGuarantee(decisions, '10', '0.75', await ledgerTotals(store));
      const status = await budgetStatus(store, b);
      expect(status.reservedUsd).toBe('0');
      expect(money(status.spentUsd).lte(10)).toBe(true);
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
    });

    it('several budgets: a call must fit all; one refusal holds nothing in the others', async () => {
      await budget(store, { scope: 'team', entity: 'payments', limit: '10' });
      await budget(store, { scope: 'agent', entity: 'bot-a', limit: '3' });
      await budget(store, { scope: 'team', entity: 'payments', limit: '100', model: 'gpt-4o-mini' }); // other model: does not apply
      const { adm } = await admissionWith(store, { backend: 'memory' });
      const a = { ...ATTR, agentId: 'bot-a' };
      const b = { ...ATTR, agentId: 'bot-b' };
      const held: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        const d = await adm.admit(request({ attribution: a }));
        if (d.admitted) held.push(d.ticket);
        else expect((d.body as { error: { entity_id: string } }).error.entity_id).toBe('bot-a');
      }
      expect(held.length).toBe(3);
      // bot-b still has the team's remaining 7 worst cases: the 2 refusals of bot-a reserved nothing there.
      let bAdmitted = 0;
      for (let i = 0; i < 10; i++) if ((await adm.admit(request({ attribution: b }))).admitted) bAdmitted++;
      expect(bAdmitted).toBe(7);
      for (const t of held)
        await adm.settle(t, { costUsd: null, inputTokens: 0, outputTokens: 0, totalTokens: 0, failed: true });
      // Released on error: bot-a can reserve again.
      expect((await adm.admit(request({ attribution: a }))).admitted).toBe(true);
      await adm.close();
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
    });

    it('spend survives a daemon restart (store is the source of truth) and a reset starts from zero', async () => {
      const b = await budget(store, { scope: 'org', entity: 'acme', limit: '5', 'alert-at': '' });
      const first = await admissionWith(store, { backend: 'memory' });
      for (let i = 0; i < 4; i++) {
        const d = await first.adm.admit(request());
        expect(d.admitted).toBe(true);
        await first.adm.settle((d as { ticket: unknown }).ticket, SETTLE('1'));
      }
      // A call left in flight when the daemon dies.
      const orphan = await first.adm.admit(request());
      expect(orphan.admitted).toBe(true);
      await first.adm.close();
      expect((await budgetStatus(store, b)).reservedUsd).toBe('1');

      const second = await admissionWith(store, { backend: 'memory' });
      // 4 spent, the orphan's reservation released at start: exactly one more worst case fits.
      expect((await budgetStatus(store, b)).reservedUsd).toBe('0');
      expect((await second.adm.admit(request())).admitted).toBe(true);
      const refused = await second.adm.admit(request());
      expect(refused.admitted).toBe(false);
      expect((refused as { body: { error: Record<string, string> } }).body.error).toMatchObject({
        spent_usd: '4',
        reserved_usd: '1',
        limit_usd: '5',
      });

      await resetBudget(store, b.id);
      await second.adm.reload();
      expect((await second.adm.admit(request())).admitted).toBe(true);
      await second.adm.close();
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
    });

    it('a budget created mid-period counts the spend the period already had', async () => {
      const { adm } = await admissionWith(store, { backend: 'memory' });
      for (let i = 0; i < 3; i++) {
        const d = await adm.admit(request()); // no budget applies yet
        await adm.settle((d as { ticket: unknown }).ticket, SETTLE('1'));
      }
      await budget(store, { scope: 'team', entity: 'payments', limit: '4' });
      await adm.reload();
      expect((await adm.admit(request())).admitted).toBe(true); // 3 spent + 1 worst case = 4
      expect((await adm.admit(request())).admitted).toBe(false);
      await adm.close();
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
    });

    it('counters reloaded while calls settle (budget edits) still count each call exactly once', async () => {
      const { SpendJournal } = await import('../../src/core/gateway/spend/journal.js');
      const { MemoryLedger } = await import('../../src/core/gateway/spend/ledger.js');
      const { periodWindow } = await import('../../src/core/gateway/spend/period.js');
      const silent = { warn() {}, error() {} };
      const journal = new SpendJournal(store, silent, { intervalMs: 1, batch: 7 });
      const ledger = new MemoryLedger(store, journal);
      const b = await budget(store, { scope: 'team', entity: 'payments', limit: '1000' });
      const now = new Date();
      const charges = [{ budget: b, window: periodWindow({ kind: 'monthly', timezone: 'UTC' }, now) }];
      const event = (id: string, state: 'reserved' | 'settled') => ({
        requestId: id,
        ts: now,
        expiresAt: new Date(now.getTime() + 60_000),
        state,
        provider: 'openai',
        model: 'gpt-4o',
        orgId: 'acme',
        teamId: 'payments',
        agentId: 'a',
        userId: 'u',
        keyId: null,
        tags: [],
        reservedUsd: money('1'),
        costUsd: state === 'settled' ? money('1') : null,
      });
      let seed = 3;
      const rand = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
      const calls = Array.from({ length: 150 }, (_, i) => `edit_${i}`);
      for (const id of calls) {
        expect((await ledger.reserve(id, charges, money('1'), now, new Date(now.getTime() + 60_000))).ok).toBe(true);
        journal.enqueue(event(id, 'reserved'));
      }
      let stop = false;
      // An operator editing the budget over and over: every edit drops the counter and the next call reloads it.
      const edits = (async () => {
        while (!stop) {
          ledger.invalidate([b.id]);
          await ledger.reserve(`probe_${Math.random()}`, charges, money('0'), now, now);
          await sleep(Math.floor(rand() * 3));
        }
      })();
      await Promise.all(
        calls.map(async (id) => {
          await sleep(Math.floor(rand() * 40));
          journal.enqueue(event(id, 'settled')); // what SpendAdmission.settle does, in this order
          await ledger.settle(id, charges, money('1'), now);
        }),
      );
      stop = true;
      await edits;
      await journal.close();
      expect(ledger.spentNow(charges[0]!, now)!.toFixed()).toBe('150');
      ledger.invalidate([b.id]);
      await ledger.reserve('final', charges, money('0'), now, now);
      expect(ledger.spentNow(charges[0]!, now)!.toFixed()).toBe('150');
      await ledger.close();
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
    });

    it('a call admitted before midnight and settled after counts in its own period only', async () => {
      await budget(store, { scope: 'team', entity: 'payments', limit: '2', period: 'daily', timezone: 'Asia/Tokyo' });
      const { adm } = await admissionWith(store, { backend: 'memory' });
      const before = new Date('2026-03-31T14:59:59.900Z'); // 23:59:59.9 in Tokyo
      const after = new Date('2026-03-31T15:00:00.100Z'); // the next day there
      const late = await adm.admit(request({ now: before }));
      expect(late.admitted).toBe(true);
      const next = await adm.admit(request({ now: after })); // first call of the new day rolls the counter over
      expect(next.admitted).toBe(true);
      await adm.settle((next as { ticket: unknown }).ticket, SETTLE('0.5'));
      await adm.settle((late as { ticket: unknown }).ticket, SETTLE('1.5')); // settles in the new day, after a call of that day
      // The new day holds 0.5: one more worst case (1) fits, a second does not.
      expect((await adm.admit(request({ now: after }))).admitted).toBe(true);
      const refused = await adm.admit(request({ now: after }));
      expect(refused.admitted === false && (refused.body as { error: Record<string, string> }).error).toMatchObject({
        spent_usd: '0.5',
        reserved_usd: '1',
      });
      await adm.close();
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
    });

    it('refusal: 429 body with scope, entity, limit, spent, reserved, reset, and Retry-After until the reset', async () => {
      await budget(store, {
        scope: 'team',
        entity: 'payments',
        limit: '0.5',
        period: 'daily',
        timezone: 'Europe/Berlin',
      });
      const { adm } = await admissionWith(store, { backend: 'memory' });
      const now = new Date('2026-06-10T20:00:00Z'); // 22:00 in Berlin: 2 h to the reset
      const d = await adm.admit(request({ now }));
      expect(d.admitted).toBe(false);
      if (d.admitted) return;
      expect(d.status).toBe(429);
      expect(d.headers!['retry-after']).toBe('7200');
      expect(d.body).toMatchObject({
        error: {
          type: 'budget_exceeded',
          scope: 'team',
          entity_id: 'payments',
          limit_usd: '0.5',
          spent_usd: '0',
          reserved_usd: '0',
          resets_at: '2026-06-10T22:00:00.000Z',
        },
      });
      await adm.close();
      await store.run('DELETE FROM budgets');
    });

    it('a zero hard budget refuses the first call, even one estimated at 0 USD; a zero soft budget only alerts', async () => {
      await budget(store, { scope: 'agent', entity: 'runaway', limit: '0', period: 'total' });
      await budget(store, { scope: 'agent', entity: 'watched', limit: '0', period: 'total', soft: true });
      for (const worstCase of ['1', '0']) {
        const { adm } = await admissionWith(store, { backend: 'memory', worstCase });
        const d = await adm.admit(request({ attribution: { ...ATTR, agentId: 'runaway' } }));
        expect(d.admitted, `worst case ${worstCase}`).toBe(false);
        if (!d.admitted)
          expect(d.body).toMatchObject({
            error: { type: 'budget_exceeded', entity_id: 'runaway', limit_usd: '0', spent_usd: '0', reserved_usd: '0' },
          });
        const soft = await adm.admit(request({ attribution: { ...ATTR, agentId: 'watched' } }));
        expect(soft.admitted).toBe(true);
        await adm.settle((soft as { ticket: unknown }).ticket, SETTLE('0'));
        await adm.close();
      }
      expect((await ledgerTotals(store)).rows).toBe(2); // the two soft calls; the refused ones left nothing
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
    });

    it('soft budgets never block; rolling windows count recent spend only', async () => {
      await budget(store, { scope: 'user', entity: 'ann', limit: '1', soft: true });
      await budget(store, { scope: 'tag', entity: 'batch', limit: '2', period: 'rolling', window: '1h' });
      const { adm } = await admissionWith(store, { backend: 'memory' });
      const ann = { ...ATTR, userId: 'ann', tags: ['batch', 'x'] };
      const t0 = new Date();
      for (let i = 0; i < 2; i++) {
        const d = await adm.admit(request({ attribution: ann, now: t0 }));
        expect(d.admitted).toBe(true); // soft budget 'ann' is over after the first; only alerts
        await adm.settle((d as { ticket: unknown }).ticket, SETTLE('1'));
      }
      expect((await adm.admit(request({ attribution: ann, now: t0 }))).admitted).toBe(false); // tag budget full
      // 61 minutes later both calls have left the rolling window.
      expect(
        (await adm.admit(request({ attribution: ann, now: new Date(t0.getTime() + 61 * 60_000 + 60_000) }))).admitted,
      ).toBe(true);
      // A tag budget does not apply to calls without the tag.
      expect((await adm.admit(request({ attribution: { ...ATTR, tags: ['batchy'] }, now: t0 }))).admitted).toBe(true);
      await adm.close();
      await store.run('DELETE FROM budgets');
      await store.run('DELETE FROM spend_events');
    });
  });
}

describe.skipIf(!redisAvailable())('Redis ledger', () => {
  const backend = BACKENDS[0]!;
  let store: Store;
  let cleanup: () => Promise<void>;
  let lease: RedisDbLease;
  let url: string;
  let admin: Redis;
  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    lease = await leaseRedisDb();
    url = lease.url;
    admin = new Redis(url);
    await admin.flushdb();
  });
  afterAll(async () => {
    await admin?.flushdb();
    admin?.disconnect();
    await lease?.release();
    await cleanup?.();
  });

  async function clear() {
    await store.run('DELETE FROM budgets');
    await store.run('DELETE FROM spend_events');
    await admin.flushdb();
  }

  it('200 concurrent calls against a budget that fits 10', async () => {
    const b = await budget(store, { scope: 'team', entity: 'payments', limit: '10' });
    const { adm } = await admissionWith(store, { backend: 'redis', redisUrl: url });
    const decisions = await hammer([adm], 200, '0.75');
    await adm.close();
    expectGuarantee(decisions, '10', '0.75', await ledgerTotals(store));
    expect(await admin.get(`oco:spend:r:${b.id}:sum`)).toBe('0');
    expect(await admin.hlen(`oco:spend:r:${b.id}:h`)).toBe(0);
    await clear();
  });

  it('a zero hard budget refuses the first call, even one estimated at 0 USD', async () => {
    await budget(store, { scope: 'agent', entity: 'runaway', limit: '0', period: 'total' });
    for (const worstCase of ['1', '0']) {
      const { adm } = await admissionWith(store, { backend: 'redis', redisUrl: url, worstCase });
      const d = await adm.admit(request({ attribution: { ...ATTR, agentId: 'runaway' } }));
      expect(d.admitted, `worst case ${worstCase}`).toBe(false);
      if (!d.admitted)
        expect(d.body).toMatchObject({ error: { type: 'budget_exceeded', entity_id: 'runaway', limit_usd: '0' } });
      await adm.close();
    }
    await clear();
  });

  it('two daemons (two store connections, one Redis) enforce one limit', async () => {
    await budget(store, { scope: 'org', entity: 'acme', limit: '10' });
    // The second daemon has its own connection to the same database, as a second process would.
    const { SqliteStore } = await import('../../src/core/base/store/sqlite.js');
    const otherStore = new SqliteStore({ file: store.location });
    const d1 = await admissionWith(store, { backend: 'redis', redisUrl: url });
    const d2 = await admissionWith(otherStore, { backend: 'redis', redisUrl: url });
    const decisions = await hammer([d1.adm, d2.adm], 200, '0.75');
    await d1.adm.close();
    await d2.adm.close();
    await otherStore.close();
    expectGuarantee(decisions, '10', '0.75', await ledgerTotals(store));
    // Both daemons admitted calls: the limit is shared, not multiplied.
    const byDaemon = [0, 1].map((k) => decisions.filter((d, i) => d.admitted && i % 2 === k).length);
    expect(byDaemon[0]! + byDaemon[1]!).toBeLessThanOrEqual(13);
    await clear();
  });

  it('Redis flushed: counters are rebuilt from the store and the limit still holds', async () => {
    const b = await budget(store, { scope: 'team', entity: 'payments', limit: '10' });
    const { adm } = await admissionWith(store, { backend: 'redis', redisUrl: url });
    for (let i = 0; i < 6; i++) {
      const d = await adm.admit(request());
      await adm.settle((d as { ticket: unknown }).ticket, SETTLE('1'));
    }
    await admin.flushdb(); // Redis loses everything
    const decisions = await Promise.all(Array.from({ length: 20 }, () => adm.admit(request())));
    expect(decisions.filter((d) => d.admitted).length).toBe(4); // 6 spent survived in the store: 4 worst cases fit
    const refused = decisions.find((d) => !d.admitted) as { body: { error: Record<string, string> } };
    expect(refused.body.error).toMatchObject({ spent_usd: '6', reserved_usd: '4' });
    for (const d of decisions) if (d.admitted) await adm.settle(d.ticket, SETTLE('1'));
    await adm.close();
    expect((await budgetStatus(store, b)).spentUsd).toBe('10');
    expect(await admin.get(`oco:spend:r:${b.id}:sum`)).toBe('0');
    await clear();
  });

  it('calls settling while this daemon rebuilds a flushed counter are each counted once', async () => {
    const { SpendJournal } = await import('../../src/core/gateway/spend/journal.js');
    const { periodWindow } = await import('../../src/core/gateway/spend/period.js');
    const journal = new SpendJournal(store, { warn() {}, error() {} }, { intervalMs: 1, batch: 7 });
    const redis = new Redis(url);
    // The store read of the rebuild takes 30 ms, so settlements land in the middle of it.
    const slowStore = {
      ...store,
      engine: store.engine,
      dialect: store.dialect,
      get: async (...a: Parameters<Store['get']>) => (await sleep(30), store.get(...a)),
    } as Store;
    const ledger = new RedisLedger(async () => redis, slowStore, journal);
    const b = await budget(store, { scope: 'team', entity: 'payments', limit: '1000' });
    const now = new Date();
    const charges = [{ budget: b, window: periodWindow({ kind: 'monthly', timezone: 'UTC' }, now) }];
    const event = (id: string, state: 'reserved' | 'settled') => ({
      requestId: id,
      ts: now,
      expiresAt: new Date(now.getTime() + 60_000),
      state,
      provider: 'openai',
      model: 'gpt-4o',
      orgId: 'acme',
      teamId: 'payments',
      agentId: 'a',
      userId: 'u',
      keyId: null,
      tags: [],
      reservedUsd: money('1'),
      costUsd: state === 'settled' ? money('1') : null,
    });
    const settle = async (id: string) => {
      journal.enqueue(event(id, 'settled')); // what SpendAdmission.settle does, in this order
      await ledger.settle(id, charges, money('1'), now);
    };
    const calls = Array.from({ length: 60 }, (_, i) => `flush_${i}`);
    for (const id of calls) {
      expect((await ledger.reserve(id, charges, money('1'), now, new Date(now.getTime() + 60_000))).ok).toBe(true);
      journal.enqueue(event(id, 'reserved'));
    }
    await Promise.all(calls.slice(0, 20).map(settle)); // settled before Redis loses its data
    const rebuildsBefore = ledger.rebuilds;
    await admin.flushdb();
    const rebuild = ledger.reserve('probe', charges, money('0'), now, now); // starts the rebuild
    await sleep(5);
    await Promise.all(calls.slice(20, 50).map(settle)); // during the rebuild's store read
    await rebuild;
    await Promise.all(calls.slice(50).map(settle)); // after it
    await journal.close();
    expect(ledger.rebuilds).toBe(rebuildsBefore + 1);
    expect(await admin.get(`oco:spend:${RedisLedger.base(charges[0]!)}:spent`)).toBe(String(60 * 1e9));
    redis.disconnect();
    await clear();
  });

  it('rebuilt rolling windows keep their buckets', async () => {
    await budget(store, { scope: 'agent', entity: 'billing-bot', limit: '3', period: 'rolling', window: '2h' });
    const { adm } = await admissionWith(store, { backend: 'redis', redisUrl: url });
    const t0 = new Date();
    for (let i = 0; i < 3; i++) {
      const d = await adm.admit(request({ now: t0 }));
      await adm.settle((d as { ticket: unknown }).ticket, SETTLE('1'));
    }
    await admin.flushdb();
    expect((await adm.admit(request({ now: t0 }))).admitted).toBe(false);
    expect((await adm.admit(request({ now: new Date(t0.getTime() + 2 * 3600_000 + 3 * 120_000) }))).admitted).toBe(
      true,
    );
    await adm.close();
    await clear();
  });

  it('amounts round up to the nano-dollar in Redis so rounding never lets spend through', async () => {
    const { toNanoCeil, toNanoFloor, fromNano } = await import('../../src/core/gateway/spend/redis-ledger.js');
    expect(toNanoCeil(money('0.0000000001'))).toBe(1);
    expect(toNanoFloor(money('10.0000000009'))).toBe(10_000_000_000);
    expect(fromNano(1).toFixed()).toBe('0.000000001');
    expect(RedisLedger.base({ budget: { id: 'b', updatedAt: 'u' } as never, window: { key: 'k' } as never })).toBe(
      'c:b@u:k',
    );
  });
});

describe.skipIf(!redisAvailable())('Redis killed mid-run', () => {
  const backend = BACKENDS[0]!;
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ store, cleanup } = await backend.open()));
  afterAll(async () => cleanup?.());

  for (const failOpen of [true, false]) {
    it(`OCO_BUDGET_FAIL_OPEN=${failOpen}: each decision follows it, is logged and counted; after a restart the store rebuilds the counters`, async () => {
      const port = privateRedisPort(failOpen ? 1 : 2);
      let server = await startRedisServer(port);
      try {
        await store.run('DELETE FROM budgets');
        await store.run('DELETE FROM spend_events');
        await budget(store, { scope: 'team', entity: 'payments', limit: '10' });
        const { adm, log } = await admissionWith(store, {
          backend: 'redis',
          redisUrl: server.url,
          env: { OCO_BUDGET_FAIL_OPEN: String(failOpen) },
        });
        // Before: enforced by Redis.
        const before = await hammer([adm], 20, '1');
        expect(before.filter((d) => d.admitted).length).toBe(10);
        // Kill Redis while calls are being admitted.
        const during = await Promise.all([
          server.kill(),
          ...Array.from({ length: 30 }, async (_, i) => {
            await sleep(i);
            return adm.admit(request());
          }),
        ]);
        const decisions = during.slice(1) as AdmissionDecision[];
        const outage = failOpen ? adm.stats.failOpen : adm.stats.failClosed;
        expect(outage).toBeGreaterThan(0);
        const decisionLines = log.lines.filter(
          (l) => l.obj.control === 'budget' && l.obj.decision === (failOpen ? 'admit' : 'refuse'),
        );
        expect(decisionLines.length).toBe(outage);
        if (!failOpen) {
          const closed = decisions.filter((d) => !d.admitted && d.status === 503);
          expect(closed.length).toBe(outage);
          expect(adm.stats.failOpen).toBe(0);
        } else {
          expect(adm.stats.failClosed).toBe(0);
        }
        for (const d of decisions) if (d.admitted) await adm.settle(d.ticket, SETTLE('0'));
        // Redis comes back empty: counters rebuild from the store's 10 USD spent, so the budget still refuses.
        server = await startRedisServer(port);
        let back: AdmissionDecision | undefined;
        for (let i = 0; i < 100; i++) {
          const outageBefore = adm.stats.failOpen + adm.stats.failClosed;
          back = await adm.admit(request());
          if (adm.stats.failOpen + adm.stats.failClosed === outageBefore) break; // decided by Redis again
          if (back.admitted) await adm.settle(back.ticket, SETTLE('0'));
          await sleep(50); // ioredis reconnects in the background
        }
        expect(back!.admitted).toBe(false);
        expect(back!.admitted === false && back!.status).toBe(429);
        await adm.close();
      } finally {
        await server.stop();
      }
    });
  }
});
