import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/base/store/types.js';
import { KeyCache } from '../../src/core/gateway/keys/cache.js';
import { listEntityAllowLists, setEntityAllowList } from '../../src/core/gateway/keys/entity-lists.js';
import {
  createKey,
  keyLimits,
  parseGrace,
  rotateKey,
  setBlocked,
  updateKey,
} from '../../src/core/gateway/keys/lifecycle.js';
import { findKey, listKeys, revokeKey, verifyKey } from '../../src/core/gateway/keys/service.js';
import { listBudgets, listRateLimits } from '../../src/core/gateway/spend/repo.js';
import { BACKENDS } from '../helpers/stores.js';

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { code: string; exitCode: number; message: string };
  }
  throw new Error('expected a failure');
};

/** What a failed operation must leave as it was. */
const snapshot = async (store: Store) => ({
  keys: await store.all('SELECT * FROM api_keys ORDER BY id'),
  budgets: await store.all('SELECT * FROM budgets ORDER BY id'),
  limits: await store.all('SELECT * FROM rate_limits ORDER BY id'),
  lists: await store.all('SELECT * FROM entity_allow_lists ORDER BY scope, entity_id'),
});

describe.each(BACKENDS)('key lifecycle ($name)', (b) => {
  describe.skipIf(!b.available())(b.name, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await b.open());
    });
    afterAll(async () => cleanup?.());

    it('creates a key with allow-lists, metadata, budget and rpm in one step', async () => {
      const { key, record, limits } = await createKey(
        store,
        {
          name: 'agent-1',
          team: 'payments',
          models: 'gpt-4o-mini,claude-haiku-*',
          providers: 'openai,anthropic',
          metadata: ['owner=ana', 'costCenter=42'],
          budget: '50',
          period: 'monthly',
          rpm: '60',
        },
        { timezone: 'UTC' },
      );
      expect(record).toMatchObject({
        name: 'agent-1',
        teamId: 'payments',
        allowedModels: ['gpt-4o-mini', 'claude-haiku-*'],
        allowedProviders: ['openai', 'anthropic'],
        metadata: { owner: 'ana', costCenter: '42' },
        status: 'active',
      });
      expect(limits.budget).toMatchObject({ scope: 'key', entityId: record.id, period: 'monthly', hard: true });
      expect(limits.budget!.limitUsd.toFixed()).toBe('50');
      expect(limits.rateLimit).toMatchObject({ scope: 'key', entityId: record.id, kind: 'rpm', limit: 60 });
      expect((await verifyKey(store, key))?.id).toBe(record.id);
      expect(JSON.stringify(await store.all('SELECT * FROM api_keys'))).not.toContain(key);
    });

    it('a create whose rate limit cannot be written creates nothing: key, budget and limit share one transaction', async () => {
      // A table the rate limit cannot be written to, as a failing disk or constraint would leave it.
      await store.exec('ALTER TABLE rate_limits RENAME TO rate_limits_away');
      try {
        const before = await store.all('SELECT id FROM api_keys');
        const budgets = await store.all('SELECT id FROM budgets');
        await expect(
          createKey(store, { name: 'doomed', budget: '10', rpm: '5' }, { timezone: 'UTC' }),
        ).rejects.toThrow();
        expect(await store.all('SELECT id FROM api_keys')).toEqual(before);
        expect(await store.all('SELECT id FROM budgets')).toEqual(budgets);
      } finally {
        await store.exec('ALTER TABLE rate_limits_away RENAME TO rate_limits');
      }
    });

    it.each([
      [{ name: 'x', models: 'gpt 4o' }, 'models', 'OCO_KEY_INVALID'],
      [{ name: 'x', providers: 'openai,nope' }, 'providers', 'OCO_KEY_INVALID'],
      [{ name: 'x', metadata: ['novalue'] }, 'metadata', 'OCO_KEY_INVALID'],
      [{ name: 'x', metadata: ['k='] }, 'metadata', 'OCO_KEY_INVALID'],
      [{ name: 'x', budget: '-5' }, 'budget', 'OCO_KEY_INVALID'],
      [{ name: 'x', budget: '5', period: 'fortnightly' }, 'period', 'OCO_SPEND_INVALID'],
      [{ name: 'x', period: 'daily' }, 'period', 'OCO_KEY_INVALID'],
      [{ name: 'x', rpm: '0' }, 'rpm', 'OCO_KEY_INVALID'],
      [{ name: ' ' }, 'name', 'OCO_KEY_INVALID'],
      [{ name: 'x', team: 'no spaces' }, 'team', 'OCO_KEY_INVALID'],
    ])('refuses %j naming --%s, exit 2, nothing stored', async (input, flag, code) => {
      const before = await snapshot(store);
      const err = await failure(createKey(store, input, { timezone: 'UTC' }));
      expect(err).toMatchObject({ code, exitCode: 2 });
      expect(err.message).toContain(`--${flag}`);
      expect(await snapshot(store)).toEqual(before);
    });

    it('updates only what is given, merges metadata, creates then changes the budget, lifts a list', async () => {
      const { record } = await createKey(store, { name: 'upd', models: 'gpt-4o', metadata: ['a=1', 'b=2'] });
      const first = await updateKey(store, 'upd', { metadata: ['b=', 'c=3'], budget: '20', rpm: '10' });
      expect(first.record).toMatchObject({ allowedModels: ['gpt-4o'], metadata: { a: '1', c: '3' } });
      expect(first.limits.budget!.limitUsd.toFixed()).toBe('20');
      const second = await updateKey(store, record.id, { models: 'none', budget: '35.5', rpm: '11' });
      expect(second.record.allowedModels).toBeNull();
      expect(second.limits.budget!.id).toBe(first.limits.budget!.id);
      expect(second.limits.budget!.limitUsd.toFixed()).toBe('35.5');
      expect(second.limits.rateLimit!.limit).toBe(11);
      expect((await listBudgets(store, { scope: 'key', entityId: record.id })).length).toBe(1);
      expect((await listRateLimits(store)).filter((l) => l.entityId === record.id).length).toBe(1);
      const before = await snapshot(store);
      expect(await failure(updateKey(store, record.id, { models: 'ok-*', rpm: 'many' }))).toMatchObject({
        exitCode: 2,
      });
      expect(await failure(updateKey(store, record.id, {}))).toMatchObject({ code: 'OCO_KEY_INVALID' });
      expect(await failure(updateKey(store, 'no-such-key', { name: 'y' }))).toMatchObject({
        code: 'OCO_KEY_NOT_FOUND',
        exitCode: 1,
      });
      expect(await snapshot(store)).toEqual(before);
    });

    it('rotates: the old secret resolves to the same key until its grace ends, then is refused', async () => {
      const { key: old, record } = await createKey(store, { name: 'rot' });
      const t0 = new Date();
      const { key: fresh, record: after } = await rotateKey(store, 'rot', 3600, t0);
      expect(fresh).not.toBe(old);
      expect(after.prefix).toBe(fresh.slice(0, 12));
      expect(after.previousValidUntil).toBe(new Date(t0.getTime() + 3_600_000).toISOString());
      const at = (ms: number) => t0.getTime() + ms;
      expect((await verifyKey(store, old, at(3_599_000)))?.id).toBe(record.id);
      expect((await verifyKey(store, fresh, at(3_599_000)))?.id).toBe(record.id);
      expect(await verifyKey(store, old, at(3_600_000))).toBeUndefined();
      expect((await verifyKey(store, fresh, at(7_200_000)))?.id).toBe(record.id);

      // The daemon's cache refuses a cached rotated-out secret the moment its grace ends.
      let now = at(3_599_000);
      const cache = new KeyCache(store, 60_000, 60_000, () => now);
      try {
        expect((await cache.lookup(old))?.id).toBe(record.id);
        now = at(3_600_001);
        expect(await cache.lookup(old)).toBeUndefined();
        expect((await cache.lookup(fresh))?.id).toBe(record.id);
      } finally {
        await cache.close();
      }

      // Grace 0 ends the old secret at once; a second rotation ends the first one's grace.
      const { key: third } = await rotateKey(store, record.id, 0);
      expect(await verifyKey(store, fresh)).toBeUndefined();
      expect((await verifyKey(store, third))?.id).toBe(record.id);
      expect(await verifyKey(store, old)).toBeUndefined();
    });

    it('parses grace: 0 or a span up to 30d', () => {
      expect(parseGrace('0')).toBe(0);
      expect(parseGrace('90m')).toBe(5400);
      expect(parseGrace('30d')).toBe(2_592_000);
      for (const bad of ['31d', 'soon', '-1h', ''])
        expect(() => parseGrace(bad), bad).toThrow(/--grace: .* is not 0 or a span/);
    });

    it('blocks and unblocks reversibly; a revoked key is never changed again', async () => {
      const { key, record } = await createKey(store, { name: 'blk' });
      expect((await setBlocked(store, 'blk', true)).status).toBe('blocked');
      expect(await verifyKey(store, key)).toBeUndefined();
      expect((await setBlocked(store, record.id, false)).status).toBe('active');
      expect((await verifyKey(store, key))?.id).toBe(record.id);
      await revokeKey(store, record.id);
      const before = await snapshot(store);
      for (const op of [
        () => setBlocked(store, record.id, false),
        () => setBlocked(store, record.id, true),
        () => rotateKey(store, record.id, 60),
        () => updateKey(store, record.id, { name: 'again' }),
      ])
        expect(await failure(op())).toMatchObject({ code: 'OCO_KEY_STATE', exitCode: 2 });
      expect(await snapshot(store)).toEqual(before);
      expect(await failure(findKey(store, key))).toMatchObject({ code: 'OCO_KEY_INVALID' });
    });

    it('stores team and org allow-lists by label; lifting both removes the row', async () => {
      const set = await setEntityAllowList(store, { team: 'payments' }, { models: 'gpt-4o-mini,claude-haiku-*' });
      expect(set.list).toMatchObject({
        scope: 'team',
        entityId: 'payments',
        models: ['gpt-4o-mini', 'claude-haiku-*'],
      });
      await setEntityAllowList(store, { team: 'payments' }, { providers: 'openai' });
      expect((await listEntityAllowLists(store))[0]).toMatchObject({
        models: ['gpt-4o-mini', 'claude-haiku-*'],
        providers: ['openai'],
      });
      const before = await snapshot(store);
      for (const [target, input] of [
        [{}, { models: 'x' }],
        [{ team: 'a', org: 'b' }, { models: 'x' }],
        [{ team: 'payments' }, {}],
        [{ team: 'payments' }, { providers: 'nope' }],
        [{ org: 'bad label' }, { models: 'x' }],
      ] as const)
        expect(await failure(setEntityAllowList(store, target, input))).toMatchObject({ exitCode: 2 });
      expect(await snapshot(store)).toEqual(before);
      const lifted = await setEntityAllowList(store, { team: 'payments' }, { models: 'none', providers: 'none' });
      expect(lifted.list).toBeNull();
      expect(await listEntityAllowLists(store)).toEqual([]);
    });

    it('lists keys with their lists and metadata', async () => {
      const keys = await listKeys(store);
      expect(keys.find((k) => k.name === 'agent-1')).toMatchObject({ metadata: { owner: 'ana', costCenter: '42' } });
      const limits = await keyLimits(store, keys.find((k) => k.name === 'agent-1')!.id);
      expect(limits.rateLimit?.limit).toBe(60);
    });
  });
});
