/**
 * Builds the report, one view at a time (the interactive view calls `buildView` per view and per drill-down level;
 * the static outputs call `buildReport` once). Spend views read the wings' injected sources, which answer from
 * rollups; savings, policies and anomalies are base tables read through their own modules. Deltas, trends and
 * sorting are computed here, in decimals.
 */
import { listAnomalies } from '../anomaly/service.js';
import { UsageError } from '../errors.js';
import { money, type Money } from '../money.js';
import { openViolations } from '../policy/check.js';
import { SEVERITIES } from '../policy/types.js';
import { listRecommendations } from '../recommend/service.js';
import type { Store } from '../store/types.js';
import {
  REPORT_FORMAT,
  VIEWS,
  type AnomaliesView,
  type BackupsView,
  type CloudView,
  type DrillStep,
  type LlmView,
  type Mover,
  type Period,
  type PoliciesView,
  type RecentPage,
  type Report,
  type ReportViews,
  type SavingsView,
  type SpendRow,
  type View,
} from './model.js';
import { daysOf, period, previousPeriod } from './period.js';
import type { ReportSources, SpendLine, SpendSlice, SpendSource } from './sources.js';

/** Budgets at or above this share of their limit are "near their limit". */
export const NEAR_LIMIT_PCT = 80;
/** Items listed per section of the savings, policies, anomalies and movers views. */
export const TOP_ITEMS = 10;

export interface ViewOptions {
  period: Period;
  /** What deltas are against (default: the previous period of equal length). */
  compare?: Period;
  /** The dimension of a spend view (default the source's). */
  by?: string;
  /** The drill-down path (spend views). */
  path?: DrillStep[];
  now?: Date;
  /**
   * Items listed in the savings, policies and anomalies views (default TOP_ITEMS, what the static outputs print); the
   * interactive view asks for all of them, its lists scroll.
   */
  items?: number;
}

export interface ReportOptions extends Omit<ViewOptions, 'by' | 'path'> {
  views: readonly View[];
  by?: string;
  path?: DrillStep[];
}

export async function buildReport(store: Store, sources: ReportSources, o: ReportOptions): Promise<Report> {
  const compare = o.compare ?? previousPeriod(o.period);
  const views: ReportViews = {};
  for (const v of VIEWS) {
    if (!o.views.includes(v)) continue;
    const spend = v === 'llm' || v === 'cloud';
    // --by and a path apply to the one spend view asked for; with both, each keeps its default cut
    const single = o.views.filter((x) => x === 'llm' || x === 'cloud').length === 1;
    const built = await buildView(store, sources, v, {
      ...o,
      compare,
      by: spend && single ? o.by : undefined,
      path: spend && single ? o.path : undefined,
    });
    if (built) (views as Record<string, unknown>)[v] = built;
  }
  return {
    format: REPORT_FORMAT,
    generatedAt: (o.now ?? new Date()).toISOString(),
    period: o.period,
    comparison: { kind: o.compare ? 'period' : 'previous', period: compare, file: null },
    views,
  };
}

/** One view; undefined when its wing's source was not passed in. */
export async function buildView(
  store: Store,
  sources: ReportSources,
  view: View,
  o: ViewOptions,
): Promise<ReportViews[View] | undefined> {
  const compare = o.compare ?? previousPeriod(o.period);
  switch (view) {
    case 'llm': {
      const src = sources.llm;
      if (!src) return undefined;
      const { extra: _extra, ...spend } = await spendView(store, src, { ...o, compare });
      const now = o.now ?? new Date();
      const budgets = (await src.budgets(store, now)).map((b) => ({ ...b, nearLimit: b.usedPct >= NEAR_LIMIT_PCT }));
      return { view: 'llm', ...spend, budgets } satisfies LlmView;
    }
    case 'cloud': {
      const src = sources.cloud;
      if (!src) return undefined;
      const weeks = moverWeeks(o.period);
      const { extra, ...spend } = await spendView(store, src, { ...o, compare }, weeks);
      const daily = extra.totalDaily ?? (await src.daily(store, o.period, null, spend.path));
      const byDay = new Map(daily.map((d) => [d.day, d.costUsd]));
      const [lastWeek, previousWeek] = extra.also
        ? extra.also
        : await Promise.all(weeks.map((w) => src.summary(store, w, spend.by, spend.path)));
      return {
        view: 'cloud',
        ...spend,
        daily: daysOf(o.period).map((day) => ({ day, costUsd: byDay.has(day) ? byDay.get(day)! : '0' })),
        movers: movers(lastWeek!, previousWeek!),
        missingRates: extra.missingRates ?? (await src.missingRates?.(store, o.period)) ?? [],
      } satisfies CloudView;
    }
    case 'savings':
      return savingsView(store, o.items ?? TOP_ITEMS);
    case 'policies':
      return policiesView(store, o.items ?? TOP_ITEMS);
    case 'anomalies':
      return anomaliesView(store, o.period, o.items ?? TOP_ITEMS);
    case 'backups': {
      if (!sources.backups) return undefined;
      return {
        view: 'backups',
        ...(await sources.backups.status(store, o.period, o.now ?? new Date())),
      } satisfies BackupsView;
    }
  }
}

/** The dimension and next level of a spend view, its path checked against the source's drill-down levels. */
export function drillLevel(
  src: SpendSource,
  by: string | undefined,
  path: DrillStep[] = [],
): { by: string; next: string | null } {
  const known = (d: string) =>
    src.dimensions.includes(d) || (d.startsWith('tag:') && src.dimensions.includes('tag:KEY'));
  for (const step of path) {
    if (!known(step.by))
      throw new UsageError(`cannot drill into "${step.by}"`, {
        hint: `Use one of ${src.dimensions.join(', ')}.`,
        details: { flag: 'where' },
      });
  }
  const last = path[path.length - 1];
  const below = last ? src.drill[src.drill.indexOf(last.by) + 1] : undefined;
  const chosen = by ?? below ?? (last ? undefined : src.defaultBy);
  if (chosen === undefined)
    throw new UsageError(`${last!.by} is the last drill-down level here`, {
      hint: 'Pick a dimension with --by.',
      details: { flag: 'by' },
    });
  if (!known(chosen))
    throw new UsageError(`--by must be one of ${src.dimensions.join(', ')} (got "${chosen}")`, {
      details: { flag: 'by' },
    });
  const i = src.drill.indexOf(chosen);
  return { by: chosen, next: i >= 0 ? (src.drill[i + 1] ?? null) : null };
}

/**
 * A spend view's rows and total; `extra` carries what the source read in the same pass: the slices of `also`, the
 * whole slice's daily series and the currencies without a rate (each absent when the source does not read it so).
 */
async function spendView(
  store: Store,
  src: SpendSource,
  o: ViewOptions & { compare: Period },
  also: Period[] = [],
): Promise<
  Omit<LlmView, 'view' | 'budgets'> & {
    extra: {
      also?: SpendSlice[];
      totalDaily?: Array<{ day: string; costUsd: string | null }>;
      missingRates?: string[];
    };
  }
> {
  const path = o.path ?? [];
  const { by, next } = drillLevel(src, o.by, path);
  const {
    now,
    before,
    daily,
    totalDaily,
    also: alsoSlices,
    missingRates,
  } = src.spend
    ? await src.spend(store, o.period, o.compare, by, path, also)
    : await Promise.all([
        src.summary(store, o.period, by, path),
        src.summary(store, o.compare, by, path),
        src.daily(store, o.period, by, path),
      ]).then(([now, before, daily]) => ({
        now,
        before,
        daily,
        totalDaily: undefined,
        also: undefined,
        missingRates: undefined,
      }));
  const days = daysOf(o.period);
  const previous = new Map(before.rows.map((r) => [keyOf(r.key), r.costUsd]));
  const trends = new Map<string, Map<string, string | null>>();
  for (const d of daily) {
    const k = keyOf(d.key);
    (trends.get(k) ?? trends.set(k, new Map()).get(k)!).set(d.day, d.costUsd);
  }
  const noTrend = src.noTrend?.includes(by) ?? false;
  const trendOf = (k: string | null) => {
    if (noTrend) return days.map(() => null);
    const t = trends.get(keyOf(k));
    return days.map((day) => (t?.has(day) ? t.get(day)! : '0'));
  };
  const totalByDay = totalDaily && new Map(totalDaily.map((d) => [d.day, d.costUsd]));
  const totalTrend = noTrend
    ? days.map(() => null)
    : totalByDay
      ? days.map((day) => (totalByDay.has(day) ? totalByDay.get(day)! : '0'))
      : days.map((day) => sumKnown([...trends.values()].map((t) => t.get(day) ?? '0')));
  const rows = now.rows
    .map((r) => spendRow(r, previous.has(keyOf(r.key)) ? previous.get(keyOf(r.key))! : '0', trendOf(r.key)))
    .sort((a, b) => compareUsdDesc(a.costUsd, b.costUsd) || String(a.key).localeCompare(String(b.key)));
  const total = spendRow({ key: null, ...now.total }, before.total.costUsd, totalTrend);
  const { key: _key, ...totalFields } = total;
  return {
    by,
    path,
    next,
    rows,
    total: totalFields,
    extra: {
      also: alsoSlices?.length === also.length ? alsoSlices : undefined,
      totalDaily: totalDaily?.map((d) => ({ day: d.day, costUsd: d.costUsd })),
      missingRates,
    },
  };
}

function spendRow(r: SpendLine, previousCostUsd: string | null, trend: Array<string | null>): SpendRow {
  const d = delta(r.costUsd, previousCostUsd);
  return {
    key: r.key,
    costUsd: r.costUsd,
    byCurrency: r.byCurrency,
    requests: r.requests ?? null,
    unpricedRequests: r.unpricedRequests ?? null,
    previousCostUsd,
    deltaUsd: d.usd,
    deltaPct: d.pct,
    trend,
  };
}

/** Signed change and its percentage; unknown when either side is unknown, no percentage from 0. */
export function delta(now: string | null, before: string | null): { usd: string | null; pct: string | null } {
  if (now === null || before === null) return { usd: null, pct: null };
  const change = money(now).minus(before);
  const base = money(before);
  return {
    usd: change.toFixed(),
    pct: base.isZero() ? null : change.div(base).times(100).toDecimalPlaces(2).toFixed(),
  };
}

function keyOf(k: string | null): string {
  return k === null ? '\u0000null' : k;
}

function sumKnown(values: Array<string | null>): string | null {
  let s: Money = money(0);
  for (const v of values) {
    if (v === null) return null;
    s = s.plus(v);
  }
  return s.toFixed();
}

function compareUsdDesc(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return money(b).comparedTo(money(a));
}

/** Week over week: the last 7 days of the period and the 7 before. */
function moverWeeks(p: Period): [Period, Period] {
  const lastWeek = period(p.days >= 7 ? daysOf(p).at(-7)! : p.from, p.to);
  return [lastWeek, previousPeriod(lastWeek)];
}

/** The keys whose spend changed between the two weeks, largest absolute change first. */
function movers(a: SpendSlice, b: SpendSlice): Mover[] {
  const prev = new Map(b.rows.map((r) => [keyOf(r.key), r.costUsd]));
  const keys = new Map<string, string | null>();
  for (const r of [...a.rows, ...b.rows]) keys.set(keyOf(r.key), r.key);
  const now = new Map(a.rows.map((r) => [keyOf(r.key), r.costUsd]));
  return [...keys.entries()]
    .map(([k, key]) => {
      const lastWeekUsd = now.has(k) ? now.get(k)! : '0';
      const previousWeekUsd = prev.has(k) ? prev.get(k)! : '0';
      return { key, previousWeekUsd, lastWeekUsd, deltaUsd: delta(lastWeekUsd, previousWeekUsd).usd };
    })
    .filter((m) => m.deltaUsd !== '0')
    .sort((x, y) => compareUsdDesc(abs(x.deltaUsd), abs(y.deltaUsd)) || String(x.key).localeCompare(String(y.key)))
    .slice(0, TOP_ITEMS);
}

function abs(v: string | null): string | null {
  return v === null ? null : money(v).abs().toFixed();
}

async function savingsView(store: Store, items: number): Promise<SavingsView> {
  const recs = await listRecommendations(store, { statuses: ['open'] });
  const sums = new Map<string, Money>();
  let unknown = 0;
  for (const r of recs) {
    if (r.monthlySavings === null) unknown++;
    else sums.set(r.currency, (sums.get(r.currency) ?? money(0)).plus(r.monthlySavings));
  }
  return {
    view: 'savings',
    open: recs.length,
    monthlySavings: [...sums.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, m]) => ({ currency, amount: m.toFixed() })),
    unknownSavings: unknown,
    top: recs.slice(0, items).map((r) => ({
      id: r.id,
      title: r.title,
      provider: r.provider,
      action: r.action,
      currency: r.currency,
      monthlySavings: r.monthlySavings,
    })),
  };
}

async function policiesView(store: Store, items: number): Promise<PoliciesView> {
  const open = await openViolations(store);
  return {
    view: 'policies',
    open: open.length,
    bySeverity: [...SEVERITIES].reverse().map((severity) => ({
      severity,
      open: open.filter((v) => v.severity === severity).length,
    })),
    top: open.slice(0, items).map((v) => ({
      id: v.id,
      policy: v.policy,
      severity: v.severity,
      subject: v.subject,
      message: v.message,
      openedAt: v.openedAt,
    })),
  };
}

async function anomaliesView(store: Store, p: Period, items: number): Promise<AnomaliesView> {
  const found = await listAnomalies(store, { since: p.from });
  return {
    view: 'anomalies',
    recent: found
      .filter((a) => a.firstDay < p.to)
      .slice(0, items)
      .map((a) => ({
        id: a.id,
        domain: a.domain,
        kind: a.kind,
        series: Object.values(a.labels).filter(Boolean).join(' / '),
        firstDay: a.firstDay,
        lastDay: a.lastDay,
        currency: a.currency,
        actual: a.actual,
        expected: a.expected,
        impact: a.impact,
      })),
  };
}

/** The last drill-down level of the LLM view: the calls themselves, keyset-paged. */
export async function recentRequests(
  store: Store,
  sources: ReportSources,
  path: DrillStep[],
  page: { limit: number; cursor?: string },
): Promise<RecentPage> {
  if (!sources.llm) throw new UsageError('recent requests need the LLM view');
  return sources.llm.recent(store, path, page);
}
