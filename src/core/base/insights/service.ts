/**
 * `oco insights` and `GET /api/v1/insights`: every insight function of the tables the caller
 * passes in (the gateway's, the cloud-costs wing's, the anomaly and recommendation ones) over one
 * window, filtered by domain and minimum impact, largest money impact first, unknown last. The
 * window comes from the same options on both surfaces (`parseInsightQuery`), so the command and the
 * admin API return the same document.
 */
import { UsageError } from '../errors.js';
import { parseSpanSeconds } from '../durations.js';
import { money, type Money } from '../money.js';
import type { Store } from '../store/types.js';
import {
  SEVERITIES,
  type Insight,
  type InsightContext,
  type InsightDomain,
  type InsightSource,
  type Severity,
} from './model.js';

export interface InsightQuery {
  from: Date;
  to: Date;
  domain?: InsightDomain;
  /** Leaves out insights whose known impact is below this (those of unknown impact stay: unknown is not small). */
  minImpact?: Money;
}

export interface InsightReport {
  from: string;
  to: string;
  domain: InsightDomain | null;
  minImpact: string | null;
  counts: Record<Severity, number>;
  insights: Insight[];
}

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Largest |impact| first, unknown last; then the more severe, then by id (a stable order). */
export function byImpact(a: Insight, b: Insight): number {
  if ((a.impact === null) !== (b.impact === null)) return a.impact === null ? 1 : -1;
  const m = a.impact === null ? 0 : money(b.impact!).abs().comparedTo(money(a.impact).abs());
  return m || RANK[a.severity] - RANK[b.severity] || a.id.localeCompare(b.id);
}

export async function insightReport(
  store: Store,
  sources: readonly InsightSource[],
  q: InsightQuery,
  ctx: Omit<InsightContext, 'from' | 'to'>,
): Promise<InsightReport> {
  const full: InsightContext = { ...ctx, from: q.from, to: q.to };
  const found: Insight[] = [];
  // One after another: the store may be one SQLite connection, and each source is a few rollup queries.
  for (const s of sources) found.push(...(await s.evaluate(store, full)));
  const insights = found
    .filter((i) => !q.domain || i.domain === q.domain)
    .filter((i) => !q.minImpact || i.impact === null || money(i.impact).abs().gte(q.minImpact))
    .sort(byImpact);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const i of insights) counts[i.severity]++;
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    domain: q.domain ?? null,
    minImpact: q.minImpact?.toFixed() ?? null,
    counts,
    insights,
  };
}

/** The options as given: flags on the command line, query parameters on the admin API. */
export interface InsightParams {
  since?: string | null;
  from?: string | null;
  to?: string | null;
  domain?: string | null;
  minImpact?: string | null;
}

/** How each option is spelled where it came from, for errors that name it (`--min-impact`, `min_impact`). */
export type ParamNames = Record<keyof InsightParams, string>;

export const FLAG_NAMES: ParamNames = {
  since: '--since',
  from: '--from',
  to: '--to',
  domain: '--domain',
  minImpact: '--min-impact',
};

export const DEFAULT_SINCE = '30d';

function instant(text: string, name: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00.000Z`) : new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime()))
    throw new UsageError(`${name} must be an ISO-8601 date or time such as 2026-11-01 (got "${text}")`);
  return d;
}

/** Checks and resolves the options; every error names the option as it was spelled. */
export function parseInsightQuery(p: InsightParams, names: ParamNames, now: Date): InsightQuery {
  const given = (v: string | null | undefined): v is string => v !== undefined && v !== null && v !== '';
  if (given(p.since) && (given(p.from) || given(p.to)))
    throw new UsageError(`${names.since} cannot be combined with ${names.from}/${names.to}`);
  let from: Date;
  let to: Date;
  if (given(p.from) || given(p.to)) {
    to = given(p.to) ? instant(p.to, names.to) : now;
    if (!given(p.from)) throw new UsageError(`${names.to} needs ${names.from}`);
    from = instant(p.from, names.from);
  } else {
    const since = given(p.since) ? p.since : DEFAULT_SINCE;
    const seconds = parseSpanSeconds(since);
    if (seconds === undefined || seconds <= 0)
      throw new UsageError(`${names.since} must be a span back from now such as 30d, 8w or 12h (got "${since}")`);
    to = now;
    from = new Date(now.getTime() - seconds * 1000);
  }
  if (from >= to)
    throw new UsageError(`${names.from} (${from.toISOString()}) must be before ${names.to} (${to.toISOString()})`);
  let domain: InsightDomain | undefined;
  if (given(p.domain)) {
    if (p.domain !== 'llm' && p.domain !== 'cloud')
      throw new UsageError(`${names.domain} must be llm or cloud (got "${p.domain}")`);
    domain = p.domain;
  }
  let minImpact: Money | undefined;
  if (given(p.minImpact)) {
    if (!/^\d+(\.\d+)?$/.test(p.minImpact))
      throw new UsageError(
        `${names.minImpact} must be a non-negative amount such as 50 or 12.5 (got "${p.minImpact}")`,
      );
    minImpact = money(p.minImpact);
  }
  return { from, to, domain, minImpact };
}
