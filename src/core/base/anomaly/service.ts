/**
 * `oco anomalies`: daily series from every source the caller passes in (the cloud-costs wing's
 * per provider/account/service, the gateway wing's per team/agent/model), each judged by
 * detect.ts, each anomaly stored once in cost_anomalies and updated while it lasts. Sources are
 * injected by the command and the daemon, so this module knows no wing's tables.
 */
import { randomUUID } from 'node:crypto';
import { money, type Money } from '../money.js';
import type { Queryable, Store } from '../store/types.js';
import { BASELINE_DAYS, dayAfter, detectAnomalies, type AnomalyKind, type SeriesPoint } from './detect.js';

export type AnomalyDomain = 'cloud' | 'llm';

/** One daily series of cost. */
export interface CostSeries {
  domain: AnomalyDomain;
  /** What the series is cut by: `service` (cloud: provider/account/service), `team`, `agent`, `model`. */
  dimension: string;
  /** The labels naming the series, e.g. { provider: 'aws', account: '1234', service: 'Amazon EC2' }. */
  labels: Record<string, string>;
  currency: string;
  points: SeriesPoint[];
}

/** Where series come from: each wing offers one, over [from, to] inclusive UTC days. */
export type SeriesSource = (store: Store, from: string, to: string) => Promise<CostSeries[]>;

export interface Anomaly {
  id: string;
  domain: AnomalyDomain;
  dimension: string;
  labels: Record<string, string>;
  kind: AnomalyKind;
  firstDay: string;
  lastDay: string;
  currency: string;
  actual: string;
  expected: string;
  impact: string;
  score: number | null;
  detectedAt: string;
  updatedAt: string;
  notifiedAt: string | null;
}

export interface CheckOptions {
  /** First day judged (YYYY-MM-DD); the 28 days before it feed the baseline. */
  from: string;
  /** Last day judged: yesterday at the latest, since today is still being billed. */
  to: string;
  minImpact: Money;
  now?: Date;
}

export interface CheckResult {
  from: string;
  to: string;
  seriesChecked: number;
  /** Every anomaly found in the window, new ones and those already stored (updated). */
  anomalies: Array<Anomaly & { new: boolean }>;
}

/** The key one series is stored under: domain, dimension and labels in a fixed order. */
export function seriesKey(s: Pick<CostSeries, 'domain' | 'dimension' | 'labels' | 'currency'>): string {
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${s.labels[k]}`)
    .join('|');
  return `${s.domain}:${s.dimension}:${labels}:${s.currency}`;
}

/** Judges every series of every source over the window and stores what it finds (one row per anomaly). */
export async function checkAnomalies(store: Store, sources: SeriesSource[], o: CheckOptions): Promise<CheckResult> {
  const now = o.now ?? new Date();
  const historyFrom = dayAfter(o.from, -BASELINE_DAYS);
  const all = (await Promise.all(sources.map((s) => s(store, historyFrom, o.to)))).flat();
  const found: CheckResult['anomalies'] = [];
  for (const s of all) {
    const points = s.points.filter((p) => p.day <= o.to);
    for (const a of detectAnomalies(points, { minImpact: o.minImpact, from: o.from })) {
      found.push(await upsert(store, s, a, now));
    }
  }
  found.sort((a, b) => b.lastDay.localeCompare(a.lastDay) || money(b.impact).abs().comparedTo(money(a.impact).abs()));
  return { from: o.from, to: o.to, seriesChecked: all.length, anomalies: found };
}

async function upsert(
  store: Store,
  s: CostSeries,
  a: ReturnType<typeof detectAnomalies>[number],
  now: Date,
): Promise<Anomaly & { new: boolean }> {
  const key = seriesKey(s);
  const figures = [a.actual.toFixed(), a.expected.toFixed(), a.impact.toFixed(), score(a.score)];
  return store.transaction(async (tx) => {
    const existing = await tx.get<{ id: string }>(
      'SELECT id FROM cost_anomalies WHERE series_key = $1 AND kind = $2 AND first_day = $3',
      [key, a.kind, a.firstDay],
    );
    if (existing) {
      await tx.run(
        `UPDATE cost_anomalies SET last_day = $1, actual = $2, expected = $3, impact = $4, score = $5, updated_at = $6
         WHERE id = $7`,
        [a.lastDay, ...figures, now, existing.id],
      );
      return { ...(await byId(tx, existing.id))!, new: false };
    }
    const id = `anm_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    await tx.run(
      `INSERT INTO cost_anomalies (id, domain, dimension, series_key, labels, kind, first_day, last_day, currency,
         actual, expected, impact, score, detected_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
      [id, s.domain, s.dimension, key, s.labels, a.kind, a.firstDay, a.lastDay, s.currency, ...figures, now],
    );
    return { ...(await byId(tx, id))!, new: true };
  });
}

function score(v: number | null): string | null {
  return v === null ? null : String(v);
}

type AnomalyRow = {
  id: string;
  domain: AnomalyDomain;
  dimension: string;
  labels: string | Record<string, string>;
  kind: AnomalyKind;
  first_day: string | Date;
  last_day: string | Date;
  currency: string;
  actual: string;
  expected: string;
  impact: string;
  score: string | null;
  detected_at: string | Date;
  updated_at: string | Date;
  notified_at: string | Date | null;
};

const COLUMNS =
  'id, domain, dimension, labels, kind, first_day, last_day, currency, actual, expected, impact, score,' +
  ' detected_at, updated_at, notified_at';

function dayText(v: string | Date): string {
  return typeof v === 'string' ? v.slice(0, 10) : v.toISOString().slice(0, 10);
}

function tsText(v: string | Date): string {
  return typeof v === 'string' ? v : v.toISOString();
}

/** Labels in the order they are read (PostgreSQL's JSONB keeps its own key order). */
const LABEL_ORDER = ['provider', 'account', 'service', 'team', 'agent', 'model'];

function ordered(labels: Record<string, string>): Record<string, string> {
  const rank = (k: string) => (LABEL_ORDER.includes(k) ? LABEL_ORDER.indexOf(k) : LABEL_ORDER.length);
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)));
}

function fromRow(r: AnomalyRow): Anomaly {
  return {
    id: r.id,
    domain: r.domain,
    dimension: r.dimension,
    labels: ordered(typeof r.labels === 'string' ? (JSON.parse(r.labels) as Record<string, string>) : r.labels),
    kind: r.kind,
    firstDay: dayText(r.first_day),
    lastDay: dayText(r.last_day),
    currency: r.currency,
    actual: money(r.actual).toFixed(),
    expected: money(r.expected).toFixed(),
    impact: money(r.impact).toFixed(),
    score: r.score === null ? null : Number(r.score),
    detectedAt: tsText(r.detected_at),
    updatedAt: tsText(r.updated_at),
    notifiedAt: r.notified_at === null ? null : tsText(r.notified_at),
  };
}

async function byId(q: Queryable, id: string): Promise<Anomaly | undefined> {
  const r = await q.get<AnomalyRow>(`SELECT ${COLUMNS} FROM cost_anomalies WHERE id = $1`, [id]);
  return r ? fromRow(r) : undefined;
}

/** Stored anomalies whose last day is on or after `since`, newest first. */
export async function listAnomalies(
  q: Queryable,
  filter: { since: string; domain?: AnomalyDomain; minImpact?: Money },
): Promise<Anomaly[]> {
  const rows = await q.all<AnomalyRow>(
    `SELECT ${COLUMNS} FROM cost_anomalies WHERE last_day >= $1 ${filter.domain ? 'AND domain = $2' : ''}
     ORDER BY last_day DESC, first_day DESC, id`,
    filter.domain ? [filter.since, filter.domain] : [filter.since],
  );
  const min = filter.minImpact;
  return rows.map(fromRow).filter((a) => !min || money(a.impact).abs().gte(min));
}

/** Anomalies not yet sent to the webhook (each is sent once). */
export async function unnotified(q: Queryable): Promise<Anomaly[]> {
  const rows = await q.all<AnomalyRow>(
    `SELECT ${COLUMNS} FROM cost_anomalies WHERE notified_at IS NULL ORDER BY detected_at, id`,
  );
  return rows.map(fromRow);
}

export async function markNotified(q: Queryable, id: string, at = new Date()): Promise<void> {
  await q.run('UPDATE cost_anomalies SET notified_at = $1 WHERE id = $2', [at, id]);
}

export interface ReportOptions {
  /** First day judged and shown (YYYY-MM-DD). */
  since: string;
  minImpact: Money;
  domain?: AnomalyDomain;
  now?: Date;
}

/**
 * What `oco anomalies` shows: the window is judged again (new data, restated days), then every
 * anomaly that touches it, at or above the minimum impact. The window ends yesterday: today is
 * still being billed, and half a day is no anomaly.
 */
export async function anomalyReport(store: Store, sources: SeriesSource[], o: ReportOptions): Promise<CheckResult> {
  const today = (o.now ?? new Date()).toISOString().slice(0, 10);
  const to = dayAfter(today, -1);
  const r = await checkAnomalies(store, sources, { from: o.since, to, minImpact: o.minImpact, now: o.now });
  return { ...r, anomalies: r.anomalies.filter((a) => !o.domain || a.domain === o.domain) };
}
