/**
 * The cloud view of `oco report`: the sums `oco costs summary` makes (effective cost, from cloud_costs_daily, each
 * currency summed exactly and converted with the same rates, so the totals agree to the last digit). The period, its
 * comparison, the daily trends and the movers' two weeks come from one grouped read (per key, day and currency),
 * split and summed here in exact decimals. The drill-down runs provider → service → account → resource; only the
 * resource level reads cloud_costs (the rollup has no resource column), through its (provider, service_name,
 * sub_account_id, usage_date) index: the rows under the chosen provider, service and account, top RESOURCE_ROWS kept.
 */
import { ExactSum, money, type Money } from '../base/money.js';
import type { DrillStep, Period } from '../base/report/model.js';
import type { SpendSlice, SpendSource } from '../base/report/sources.js';
import type { Store } from '../base/store/types.js';
import { getRates } from './rates.js';
import { costCells, dailyCost, summarise, type SummaryOptions } from './report.js';

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

/** Exact sums per currency. */
type Sums = Map<string, ExactSum>;

function addTo(sums: Sums, currency: string, amount: string): void {
  (sums.get(currency) ?? sums.set(currency, new ExactSum()).get(currency)!).add(amount);
}

/** Sums per key (and in all) over one period. */
interface Slice {
  keys: Map<string, { key: string | null; sums: Sums }>;
  total: Sums;
}

const keyId = (k: string | null) => (k === null ? '\u0000null' : k);

/** Converted as summarise converts: each currency's exact sum times its rate; unknown (null) when a rate is missing. */
function usd(sums: Sums, rates: Record<string, string>, missing?: Set<string>): string | null {
  let total: Money = money(0);
  let known = true;
  for (const [currency, s] of sums) {
    const rate = currency === 'USD' ? '1' : rates[currency];
    if (rate === undefined) {
      missing?.add(currency);
      known = false;
    } else if (known) total = total.plus(s.toMoney().times(rate));
  }
  return known ? total.toFixed() : null;
}

function amounts(sums: Sums) {
  return [...sums.keys()].sort().map((currency) => ({ currency, amount: sums.get(currency)!.toFixed() }));
}

function toSlice(s: Slice, rates: Record<string, string>, limit?: number): SpendSlice {
  const rows = [...s.keys.values()].map((g) => ({
    key: g.key,
    costUsd: usd(g.sums, rates),
    byCurrency: amounts(g.sums),
  }));
  if (limit !== undefined)
    rows.sort((a, b) => compareDesc(a.costUsd, b.costUsd) || String(a.key).localeCompare(String(b.key)));
  return {
    rows: limit === undefined ? rows : rows.slice(0, limit),
    total: { costUsd: usd(s.total, rates), byCurrency: amounts(s.total) },
  };
}

function compareDesc(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return money(b).comparedTo(money(a));
}

/**
 * The period, the comparison, the extra periods (`also`: the movers' weeks) and the daily trends from one read. At the
 * resource level the trend of the whole slice still comes from the rollup (per day, filtered the same way).
 */
async function spend(store: Store, p: Period, compare: Period, by: string, path: DrillStep[], also: Period[] = []) {
  const periods = [p, compare, ...also];
  const { window: _w, ...where } = scope(p, path);
  const [cells, rates] = await Promise.all([
    costCells(store, { by, ...where, ranges: periods.map((x) => ({ from: x.from, to: x.to })) }),
    getRates(store),
  ]);
  const slices: Slice[] = periods.map(() => ({ keys: new Map(), total: new Map() }));
  const days = new Map<string, { key: string | null; day: string; sums: Sums }>();
  const totalDays = new Map<string, Sums>();
  for (const c of cells) {
    periods.forEach((x, i) => {
      if (c.start < x.from || c.start >= x.to) return;
      const s = slices[i]!;
      const id = keyId(c.key);
      const g = s.keys.get(id) ?? s.keys.set(id, { key: c.key, sums: new Map() }).get(id)!;
      addTo(g.sums, c.currency, c.amount);
      addTo(s.total, c.currency, c.amount);
    });
    if (by === 'resource' || c.start < p.from || c.start >= p.to) continue;
    const id = `${keyId(c.key)}\u0001${c.start}`;
    addTo(
      (days.get(id) ?? days.set(id, { key: c.key, day: c.start, sums: new Map() }).get(id)!).sums,
      c.currency,
      c.amount,
    );
    addTo(totalDays.get(c.start) ?? totalDays.set(c.start, new Map()).get(c.start)!, c.currency, c.amount);
  }
  if (by === 'resource')
    for (const r of await dailyCost(store, { ...scope(p, path), by: null }))
      addTo(totalDays.get(r.day) ?? totalDays.set(r.day, new Map()).get(r.day)!, r.currency, r.amount);
  const missing = new Set<string>();
  usd(slices[0]!.total, rates, missing);
  return {
    now: toSlice(slices[0]!, rates, by === 'resource' ? RESOURCE_ROWS : undefined),
    before: toSlice(slices[1]!, rates),
    also: slices.slice(2).map((s) => toSlice(s, rates)),
    daily: [...days.values()].map((d) => ({ key: d.key, day: d.day, costUsd: usd(d.sums, rates) })),
    totalDaily: [...totalDays].map(([day, sums]) => ({ day, costUsd: usd(sums, rates) })),
    missingRates: [...missing].sort(),
  };
}

export const cloudReportSource: SpendSource = {
  dimensions: DIMENSIONS,
  drill: ['provider', 'service', 'account', 'resource'],
  defaultBy: 'provider',
  // resources have no daily rollup
  noTrend: ['resource'],
  spend,
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
