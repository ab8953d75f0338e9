import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/core/base/money.js';
import type { Candidate, Rule } from '../../src/core/base/recommend/model.js';
import {
  changedMaterially,
  historyOf,
  listRecommendations,
  runRecommendations,
  setRecommendationStatus,
} from '../../src/core/base/recommend/service.js';
import type { Store } from '../../src/core/base/store/types.js';
import { BACKENDS } from '../helpers/stores.js';
import { settings } from './helpers.js';

function candidate(savings: string | null, over: Partial<Candidate> = {}): Candidate {
  return {
    provider: 'aws',
    account: '111122223333',
    resourceId: 'i-0abc',
    resourceType: 'instance',
    region: 'us-east-1',
    action: 'rightsize',
    title: 'Rightsize i-0abc',
    rationale: 'CPU under 5 % for 30 days',
    currency: 'USD',
    monthlySavings: savings === null ? null : money(savings),
    keyFigure: money(savings ?? '100'),
    confidence: 0.8,
    effort: 'low',
    restartNeeded: true,
    rollbackPossible: true,
    evidence: { cpuP95: 4.5 },
    ...over,
  };
}

/** A rule whose findings the test sets before each run. */
function fakeRule(id: string): Rule & { found: Candidate[] } {
  const rule = {
    id,
    domain: 'cloud' as const,
    action: 'rightsize' as const,
    description: 'test rule',
    thresholds: [],
    found: [] as Candidate[],
    evaluate: async () => rule.found,
  };
  return rule;
}

describe('changedMaterially', () => {
  it('compares the move with a share of the old figure', () => {
    expect(changedMaterially(money('100'), money('119.99'), 20)).toBe(false);
    expect(changedMaterially(money('100'), money('120'), 20)).toBe(false);
    expect(changedMaterially(money('100'), money('120.01'), 20)).toBe(true);
    expect(changedMaterially(money('100'), money('79'), 20)).toBe(true);
    expect(changedMaterially(money('0'), money('0'), 20)).toBe(false);
    expect(changedMaterially(money('0'), money('0.01'), 20)).toBe(true);
  });
});

describe.each(BACKENDS)('recommendation lifecycle on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const rule = fakeRule('test-rightsize');
  const other = fakeRule('test-other');
  let t = Date.parse('2026-07-01T00:00:00Z');
  const run = (rules: Rule[] = [rule]) =>
    runRecommendations(store, rules, {
      days: 30,
      materialChangePercent: 20,
      setting: settings(),
      now: tick(),
    });
  /** One clock for runs and status changes: the history is in the order things happened. */
  const tick = () => new Date((t += 60_000));
  const all = () => listRecommendations(store, { statuses: ['open', 'accepted', 'dismissed', 'resolved'] });

  beforeAll(async () => {
    if (!backend.available()) return;
    ({ store, cleanup } = await backend.open());
  });
  afterAll(async () => cleanup?.());

  it.skipIf(!backend.available())(
    'creates, updates, dismisses, reopens, accepts and resolves, with history',
    async () => {
      rule.found = [candidate('100')];
      other.found = [candidate('7', { resourceId: 'vol-1', action: 'delete', title: 'Delete vol-1' })];
      expect(await run([rule, other])).toMatchObject({ created: 2, updated: 0, open: 2 });
      // A re-run updates, never duplicates.
      rule.found = [candidate('110')];
      expect(await run([rule, other])).toMatchObject({ created: 0, updated: 2, open: 2 });
      let [rec] = (await all()).filter((r) => r.ruleId === 'test-rightsize');
      expect(rec).toMatchObject({
        monthlySavings: '110',
        status: 'open',
        restartNeeded: true,
        evidence: { cpuP95: 4.5 },
      });
      expect(await all()).toHaveLength(2);

      // Dismissed: found again with savings within 20 %, it stays dismissed, on the figures it was dismissed on.
      await setRecommendationStatus(store, rec!.id, 'dismissed', 'batch host, sized for month end', tick());
      rule.found = [candidate('130')];
      expect(await run([rule, other])).toMatchObject({ reopened: 0 });
      [rec] = (await all()).filter((r) => r.ruleId === 'test-rightsize');
      expect(rec).toMatchObject({
        status: 'dismissed',
        monthlySavings: '110',
        statusReason: 'batch host, sized for month end',
      });
      // More than 20 % away from the dismissed 110: reopened, saying why.
      rule.found = [candidate('140')];
      expect(await run([rule, other])).toMatchObject({ reopened: 1 });
      [rec] = (await all()).filter((r) => r.ruleId === 'test-rightsize');
      expect(rec).toMatchObject({
        status: 'open',
        monthlySavings: '140',
        statusReason: 'evidence changed: 110 → 140 USD',
      });

      // Accepted, then no longer found: resolved. The other rule's finding is untouched when that rule does not run.
      await setRecommendationStatus(store, rec!.id, 'accepted', 'resize on Tuesday', tick());
      rule.found = [];
      expect(await run([rule])).toMatchObject({ resolved: 1 });
      const after = await all();
      expect(after.find((r) => r.ruleId === 'test-rightsize')).toMatchObject({ status: 'resolved' });
      expect(after.find((r) => r.ruleId === 'test-other')).toMatchObject({ status: 'open' });
      // Found again: reopened.
      rule.found = [candidate('90')];
      expect(await run([rule])).toMatchObject({ reopened: 1 });

      expect((await historyOf(store, rec!.id)).map((h) => [h.status, h.reason])).toEqual([
        ['open', 'found by test-rightsize'],
        ['dismissed', 'batch host, sized for month end'],
        ['open', 'evidence changed: 110 → 140 USD'],
        ['accepted', 'resize on Tuesday'],
        ['resolved', 'no longer found by test-rightsize'],
        ['open', 'found again by test-rightsize'],
      ]);
    },
  );

  it.skipIf(!backend.available())(
    'unknown savings: the key figure decides, and the report sorts them last',
    async () => {
      const untagged = fakeRule('test-untagged');
      untagged.found = [
        candidate(null, { resourceId: null, action: 'add-tags', keyFigure: money('900'), title: 'Tag' }),
      ];
      await run([untagged]);
      let [rec] = (await all()).filter((r) => r.ruleId === 'test-untagged');
      expect(rec!.monthlySavings).toBeNull();
      await setRecommendationStatus(store, rec!.id, 'dismissed', null);
      untagged.found = [
        candidate(null, { resourceId: null, action: 'add-tags', keyFigure: money('1000'), title: 'Tag' }),
      ];
      await run([untagged]);
      [rec] = (await all()).filter((r) => r.ruleId === 'test-untagged');
      expect(rec!.status).toBe('dismissed');
      untagged.found = [
        candidate(null, { resourceId: null, action: 'add-tags', keyFigure: money('1200'), title: 'Tag' }),
      ];
      await run([untagged]);
      [rec] = (await all()).filter((r) => r.ruleId === 'test-untagged');
      expect(rec!.status).toBe('open');
      const open = await listRecommendations(store);
      expect(open.at(-1)!.ruleId).toBe('test-untagged');
      // --min-savings leaves unknown savings out; --provider filters.
      expect((await listRecommendations(store, { minSavings: money('8') })).map((r) => r.monthlySavings)).toEqual([
        '90',
      ]);
      expect(await listRecommendations(store, { provider: 'gcp' })).toEqual([]);
    },
  );

  it.skipIf(!backend.available())('refuses an unknown id and a move from resolved', async () => {
    await expect(setRecommendationStatus(store, 'rec_nope', 'accepted', null)).rejects.toMatchObject({
      code: 'OCO_RECOMMENDATION_NOT_FOUND',
    });
    const resolvedOne = fakeRule('test-gone');
    resolvedOne.found = [candidate('5', { resourceId: 'i-gone' })];
    await run([resolvedOne]);
    resolvedOne.found = [];
    await run([resolvedOne]);
    const gone = (await all()).find((r) => r.ruleId === 'test-gone')!;
    expect(gone.status).toBe('resolved');
    await expect(setRecommendationStatus(store, gone.id, 'dismissed', null)).rejects.toMatchObject({
      code: 'OCO_RECOMMENDATION_STATUS',
    });
  });
});
