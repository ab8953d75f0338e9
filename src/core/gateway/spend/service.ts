import { PolicyFailedError, UsageError } from '../../base/errors.js';
import { requireEntity } from '../entities/service.js';
import { Money } from '../../base/money.js';
import type { Queryable, Store } from '../../base/store/types.js';
import { maskWebhook } from '../../base/webhook.js';
import {
  activeRaise,
  effectiveLimit,
  parseRaise,
  periodSpec,
  quotaBudget,
  type Budget,
  type BudgetFields,
  type RateLimit,
} from './model.js';
import { formatSpanSeconds } from '../../base/durations.js';
import { periodWindow } from './period.js';
import {
  countFrom,
  guaranteeCounts,
  insertBudgetIn,
  reservedNow,
  setBudgetRaise,
  spentInWindow,
  spentByBucket,
  upsertRateLimit,
} from './repo.js';
import { rollingResetsAt } from './ledger.js';

/** A budget as the CLI and the admin API show it: definition plus where it stands now. */
export interface BudgetStatus {
  id: string;
  name: string | null;
  scope: string;
  entityId: string;
  provider: string | null;
  model: string | null;
  /** The configured limit; effectiveLimitUsd adds a raise in force, and is what admission and state use. */
  limitUsd: string;
  effectiveLimitUsd: string;
  /** The temporary raise in force (`oco budgets raise`), or null; it ends by itself at `until`. */
  raise: { byUsd: string; until: string } | null;
  period: string;
  window: string | null;
  timezone: string;
  hard: boolean;
  alertAt: number[];
  webhook: string | null;
  spentUsd: string;
  reservedUsd: string;
  remainingUsd: string;
  /** Calls in the window admitted without a price (their cost is unknown, not in spentUsd). */
  unpricedCalls: number;
  /** Calls in the window whose exact cost came out above the bound reserved for them, and by how much in all. */
  overshootCalls: number;
  overshootUsd: string;
  usedPct: number;
  periodStart: string | null;
  resetsAt: string | null;
  state: 'ok' | 'alerting' | 'exceeded';
  createdAt: string;
  updatedAt: string;
}

export async function budgetStatus(q: Queryable, b: Budget, now = new Date()): Promise<BudgetStatus> {
  const w = periodWindow(periodSpec(b), now);
  let spent: Money;
  let resetsAt: Date | null = w.end;
  if (w.bucketMs) {
    const buckets = await spentByBucket(q, b, w);
    spent = [...buckets.values()].reduce((s, m) => s.plus(m), new Money(0));
    resetsAt = buckets.size ? rollingResetsAt([...buckets.keys()], w, now) : null;
  } else spent = await spentInWindow(q, b, w);
  const reserved = await reservedNow(q, b, now);
  const counts = await guaranteeCounts(q, b, w);
  const limit = effectiveLimit(b, now);
  const raise = activeRaise(b, now);
  const remaining = Money.max(0, limit.minus(spent).minus(reserved));
  const pct = limit.isZero() ? (spent.isZero() ? 0 : 100) : spent.div(limit).times(100).toDecimalPlaces(2).toNumber();
  const firstThreshold = b.alertThresholds[0];
  return {
    id: b.id,
    name: b.name,
    scope: b.scope,
    entityId: b.entityId,
    provider: b.provider,
    model: b.model,
    limitUsd: b.limitUsd.toFixed(),
    effectiveLimitUsd: limit.toFixed(),
    raise: raise ? { byUsd: raise.usd.toFixed(), until: raise.until.toISOString() } : null,
    period: b.period,
    window: b.rollingSeconds ? formatSpanSeconds(b.rollingSeconds) : null,
    timezone: b.timezone,
    hard: b.hard,
    alertAt: b.alertThresholds,
    webhook: maskWebhook(b.webhookUrl),
    spentUsd: spent.toFixed(),
    reservedUsd: reserved.toFixed(),
    remainingUsd: remaining.toFixed(),
    unpricedCalls: counts.unpriced,
    overshootCalls: counts.overshoot,
    overshootUsd: counts.overshootUsd.toFixed(),
    usedPct: pct,
    periodStart: b.period === 'total' && !b.resetAt ? null : countFrom(b, w).toISOString(),
    resetsAt: resetsAt?.toISOString() ?? null,
    state: spent.gte(limit) ? 'exceeded' : firstThreshold !== undefined && pct >= firstThreshold ? 'alerting' : 'ok',
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}

export async function budgetStatuses(
  q: Queryable,
  budgets: readonly Budget[],
  now = new Date(),
): Promise<BudgetStatus[]> {
  const out: BudgetStatus[] = [];
  for (const b of budgets) out.push(await budgetStatus(q, b, now));
  return out;
}

export type FailOn = 'exceeded' | 'soft';

export interface CheckReport {
  failOn: FailOn;
  checked: number;
  failed: BudgetStatus[];
  budgets: BudgetStatus[];
}

/**
 * The CI gate. --fail-on exceeded: a hard budget at or over its limit fails.
 * --fail-on soft: any budget at or over its limit fails, soft ones (alert-only) included.
 */
export function checkBudgets(statuses: BudgetStatus[], failOn: FailOn): CheckReport {
  const failed = statuses.filter((s) => s.state === 'exceeded' && (failOn === 'soft' || s.hard));
  return { failOn: failOn, checked: statuses.length, failed, budgets: statuses };
}

export function checkFailure(report: CheckReport): PolicyFailedError {
  const names = report.failed.map(
    (s) => `${s.scope}/${s.entityId}${s.model ? `@${s.model}` : ''} (${s.spentUsd} of ${s.effectiveLimitUsd} USD)`,
  );
  return new PolicyFailedError(
    `${report.failed.length} budget${report.failed.length === 1 ? '' : 's'} over the limit: ${names.join(', ')}`,
    {
      code: 'OCO_BUDGET_EXCEEDED',
      hint:
        'Raise the limit (oco budgets update), reset the period (oco budgets reset),' +
        ' or wait for the period to end.',
    },
  );
}

/** " for openai/gpt-4o" — what a limit's narrowing adds to a one-line description ('' when it has none). */
export function narrowing(view: Record<string, unknown>): string {
  const parts = [view.provider, view.model].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length ? ` for ${parts.join('/')}` : '';
}

/** " per 1m", " in flight", " per monthly period" — a limit's unit of time in a one-line description. */
export function per(view: Record<string, unknown>): string {
  if (view.kind === 'concurrent') return ' in flight';
  if (view.kind === 'requests' && view.period !== 'rolling') return ` per ${String(view.period)} period`;
  return ` per ${String(view.window)}`;
}

export function rateLimitView(l: RateLimit): Record<string, unknown> {
  return {
    id: l.id,
    scope: l.scope,
    entityId: l.entityId,
    kind: l.kind,
    limit: l.limit,
    window:
      l.kind === 'concurrent' || (l.kind === 'requests' && l.period !== 'rolling')
        ? null
        : formatSpanSeconds(l.windowSeconds),
    period: l.period,
    timezone: l.timezone,
    provider: l.provider,
    model: l.model,
    createdAt: l.createdAt,
  };
}

/**
 * Limits with where each request quota stands in its current period (calls counted from the ledger, as the
 * daemon counts them). The sliding-window kinds live only in the daemon's (or Redis') counters: their use is
 * not in the store, so it is null (unknown), never 0.
 */
export async function rateLimitStatuses(
  q: Queryable,
  limits: readonly RateLimit[],
  now = new Date(),
): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (const l of limits) {
    const view = rateLimitView(l);
    if (l.kind !== 'requests') {
      out.push({ ...view, used: null, remaining: null, resetsAt: null });
      continue;
    }
    const s = await budgetStatus(q, quotaBudget(l), now);
    const used = Number(s.spentUsd) + Number(s.reservedUsd);
    out.push({ ...view, used, remaining: Math.max(0, l.limit - used), resetsAt: s.resetsAt });
  }
  return out;
}

/**
 * A new budget whose entity exists: a managed team or org (createEntity: created with it, in the same
 * transaction), an existing key (stored under its id), or a free label of the other scopes. Nothing is
 * written when either part fails.
 */
export async function createBudget(
  store: Store,
  fields: BudgetFields,
  opts: { createEntity?: boolean } = {},
): Promise<Budget> {
  return store.transaction(async (tx) => {
    const entityId = await requireEntity(tx, fields.scope, fields.entityId, { ...opts, what: 'budget' });
    return insertBudgetIn(tx, { ...fields, entityId });
  });
}

/** A rate limit whose entity exists, as createBudget checks it. */
export async function createRateLimit(
  store: Store,
  l: Omit<RateLimit, 'id' | 'createdAt'>,
  opts: { createEntity?: boolean } = {},
): Promise<RateLimit> {
  return store.transaction(async (tx) => {
    const entityId = await requireEntity(tx, l.scope, l.entityId, { ...opts, what: 'rate limit' });
    return upsertRateLimit(tx, { ...l, entityId });
  });
}

/**
 * `budgets raise`: --by/--until set a raise (replacing any earlier one), --clear ends it now. Running
 * daemons reload the budget within seconds; admission adds the raise until --until and drops it then.
 */
export async function raiseBudget(
  store: Store,
  b: Budget,
  input: { by?: unknown; until?: unknown; clear?: unknown },
  now = new Date(),
): Promise<Budget> {
  const clear = input.clear === true || input.clear === 'true';
  if (clear) {
    if (input.by !== undefined || input.until !== undefined)
      throw new UsageError('--clear: takes neither --by nor --until', {
        code: 'OCO_BUDGET_RAISE_INVALID',
        hint: 'Clear the raise, or set a new one with --by and --until.',
        details: { flag: 'clear' },
      });
    return setBudgetRaise(store, b.id, null, now);
  }
  for (const flag of ['by', 'until'] as const)
    if (input[flag] === undefined || input[flag] === null || input[flag] === '')
      throw new UsageError(`--${flag}: is required (or --clear)`, {
        code: 'OCO_BUDGET_RAISE_INVALID',
        hint: 'E.g. oco budgets raise bud_… --by 20 --until 2026-12-31T00:00:00Z.',
        details: { flag },
      });
  return setBudgetRaise(store, b.id, parseRaise(b.limitUsd, input.by, input.until, now), now);
}

export type { Store };
