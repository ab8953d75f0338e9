import { PolicyFailedError } from '../../base/errors.js';
import { Money } from '../../base/money.js';
import type { Queryable, Store } from '../../base/store/types.js';
import { maskWebhook } from '../../base/webhook.js';
import { periodSpec, type Budget, type RateLimit } from './model.js';
import { formatSpanSeconds } from '../../base/durations.js';
import { periodWindow } from './period.js';
import { countFrom, guaranteeCounts, reservedNow, spentInWindow, spentByBucket } from './repo.js';
import { rollingResetsAt } from './ledger.js';

/** A budget as the CLI and the admin API show it: definition plus where it stands now. */
export interface BudgetStatus {
  id: string;
  name: string | null;
  scope: string;
  entity_id: string;
  provider: string | null;
  model: string | null;
  limit_usd: string;
  period: string;
  window: string | null;
  timezone: string;
  hard: boolean;
  alert_at: number[];
  webhook: string | null;
  spent_usd: string;
  reserved_usd: string;
  remaining_usd: string;
  /** Calls in the window admitted without a price (their cost is unknown, not in spent_usd). */
  unpriced_calls: number;
  /** Calls in the window whose exact cost came out above the bound reserved for them, and by how much in all. */
  overshoot_calls: number;
  overshoot_usd: string;
  used_pct: number;
  period_start: string | null;
  resets_at: string | null;
  state: 'ok' | 'alerting' | 'exceeded';
  created_at: string;
  updated_at: string;
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
  const remaining = Money.max(0, b.limitUsd.minus(spent).minus(reserved));
  const pct = b.limitUsd.isZero() ? (spent.isZero() ? 0 : 100) : spent.div(b.limitUsd).times(100).toDecimalPlaces(2).toNumber();
  const firstThreshold = b.alertThresholds[0];
  return {
    id: b.id,
    name: b.name,
    scope: b.scope,
    entity_id: b.entityId,
    provider: b.provider,
    model: b.model,
    limit_usd: b.limitUsd.toFixed(),
    period: b.period,
    window: b.rollingSeconds ? formatSpanSeconds(b.rollingSeconds) : null,
    timezone: b.timezone,
    hard: b.hard,
    alert_at: b.alertThresholds,
    webhook: maskWebhook(b.webhookUrl),
    spent_usd: spent.toFixed(),
    reserved_usd: reserved.toFixed(),
    remaining_usd: remaining.toFixed(),
    unpriced_calls: counts.unpriced,
    overshoot_calls: counts.overshoot,
    overshoot_usd: counts.overshootUsd.toFixed(),
    used_pct: pct,
    period_start: b.period === 'total' && !b.resetAt ? null : countFrom(b, w).toISOString(),
    resets_at: resetsAt?.toISOString() ?? null,
    state: spent.gte(b.limitUsd) ? 'exceeded' : firstThreshold !== undefined && pct >= firstThreshold ? 'alerting' : 'ok',
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  };
}

export async function budgetStatuses(q: Queryable, budgets: readonly Budget[], now = new Date()): Promise<BudgetStatus[]> {
  const out: BudgetStatus[] = [];
  for (const b of budgets) out.push(await budgetStatus(q, b, now));
  return out;
}

export type FailOn = 'exceeded' | 'soft';

export interface CheckReport {
  fail_on: FailOn;
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
  return { fail_on: failOn, checked: statuses.length, failed, budgets: statuses };
}

export function checkFailure(report: CheckReport): PolicyFailedError {
  const names = report.failed.map((s) => `${s.scope}/${s.entity_id}${s.model ? `@${s.model}` : ''} (${s.spent_usd} of ${s.limit_usd} USD)`);
  return new PolicyFailedError(`${report.failed.length} budget${report.failed.length === 1 ? '' : 's'} over the limit: ${names.join(', ')}`, {
    code: 'OCO_BUDGET_EXCEEDED',
    hint: 'Raise the limit (oco budgets update), reset the period (oco budgets reset), or wait for the period to end.',
  });
}

export function rateLimitView(l: RateLimit): Record<string, unknown> {
  return { id: l.id, scope: l.scope, entity_id: l.entityId, kind: l.kind, limit: l.limit, window: l.kind === 'concurrent' ? null : formatSpanSeconds(l.windowSeconds), created_at: l.createdAt };
}

export type { Store };
