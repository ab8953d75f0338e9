/**
 * The cloud view of `oco report`: the same summary `oco costs summary` runs (effective cost, from cloud_costs_daily,
 * so the totals agree to the last digit), daily trends from the same rollup converted with the same rates. The
 * drill-down runs provider → service → account → resource; only the resource level reads cloud_costs (the rollup has
 * no resource column): the period's rows under the chosen provider, service and account, top RESOURCE_ROWS kept.
 */
import { money } from '../base/money.js';
import type { DrillStep, Period } from '../base/report/model.js';
import type { SpendSource } from '../base/report/sources.js';
import type { Store } from '../base/store/types.js';
import { getRates } from './rates.js';
import { dailyCost, summarise, type SummaryOptions } from './report.js';

const DIMENSIONS = ['provider', 'service', 'account', 'region', 'category', 'source', 'resource', 'tag:KEY'] as const;

/** Resources listed at the last level (the biggest first). */
export const RESOURCE_ROWS = 50;

function scope(p: Period, path: DrillStep[]): Omit<SummaryOptions, 'by'> {
  const filter: NonNullable<SummaryOptions['filter']> = {};
  let provider: string | undefined;
  for (const s of path) {
    if (s.by === 'provider') provider = s.key;
    else filter[s.by as keyof typeof filter] = s.key;
  }
  return { window: { from: p.from, to: p.to }, metric: 'effective', provider, filter };
}

export const cloudReportSource: SpendSource = {
  dimensions: DIMENSIONS,
  drill: ['provider', 'service', 'account', 'resource'],
  defaultBy: 'provider',
  // resources have no daily rollup
  noTrend: ['resource'],
  async summary(store: Store, p: Period, by: string, path: DrillStep[]) {
    const s = await summarise(store, {
      by,
      ...scope(p, path),
      limit: by === 'resource' ? RESOURCE_ROWS : undefined,
    });
    const amounts = (m: Record<string, string>) =>
      Object.keys(m)
        .sort()
        .map((currency) => ({ currency, amount: m[currency]! }));
    return {
      rows: s.rows.map((r) => ({ key: r.key, costUsd: r.costUsd, byCurrency: amounts(r.byCurrency) })),
      total: { costUsd: s.total.costUsd, byCurrency: amounts(s.total.byCurrency) },
    };
  },
  async daily(store, p, by, path) {
    if (by === 'resource') return [];
    const rows = await dailyCost(store, { ...scope(p, path), by });
    const rates = await getRates(store);
    const out = new Map<string, { key: string | null; day: string; costUsd: string | null }>();
    for (const r of rows) {
      const id = `${r.key ?? '\u0000'}\u0001${r.day}`;
      const rate = r.currency === 'USD' ? '1' : rates[r.currency];
      const prev = out.get(id) ?? { key: r.key, day: r.day, costUsd: '0' };
      prev.costUsd =
        rate === undefined || prev.costUsd === null
          ? null
          : money(prev.costUsd).plus(money(r.amount).times(rate)).toFixed();
      out.set(id, prev);
    }
    return [...out.values()];
  },
  async missingRates(store, p) {
    return (await summarise(store, { by: 'provider', window: { from: p.from, to: p.to } })).missingRates;
  },
};
