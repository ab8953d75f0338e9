import { UsageError } from '../../base/errors.js';
import { money, type Money } from '../../base/money.js';
import type { Notice } from '../../base/notify/notice.js';
import type { Queryable } from '../../base/store/types.js';
import { listBudgets } from '../spend/repo.js';
import { budgetStatuses } from '../spend/service.js';
import { isValidTimezone, localParts, startOfLocalDay } from '../spend/period.js';

/**
 * The weekly spend digest: last week's LLM spend by team and by model (the seven whole UTC days before today, from
 * usage_daily), the top movers against the week before, and the budgets at 80 % or more of their limit now.
 */
export const NEAR_LIMIT_PCT = 80;
const TOP = 10;

export interface DigestLine {
  name: string;
  costUsd: string;
  previousUsd: string;
  changeUsd: string;
  /** null when the week before had no spend (a percent of nothing is not a number). */
  changePct: string | null;
}

export interface Digest {
  from: string;
  to: string;
  previousFrom: string;
  totalUsd: string;
  previousTotalUsd: string;
  /** Calls without a price last week: their cost is unknown and in no total. */
  unpricedCalls: number;
  byTeam: DigestLine[];
  byModel: DigestLine[];
  movers: Array<DigestLine & { dimension: 'team' | 'model' }>;
  budgetsNearLimit: Array<{
    id: string;
    name: string | null;
    scope: string;
    entityId: string;
    spentUsd: string;
    limitUsd: string;
    usedPct: number;
    resetsAt: string | null;
  }>;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function weekSums(q: Queryable, from: string, to: string) {
  const rows = await q.all<{ team_id: string; provider: string; model: string; s: string | null; u: unknown }>(
    `SELECT team_id, provider, model, ${q.dialect.sumMoney('cost_usd')} AS s, SUM(unpriced_requests) AS u
     FROM usage_daily WHERE day >= $1 AND day < $2 GROUP BY team_id, provider, model`,
    [from, to],
  );
  const team = new Map<string, Money>();
  const model = new Map<string, Money>();
  let total = money(0);
  let unpriced = 0;
  for (const r of rows) {
    const m = money(r.s ?? '0');
    const modelName = `${r.provider}/${r.model}`;
    team.set(r.team_id, (team.get(r.team_id) ?? money(0)).plus(m));
    model.set(modelName, (model.get(modelName) ?? money(0)).plus(m));
    total = total.plus(m);
    unpriced += Number(r.u ?? 0);
  }
  return { team, model, total, unpriced };
}

function lines(now: Map<string, Money>, before: Map<string, Money>): DigestLine[] {
  const names = new Set([...now.keys(), ...before.keys()]);
  return [...names].map((name) => {
    const c = now.get(name) ?? money(0);
    const p = before.get(name) ?? money(0);
    const change = c.minus(p);
    return {
      name,
      costUsd: c.toFixed(),
      previousUsd: p.toFixed(),
      changeUsd: change.toFixed(),
      changePct: p.isZero() ? null : change.div(p).times(100).toDecimalPlaces(1).toFixed(),
    };
  });
}

const byCost = (a: DigestLine, b: DigestLine) =>
  money(b.costUsd).comparedTo(money(a.costUsd)) || a.name.localeCompare(b.name);

export async function buildDigest(q: Queryable, now = new Date()): Promise<Digest> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = day(today - 7 * 86_400_000);
  const to = day(today);
  const previousFrom = day(today - 14 * 86_400_000);
  const cur = await weekSums(q, from, to);
  const prev = await weekSums(q, previousFrom, from);
  const teams = lines(cur.team, prev.team);
  const models = lines(cur.model, prev.model);
  const movers = [
    ...teams.map((l) => ({ ...l, dimension: 'team' as const })),
    ...models.map((l) => ({ ...l, dimension: 'model' as const })),
  ]
    .filter((l) => !money(l.changeUsd).isZero())
    .sort((a, b) => money(b.changeUsd).abs().comparedTo(money(a.changeUsd).abs()) || a.name.localeCompare(b.name))
    .slice(0, 5);
  const statuses = await budgetStatuses(q, await listBudgets(q), now);
  return {
    from,
    to,
    previousFrom,
    totalUsd: cur.total.toFixed(),
    previousTotalUsd: prev.total.toFixed(),
    unpricedCalls: cur.unpriced,
    byTeam: teams
      .filter((l) => !money(l.costUsd).isZero())
      .sort(byCost)
      .slice(0, TOP),
    byModel: models
      .filter((l) => !money(l.costUsd).isZero())
      .sort(byCost)
      .slice(0, TOP),
    movers,
    budgetsNearLimit: statuses
      .filter((s) => s.usedPct >= NEAR_LIMIT_PCT)
      .sort((a, b) => b.usedPct - a.usedPct)
      .map((s) => ({
        id: s.id,
        name: s.name,
        scope: s.scope,
        entityId: s.entityId,
        spentUsd: s.spentUsd,
        limitUsd: s.limitUsd,
        usedPct: s.usedPct,
        resetsAt: s.resetsAt,
      })),
  };
}

const signed = (v: string) => (v.startsWith('-') ? v : `+${v}`);

export function digestNotice(d: Digest): Notice {
  const change = money(d.totalUsd).minus(money(d.previousTotalUsd));
  return {
    event: 'digest.weekly',
    title: `LLM spend digest ${d.from} to ${day(Date.parse(d.to) - 86_400_000)}`,
    summary:
      `Last week's LLM spend was ${d.totalUsd} USD (${signed(change.toFixed())} USD against the week before)` +
      (d.unpricedCalls > 0 ? `, plus ${d.unpricedCalls} calls without a price (cost unknown).` : '.'),
    facts: [
      { label: 'Week', value: `${d.from} to ${day(Date.parse(d.to) - 86_400_000)} (UTC)` },
      { label: 'Spent', value: `${d.totalUsd} USD` },
      { label: 'Week before', value: `${d.previousTotalUsd} USD` },
      { label: 'Unpriced calls', value: d.unpricedCalls > 0 ? `${d.unpricedCalls} (cost unknown)` : '0' },
    ],
    tables: [
      {
        title: 'By team',
        columns: ['team', 'spent (USD)', 'change (USD)'],
        rows: d.byTeam.map((l) => [l.name || '(none)', l.costUsd, signed(l.changeUsd)]),
        empty: 'no LLM spend last week',
      },
      {
        title: 'By model',
        columns: ['model', 'spent (USD)', 'change (USD)'],
        rows: d.byModel.map((l) => [l.name, l.costUsd, signed(l.changeUsd)]),
        empty: 'no LLM spend last week',
      },
      {
        title: 'Top movers',
        columns: ['', 'change (USD)', 'change'],
        rows: d.movers.map((l) => [
          `${l.dimension} ${l.name || '(none)'}`,
          signed(l.changeUsd),
          l.changePct === null ? 'new' : `${signed(l.changePct)}%`,
        ]),
        empty: 'no change against the week before',
      },
      {
        title: `Budgets at ${NEAR_LIMIT_PCT}% or more`,
        columns: ['budget', 'spent / limit (USD)', 'used', 'resets'],
        rows: d.budgetsNearLimit.map((b) => [
          b.name ?? `${b.scope} ${b.entityId}`,
          `${b.spentUsd} / ${b.limitUsd}`,
          `${b.usedPct}%`,
          b.resetsAt ?? 'unknown',
        ]),
        empty: 'none',
      },
    ],
    payload: { type: 'digest.weekly', ...snake(d) },
  };
}

function snake(d: Digest): Record<string, unknown> {
  const k = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const conv = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(conv)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([a, b]) => [k(a), conv(b)]))
        : v;
  return conv(d) as Record<string, unknown>;
}

// ---------------------------------------------------------------- schedule

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

export interface DigestSchedule {
  every: (typeof WEEKDAYS)[number];
  at: string;
  timezone: string;
  destination: string | null;
  lastSentFor: string | null;
  createdAt: string;
}

function invalidDigest(field: string, message: string): UsageError {
  return new UsageError(`${field}: ${message}`, {
    code: 'OCO_ALERT_DESTINATION_INVALID',
    hint: 'See "oco alerts digest --help". Nothing was stored.',
    details: { field },
  });
}

export function parseDigestSchedule(input: { every?: unknown; at?: unknown; timezone?: unknown }): {
  weekday: number;
  at: string;
  timezone: string;
} {
  const every = String(input.every ?? '').toLowerCase();
  const weekday = WEEKDAYS.findIndex((w) => w === every || w.slice(0, 3) === every);
  if (weekday < 0) throw invalidDigest('--every', `"${String(input.every)}" is not a weekday (monday … sunday)`);
  const at = String(input.at ?? '09:00');
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!m) throw invalidDigest('--at', `"${at}" is not a time of day as HH:MM (24 hours)`);
  const timezone = String(input.timezone ?? 'UTC');
  if (!isValidTimezone(timezone)) throw invalidDigest('--timezone', `"${timezone}" is not an IANA time zone`);
  return { weekday, at, timezone };
}

type ScheduleRow = {
  weekday: number | string;
  at_time: string;
  timezone: string;
  destination: string | null;
  last_sent_for: string | Date | null;
  created_at: string | Date;
};

export async function getDigestSchedule(q: Queryable): Promise<DigestSchedule | null> {
  const r = await q.get<ScheduleRow>(
    `SELECT weekday, at_time, timezone, destination, last_sent_for, created_at FROM alert_digest WHERE id = 'weekly'`,
  );
  if (!r) return null;
  return {
    every: WEEKDAYS[Number(r.weekday)]!,
    at: r.at_time,
    timezone: r.timezone,
    destination: r.destination,
    lastSentFor: r.last_sent_for ? new Date(r.last_sent_for).toISOString() : null,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

export async function setDigestSchedule(
  q: Queryable,
  s: { weekday: number; at: string; timezone: string; destination: string | null },
  now = new Date(),
): Promise<DigestSchedule> {
  await q.run(`DELETE FROM alert_digest WHERE id = 'weekly'`);
  // The instant already due is marked sent: a schedule made on a Monday at 10:00 for 09:00 starts next week.
  await q.run(
    `INSERT INTO alert_digest (id, weekday, at_time, timezone, destination, created_at, last_sent_for)
     VALUES ('weekly', $1, $2, $3, $4, $5, $6)`,
    [s.weekday, s.at, s.timezone, s.destination, now, lastDue(s, now)],
  );
  return (await getDigestSchedule(q))!;
}

export async function clearDigestSchedule(q: Queryable): Promise<boolean> {
  return (await q.run(`DELETE FROM alert_digest WHERE id = 'weekly'`)).changes > 0;
}

/** The latest scheduled instant at or before now: that weekday's local time in the schedule's zone. */
export function lastDue(s: { weekday: number; at: string; timezone: string }, now: Date): Date {
  const [hh, mm] = s.at.split(':').map(Number) as [number, number];
  for (let back = 0; back <= 7; back++) {
    const p = localParts(now.getTime() - back * 86_400_000, s.timezone);
    const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
    if (weekday !== s.weekday) continue;
    const at = new Date(startOfLocalDay(p.year, p.month, p.day, s.timezone).getTime() + (hh * 60 + mm) * 60_000);
    if (at <= now) return at;
  }
  // Unreachable for a valid weekday: the loop covers eight days.
  return new Date(now.getTime() - 7 * 86_400_000);
}

/**
 * Claims the scheduled instant now due, once across daemons: the conditional update succeeds for one of them.
 * Returns the instant to send for, or null when nothing is due.
 */
export async function claimDueDigest(
  q: Queryable,
  now = new Date(),
): Promise<{ due: Date; destination: string | null } | null> {
  const s = await getDigestSchedule(q);
  if (!s) return null;
  const due = lastDue({ weekday: WEEKDAYS.indexOf(s.every), at: s.at, timezone: s.timezone }, now);
  if (s.lastSentFor && new Date(s.lastSentFor) >= due) return null;
  const r = await q.run(
    `UPDATE alert_digest SET last_sent_for = $1 WHERE id = 'weekly' AND (last_sent_for IS NULL OR last_sent_for < $1)`,
    [due],
  );
  return r.changes === 1 ? { due, destination: s.destination } : null;
}
