import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayAfter } from '../../src/core/base/anomaly/detect.js';
import { checkPolicies } from '../../src/core/base/policy/check.js';
import { applyPolicies, setEnabled } from '../../src/core/base/policy/repo.js';
import type { PolicyDefinition } from '../../src/core/base/policy/types.js';
import type { Store } from '../../src/core/base/store/types.js';
import { POLICY_RULES } from '../../src/core/cli/policy.js';
import { BACKENDS } from '../helpers/stores.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const TODAY = '2026-06-15';

const POLICIES: PolicyDefinition[] = [
  { name: 'tags', kind: 'required-tags', severity: 'warning', tags: ['team', 'env'], scope: { provider: 'aws' } },
  { name: 'regions', kind: 'allowed-regions', severity: 'critical', regions: ['eu-west-1'] },
  { name: 'services', kind: 'allowed-services', severity: 'info', services: ['Amazon S3*', 'AWS Lambda'] },
  { name: 'families', kind: 'allowed-instance-families', families: ['m7g.*'] },
  { name: 'ceiling', kind: 'budget-ceiling', limit: '100.10', by: 'tag:team', period: '7d' },
  { name: 'untagged', kind: 'untagged-share', maxShare: 0.1 },
  { name: 'untagged-env', kind: 'untagged-share', maxShare: 0.1, tags: ['env'] },
  { name: 'models', kind: 'allowed-models', models: ['gpt-4o-mini'], scope: { team: 'payments' } },
  { name: 'call-cost', kind: 'max-request-cost', severity: 'critical', limit: '0.5' },
  { name: 'premium', kind: 'premium-share', models: ['gpt-4o'], maxShare: 0.5 },
];

type Cost = [
  day: string,
  provider: string,
  account: string,
  service: string,
  region: string,
  tags: object | null,
  cost: string,
];

async function costs(store: Store, rows: Cost[]): Promise<void> {
  for (const [day, provider, account, service, region, tags, cost] of rows) {
    await store.run(
      `INSERT INTO cloud_costs_daily (usage_date, source, provider, service_name, sub_account_id, region_id,
         billing_currency, tags, billed_cost, effective_cost, row_count) VALUES ($1, 'test', $2, $3, $4, $5, 'USD', $6, $7, $7, 1)`,
      [day, provider, service, account, region, tags === null ? null : JSON.stringify(tags), cost],
    );
  }
}

async function raw(store: Store, day: string, resourceType: string, cost: string): Promise<void> {
  await store.run(
    `INSERT INTO cloud_costs (provider, source, sub_account_id, charge_period_start, charge_period_end, usage_date,
       service_name, resource_type, billed_cost, effective_cost, billing_currency)
     VALUES ('aws', 'test', '111', $1, $2, $3, 'Amazon Elastic Compute Cloud', $4, $5, $5, 'USD')`,
    [`${day}T00:00:00.000Z`, `${dayAfter(day)}T00:00:00.000Z`, day, resourceType, cost],
  );
}

async function usage(store: Store, day: string, team: string, model: string, cost: string): Promise<void> {
  await store.run(
    `INSERT INTO usage_hourly (hour, org_id, team_id, agent_id, user_id, provider, model, requests, cost_usd)
     VALUES ($1, 'default', $2, 'bot', 'u', 'openai', $3, 2, $4)`,
    [`${day}T10:00:00.000Z`, team, model, cost],
  );
}

async function call(store: Store, id: string, team: string, model: string, cost: string | null): Promise<void> {
  await store.run(
    `INSERT INTO api_requests (id, ts, provider, model, team_id, agent_id, cost_usd) VALUES ($1, $2, 'openai', $3, $4, 'bot', $5)`,
    [id, `${TODAY}T09:00:00.000Z`, model, team, cost],
  );
}

describe.each(BACKENDS)('policy check on $name', (b) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const check = (failOn: 'info' | 'warning' | 'critical' = 'critical', now = NOW) =>
    checkPolicies(store, POLICY_RULES, { failOn, now });

  beforeAll(async () => {
    if (!b.available()) return;
    ({ store, cleanup } = await b.open());
    const d = dayAfter(TODAY, -2);
    await costs(store, [
      [d, 'aws', '111', 'Amazon Elastic Compute Cloud', 'eu-west-1', { team: 'payments', env: 'prod' }, '60.05'],
      [d, 'aws', '111', 'Amazon Elastic Compute Cloud', 'eu-west-1', { team: 'payments' }, '40.1'],
      [d, 'aws', '111', 'Amazon S3', 'us-east-1', null, '0.000000001'],
      [d, 'gcp', 'proj', 'Compute Engine', 'eu-west-1', { team: 'search', env: 'dev' }, '5'],
      // Outside every window: never judged.
      [dayAfter(TODAY, -60), 'aws', '111', 'Amazon Redshift', 'ap-south-1', null, '999'],
    ]);
    await raw(store, d, 'm7g.large', '10');
    await raw(store, d, 'p5.48xlarge', '123.456');
    await usage(store, d, 'payments', 'gpt-4o-mini', '1.5');
    await usage(store, d, 'payments', 'gpt-4o', '2.5');
    await usage(store, d, 'search', 'gpt-4o-mini', '0.1');
    await call(store, 'r1', 'payments', 'gpt-4o', '0.5');
    await call(store, 'r2', 'payments', 'gpt-4o', '0.5000001');
    await call(store, 'r3', 'payments', 'gpt-4o', null);
    await applyPolicies(store, POLICIES, { file: 'p.yaml', now: NOW });
  }, 60_000);
  afterAll(async () => cleanup?.());

  it.skipIf(!b.available())('finds each kind of violation, with exact decimal evidence', async () => {
    const r = await check();
    const by = (policy: string) => r.violations.filter((v) => v.policy === policy);
    expect(by('tags')).toMatchObject([
      {
        labels: { provider: 'aws', account: '111', service: 'Amazon Elastic Compute Cloud' },
        evidence: { cost: '40.1', currency: 'USD', missingTags: ['env'] },
      },
      {
        labels: { provider: 'aws', account: '111', service: 'Amazon S3' },
        evidence: { cost: '0.000000001', missingTags: ['team', 'env'] },
      },
    ]);
    expect(by('regions')).toMatchObject([{ severity: 'critical', labels: { region: 'us-east-1' } }]);
    expect(by('services').map((v) => v.labels.service)).toEqual(['Amazon Elastic Compute Cloud', 'Compute Engine']);
    expect(by('families')).toMatchObject([{ labels: { family: 'p5.48xlarge' }, evidence: { cost: '123.456' } }]);
    // payments: 60.05 + 40.1 = 100.15 > 100.10, exactly (as floats 100.14999…).
    expect(by('ceiling')).toMatchObject([
      { labels: { tagKey: 'team', tagValue: 'payments' }, evidence: { cost: '100.15', limit: '100.1', over: '0.05' } },
    ]);
    expect(by('untagged')).toEqual([]);
    // Lacking env: 40.1 + 0.000000001 of 105.150000001.
    expect(by('untagged-env')).toMatchObject([
      {
        labels: { currency: 'USD' },
        evidence: { untaggedCost: '40.100000001', totalCost: '105.150000001', share: '0.38136', maxShare: '0.1' },
      },
    ]);
    expect(by('models')).toMatchObject([
      { labels: { team: 'payments', model: 'gpt-4o' }, evidence: { requests: '2' } },
    ]);
    // 0.5 is not over a limit of 0.5; 0.5000001 is; an unpriced call is never counted.
    expect(by('call-cost')).toMatchObject([{ evidence: { calls: '1', maxCost: '0.5000001' } }]);
    expect(by('premium')).toMatchObject([
      { labels: { team: 'payments' }, evidence: { premiumCost: '2.5', totalCost: '4', share: '0.625' } },
    ]);
    expect(r.counts).toEqual({ opened: r.violations.length, stillOpen: 0, resolved: 0 });
    expect(r.failed).toBe(true);
    expect(r.violations[0]!.severity).toBe('critical');
  });

  it.skipIf(!b.available())(
    're-runs update, never duplicate; gone violations are resolved; the gate follows',
    async () => {
      const first = await check();
      const later = new Date(NOW.getTime() + 3_600_000);
      const again = await check('critical', later);
      expect(again.counts).toEqual({ opened: 0, stillOpen: first.violations.length, resolved: 0 });
      expect(again.violations.map((v) => v.id).sort()).toEqual(first.violations.map((v) => v.id).sort());
      expect(again.violations[0]!.lastSeenAt).not.toBe(first.violations[0]!.lastSeenAt);
      const rows = await store.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM policy_violations');
      expect(Number(rows!.n)).toBe(first.violations.length);

      // The us-east-1 spend is restated away: its violation is resolved, the critical gate passes.
      await store.run(`DELETE FROM cloud_costs_daily WHERE region_id = 'us-east-1'`);
      await store.run(`DELETE FROM api_requests WHERE id = 'r2'`);
      const fixed = await check('critical', later);
      expect(fixed.resolved.map((v) => v.policy).sort()).toEqual(['call-cost', 'regions', 'tags']);
      expect(fixed.resolved.every((v) => v.status === 'resolved' && v.resolvedAt)).toBe(true);
      expect(fixed.failed).toBe(false);
      expect((await check('warning', later)).failed).toBe(true);

      // It comes back: a new violation (the resolved one stays history).
      await costs(store, [[dayAfter(TODAY, -1), 'aws', '111', 'Amazon S3', 'us-east-1', { team: 'x', env: 'y' }, '1']]);
      const back = await check('critical', later);
      expect(back.counts.opened).toBe(1);
      expect(back.failed).toBe(true);
      const regions = await store.all<{ status: string }>(
        `SELECT v.status FROM policy_violations v JOIN governance_policies p ON p.id = v.policy_id
       WHERE p.name = 'regions' ORDER BY v.status`,
      );
      expect(regions.map((r) => r.status)).toEqual(['open', 'resolved']);
    },
  );

  it.skipIf(!b.available())('a disabled policy resolves its violations and is not judged', async () => {
    await setEnabled(store, 'regions', false, NOW);
    const r = await check();
    expect(r.policies.map((p) => p.name)).not.toContain('regions');
    expect(r.violations.filter((v) => v.policy === 'regions')).toEqual([]);
    await setEnabled(store, 'regions', true, NOW);
    expect((await check()).violations.filter((v) => v.policy === 'regions')).toHaveLength(1);
  });

  it.skipIf(!b.available())(
    're-applying an unchanged file changes nothing; a changed one updates in place',
    async () => {
      const same = await applyPolicies(store, POLICIES, { now: NOW });
      expect(same.every((p) => p.action === 'unchanged')).toBe(true);
      const changed = await applyPolicies(store, [{ ...POLICIES[0]!, tags: ['team'] }], {
        now: NOW,
        prune: true,
        dryRun: true,
      });
      expect(changed[0]).toMatchObject({ name: 'tags', action: 'updated' });
      expect(changed.filter((p) => p.action === 'deleted')).toHaveLength(POLICIES.length - 1);
      expect((await applyPolicies(store, POLICIES, { now: NOW })).every((p) => p.action === 'unchanged')).toBe(true);
    },
  );
});
