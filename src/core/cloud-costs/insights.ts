/**
 * The cloud-costs wing's insight table (`oco insights`, docs/insights.md), each over the daily
 * rollup cloud_costs_daily (effective cost, per billing currency, summed exactly in SQL) or the
 * ingest run records, never the cost rows:
 * - top-mover: the services whose cost moved most between the last 7 complete days and the 7 before;
 * - untagged-share: each provider's share of cost without any tag, where its sources store tags;
 * - stale-ingest: a configured provider whose last successful ingest is older than
 *   insights.staleIngestHours (or never happened).
 * Commitment coverage comes from the commitment-coverage recommendations (base/insights): which
 * usage a commitment covers is in the cost rows' FOCUS columns, which the rollup does not keep.
 */
import { money, type Money } from '../base/money.js';
import {
  DAY_MS,
  dayOf,
  dayStart,
  type Insight,
  type InsightContext,
  type InsightSource,
} from '../base/insights/model.js';
import type { Store } from '../base/store/types.js';
import { PROVIDERS } from './model.js';
import { CONFIGURED } from './providers/configured.js';

const setting = (ctx: InsightContext, key: string) => Number(ctx.setting(key));

const addDays = (day: string, n: number) => dayOf(new Date(Date.parse(dayStart(day)) + n * DAY_MS));

/** The last whole day of the window: the day before `to` (exclusive), and never today (still being billed). */
function lastDay(ctx: InsightContext): string {
  return dayOf(new Date(Math.min(ctx.to.getTime() - 1, Date.parse(dayStart(dayOf(ctx.now))) - DAY_MS)));
}

function percent(part: Money, whole: Money): string | null {
  return whole.isZero() ? null : part.dividedBy(whole).times(100).toDecimalPlaces(2).toFixed();
}

export const topMovers: InsightSource = {
  kind: 'top-mover',
  domain: 'cloud',
  description:
    'The insights.topMovers services (per provider and currency) whose effective cost moved most between ' +
    'the last 7 days with data (ending at the window’s end) and the 7 before; a warning for a rise of half ' +
    'or more, or a new cost.',
  async evaluate(store: Store, ctx: InsightContext): Promise<Insight[]> {
    const d = store.dialect;
    // The last day with data at all: days not ingested yet are no drop to zero.
    const latest = await store.get<{ day: string | null }>(
      `SELECT ${d.dateText('MAX(usage_date)')} AS day FROM cloud_costs_daily WHERE usage_date <= $1`,
      [lastDay(ctx)],
    );
    if (!latest?.day) return [];
    const end = latest.day;
    const weekStart = addDays(end, -6);
    const prevStart = addDays(end, -13);
    const rows = await store.all<{
      provider: string;
      service: string | null;
      currency: string;
      now: string | null;
      before: string | null;
    }>(
      `SELECT provider, service_name AS service, billing_currency AS currency,
         ${d.sumMoney('CASE WHEN usage_date >= $2 THEN effective_cost END')} AS now,
         ${d.sumMoney('CASE WHEN usage_date < $2 THEN effective_cost END')} AS before
       FROM cloud_costs_daily WHERE usage_date >= $1 AND usage_date <= $3
       GROUP BY provider, service_name, billing_currency`,
      [prevStart, weekStart, end],
    );
    const top = setting(ctx, 'insights.topMovers');
    return rows
      .map((r) => {
        const now = money(r.now ?? 0);
        const before = money(r.before ?? 0);
        return { ...r, service: r.service ?? '(none)', now, before, change: now.minus(before) };
      })
      .filter((r) => !r.change.isZero())
      .sort(
        (a, b) =>
          b.change.abs().comparedTo(a.change.abs()) ||
          `${a.provider}/${a.service}`.localeCompare(`${b.provider}/${b.service}`),
      )
      .slice(0, top)
      .map((r): Insight => {
        const changePercent = percent(r.change, r.before);
        const rise = r.change.isPositive();
        return {
          id: `top-mover:${r.provider}/${r.service}/${r.currency}:${end}`,
          domain: 'cloud',
          kind: 'top-mover',
          severity: rise && (r.before.isZero() || r.change.gte(r.before.dividedBy(2))) ? 'warning' : 'info',
          title:
            `${r.provider} ${r.service} ${rise ? 'up' : 'down'} ${r.change.abs().toFixed()} ${r.currency} ` +
            `week over week` +
            (changePercent === null ? ' (new)' : ` (${rise ? '+' : ''}${changePercent}%)`),
          impact: r.change.toFixed(),
          currency: r.currency,
          numbers: {
            provider: r.provider,
            service: r.service,
            thisWeek: r.now.toFixed(),
            lastWeek: r.before.toFixed(),
            change: r.change.toFixed(),
            changePercent,
          },
          period: { from: dayStart(prevStart), to: dayStart(addDays(end, 1)) },
          action: `oco costs summary --by service --provider ${r.provider} --from ${prevStart} --to ${end}`,
        };
      });
  },
};

const UNTAGGED = `(tags IS NULL OR tags = '{}')`;

export const untaggedShare: InsightSource = {
  kind: 'untagged-share',
  domain: 'cloud',
  description:
    'Each provider’s share of effective cost carrying no tag in the window, at or above ' +
    'optimize.untaggedMinPercent; only sources that store tags at all are counted (a warning from half).',
  async evaluate(store: Store, ctx: InsightContext): Promise<Insight[]> {
    const first = dayOf(ctx.from);
    const last = lastDay(ctx);
    if (last < first) return [];
    const d = store.dialect;
    const rows = await store.all<{
      source: string;
      provider: string;
      currency: string;
      total: string | null;
      untagged: string | null;
      tagged_rows: unknown;
    }>(
      `SELECT source, provider, billing_currency AS currency, ${d.sumMoney('effective_cost')} AS total,
         ${d.sumMoney(`CASE WHEN ${UNTAGGED} THEN effective_cost END`)} AS untagged,
         SUM(CASE WHEN ${UNTAGGED} THEN 0 ELSE 1 END) AS tagged_rows
       FROM cloud_costs_daily WHERE usage_date >= $1 AND usage_date <= $2
       GROUP BY source, provider, billing_currency`,
      [first, last],
    );
    // A source never asked for tags would look untagged throughout: only sources with some tagged cost count.
    const tagging = new Set(rows.filter((r) => Number(r.tagged_rows) > 0).map((r) => r.source));
    const byProvider = new Map<string, { provider: string; currency: string; total: Money; untagged: Money }>();
    for (const r of rows) {
      if (!tagging.has(r.source)) continue;
      const k = `${r.provider}\u0000${r.currency}`;
      const a = byProvider.get(k) ?? {
        provider: r.provider,
        currency: r.currency,
        total: money(0),
        untagged: money(0),
      };
      a.total = a.total.plus(r.total ?? 0);
      a.untagged = a.untagged.plus(r.untagged ?? 0);
      byProvider.set(k, a);
    }
    const minPercent = setting(ctx, 'optimize.untaggedMinPercent');
    const out: Insight[] = [];
    for (const a of byProvider.values()) {
      const share = percent(a.untagged, a.total);
      if (share === null || !a.untagged.isPositive() || money(share).lt(minPercent)) continue;
      out.push({
        id: `untagged-share:${a.provider}/${a.currency}`,
        domain: 'cloud',
        kind: 'untagged-share',
        severity: money(share).gte(50) ? 'warning' : 'info',
        title:
          `${share}% of ${a.provider} cost is untagged ` +
          `(${a.untagged.toFixed()} of ${a.total.toFixed()} ${a.currency})`,
        impact: a.untagged.toFixed(),
        currency: a.currency,
        numbers: {
          provider: a.provider,
          untaggedCost: a.untagged.toFixed(),
          totalCost: a.total.toFixed(),
          untaggedPercent: share,
        },
        period: { from: dayStart(first), to: dayStart(addDays(last, 1)) },
        action: `oco costs summary --by account --provider ${a.provider} --from ${first} --to ${last}`,
      });
    }
    return out;
  },
};

function iso(v: string | Date | null): string | null {
  if (v === null) return null;
  return typeof v === 'string' ? new Date(v).toISOString() : v.toISOString();
}

export const staleIngests: InsightSource = {
  kind: 'stale-ingest',
  domain: 'cloud',
  description:
    'A configured cloud provider whose last successful ingest finished more than insights.staleIngestHours ' +
    'ago (warning), or that never had one (critical).',
  async evaluate(store: Store, ctx: InsightContext): Promise<Insight[]> {
    if (!ctx.config) return [];
    const maxHours = setting(ctx, 'insights.staleIngestHours');
    const out: Insight[] = [];
    for (const p of PROVIDERS) {
      if (!CONFIGURED[p](ctx.config).configured) continue;
      // (source, started_at) index: a provider's runs, newest first.
      const ok = await store.get<{ finished_at: string | Date | null }>(
        `SELECT finished_at FROM ingest_runs WHERE source = $1 AND status = 'succeeded'
         ORDER BY started_at DESC LIMIT 1`,
        [p],
      );
      const last = await store.get<{ status: string }>(
        'SELECT status FROM ingest_runs WHERE source = $1 ORDER BY started_at DESC LIMIT 1',
        [p],
      );
      const at = iso(ok?.finished_at ?? null);
      const ageHours = at === null ? null : Math.floor((ctx.now.getTime() - Date.parse(at)) / 3_600_000);
      if (ageHours !== null && ageHours <= maxHours) continue;
      out.push({
        id: `stale-ingest:${p}`,
        domain: 'cloud',
        kind: 'stale-ingest',
        severity: at === null ? 'critical' : 'warning',
        title:
          at === null
            ? `${p} is configured but its costs were never ingested`
            : `${p} costs were last ingested ${ageHours} hours ago (more than ${maxHours})`,
        impact: null,
        currency: null,
        numbers: {
          provider: p,
          lastSuccessAt: at,
          ageHours,
          maxAgeHours: maxHours,
          lastRunStatus: last?.status ?? null,
        },
        period: { from: at ?? ctx.from.toISOString(), to: ctx.now.toISOString() },
        action: `oco costs ingest --${p}`,
      });
    }
    return out;
  },
};

/** The cloud-costs wing's insight table. */
export const CLOUD_INSIGHTS: readonly InsightSource[] = [topMovers, untaggedShare, staleIngests];
