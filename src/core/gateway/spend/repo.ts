import { randomUUID } from 'node:crypto';
import { NotFoundError, UsageError } from '../../base/errors.js';
import { camelCaseKeys } from '../../base/json-keys.js';
import { Money, money } from '../../base/money.js';
import type { Queryable, Row, SqlParam, Store } from '../../base/store/types.js';
import { SCOPES, type Budget, type BudgetFields, type BudgetScope, type RateLimit } from './model.js';
import type { PeriodWindow } from './period.js';
import type { StoredAttribution } from '../model.js';

/**
 * Everything spend controls keep in the store: budgets, rate limits, alerts
 * and the ledger of admitted calls (spend_events). The ledger is the source of
 * truth the in-process and Redis counters are rebuilt from.
 */

interface BudgetRow extends Row {
  id: string;
  name: string | null;
  scope: string;
  entity_id: string;
  provider: string | null;
  model: string | null;
  limit_usd: string;
  period: string;
  rolling_seconds: number | string | null;
  timezone: string;
  hard: unknown;
  alert_thresholds: string | null;
  webhook_url: string | null;
  reset_at: string | null;
  raise_usd: string | number | null;
  raise_until: string | Date | null;
  created_at: string;
  updated_at: string;
}

function toBudget(r: BudgetRow): Budget {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope as BudgetScope,
    entityId: r.entity_id,
    provider: r.provider,
    model: r.model,
    limitUsd: money(r.limit_usd),
    period: r.period as Budget['period'],
    rollingSeconds: r.rolling_seconds === null ? null : Number(r.rolling_seconds),
    timezone: r.timezone,
    hard: r.hard === true || r.hard === 1 || r.hard === '1',
    alertThresholds: r.alert_thresholds ? (JSON.parse(r.alert_thresholds) as number[]) : [],
    webhookUrl: r.webhook_url,
    resetAt: r.reset_at ? new Date(r.reset_at) : null,
    raiseUsd: r.raise_usd === null || r.raise_usd === undefined ? null : money(String(r.raise_usd)),
    raiseUntil: r.raise_until ? new Date(r.raise_until) : null,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

const BUDGET_COLUMNS =
  'id, name, scope, entity_id, provider, model, limit_usd, period, rolling_seconds, timezone, hard, alert_thresholds,' +
  ' webhook_url, reset_at, raise_usd, raise_until, created_at, updated_at';

export async function listBudgets(q: Queryable, filter: { scope?: string; entityId?: string } = {}): Promise<Budget[]> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  if (filter.scope) where.push(`scope = $${params.push(filter.scope)}`);
  if (filter.entityId) where.push(`entity_id = $${params.push(filter.entityId)}`);
  const rows = await q.all<BudgetRow>(
    `SELECT ${BUDGET_COLUMNS} FROM budgets ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY scope, entity_id, provider, model, id`,
    params,
  );
  return rows.map(toBudget);
}

/** A budget by id, or by scope + entity (+ provider/model narrowing) when that names exactly one. */
export async function findBudget(
  q: Queryable,
  ref: { id?: string; scope?: string; entityId?: string; provider?: string | null; model?: string | null },
): Promise<Budget> {
  if (ref.id) {
    const row = await q.get<BudgetRow>(`SELECT ${BUDGET_COLUMNS} FROM budgets WHERE id = $1`, [ref.id]);
    if (!row)
      throw new NotFoundError(`no budget with id ${ref.id}`, {
        code: 'OCO_BUDGET_NOT_FOUND',
        hint: 'List budgets with "oco budgets list".',
      });
    return toBudget(row);
  }
  const all = (await listBudgets(q, { scope: ref.scope, entityId: ref.entityId })).filter(
    (b) =>
      (ref.provider === undefined || b.provider === ref.provider) && (ref.model === undefined || b.model === ref.model),
  );
  if (all.length === 0) {
    throw new NotFoundError(`no budget for ${ref.scope} ${ref.entityId}${ref.model ? ` on ${ref.model}` : ''}`, {
      code: 'OCO_BUDGET_NOT_FOUND',
      hint: 'List budgets with "oco budgets list".',
    });
  }
  if (all.length > 1) {
    throw new UsageError(
      `${all.length} budgets match ${ref.scope} ${ref.entityId}; name one with --id or narrow with --provider/--model`,
      {
        code: 'OCO_BUDGET_AMBIGUOUS',
        hint: `Ids: ${all.map((b) => b.id).join(', ')}`,
      },
    );
  }
  return all[0]!;
}

function budgetParams(f: BudgetFields): SqlParam[] {
  return [
    f.name,
    f.scope,
    f.entityId,
    f.provider,
    f.model,
    f.limitUsd,
    f.period,
    f.rollingSeconds,
    f.timezone,
    f.hard,
    JSON.stringify(f.alertThresholds),
    f.webhookUrl,
  ];
}

export async function insertBudget(store: Store, f: BudgetFields, now = new Date()): Promise<Budget> {
  return store.transaction((tx) => insertBudgetIn(tx, f, now));
}

/** insertBudget inside a transaction the caller holds (a key created with its budget: one transaction). */
export async function insertBudgetIn(tx: Queryable, f: BudgetFields, now = new Date()): Promise<Budget> {
  const id = `bud_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  {
    const clash = (await listBudgets(tx, { scope: f.scope, entityId: f.entityId })).find(
      (b) => b.provider === f.provider && b.model === f.model,
    );
    if (clash) {
      throw new UsageError(
        `a budget for ${f.scope} ${f.entityId}${f.provider ? ` on ${f.provider}` : ''}` +
          `${f.model ? ` model ${f.model}` : ''} already exists (${clash.id})`,
        {
          code: 'OCO_BUDGET_EXISTS',
          hint: `Change it with "oco budgets update --id ${clash.id} …" or delete it first.`,
        },
      );
    }
    await tx.run(
      `INSERT INTO budgets (id, name, scope, entity_id, provider, model, limit_usd, period, rolling_seconds, timezone,
         hard, alert_thresholds, webhook_url, created_at, updated_at)
       VALUES ($13, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14, $14)`,
      [...budgetParams(f), id, now],
    );
    return findBudget(tx, { id });
  }
}

export async function updateBudget(store: Queryable, id: string, f: BudgetFields, now = new Date()): Promise<Budget> {
  await store.run(
    `UPDATE budgets SET name = $1, scope = $2, entity_id = $3, provider = $4, model = $5, limit_usd = $6, period = $7,
       rolling_seconds = $8, timezone = $9, hard = $10, alert_thresholds = $11, webhook_url = $12, updated_at = $14
     WHERE id = $13`,
    [...budgetParams(f), id, now],
  );
  return findBudget(store, { id });
}

export async function deleteBudget(store: Store, id: string): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.run('DELETE FROM budget_alerts WHERE budget_id = $1', [id]);
    await tx.run('DELETE FROM budgets WHERE id = $1', [id]);
  });
}

/** Spend before `at` no longer counts against the budget; alerts re-arm. */
export async function resetBudget(store: Store, id: string, at = new Date()): Promise<Budget> {
  await store.run('UPDATE budgets SET reset_at = $1, updated_at = $1 WHERE id = $2', [at, id]);
  return findBudget(store, { id });
}

/**
 * Sets (or, with null, ends) a budget's temporary raise. updated_at moves, so running daemons reload it
 * within seconds as they do any edit; the raise's own end needs no write (see effectiveLimit).
 */
export async function setBudgetRaise(
  q: Queryable,
  id: string,
  raise: { usd: Money; until: Date } | null,
  now = new Date(),
): Promise<Budget> {
  await q.run('UPDATE budgets SET raise_usd = $2, raise_until = $3, updated_at = $4 WHERE id = $1', [
    id,
    raise?.usd ?? null,
    raise?.until ?? null,
    now,
  ]);
  return findBudget(q, { id });
}

/** A fingerprint of budgets and limits, so daemons reload only when something changed. */
export async function configVersion(q: Queryable): Promise<string> {
  const b = await q.get<{ n: number; m: string | null }>('SELECT COUNT(*) AS n, MAX(updated_at) AS m FROM budgets');
  const l = await q.get<{ n: number; m: string | null }>('SELECT COUNT(*) AS n, MAX(created_at) AS m FROM rate_limits');
  return `${b?.n}|${b?.m}|${l?.n}|${l?.m}`;
}

// ---------------------------------------------------------------- rate limits

interface RateLimitRow extends Row {
  id: string;
  scope: string;
  entity_id: string;
  kind: string;
  limit_value: number | string;
  window_seconds: number | string;
  provider: string;
  model: string;
  period: string | null;
  timezone: string | null;
  created_at: string;
}

export async function listRateLimits(q: Queryable): Promise<RateLimit[]> {
  const rows = await q.all<RateLimitRow>(
    `SELECT id, scope, entity_id, kind, limit_value, window_seconds, provider, model, period, timezone, created_at
     FROM rate_limits
     ORDER BY scope, entity_id, kind, provider, model`,
  );
  return rows.map((r) => ({
    id: r.id,
    scope: r.scope as RateLimit['scope'],
    entityId: r.entity_id,
    kind: r.kind as RateLimit['kind'],
    limit: Number(r.limit_value),
    windowSeconds: Number(r.window_seconds),
    provider: r.provider || null,
    model: r.model || null,
    period: (r.period as RateLimit['period']) ?? null,
    timezone: r.timezone ?? null,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

/** Two limits are the same limit when scope, entity, kind and narrowing match (the unique index). */
function sameLimit(a: Omit<RateLimit, 'id' | 'createdAt' | 'limit' | 'windowSeconds'>, b: typeof a): boolean {
  return (
    a.scope === b.scope &&
    a.entityId === b.entityId &&
    a.kind === b.kind &&
    (a.provider ?? null) === (b.provider ?? null) &&
    (a.model ?? null) === (b.model ?? null)
  );
}

/** Creates a rate limit, or replaces the value of the one with the same scope, entity, kind and narrowing. */
export async function upsertRateLimit(
  store: Queryable,
  l: Omit<RateLimit, 'id' | 'createdAt'>,
  now = new Date(),
): Promise<RateLimit> {
  const id = `rl_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await store.run(
    `INSERT INTO rate_limits (id, scope, entity_id, kind, limit_value, window_seconds, provider, model, period,
       timezone, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (scope, entity_id, kind, provider, model) DO UPDATE SET
       limit_value = excluded.limit_value, window_seconds = excluded.window_seconds, period = excluded.period,
       timezone = excluded.timezone, created_at = excluded.created_at`,
    [
      id,
      l.scope,
      l.entityId,
      l.kind,
      l.limit,
      l.windowSeconds,
      l.provider ?? '',
      l.model ?? '',
      l.period,
      l.timezone,
      now,
    ],
  );
  return (await listRateLimits(store)).find((r) => sameLimit(r, l))!;
}

/**
 * Deletes by id, or every limit of a scope and entity; --kind, --provider and --model narrow the match (a
 * narrowed limit is only deleted by name when its narrowing is given, or when none is).
 */
export async function deleteRateLimit(
  store: Store,
  ref: { id?: string; scope?: string; entityId?: string; kind?: string; provider?: string; model?: string },
): Promise<RateLimit[]> {
  const matches = (await listRateLimits(store)).filter((l) =>
    ref.id
      ? l.id === ref.id
      : l.scope === ref.scope &&
        l.entityId === ref.entityId &&
        (!ref.kind || l.kind === ref.kind) &&
        (!ref.provider || l.provider === ref.provider) &&
        (!ref.model || l.model === ref.model),
  );
  if (matches.length === 0)
    throw new NotFoundError('no rate limit matches', {
      code: 'OCO_RATE_LIMIT_NOT_FOUND',
      hint: 'List them with "oco limits list".',
    });
  for (const m of matches) await store.run('DELETE FROM rate_limits WHERE id = $1', [m.id]);
  return matches;
}

// ---------------------------------------------------------------- alerts

export interface AlertRecord {
  id: string;
  budgetId: string;
  kind: 'threshold' | 'refused';
  thresholdPct: number | null;
  periodStart: string | null;
  spentUsd: string | null;
  limitUsd: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

/** Inserts an alert unless one with the same dedupe key exists; true when this call recorded it. */
export async function recordAlert(
  store: Store,
  a: Omit<AlertRecord, 'id' | 'createdAt'> & { dedupeKey: string },
  now = new Date(),
): Promise<boolean> {
  const r = await store.run(
    `INSERT INTO budget_alerts
       (id, budget_id, kind, threshold_pct, period_start, spent_usd, limit_usd, details, dedupe_key, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedupe_key) DO NOTHING`,
    [
      `alr_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
      a.budgetId,
      a.kind,
      a.thresholdPct,
      a.periodStart,
      a.spentUsd,
      a.limitUsd,
      a.details ?? null,
      a.dedupeKey,
      now,
    ],
  );
  return r.changes > 0;
}

export async function listAlerts(
  q: Queryable,
  filter: { budgetId?: string; limit?: number } = {},
): Promise<AlertRecord[]> {
  const params: SqlParam[] = [];
  const where = filter.budgetId ? `WHERE budget_id = $${params.push(filter.budgetId)}` : '';
  const rows = await q.all(
    `SELECT id, budget_id, kind, threshold_pct, period_start, spent_usd, limit_usd, details, created_at
     FROM budget_alerts ${where}
     ORDER BY created_at DESC, id LIMIT $${params.push(filter.limit ?? 100)}`,
    params,
  );
  return rows.map((r) => ({
    id: String(r.id),
    budgetId: String(r.budget_id),
    kind: r.kind as AlertRecord['kind'],
    thresholdPct: r.threshold_pct === null ? null : Number(r.threshold_pct),
    periodStart: r.period_start ? new Date(String(r.period_start)).toISOString() : null,
    spentUsd: r.spent_usd === null ? null : money(String(r.spent_usd)).toFixed(),
    limitUsd: r.limit_usd === null ? null : money(String(r.limit_usd)).toFixed(),
    // Stored as the webhook body spells them (snake_case); listed in the CLI's camelCase.
    details: r.details ? camelCaseKeys(JSON.parse(String(r.details)) as Record<string, unknown>) : null,
    createdAt: new Date(String(r.created_at)).toISOString(),
  }));
}

// ---------------------------------------------------------------- the ledger

export interface SpendEvent extends StoredAttribution {
  requestId: string;
  ts: Date;
  expiresAt: Date;
  state: 'reserved' | 'settled' | 'released';
  provider: string;
  model: string;
  reservedUsd: Money;
  /** Exact cost; null while reserved, and for a call to a model without a price. */
  costUsd: Money | null;
  /** A model without a price, admitted because budget.unpricedModels is allow (or no hard budget applied). */
  unpriced?: boolean;
  /** How far the exact cost came out above a hard budget's bound (reservation); null when it did not. */
  overshootUsd?: Money | null;
}

/** Tags are kept as ",a,b," so one substring test matches a whole tag on either engine. */
export function encodeTags(tags: readonly string[]): string {
  return `,${tags.join(',')},`;
}

const EVENT_COLUMNS = [
  'request_id',
  'ts',
  'expires_at',
  'state',
  'provider',
  'model',
  'org_id',
  'team_id',
  'agent_id',
  'user_id',
  'key_id',
  'tags',
  'reserved_usd',
  'cost_usd',
  'unpriced',
  'overshoot_usd',
  'updated_at',
];

/** Upserts ledger rows in one statement: a later state of the same call replaces the earlier one. */
export async function writeSpendEvents(q: Queryable, events: readonly SpendEvent[], now = new Date()): Promise<void> {
  if (events.length === 0) return;
  const params: SqlParam[] = [];
  const values = events.map((e) => {
    const row: SqlParam[] = [
      e.requestId,
      e.ts,
      e.expiresAt,
      e.state,
      e.provider,
      e.model,
      e.orgId,
      e.teamId,
      e.agentId,
      e.userId,
      e.keyId,
      encodeTags(e.tags),
      e.reservedUsd,
      e.costUsd,
      e.unpriced === true,
      e.overshootUsd ?? null,
      now,
    ];
    return `(${row.map((v) => `$${params.push(v)}`).join(', ')})`;
  });
  await q.run(
    `INSERT INTO spend_events (${EVENT_COLUMNS.join(', ')}) VALUES ${values.join(', ')}
     ON CONFLICT (request_id) DO UPDATE SET state = excluded.state, cost_usd = excluded.cost_usd,
       unpriced = excluded.unpriced, overshoot_usd = excluded.overshoot_usd, updated_at = excluded.updated_at`,
    params,
  );
}

/** writeSpendEvents' upsert for one row with positional placeholders: what the SQLite writer thread runs per row. */
export const SQLITE_SPEND_UPSERT = `INSERT INTO spend_events (${EVENT_COLUMNS.join(', ')})
     VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (request_id) DO UPDATE SET state = excluded.state, cost_usd = excluded.cost_usd,
       unpriced = excluded.unpriced, overshoot_usd = excluded.overshoot_usd, updated_at = excluded.updated_at`;

/**
 * One ledger row as SQLite driver values, in EVENT_COLUMNS order: what toDriverValue makes of writeSpendEvents' values.
 */
export function sqliteSpendRow(e: SpendEvent, now: string): unknown[] {
  return [
    e.requestId,
    e.ts.toISOString(),
    e.expiresAt.toISOString(),
    e.state,
    e.provider,
    e.model,
    e.orgId,
    e.teamId,
    e.agentId,
    e.userId,
    e.keyId ?? null,
    encodeTags(e.tags),
    e.reservedUsd.toFixed(),
    e.costUsd === null ? null : e.costUsd.toFixed(),
    e.unpriced ? 1 : 0,
    e.overshootUsd ? e.overshootUsd.toFixed() : null,
    now,
  ];
}

/** A single daemon owns every reservation: on start, the ones a previous run left behind are released. */
export async function releaseStaleReservations(q: Queryable, before?: Date): Promise<number> {
  const r = before
    ? await q.run(`UPDATE spend_events SET state = 'released' WHERE state = 'reserved' AND expires_at <= $1`, [before])
    : await q.run(`UPDATE spend_events SET state = 'released' WHERE state = 'reserved'`);
  return r.changes;
}

function budgetFilter(q: Queryable, b: Budget, params: SqlParam[]): string {
  const parts: string[] = [];
  if (b.scope === 'tag') {
    parts.push(`${q.dialect.position(`$${params.push(`,${b.entityId},`)}`, 'tags')} > 0`);
  } else {
    parts.push(`${SCOPES[b.scope].column} = $${params.push(b.entityId)}`);
  }
  if (b.provider) parts.push(`provider = $${params.push(b.provider)}`);
  if (b.model) parts.push(`model = $${params.push(b.model)}`);
  return parts.join(' AND ');
}

/** The first instant a budget counts in a window: its start, or the last reset when later. */
export function countFrom(b: Budget, w: PeriodWindow): Date {
  return b.resetAt && b.resetAt > w.start ? b.resetAt : w.start;
}

/**
 * What a budget counts per ledger row: its exact cost, or 1 per call for a request quota (every settled call
 * counts, priced or not, whatever it cost; a released call never reached the provider).
 */
function amountSql(q: Queryable, b: Budget, column: 'cost_usd' | 'reserved_usd'): string {
  return b.unit === 'requests' ? 'COUNT(*)' : q.dialect.sumMoney(column);
}

/** Settled spend of a budget in a window, exact (calls, for a request quota). */
export async function spentInWindow(q: Queryable, b: Budget, w: PeriodWindow): Promise<Money> {
  const params: SqlParam[] = [];
  const filter = budgetFilter(q, b, params);
  const from = `$${params.push(countFrom(b, w))}`;
  const row = await q.get<{ s: string | number | null }>(
    `SELECT ${amountSql(q, b, 'cost_usd')} AS s
     FROM spend_events WHERE state = 'settled' AND ts >= ${from} AND ${filter}`,
    params,
  );
  return money(String(row?.s ?? '0'));
}

/** Calls in a budget's window admitted without a price, and calls whose cost came out above their bound. */
export async function guaranteeCounts(
  q: Queryable,
  b: Budget,
  w: PeriodWindow,
): Promise<{ unpriced: number; overshoot: number; overshootUsd: Money }> {
  const params: SqlParam[] = [];
  const filter = budgetFilter(q, b, params);
  const from = `$${params.push(countFrom(b, w))}`;
  const row = await q.get<{ u: unknown; o: unknown; s: string | null }>(
    `SELECT SUM(CASE WHEN unpriced THEN 1 ELSE 0 END) AS u, COUNT(overshoot_usd) AS o,
       ${q.dialect.sumMoney('overshoot_usd')} AS s
       FROM spend_events WHERE state = 'settled' AND ts >= ${from} AND ${filter}`,
    params,
  );
  return { unpriced: Number(row?.u ?? 0), overshoot: Number(row?.o ?? 0), overshootUsd: money(row?.s ?? '0') };
}

/**
 * Who spent a budget's window, biggest first: by agent, or by virtual key for an agent budget (an agent's keys are
 * what tells its spenders apart). Settled, priced spend only; a call without a key is under ''.
 */
export async function topSpenders(
  q: Queryable,
  b: Budget,
  w: PeriodWindow,
  limit = 5,
): Promise<{ by: 'agent' | 'key'; rows: Array<{ id: string; spentUsd: Money }> }> {
  const by = b.scope === 'agent' ? 'key' : 'agent';
  const column = by === 'key' ? "COALESCE(key_id, '')" : 'agent_id';
  const params: SqlParam[] = [];
  const filter = budgetFilter(q, b, params);
  const from = `$${params.push(countFrom(b, w))}`;
  const rows = await q.all<{ id: string; s: string }>(
    `SELECT ${column} AS id, ${q.dialect.sumMoney('cost_usd')} AS s FROM spend_events
     WHERE state = 'settled' AND cost_usd IS NOT NULL AND ts >= ${from} AND ${filter} GROUP BY 1`,
    params,
  );
  // Ordered here, in decimals: SQLite's money is text.
  const out = rows.map((r) => ({ id: r.id, spentUsd: money(r.s ?? '0') })).filter((r) => !r.spentUsd.isZero());
  out.sort((x, y) => y.spentUsd.comparedTo(x.spentUsd) || x.id.localeCompare(y.id));
  return { by, rows: out.slice(0, limit) };
}

/** Live reservations of a budget (not expired), exact. */
export async function reservedNow(q: Queryable, b: Budget, now: Date): Promise<Money> {
  const params: SqlParam[] = [];
  const filter = budgetFilter(q, b, params);
  const row = await q.get<{ s: string | number | null }>(
    `SELECT ${amountSql(q, b, 'reserved_usd')} AS s
     FROM spend_events WHERE state = 'reserved' AND expires_at > $${params.push(now)} AND ${filter}`,
    params,
  );
  return money(String(row?.s ?? '0'));
}

/** Settled spend of a rolling budget per bucket index (floor(epoch ms / bucketMs)), exact. */
export async function spentByBucket(q: Queryable, b: Budget, w: PeriodWindow): Promise<Map<number, Money>> {
  const bucketMs = w.bucketMs!;
  const epochMs = q.dialect.epochMs('ts');
  const params: SqlParam[] = [];
  const filter = budgetFilter(q, b, params);
  const from = `$${params.push(countFrom(b, w))}`;
  const rows = await q.all<{ bucket: number | string; s: string | number }>(
    `SELECT (${epochMs}) / ${bucketMs} AS bucket, ${amountSql(q, b, 'cost_usd')} AS s FROM spend_events
     WHERE state = 'settled' AND ts >= ${from} AND ${filter} GROUP BY 1`,
    params,
  );
  const out = new Map<number, Money>();
  for (const r of rows) out.set(Math.floor(Number(r.bucket)), money(String(r.s)));
  return out;
}

export { Money };
