/**
 * Daily cloud cost per provider, account and service, for anomaly detection: the effective
 * cost (amortised: a commitment bought on one day is not a spike that day) from the daily rollup,
 * per billing currency. A day a provider has data for but a service has no row costs 0 for that
 * service; days before a provider's data starts are unknown. Days the provider marks as estimated
 * (Cost Explorer's `Estimated`, kept as x_Estimated) are partial: never judged, never a baseline.
 */
import type { CostSeries, SeriesSource } from '../base/anomaly/service.js';
import { dayAfter, type SeriesPoint } from '../base/anomaly/detect.js';
import { money } from '../base/money.js';
import type { SqlParam, Store } from '../base/store/types.js';

type Row = {
  day: string;
  provider: string;
  account: string | null;
  service: string | null;
  currency: string;
  amount: string | null;
};

export const cloudCostSeries: SeriesSource = async (store: Store, from: string, to: string) => {
  const d = store.dialect;
  const rows = await store.all<Row>(
    `SELECT ${d.dateText('usage_date')} AS day, provider, sub_account_id AS account, service_name AS service,
       billing_currency AS currency, ${d.sumMoney('effective_cost')} AS amount
     FROM cloud_costs_daily WHERE usage_date >= $1 AND usage_date <= $2
     GROUP BY usage_date, provider, sub_account_id, service_name, billing_currency`,
    [from, to],
  );
  if (rows.length === 0) return [];
  const coverage = await store.all<{ provider: string; first: string; last: string }>(
    `SELECT provider, ${d.dateText('MIN(usage_date)')} AS first, ${d.dateText('MAX(usage_date)')} AS last
     FROM cloud_costs_daily GROUP BY provider`,
  );
  const partial = await estimatedDays(store, from, to);
  const series = new Map<string, CostSeries & { byDay: Map<string, SeriesPoint> }>();
  for (const r of rows) {
    const labels = { provider: r.provider, account: r.account ?? '', service: r.service ?? '' };
    const id = JSON.stringify([labels.provider, labels.account, labels.service, r.currency]);
    let s = series.get(id);
    if (!s) {
      s = { domain: 'cloud', dimension: 'service', labels, currency: r.currency, points: [], byDay: new Map() };
      series.set(id, s);
    }
    s.byDay.set(r.day, { day: r.day, amount: money(r.amount ?? 0) });
  }
  const covered = new Map(coverage.map((c) => [c.provider, c]));
  const out: CostSeries[] = [];
  for (const s of series.values()) {
    const c = covered.get(s.labels.provider!)!;
    const first = c.first > from ? c.first : from;
    const last = c.last < to ? c.last : to;
    for (let day = first; day <= last; day = dayAfter(day)) {
      const p = s.byDay.get(day) ?? { day, amount: money(0) };
      if (partial.has(`${s.labels.provider}:${day}`)) p.partial = true;
      s.points.push(p);
    }
    out.push({ domain: s.domain, dimension: s.dimension, labels: s.labels, currency: s.currency, points: s.points });
  }
  return out;
};

/** provider:day of the days some row marks as estimated. */
async function estimatedDays(store: Store, from: string, to: string): Promise<Set<string>> {
  const d = store.dialect;
  const params: SqlParam[] = [`${from}T00:00:00.000Z`, `${dayAfter(to)}T00:00:00.000Z`];
  const estimated = d.jsonField('extra', 'x_Estimated', params);
  const rows = await store.all<{ provider: string; day: string }>(
    `SELECT DISTINCT provider, ${d.dateText('usage_date')} AS day FROM cloud_costs
     WHERE charge_period_start >= $1 AND charge_period_start < $2 AND ${estimated} = 'true'`,
    params,
  );
  return new Set(rows.map((r) => `${r.provider}:${r.day}`));
}
