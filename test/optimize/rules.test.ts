import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate, Rule, RuleContext } from '../../src/core/base/recommend/model.js';
import type { Store } from '../../src/core/base/store/types.js';
import {
  commitmentCoverageRule,
  idleResourceRule,
  previousGenerationRule,
  untaggedSpendRule,
} from '../../src/core/cloud-costs/recommend/rules.js';
import { failedCallsRule, switchModelRule } from '../../src/core/gateway/optimize/rules.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { BACKENDS } from '../helpers/stores.js';
import { call, costLines, dailyRow, daysBefore, settings, usageHour } from './helpers.js';

/**
 * Each rule on a small hand-built dataset whose right answer is worked out by hand in the comments,
 * next to look-alikes where it must not fire.
 */
const NOW = new Date('2026-07-31T12:00:00.000Z');
const TODAY = '2026-07-31';
/** The 30 whole days a 30-day window judges: 07-01 … 07-30. */
const DAYS30 = Array.from({ length: 30 }, (_, i) => daysBefore(TODAY, 30 - i));
const DAYS14 = DAYS30.slice(-14);

function ctx(over: Record<string, string | number> = {}, days = 30): RuleContext {
  return { from: new Date(NOW.getTime() - days * 86_400_000), to: NOW, days, now: NOW, setting: settings(over) };
}

const byResource = (cs: Candidate[]) =>
  Object.fromEntries(cs.map((c) => [c.resourceId ?? `${c.provider}/${c.account}`, c]));
const savings = (c: Candidate | undefined) => c?.monthlySavings?.toFixed() ?? null;

describe.each(BACKENDS)('recommendation rules on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const run = (rule: Rule, over: Record<string, string | number> = {}) => rule.evaluate(store, ctx(over));

  beforeAll(async () => {
    if (!backend.available()) return;
    ({ store, cleanup } = await backend.open());
    // idle-resource (last 14 days)
    await costLines(store, DAYS14, {
      resourceId: 'eipalloc-idle',
      sku: 'USE1-ElasticIP:IdleAddress',
      unit: 'Hrs',
      quantity: '24',
      cost: '0.12',
    });
    await costLines(store, DAYS14, {
      resourceId: 'alb-quiet',
      sku: 'USE1-LoadBalancerUsage',
      unit: 'Hrs',
      cost: '0.54',
    });
    await costLines(store, DAYS14, { resourceId: 'alb-quiet', sku: 'USE1-LCUUsage', unit: 'LCU-Hrs', cost: '0.0001' });
    await costLines(store, DAYS14, {
      resourceId: 'alb-busy',
      sku: 'USE1-LoadBalancerUsage',
      unit: 'Hrs',
      cost: '0.54',
    });
    await costLines(store, DAYS14, { resourceId: 'alb-busy', sku: 'USE1-LCUUsage', unit: 'LCU-Hrs', cost: '1.92' });
    // Created four days ago: not idle for 14 days yet.
    for (const sku of ['USE1-LoadBalancerUsage', 'USE1-LCUUsage'])
      await costLines(store, DAYS14.slice(-4), {
        resourceId: 'alb-new',
        sku,
        unit: sku.endsWith('LCUUsage') ? 'LCU-Hrs' : 'Hrs',
        cost: sku.endsWith('LCUUsage') ? '0' : '0.54',
      });
    // An instance's hours are its use: no egress does not make it idle.
    await costLines(store, DAYS14, { resourceId: 'i-batch', sku: 'USE1-BoxUsage:m6i.large', unit: 'Hrs', cost: '2.3' });
    await costLines(store, DAYS14, {
      resourceId: 'i-batch',
      sku: 'USE1-DataTransfer-Out-Bytes',
      unit: 'GB',
      cost: '0',
    });
    // A volume bills GB-months whether attached or not: billing alone cannot call it idle.
    await costLines(store, DAYS14, {
      resourceId: 'vol-1',
      sku: 'USE1-EBS:VolumeUsage.gp3',
      unit: 'GB-Mo',
      cost: '0.27',
    });

    // previous-generation (30 days)
    await costLines(store, DAYS30, { resourceId: 'i-old', sku: 'USE1-BoxUsage:m4.large', unit: 'Hrs', cost: '2.4' });
    await costLines(store, DAYS30, { resourceId: 'i-new', sku: 'USE1-BoxUsage:m6i.large', unit: 'Hrs', cost: '2.3' });
    await costLines(store, DAYS30, { resourceId: 'i-tiny', sku: 'USE1-BoxUsage:t2.micro', unit: 'Hrs', cost: '0.27' });
    await costLines(store, DAYS30, {
      provider: 'azure',
      account: 'sub-1',
      resourceId: '/subscriptions/sub-1/vm/web',
      resourceType: 'Standard_D2_v3',
      region: 'westeurope',
      cost: '3',
      currency: 'EUR',
    });

    // commitment-coverage (30 days): proj-c spends 10 EUR a day on demand, 15 every seventh day.
    const gce = { provider: 'gcp', serviceCategory: 'Compute', currency: 'EUR', sku: 'E2 Instance Core' };
    for (const [i, day] of DAYS30.entries())
      await costLines(store, [day], { ...gce, account: 'proj-c', cost: i % 7 === 0 ? '15' : '10' });
    // proj-d: one day without compute, so no steady floor.
    await costLines(store, DAYS30.slice(1), { ...gce, account: 'proj-d', cost: '10' });
    // proj-e: usage already under a committed-use discount, and spot.
    await costLines(store, DAYS30, { ...gce, account: 'proj-e', cost: '10', extra: { CommitmentDiscountId: 'cud-1' } });
    await costLines(store, DAYS30, { ...gce, account: 'proj-e', cost: '4', extra: { PricingCategory: 'Dynamic' } });

    // untagged-spend (daily rollup, 30 days)
    for (const day of DAYS30) {
      await dailyRow(store, day, {
        source: 'aws:ce',
        provider: 'aws',
        account: 'A',
        tags: { team: 'web' },
        cost: '70',
      });
      await dailyRow(store, day, { source: 'aws:ce', provider: 'aws', account: 'A', tags: null, cost: '30' });
      await dailyRow(store, day, {
        source: 'aws:ce',
        provider: 'aws',
        account: 'B',
        tags: { team: 'data' },
        cost: '95',
      });
      await dailyRow(store, day, { source: 'aws:ce', provider: 'aws', account: 'B', tags: {}, cost: '5' });
      // A source that stores no tags at all: it cannot tell untagged from not asked.
      await dailyRow(store, day, { source: 'gcp:billing', provider: 'gcp', account: 'p', tags: null, cost: '50' });
    }

    // switch-model: one hourly row a day at 10:00 for 30 days.
    for (const day of DAYS30.map((d) => daysBefore(d, -1))) {
      const hour = `${day}T10:00:00.000Z`;
      const h = (r: Omit<Parameters<typeof usageHour>[2], 'team'>) => usageHour(store, hour, { team: 'support', ...r });
      await h({
        agent: 'classifier',
        provider: 'openai',
        model: 'gpt-5',
        requests: 1000,
        input: 500_000,
        output: 50_000,
      });
      await h({
        agent: 'writer',
        provider: 'openai',
        model: 'gpt-5',
        requests: 1000,
        input: 6_000_000,
        output: 50_000,
      });
      await h({ agent: 'rare', provider: 'openai', model: 'gpt-5', requests: 2, input: 1000, output: 100 });
      await h({
        agent: 'frugal',
        provider: 'openai',
        model: 'gpt-5-nano',
        requests: 1000,
        input: 500_000,
        output: 50_000,
      });
      await h({
        agent: 'search',
        provider: 'openai',
        model: 'text-embedding-3-large',
        requests: 1000,
        input: 500_000,
        output: 0,
      });
      await h({
        agent: 'house',
        provider: 'openai',
        model: 'house-model-1',
        requests: 1000,
        input: 500_000,
        output: 50_000,
      });
    }

    // failed-calls: api_requests (writeRecords also rolls them up; these agents' calls are long, never switch-model's).
    const ts = (i: number) => new Date(NOW.getTime() - (i + 1) * 3600_000).toISOString();
    const records = [
      ...Array.from({ length: 100 }, (_, i) =>
        call(
          ts(i),
          i < 20
            ? {
                agentId: 'flaky',
                keyId: 'vk_live_do_not_store',
                statusCode: 529,
                errorClass: 'upstream_5xx',
                costUsd: '0.5',
              }
            : { agentId: 'flaky' },
        ),
      ),
      ...Array.from({ length: 50 }, (_, i) =>
        call(
          ts(i),
          i < 20
            ? { agentId: 'impatient', statusCode: 200, errorClass: 'client_cancelled', costUsd: '0.2' }
            : { agentId: 'impatient' },
        ),
      ),
      ...Array.from({ length: 50 }, (_, i) =>
        call(
          ts(i),
          i < 10
            ? { agentId: 'free-fail', statusCode: 400, errorClass: 'upstream_4xx', costUsd: '0' }
            : { agentId: 'free-fail' },
        ),
      ),
      ...Array.from({ length: 200 }, (_, i) =>
        call(
          ts(i),
          i < 2
            ? { agentId: 'rarely', statusCode: 500, errorClass: 'upstream_5xx', costUsd: '1' }
            : { agentId: 'rarely' },
        ),
      ),
      ...Array.from({ length: 10 }, (_, i) =>
        call(ts(i), { agentId: 'over-budget', statusCode: 429, errorClass: 'refused', costUsd: null }),
      ),
    ];
    await store.transaction((tx) => writeRecords(tx, records));
  }, 120_000);
  afterAll(async () => cleanup?.());

  describe.skipIf(!backend.available())('cases', () => {
    it('idle-resource: the idle IP and the quiet load balancer, not the busy, the new, the instance or the volume', async () => {
      const found = byResource(await run(idleResourceRule));
      expect(Object.keys(found).sort()).toEqual(['alb-quiet', 'eipalloc-idle']);
      // 0.12 a day for 14 days = 1.68, × 30/14 = 3.6 a month.
      expect(found['eipalloc-idle']).toMatchObject({ action: 'delete', resourceType: 'ip-address', currency: 'USD' });
      expect(savings(found['eipalloc-idle'])).toBe('3.6');
      // (0.54 + 0.0001) × 14 = 7.5614, × 30/14 = 16.203 a month; LCUs are 0.0185 % of its cost.
      expect(found['alb-quiet']).toMatchObject({
        action: 'delete',
        resourceType: 'load-balancer',
        rollbackPossible: false,
      });
      expect(savings(found['alb-quiet'])).toBe('16.203');
      expect(found['alb-quiet']!.evidence).toMatchObject({ billedDays: 14, meteredCost: '0.0014' });
      // With a stricter idle threshold (0 %), the load balancer's trickle of LCUs is use.
      const strict = byResource(await run(idleResourceRule, { 'optimize.idleMaxActivityPercent': 0 }));
      expect(Object.keys(strict)).toEqual(['eipalloc-idle']);
    });

    it('previous-generation: m4 with its list-price saving, Azure v3 with an unknown one; not m6i nor a saving below the minimum', async () => {
      const found = byResource(await run(previousGenerationRule));
      expect(Object.keys(found).sort()).toEqual(['/subscriptions/sub-1/vm/web', 'i-old']);
      // 2.4 × 30 = 72 a month, m6i lists 4 % cheaper: 2.88.
      expect(found['i-old']).toMatchObject({ action: 'upgrade-generation', restartNeeded: true, region: 'us-east-1' });
      expect(found['i-old']!.evidence).toMatchObject({ family: 'm4', successor: 'm6i', monthlyCost: '72' });
      expect(savings(found['i-old'])).toBe('2.88');
      const azure = found['/subscriptions/sub-1/vm/web']!;
      expect(azure.monthlySavings).toBeNull();
      expect(azure).toMatchObject({ currency: 'EUR', provider: 'azure' });
      expect(azure.keyFigure.toFixed()).toBe('90');
      // t2.micro: 0.27 × 30 = 8.1 a month, 10 % = 0.81, below optimize.minMonthlySavings (1); at 0 it shows.
      const all = byResource(await run(previousGenerationRule, { 'optimize.minMonthlySavings': 0 }));
      expect(savings(all['i-tiny'])).toBe('0.81');
    });

    it('commitment-coverage: the steady on-demand floor, saving unknown until the discount rate is set', async () => {
      const found = await run(commitmentCoverageRule);
      expect(found.map((c) => c.account)).toEqual(['proj-c']);
      // Floor 10 a day → 300 EUR a month covered, 10/24 = 0.4167 EUR an hour.
      expect(found[0]).toMatchObject({ provider: 'gcp', currency: 'EUR', action: 'purchase-commitment' });
      expect(found[0]!.monthlySavings).toBeNull();
      expect(found[0]!.keyFigure.toFixed()).toBe('300');
      expect(found[0]!.evidence).toMatchObject({ dailyFloor: '10', hourlyCommitment: '0.4167', onDemandCost: '325' });
      // At 37 % (a 1-year committed-use discount): 111 a month, breaking even above 63 % use.
      const priced = await run(commitmentCoverageRule, { 'optimize.commitmentDiscountPercent': 37 });
      expect(savings(priced[0])).toBe('111');
      expect(priced[0]!.evidence).toMatchObject({ breakEvenPercent: 63 });
    });

    it('untagged-spend: account A (30 %), not B (5 %) nor a source that stores no tags', async () => {
      const found = await run(untaggedSpendRule);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ provider: 'aws', account: 'A', action: 'add-tags', monthlySavings: null });
      // 30 a day × 30 days = 900 of 3000.
      expect(found[0]!.evidence).toMatchObject({ untaggedCost: '900', totalCost: '3000', untaggedPercent: 30 });
      expect(found[0]!.keyFigure.toFixed()).toBe('900');
      expect(await run(untaggedSpendRule, { 'optimize.untaggedMinPercent': 31 })).toEqual([]);
      expect((await run(untaggedSpendRule, { 'optimize.untaggedMinPercent': 5 })).map((c) => c.account).sort()).toEqual(
        ['A', 'B'],
      );
    });

    it('switch-model: short gpt-5 calls to gpt-5-nano, priced from their token volumes', async () => {
      const found = byResource(await run(switchModelRule));
      expect(Object.keys(found)).toEqual(['team/support/agent/classifier/model/gpt-5']);
      const c = found['team/support/agent/classifier/model/gpt-5']!;
      // 15M input × 1.25 + 1.5M output × 10 per 1M = 33.75 on gpt-5; × 0.05 and × 0.4 = 1.35 on gpt-5-nano.
      expect(c.evidence).toMatchObject({
        calls: 30_000,
        targetModel: 'gpt-5-nano',
        currentCostUsd: '33.75',
        targetCostUsd: '1.35',
      });
      expect(savings(c)).toBe('32.4');
      expect(c).toMatchObject({ provider: 'openai', account: 'acme', action: 'switch-model', currency: 'USD' });
      // The economy tier follows route.tiers: to gpt-5-mini, (0.25, 2) → 3.75 + 3 = 6.75, saving 27.
      const mini = await run(switchModelRule, { 'route.tiers': 'economy.openai=gpt-5-mini' });
      expect(mini.map((m) => [m.resourceId, savings(m)])).toEqual([
        ['team/support/agent/classifier/model/gpt-5', '27'],
      ]);
      // Longer calls count as simple once the threshold allows them (writer: 6,000 prompt tokens a call).
      const loose = byResource(await run(switchModelRule, { 'optimize.switchModelMaxInputTokens': 7000 }));
      expect(Object.keys(loose).sort()).toEqual([
        'team/support/agent/classifier/model/gpt-5',
        'team/support/agent/writer/model/gpt-5',
      ]);
    });

    it('failed-calls: billed failures above the share, not cancels, free failures, rare ones or refusals', async () => {
      const found = await run(failedCallsRule);
      expect(found.map((c) => c.resourceId)).toEqual(['team/ops/agent/flaky/model/claude-sonnet-4-5']);
      // 20 failed calls × 0.5 = 10 in 30 days: 10 a month.
      expect(found[0]!.evidence).toMatchObject({ calls: 100, failedCalls: 20, failedCostUsd: '10' });
      expect(savings(found[0])).toBe('10');
      expect(found[0]).toMatchObject({ provider: 'anthropic', action: 'reduce-failures' });
      // Names teams, agents and models only: never the virtual key the calls came through.
      expect(JSON.stringify(found)).not.toContain('vk_live');
      // At a 1 % share the rare failures show too (2 of 200 × 1 = 2 a month).
      const loose = await run(failedCallsRule, { 'optimize.failedCallsMinPercent': 1 });
      expect(loose.map((c) => [c.resourceId, savings(c)]).sort()).toEqual([
        ['team/ops/agent/flaky/model/claude-sonnet-4-5', '10'],
        ['team/ops/agent/rarely/model/claude-sonnet-4-5', '2'],
      ]);
    });
  });
});
