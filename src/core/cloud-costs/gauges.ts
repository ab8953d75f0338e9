import type { GaugeSample, StoredGaugeSource } from '../base/metrics/stored.js';
import { epochSeconds } from '../base/metrics/stored.js';

/**
 * The cloud-cost gauges, from ingest_runs (one row per run, indexed by source) and cloud_costs_daily
 * (through its usage_date index): the last successful ingest per provider and its age, the last run's
 * failure, and the effective cost of the current UTC day per provider and billing currency.
 */
export const cloudCostGauges: StoredGaugeSource = {
  name: 'cloud-costs',
  gauges: [
    {
      name: 'cloud_ingest_last_success_timestamp_seconds',
      help: 'When the last successful cost ingest of each cloud provider finished (Unix seconds).',
      labelNames: ['provider'],
    },
    {
      name: 'cloud_ingest_age_seconds',
      help: 'Seconds since the last successful cost ingest of each cloud provider finished.',
      labelNames: ['provider'],
    },
    {
      name: 'cloud_ingest_last_failed',
      help: "1 when each cloud provider's latest ingest run failed, else 0.",
      labelNames: ['provider'],
    },
    {
      name: 'cloud_cost_today',
      help: 'Effective cost of the current UTC day so far, per cloud provider, in its billing currency.',
      labelNames: ['provider', 'currency'],
    },
  ],
  async read(store, now) {
    const last = await store.all<{ provider: string; at: string | null }>(
      `SELECT provider, MAX(finished_at) AS at FROM ingest_runs WHERE status = 'succeeded' GROUP BY provider`,
    );
    const latest = await store.all<{ provider: string; status: string }>(
      `SELECT r.provider, r.status FROM ingest_runs r
       JOIN (SELECT provider, MAX(started_at) AS s FROM ingest_runs GROUP BY provider) m
         ON m.provider = r.provider AND m.s = r.started_at`,
    );
    const today = now.toISOString().slice(0, 10);
    const d = store.dialect;
    const costs = await store.all<{ provider: string; currency: string; cost: string | null }>(
      `SELECT provider, billing_currency AS currency, ${d.sumMoney('effective_cost')} AS cost
       FROM cloud_costs_daily WHERE usage_date = $1 GROUP BY provider, billing_currency`,
      [today],
    );
    const success: GaugeSample[] = [];
    const age: GaugeSample[] = [];
    for (const r of last) {
      const at = epochSeconds(r.at);
      if (at === undefined) continue;
      success.push({ labels: { provider: r.provider }, value: at });
      age.push({ labels: { provider: r.provider }, since: at });
    }
    return {
      cloud_ingest_last_success_timestamp_seconds: success,
      cloud_ingest_age_seconds: age,
      cloud_ingest_last_failed: latest.map((r) => ({
        labels: { provider: r.provider },
        value: r.status === 'failed' ? 1 : 0,
      })),
      cloud_cost_today: costs
        .filter((c) => c.cost !== null)
        .map((c) => ({ labels: { provider: c.provider, currency: c.currency }, value: Number(c.cost) })),
    };
  },
};
