import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money, Money } from '../../src/core/base/money.js';
import { compactSpendLedger, dayOf } from '../../src/core/gateway/spend/compact.js';
import { parseBudgetInput, periodSpec, type Budget, type BudgetInput } from '../../src/core/gateway/spend/model.js';
import { periodWindow } from '../../src/core/gateway/spend/period.js';
import { insertBudget, writeSpendEvents, type SpendEvent } from '../../src/core/gateway/spend/repo.js';
import { budgetStatus } from '../../src/core/gateway/spend/service.js';
import type { Store } from '../../src/core/base/store/types.js';
import { runOco, tempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

const DAY = 86_400_000;
const NOW = new Date();

/** 600 calls over the last 200 days across a few attributions, with 12-decimal costs; some released, some expired reservations. */
function ledger(): SpendEvent[] {
  let seed = 42;
  const rand = (n: number) => (seed = (seed * 48_271) % 2_147_483_647) % n;
  const teams = ['payments', 'search'];
  const agents = ['billing-bot', 'crawler', 'summariser'];
  const models = ['gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-pro'];
  const providers: Record<string, string> = {
    'gpt-4o': 'openai',
    'claude-sonnet-4-5': 'anthropic',
    'gemini-2.5-pro': 'gemini',
  };
  return Array.from({ length: 600 }, (_, i) => {
    const model = models[rand(3)]!;
    const ts = new Date(NOW.getTime() - rand(200 * 24) * 3_600_000 - rand(3_600_000));
    const state: SpendEvent['state'] = i % 17 === 0 ? 'released' : i % 29 === 0 ? 'reserved' : 'settled';
    return {
      requestId: `req-${i}`,
      ts,
      expiresAt: new Date(ts.getTime() + 900_000),
      state,
      provider: providers[model]!,
      model,
      orgId: 'acme',
      teamId: teams[rand(2)]!,
      agentId: agents[rand(3)]!,
      userId: rand(4) === 0 ? 'ana' : 'default',
      keyId: rand(3) === 0 ? null : `key_${rand(2)}`,
      tags: rand(2) ? ['prod'] : ['prod', 'eu'],
      reservedUsd: money('0.5'),
      costUsd:
        state === 'settled'
          ? money(`0.${String(rand(1e9)).padStart(9, '0')}${String(rand(1000)).padStart(3, '0')}`)
          : null,
    };
  });
}

const BUDGETS: BudgetInput[] = [
  { scope: 'org', entity: 'acme', limit: '100000', period: 'total' },
  { scope: 'team', entity: 'payments', limit: '1000', period: 'monthly' },
  { scope: 'agent', entity: 'crawler', limit: '1000', period: 'rolling', window: '90d' },
  { scope: 'tag', entity: 'eu', limit: '1000', period: 'total' },
  { scope: 'team', entity: 'search', limit: '1000', period: 'total', model: 'gpt-4o' },
  { scope: 'key', entity: 'key_1', limit: '1000', period: 'weekly' },
  { scope: 'user', entity: 'ana', limit: '1000', period: 'daily' },
];

describe.each(BACKENDS)('spend ledger compaction on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let budgets: Budget[];
    const spent = async () => Promise.all(budgets.map(async (b) => (await budgetStatus(store, b, NOW)).spentUsd));
    const rows = async (where = '1 = 1', params: unknown[] = []) =>
      Number(
        (await store.get<{ n: unknown }>(`SELECT COUNT(*) AS n FROM spend_events WHERE ${where}`, params as never))!.n,
      );

    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      await writeSpendEvents(store, ledger(), NOW);
      budgets = [];
      for (const b of BUDGETS) budgets.push(await insertBudget(store, parseBudgetInput(b, 'UTC')));
    });
    afterAll(async () => cleanup?.());

    it('folds rows before the longest window into exact sums: every budget keeps its spend to the last digit', async () => {
      const before = await spent();
      const settledTotal = (
        await store.all<{ c: string | null }>("SELECT cost_usd AS c FROM spend_events WHERE state = 'settled'")
      ).reduce((s, r) => s.plus(r.c ?? '0'), new Money(0));
      const total = await rows();
      const r = await compactSpendLedger(store, { retentionDays: 35, now: NOW });
      // the 90-day rolling budget moves the cutoff back from 35 days
      const cutoff = new Date(r.cutoff).getTime();
      expect(cutoff).toBeLessThanOrEqual(NOW.getTime() - 90 * DAY + 60_000);
      expect(cutoff).toBeGreaterThan(NOW.getTime() - 92 * DAY);
      expect(r.removed).toBeGreaterThan(200);
      expect(r.folded).toBeLessThan(r.removed);
      // at most one row per attribution and day is left before the cutoff
      const perDay = await store.all<{ n: unknown }>(
        `SELECT COUNT(*) AS n FROM spend_events WHERE ts < $1 GROUP BY provider, model, org_id, team_id, agent_id, user_id, key_id, tags, ${dayOf(store)}`,
        [new Date(cutoff)],
      );
      expect(perDay.every((g) => Number(g.n) === 1)).toBe(true);
      expect(await rows()).toBe(total - r.removed + r.folded);
      expect(await rows('ts < $1 AND state <> $2', [new Date(cutoff), 'settled'])).toBe(0);
      expect(await spent()).toEqual(before);
      const after = (
        await store.all<{ c: string | null }>("SELECT cost_usd AS c FROM spend_events WHERE state = 'settled'")
      ).reduce((s, x) => s.plus(x.c ?? '0'), new Money(0));
      expect(after.toFixed()).toBe(settledTotal.toFixed());
    });

    it('keeps a rolling budget created after the fold right to the day', async () => {
      const events = ledger().filter((e) => e.state === 'settled');
      const b = await insertBudget(
        store,
        parseBudgetInput(
          { scope: 'org', entity: 'acme', model: 'gpt-4o', limit: '100000', period: 'rolling', window: '150d' },
          'UTC',
        ),
      );
      try {
        // a rolling window starts on a bucket boundary (a sixtieth of the window) before now - 150 days
        const start = periodWindow(periodSpec(b), NOW).start.getTime();
        expect(start).toBeLessThanOrEqual(NOW.getTime() - 150 * DAY);
        const gpt = events.filter((e) => e.model === 'gpt-4o');
        const exact = gpt.filter((e) => e.ts.getTime() >= start).reduce((s, e) => s.plus(e.costUsd!), new Money(0));
        const startDay = new Date(start).toISOString().slice(0, 10);
        const boundary = gpt
          .filter((e) => e.ts.toISOString().slice(0, 10) === startDay)
          .reduce((s, e) => s.plus(e.costUsd!), new Money(0));
        const got = money((await budgetStatus(store, b, NOW)).spentUsd);
        expect(got.minus(exact).abs().lte(boundary)).toBe(true);
      } finally {
        await store.run('DELETE FROM budgets WHERE id = $1', [b.id]);
      }
    });

    it('is stable when run again: days already folded are skipped', async () => {
      const before = await spent();
      const n = await rows();
      const r = await compactSpendLedger(store, { retentionDays: 35, now: NOW });
      expect(r).toMatchObject({ removed: 0, folded: 0 });
      expect(await rows()).toBe(n);
      expect(await spent()).toEqual(before);
    });
  });
});

describe('oco budgets compact', () => {
  it('folds through the CLI and refuses a retention shorter than a monthly period', async () => {
    const home = tempHome();
    try {
      const bad = await runOco(['budgets', 'compact', '--retention-days', '5', '--json'], { home: home.path });
      expect(bad.code).toBe(2);
      expect(bad.stdout + bad.stderr).toContain('retention-days');
      const ok = await runOco(['budgets', 'compact', '--json'], { home: home.path });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.json()).toMatchObject({ removed: 0, folded: 0 });
    } finally {
      home.cleanup();
    }
  });
});
