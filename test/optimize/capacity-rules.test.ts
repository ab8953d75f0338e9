import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate, RuleContext } from '../../src/core/base/recommend/model.js';
import type { Store } from '../../src/core/base/store/types.js';
import { listRecommendations, runRecommendations } from '../../src/core/base/recommend/service.js';
import { rightsizeRule } from '../../src/core/cloud-costs/recommend/rightsize.js';
import { CLOUD_RULES } from '../../src/core/cloud-costs/recommend/rules.js';
import { migrateToSpotRule } from '../../src/core/cloud-costs/recommend/spot.js';
import { BACKENDS } from '../helpers/stores.js';
import { costLines, daysBefore, settings, type CostLine } from './helpers.js';

/**
 * rightsize (capacity reservations billed as unused) and migrate-to-spot (autoscaling groups and
 * node pools on demand) on small hand-built cost histories, the right answers worked out in the
 * comments, next to look-alikes where they must not fire.
 */
const NOW = new Date('2026-07-31T12:00:00.000Z');
const TODAY = '2026-07-31';
/** The 30 whole days a 30-day window judges: 07-01 … 07-30. */
const DAYS30 = Array.from({ length: 30 }, (_, i) => daysBefore(TODAY, 30 - i));
const DAYS14 = DAYS30.slice(-14);

function ctx(over: Record<string, string | number> = {}, days = 30): RuleContext {
  return { from: new Date(NOW.getTime() - days * 86_400_000), to: NOW, days, now: NOW, setting: settings(over) };
}

const byResource = (cs: Candidate[]) => Object.fromEntries(cs.map((c) => [c.resourceId, c]));
const savings = (c: Candidate | undefined) => c?.monthlySavings?.toFixed() ?? null;

describe.each(BACKENDS)('capacity rules on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  /** Cost lines of one resource with a tag set (as a provider's export carries it). */
  async function tagged(days: string[], l: CostLine & { resourceId: string }, tags: Record<string, string>) {
    await costLines(store, days, l);
    await store.run('UPDATE cloud_costs SET tags = $1 WHERE resource_id = $2', [JSON.stringify(tags), l.resourceId]);
  }

  beforeAll(async () => {
    if (!backend.available()) return;
    ({ store, cleanup } = await backend.open());
    const reserved = (id: string, status: string) => ({
      sku: 'USE1-Reservation:m6i.large',
      unit: 'Hrs',
      extra: { CapacityReservationId: id, CapacityReservationStatus: status },
    });
    // cr-big: 6 a day used, 4 unused on 29 days and 2 on the last: 118 of 298 unused (39.6 %), floor 2.
    await costLines(store, DAYS30, { resourceId: 'i-in-cr-big', cost: '6', ...reserved('cr-big', 'Used') });
    await costLines(store, DAYS30.slice(0, -1), { resourceId: 'cr-big', cost: '4', ...reserved('cr-big', 'Unused') });
    await costLines(store, DAYS30.slice(-1), { resourceId: 'cr-big', cost: '2', ...reserved('cr-big', 'Unused') });
    // cr-full: full on one day (no unused row): no capacity was free every day.
    await costLines(store, DAYS30, { resourceId: 'i-in-cr-full', cost: '6', ...reserved('cr-full', 'Used') });
    await costLines(store, DAYS30.slice(1), { resourceId: 'cr-full', cost: '4', ...reserved('cr-full', 'Unused') });
    // cr-tight: 9 used and 1 unused a day: 10 % unused, under the 20 % threshold.
    await costLines(store, DAYS30, { resourceId: 'i-in-cr-tight', cost: '9', ...reserved('cr-tight', 'Used') });
    await costLines(store, DAYS30, { resourceId: 'cr-tight', cost: '1', ...reserved('cr-tight', 'Unused') });
    // An Azure reservation in EUR: 5 a day unused of 10.
    const azure = { provider: 'azure', account: 'sub-1', region: 'westeurope', currency: 'EUR' };
    const azId = '/subscriptions/sub-1/capacityReservationGroups/g/capacityReservations/r';
    await costLines(store, DAYS30, { ...azure, resourceId: 'vm-1', cost: '5', ...reserved(azId, 'Used') });
    await costLines(store, DAYS30, { ...azure, resourceId: azId, cost: '5', ...reserved(azId, 'Unused') });

    const od = { serviceCategory: 'Compute', sku: 'USE1-BoxUsage:m6i.large', unit: 'Hrs' };
    // web-asg: i-1 all 14 days (2.4 a day), i-2 then i-3 replacing it (1.2 a day): 3.6 a day, 50.4 in all.
    await tagged(DAYS14, { ...od, resourceId: 'i-1', cost: '2.4' }, { 'aws:autoscaling:groupName': 'web-asg' });
    await tagged(
      DAYS14.slice(0, 7),
      { ...od, resourceId: 'i-2', cost: '1.2' },
      { 'aws:autoscaling:groupName': 'web-asg' },
    );
    await tagged(
      DAYS14.slice(7),
      { ...od, resourceId: 'i-3', cost: '1.2' },
      { 'aws:autoscaling:groupName': 'web-asg' },
    );
    // An AKS pool in EUR: 5 a day.
    await tagged(
      DAYS14,
      {
        ...od,
        provider: 'azure',
        account: 'sub-1',
        region: 'westeurope',
        currency: 'EUR',
        resourceId: 'vmss-1',
        cost: '5',
      },
      { 'aks-managed-poolName': 'nodepool1' },
    );
    // Karpenter's pool only started 10 days ago (1 a day): not 14 days on demand yet.
    await tagged(DAYS14.slice(-10), { ...od, resourceId: 'i-k', cost: '1' }, { 'karpenter.sh/nodepool': 'batch' });
    // Already spot: the EKS group by its pricing category, the GKE pool by its SKU.
    await tagged(
      DAYS14,
      { ...od, resourceId: 'i-spot', cost: '0.9', extra: { PricingCategory: 'Dynamic' } },
      { 'eks:nodegroup-name': 'spot-ng' },
    );
    await tagged(
      DAYS14,
      {
        ...od,
        provider: 'gcp',
        account: 'p',
        resourceId: 'gke-n',
        sku: 'Spot Preemptible E2 Instance Core',
        cost: '1',
      },
      { 'goog-k8s-node-pool-name': 'pool-s' },
    );
    // Covered by a commitment; and an on-demand instance in no group.
    await tagged(
      DAYS14,
      { ...od, resourceId: 'i-ri', cost: '2', extra: { CommitmentDiscountId: 'ri-1' } },
      { 'eks:nodegroup-name': 'reserved-ng' },
    );
    await tagged(DAYS14, { ...od, resourceId: 'i-pet', cost: '3' }, { Name: 'database' });
  }, 60_000);
  afterAll(async () => cleanup?.());

  describe.skipIf(!backend.available())('cases', () => {
    it('both are rows of the cloud rule table', () => {
      expect(CLOUD_RULES.map((r) => r.id)).toEqual(expect.arrayContaining(['rightsize', 'migrate-to-spot']));
    });

    it('rightsize: a reservation unused every day by its floor; not one full on a day nor one mostly used', async () => {
      const found = byResource(await rightsizeRule.evaluate(store, ctx()));
      expect(Object.keys(found).sort()).toEqual([
        '/subscriptions/sub-1/capacityReservationGroups/g/capacityReservations/r',
        'cr-big',
      ]);
      const big = found['cr-big']!;
      expect(big).toMatchObject({ provider: 'aws', action: 'rightsize', resourceType: 'capacity-reservation' });
      expect(big.evidence).toMatchObject({
        unusedCost: '118',
        totalCost: '298',
        unusedPercent: 39.6,
        dailyUnusedFloor: '2',
      });
      // A floor of 2 a day unused: 60 a month.
      expect(savings(big)).toBe('60');
      const az = found['/subscriptions/sub-1/capacityReservationGroups/g/capacityReservations/r']!;
      expect(az).toMatchObject({ currency: 'EUR', region: 'westeurope' });
      expect(savings(az)).toBe('150');
      // At a 10 % threshold the tight reservation's 1 a day shows too: 30 a month.
      const loose = byResource(await rightsizeRule.evaluate(store, ctx({ 'optimize.rightsizeMinUnusedPercent': 10 })));
      expect(savings(loose['cr-tight'])).toBe('30');
      expect(loose['cr-full']).toBeUndefined();
    });

    it('migrate-to-spot: groups on demand every day, saving unknown until the spot discount is set', async () => {
      const found = byResource(await migrateToSpotRule.evaluate(store, ctx()));
      expect(Object.keys(found).sort()).toEqual([
        'aks-managed-poolName=nodepool1',
        'aws:autoscaling:groupName=web-asg',
      ]);
      const asg = found['aws:autoscaling:groupName=web-asg']!;
      expect(asg).toMatchObject({
        provider: 'aws',
        account: '111122223333',
        resourceType: 'autoscaling group',
        action: 'migrate-to-spot',
        monthlySavings: null,
        confidence: 0.4,
      });
      // 50.4 in 14 days: 108 a month on demand.
      expect(asg.keyFigure.toFixed()).toBe('108');
      expect(asg.evidence).toMatchObject({ onDemandCost: '50.4', monthlyOnDemandCost: '108', days: 14 });
      // At a 60 % spot discount: 64.8 a month, and 90 EUR of the AKS pool's 150.
      const priced = byResource(await migrateToSpotRule.evaluate(store, ctx({ 'optimize.spotDiscountPercent': 60 })));
      expect(savings(priced['aws:autoscaling:groupName=web-asg'])).toBe('64.8');
      expect(priced['aks-managed-poolName=nodepool1']).toMatchObject({
        currency: 'EUR',
        resourceType: 'AKS node pool',
      });
      expect(savings(priced['aks-managed-poolName=nodepool1'])).toBe('90');
    });

    it('both store their findings as recommendations, the unknown spot saving as unknown', async () => {
      const run = await runRecommendations(store, [rightsizeRule, migrateToSpotRule], {
        days: 30,
        materialChangePercent: 20,
        setting: settings(),
        now: NOW,
      });
      expect(run).toMatchObject({ rulesRun: 2, created: 4, open: 4 });
      const stored = await listRecommendations(store);
      expect(stored.map((r) => [r.ruleId, r.resourceId, r.monthlySavings]).sort()).toEqual([
        ['migrate-to-spot', 'aks-managed-poolName=nodepool1', null],
        ['migrate-to-spot', 'aws:autoscaling:groupName=web-asg', null],
        ['rightsize', '/subscriptions/sub-1/capacityReservationGroups/g/capacityReservations/r', '150'],
        ['rightsize', 'cr-big', '60'],
      ]);
      expect(stored.find((r) => r.resourceId === 'cr-big')).toMatchObject({ domain: 'cloud', status: 'open' });
    });

    it('migrate-to-spot: a younger pool shows once optimize.spotMinDays allows it', async () => {
      const ten = byResource(await migrateToSpotRule.evaluate(store, ctx({ 'optimize.spotMinDays': 10 })));
      // 1 a day for 10 days: 30 a month on demand.
      expect(ten['karpenter.sh/nodepool=batch']!.keyFigure.toFixed()).toBe('30');
      expect(Object.keys(ten)).not.toContain('eks:nodegroup-name=spot-ng');
      expect(Object.keys(ten)).not.toContain('eks:nodegroup-name=reserved-ng');
      expect(Object.keys(ten)).not.toContain('goog-k8s-node-pool-name=pool-s');
    });
  });
});
