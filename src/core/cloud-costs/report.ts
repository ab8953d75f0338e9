import { Money } from '../base/money.js';
import { UsageError } from '../base/errors.js';
import type { Dialect, SqlParam, Store } from '../base/store/types.js';
import type { DayWindow } from './model.js';
import { getRates } from './rates.js';

export type Metric = 'billed' | 'effective' | 'list';
export const METRICS: readonly Metric[] = ['billed', 'effective', 'list'];

/**
 * Where a summary reads: cloud_costs_daily (migration 0009: daily sums per source, provider,
 * service, category, account, region, currency and tag set, read through its usage_date
 * index) for every grouping but the resource, which only cloud_costs has.
 * What each metric sums: EffectiveCost falls back to BilledCost on rows that have none (API
 * sources without amortisation); the rollup's effective_cost already holds that fallback.
 */
const TABLES = {
  rollup: {
    table: 'cloud_costs_daily',
    rows: 'SUM(row_count)',
    metric: { billed: 'billed_cost', effective: 'effective_cost', list: 'list_cost' },
  },
  rows: {
    table: 'cloud_costs',
    rows: 'COUNT(*)',
    metric: { billed: 'billed_cost', effective: 'COALESCE(effective_cost, billed_cost)', list: 'list_cost' },
  },
} as const satisfies Record<string, { table: string; rows: string; metric: Record<Metric, string> }>;

/**
 * Group-by dimensions as data: the SQL expression (through the engine's dialect) and the table that has it. tag:KEY is
 * handled apart (it takes a parameter).
 */
const DIMENSIONS: Record<string, { sql: (d: Dialect) => string; from: keyof typeof TABLES }> = {
  provider: { sql: () => 'provider', from: 'rollup' },
  source: { sql: () => 'source', from: 'rollup' },
  service: { sql: () => 'service_name', from: 'rollup' },
  category: { sql: () => 'service_category', from: 'rollup' },
  account: { sql: () => 'sub_account_id', from: 'rollup' },
  region: { sql: () => 'region_id', from: 'rollup' },
  resource: { sql: () => 'resource_id', from: 'rows' },
  day: { sql: (d) => d.dateText('usage_date'), from: 'rollup' },
  month: { sql: (d) => d.monthText('usage_date'), from: 'rollup' },
};
export const SUMMARY_DIMENSIONS = [
  'provider',
  'service',
  'account',
  'region',
  'day',
  'month',
  'source',
  'category',
  'resource',
] as const;

export interface SummaryOptions {
  by: string;
  window?: Partial<DayWindow>;
  metric?: Metric;
  provider?: string;
  /** Equality filters on other dimensions (a report's drill-down path: provider → service → account). */
  filter?: Record<string, string | undefined>;
  limit?: number;
}

export interface SummaryRow {
  key: string | null;
  /** Total in USD with the configured rates; null when a currency of this row has no rate. */
  costUsd: string | null;
  /** Exact sums as billed, per currency. */
  byCurrency: Record<string, string>;
  rows: number;
}

export interface Summary {
  by: string;
  metric: Metric;
  window: Partial<DayWindow>;
  rows: SummaryRow[];
  total: { costUsd: string | null; byCurrency: Record<string, string>; rows: number };
  /** Currencies present without a configured rate: their USD figures are left out, not guessed. */
  missingRates: string[];
  rates: Record<string, string>;
}

function dimensionSql(by: string, dialect: Dialect, params: SqlParam[]): { key: string; from: keyof typeof TABLES } {
  if (by.startsWith('tag:')) {
    const key = by.slice(4);
    if (!key) throw new UsageError('--by tag:KEY needs a tag key, e.g. --by tag:team');
    return { key: dialect.jsonField('tags', key, params), from: 'rollup' };
  }
  const d = DIMENSIONS[by];
  if (!d)
    throw new UsageError(`unknown --by "${by}"`, { hint: `Use one of ${SUMMARY_DIMENSIONS.join(', ')} or tag:KEY.` });
  return { key: d.sql(dialect), from: d.from };
}

/** `dimension = $n` for each filter entry (a rollup dimension or tag:KEY), its values appended to params. */
function filterSql(dialect: Dialect, filter: SummaryOptions['filter'], params: SqlParam[]): string[] {
  const out: string[] = [];
  for (const [dim, value] of Object.entries(filter ?? {})) {
    if (value === undefined) continue;
    const { key } = dimensionSql(dim, dialect, params);
    params.push(value);
    out.push(`${key} = $${params.length}`);
  }
  return out;
}

/** The summary's query and parameters (exported so tests can EXPLAIN exactly what runs). */
export function summarySql(dialect: Dialect, options: SummaryOptions): { sql: string; params: SqlParam[] } {
  const metric = options.metric ?? 'effective';
  const params: SqlParam[] = [];
  const { key, from } = dimensionSql(options.by, dialect, params);
  const t = TABLES[from];
  const where: string[] = [];
  if (options.window?.from) {
    params.push(options.window.from);
    where.push(`usage_date >= $${params.length}`);
  }
  if (options.window?.to) {
    params.push(options.window.to);
    where.push(`usage_date < $${params.length}`);
  }
  if (options.provider) {
    params.push(options.provider);
    where.push(`provider = $${params.length}`);
  }
  where.push(...filterSql(dialect, options.filter, params));
  const sql = `SELECT ${key} AS k, billing_currency AS currency, ${dialect.sumMoney(t.metric[metric])} AS amount,
    ${t.rows} AS n
    FROM ${t.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY ${key}, billing_currency`;
  return { sql, params };
}

/** Sums with the engine's exact aggregate, per key and currency; conversion to USD is exact decimal arithmetic here. */
export async function summarise(store: Store, options: SummaryOptions): Promise<Summary> {
  const metric = options.metric ?? 'effective';
  const { sql, params } = summarySql(store.dialect, options);
  const raw = await store.all<{ k: unknown; currency: string; amount: string | null; n: unknown }>(sql, params);
  const rates = await getRates(store);
  const missing = new Set<string>();
  const groups = new Map<string, SummaryRow>();
  const total = { byCurrency: {} as Record<string, Money>, rows: 0 };
  for (const r of raw) {
    const k = r.k === null || r.k === undefined ? null : String(r.k);
    const id = k ?? '\u0000null';
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key: k, costUsd: null, byCurrency: {}, rows: 0 }));
    const amount = new Money(r.amount ?? 0);
    g.byCurrency[r.currency] = amount.toFixed();
    g.rows += Number(r.n);
    total.byCurrency[r.currency] = (total.byCurrency[r.currency] ?? new Money(0)).plus(amount);
    total.rows += Number(r.n);
  }
  const toUsd = (byCurrency: Record<string, string | Money>): Money | null => {
    let usd = new Money(0);
    for (const [cur, amt] of Object.entries(byCurrency)) {
      const rate = cur === 'USD' ? '1' : rates[cur];
      if (rate === undefined) {
        missing.add(cur);
        return null;
      }
      usd = usd.plus(new Money(amt).times(rate));
    }
    return usd;
  };
  const rows = [...groups.values()];
  for (const g of rows) g.costUsd = toUsd(g.byCurrency)?.toFixed() ?? null;
  const ordered =
    options.by === 'day' || options.by === 'month'
      ? rows.sort((a, b) => String(a.key).localeCompare(String(b.key)))
      : rows.sort((a, b) => compareDesc(a.costUsd, b.costUsd) || String(a.key).localeCompare(String(b.key)));
  const totalUsd = toUsd(total.byCurrency);
  return {
    by: options.by,
    metric,
    window: options.window ?? {},
    rows: options.limit ? ordered.slice(0, options.limit) : ordered,
    total: {
      costUsd: totalUsd?.toFixed() ?? null,
      byCurrency: Object.fromEntries(Object.entries(total.byCurrency).map(([c, m]) => [c, m.toFixed()])),
      rows: total.rows,
    },
    missingRates: [...missing].sort(),
    rates,
  };
}

/**
 * Daily cost per key and currency from cloud_costs_daily (the report's trend sparklines and daily trend); `by` is a
 * rollup dimension (never resource). USD conversion is the caller's, with the same rates as summarise.
 */
export async function dailyCost(
  store: Store,
  options: Omit<SummaryOptions, 'by' | 'limit'> & { by: string | null },
): Promise<Array<{ key: string | null; day: string; currency: string; amount: string }>> {
  const params: SqlParam[] = [];
  const d = store.dialect;
  const metric = TABLES.rollup.metric[options.metric ?? 'effective'];
  const key = options.by === null ? 'NULL' : dimensionSql(options.by, d, params).key;
  const where: string[] = [];
  for (const [column, op, v] of [
    ['usage_date', '>=', options.window?.from],
    ['usage_date', '<', options.window?.to],
    ['provider', '=', options.provider],
  ] as const) {
    if (v === undefined) continue;
    params.push(v);
    where.push(`${column} ${op} $${params.length}`);
  }
  where.push(...filterSql(d, options.filter, params));
  const day = d.dateText('usage_date');
  const rows = await store.all<{ k: unknown; day: string; currency: string; amount: unknown }>(
    `SELECT ${key} AS k, ${day} AS day, billing_currency AS currency, ${d.sumMoney(metric)} AS amount
     FROM cloud_costs_daily ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     GROUP BY ${options.by === null ? '' : `${key}, `}${day}, billing_currency`,
    params,
  );
  return rows.map((r) => ({
    key: r.k === null || r.k === undefined ? null : String(r.k),
    day: String(r.day),
    currency: r.currency,
    amount: new Money(String(r.amount ?? 0)).toFixed(),
  }));
}

/** One exact sum of a key in one currency over a stretch of days that starts at `start`. */
export interface CostCell {
  key: string | null;
  start: string;
  currency: string;
  amount: string;
}

/**
 * Exact sums per key, currency and stretch of days over several day ranges in one read (the report's period, its
 * comparison and the movers' weeks together). From cloud_costs_daily a stretch is a day (the trends need the days);
 * from cloud_costs (the resource, which has no daily rollup) a stretch runs between consecutive range boundaries, so
 * the groups stay resources × ranges, and every range is a union of whole stretches either way.
 */
export async function costCells(
  store: Store,
  options: Omit<SummaryOptions, 'window' | 'limit'> & { ranges: readonly DayWindow[] },
): Promise<CostCell[]> {
  const d = store.dialect;
  const params: SqlParam[] = [];
  const { key, from } = dimensionSql(options.by, d, params);
  const t = TABLES[from];
  const merged: DayWindow[] = [];
  for (const r of [...options.ranges].sort((a, b) => a.from.localeCompare(b.from))) {
    const last = merged.at(-1);
    if (last && r.from <= last.to) last.to = r.to > last.to ? r.to : last.to;
    else merged.push({ from: r.from, to: r.to });
  }
  const where = [
    `(${merged
      .map((r) => {
        params.push(r.from, r.to);
        return `(usage_date >= $${params.length - 1} AND usage_date < $${params.length})`;
      })
      .join(' OR ')})`,
  ];
  if (options.provider) {
    params.push(options.provider);
    where.push(`provider = $${params.length}`);
  }
  where.push(...filterSql(d, options.filter, params));
  const bounds = [...new Set(options.ranges.flatMap((r) => [r.from, r.to]))].sort();
  let bucket = d.dateText('usage_date');
  if (from === 'rows') {
    const whens = bounds.slice(1, -1).map((b, i) => {
      params.push(b);
      return `WHEN usage_date < $${params.length} THEN ${i}`;
    });
    bucket = whens.length ? `CASE ${whens.join(' ')} ELSE ${whens.length} END` : '0';
  }
  const rows = await store.all<{ k: unknown; b: unknown; currency: string; amount: unknown }>(
    `SELECT ${key} AS k, ${bucket} AS b, billing_currency AS currency,
       ${d.sumMoney(t.metric[options.metric ?? 'effective'])} AS amount
     FROM ${t.table} WHERE ${where.join(' AND ')} GROUP BY 1, 2, 3`,
    params,
  );
  return rows.map((r) => ({
    key: r.k === null || r.k === undefined ? null : String(r.k),
    start: from === 'rows' ? bounds[Number(r.b)]! : String(r.b),
    currency: r.currency,
    amount: new Money(String(r.amount ?? 0)).toFixed(),
  }));
}

function compareDesc(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return new Money(b).comparedTo(new Money(a));
}
