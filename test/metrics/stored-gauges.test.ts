import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/core/base/metrics/registry.js';
import { StoredGauges } from '../../src/core/base/metrics/stored.js';
import { policyGauges } from '../../src/core/base/policy/gauges.js';
import { recommendationGauges } from '../../src/core/base/recommend/gauges.js';
import type { Store } from '../../src/core/base/store/types.js';
import { cloudCostGauges } from '../../src/core/cloud-costs/gauges.js';
import { budgetGauges } from '../../src/core/gateway/spend/gauges.js';
import { drGauges } from '../../src/core/resilience/dr/gauges.js';
import { BACKENDS } from '../helpers/stores.js';
import { parseExposition, select } from './exposition.js';

const HOUR = 3600_000;

/**
 * The gauges read from stored data, once per engine: rows written as the features write them, one
 * refresh, then the exposition. A scrape between refreshes reads no table (the store is closed).
 */
describe.each(BACKENDS)('stored-data gauges ($name)', (b) => {
  describe.skipIf(!b.available())(b.name, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const now = new Date();
    const iso = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
    beforeAll(async () => {
      ({ store, cleanup } = await b.open());
      const runs: Array<[string, string, string, string | null]> = [
        ['r1', 'aws', 'succeeded', iso(30 * HOUR)],
        ['r2', 'aws', 'succeeded', iso(26 * HOUR)],
        ['r3', 'aws', 'failed', iso(2 * HOUR)],
        ['r4', 'gcp', 'succeeded', iso(1 * HOUR)],
      ];
      for (const [id, provider, status, finished] of runs)
        await store.run(
          `INSERT INTO ingest_runs (id, source, provider, status, started_at, finished_at) VALUES ($1, $2, $2, $3, $4, $4)`,
          [id, provider, status, finished],
        );
      const today = now.toISOString().slice(0, 10);
      const yesterday = new Date(now.getTime() - 24 * HOUR).toISOString().slice(0, 10);
      for (const [day, provider, currency, cost] of [
        [today, 'aws', 'USD', '12.25'],
        [today, 'aws', 'USD', '0.75'],
        [today, 'azure', 'EUR', '3.5'],
        [yesterday, 'aws', 'USD', '999'],
      ])
        await store.run(
          `INSERT INTO cloud_costs_daily (usage_date, source, provider, billing_currency, billed_cost, effective_cost,
             row_count) VALUES ($1, $2, $2, $3, $4, $4, 1)`,
          [day, provider, currency, cost],
        );
      for (const [id, provider, status, usd] of [
        ['o1', 'aws', 'open', '100.5'],
        ['o2', 'aws', 'open', '20'],
        ['o3', 'aws', 'dismissed', '1000'],
        ['o4', 'openai', 'open', null],
      ])
        await store.run(
          `INSERT INTO optimization_recommendations (id, fingerprint, provider, kind, title, status,
             estimated_monthly_savings_usd) VALUES ($1, $1, $2, 'k', 't', $3, $4)`,
          [id, provider, status, usd],
        );
      await store.run(
        `INSERT INTO governance_policies (id, name, kind, definition, severity, created_at, updated_at)
         VALUES ('p1', 'tags', 'required-tags', '{}', 'critical', $1, $1)`,
        [iso(0)],
      );
      for (const [id, severity, status] of [
        ['v1', 'critical', 'open'],
        ['v2', 'critical', 'open'],
        ['v3', 'warning', 'open'],
        ['v4', 'critical', 'resolved'],
      ])
        await store.run(
          `INSERT INTO policy_violations (id, policy_id, fingerprint, subject, labels, severity, status, message,
             evidence, opened_at, last_seen_at) VALUES ($1, 'p1', $1, 's', '{}', $2, $3, 'm', '{}', $4, $4)`,
          [id, severity, status, iso(0)],
        );
      const policy = (name: string) =>
        JSON.stringify({ name, context: 'kind-a', namespace: 'velero', rpoMs: 24 * HOUR, namespaces: ['app'] });
      for (const name of ['daily', 'never'])
        await store.run(`INSERT INTO dr_plans (id, kind, name, definition) VALUES ($1, 'policy', $1, $2)`, [
          name,
          policy(name),
        ]);
      for (const [name, phase, completed, ctx] of [
        ['b1', 'Completed', iso(5 * HOUR), 'kind-a'],
        ['b2', 'Completed', iso(30 * HOUR), 'kind-a'],
        ['b3', 'Failed', iso(1 * HOUR), 'kind-a'],
        ['b4', 'Completed', iso(1 * HOUR), 'kind-b'],
      ])
        await store.run(
          `INSERT INTO backup_records (id, kind, name, cluster_context, velero_namespace, phase, schedule_name,
             completed_at) VALUES ($1, 'backup', $1, $2, 'velero', $3, 'oco-daily', $4)`,
          [name, ctx, phase, completed],
        );
    });
    afterAll(async () => cleanup?.());

    it('reads ingests, cloud cost today, recommendations, violations and backups into gauges', async () => {
      const metrics = new Metrics();
      const gauges = new StoredGauges(
        metrics,
        store,
        [cloudCostGauges, budgetGauges, recommendationGauges, policyGauges, drGauges],
        { refreshMs: 3600_000 },
      );
      await gauges.refresh();
      const { samples } = parseExposition((await metrics.render()).text);
      const one = (name: string, labels: Record<string, string>) => {
        const s = select(samples, name, labels);
        expect(s, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
        return s[0]!.value;
      };
      const at = (msAgo: number) => (now.getTime() - msAgo) / 1000;
      expect(one('oco_cloud_ingest_last_success_timestamp_seconds', { provider: 'aws' })).toBeCloseTo(at(26 * HOUR), 0);
      expect(one('oco_cloud_ingest_last_success_timestamp_seconds', { provider: 'gcp' })).toBeCloseTo(at(HOUR), 0);
      const age = one('oco_cloud_ingest_age_seconds', { provider: 'aws' });
      expect(age).toBeGreaterThanOrEqual(26 * 3600 - 1);
      expect(age).toBeLessThan(26 * 3600 + 600);
      expect(one('oco_cloud_ingest_last_failed', { provider: 'aws' })).toBe(1);
      expect(one('oco_cloud_ingest_last_failed', { provider: 'gcp' })).toBe(0);
      expect(one('oco_cloud_cost_today', { provider: 'aws', currency: 'USD' })).toBe(13);
      expect(one('oco_cloud_cost_today', { provider: 'azure', currency: 'EUR' })).toBe(3.5);
      expect(one('oco_recommendations_open', { provider: 'aws' })).toBe(2);
      expect(one('oco_recommendations_monthly_savings_usd', { provider: 'aws' })).toBe(120.5);
      expect(one('oco_recommendations_open', { provider: 'openai' })).toBe(1);
      expect(one('oco_policy_violations_open', { severity: 'critical' })).toBe(2);
      expect(one('oco_policy_violations_open', { severity: 'warning' })).toBe(1);
      expect(one('oco_policy_violations_open', { severity: 'info' })).toBe(0);
      expect(one('oco_dr_rpo_seconds', { policy: 'daily' })).toBe(86400);
      expect(one('oco_dr_rpo_seconds', { policy: 'never' })).toBe(86400);
      expect(one('oco_dr_last_backup_timestamp_seconds', { policy: 'daily' })).toBeCloseTo(at(5 * HOUR), 0);
      expect(select(samples, 'oco_dr_last_backup_age_seconds', { policy: 'never' })).toEqual([]);
      expect(select(samples, 'oco_stored_gauges_refreshed_timestamp_seconds')).toHaveLength(5);

      // A scrape reads no table: with the store closed it shows the last values read; a refresh that fails
      // keeps them and counts a storage error.
      const other = await b.open();
      const m2 = new Metrics();
      const g2 = new StoredGauges(m2, other.store, [policyGauges], { refreshMs: 3600_000 });
      await g2.refresh();
      await other.cleanup();
      await g2.refresh();
      const after = parseExposition((await m2.render()).text).samples;
      expect(select(after, 'oco_storage_errors_total', { operation: 'gauge_refresh' }).map((s) => s.value)).toEqual([
        1,
      ]);
      expect(select(after, 'oco_policy_violations_open').map((s) => s.value)).toEqual([0, 0, 0]);
    });
  });
});
