import type { Notice } from '../../base/notify/notice.js';
import type { Queryable } from '../../base/store/types.js';
import type { Budget } from '../spend/model.js';
import { periodSpec } from '../spend/model.js';
import { periodWindow } from '../spend/period.js';
import { topSpenders } from '../spend/repo.js';
import { budgetStatus } from '../spend/service.js';

export interface BudgetAlertFacts {
  kind: 'threshold' | 'refused' | 'test';
  thresholdPct: number | null;
  /** The generic webhook's body for this alert (the one budget alerts have always sent). */
  payload: Record<string, unknown>;
}

/** A budget's display name: its name, else scope/entity (narrowed by provider/model when it is). */
export function budgetLabel(b: Pick<Budget, 'name' | 'scope' | 'entityId' | 'provider' | 'model'>): string {
  const narrowed = [b.provider, b.model].filter(Boolean).join('/');
  return b.name ?? `${b.scope} ${b.entityId}${narrowed ? ` (${narrowed})` : ''}`;
}

/**
 * A budget alert for people: where the budget stands now (spent, limit, percent, reset) and who spent it, every
 * amount an exact decimal string and anything not known spelled "unknown".
 */
export async function budgetNotice(q: Queryable, b: Budget, a: BudgetAlertFacts, now = new Date()): Promise<Notice> {
  const status = await budgetStatus(q, b, now);
  const top = await topSpenders(q, b, periodWindow(periodSpec(b), now));
  const label = budgetLabel(b);
  const pct = b.limitUsd.isZero() ? 'unknown' : `${status.usedPct}%`;
  const title =
    a.kind === 'refused'
      ? `Budget ${label} refused a call`
      : a.kind === 'test'
        ? `Test alert for budget ${label}`
        : `Budget ${label} reached ${a.thresholdPct}%`;
  const summary =
    `${label} has spent ${status.spentUsd} USD of ${status.limitUsd} USD (${pct}) this ${b.period} period` +
    (b.hard ? '; it is hard: calls over the limit are refused.' : '; it is soft: calls are not refused.');
  return {
    event: a.kind === 'refused' ? 'budget.refused' : a.kind === 'test' ? 'test' : 'budget.threshold',
    title,
    summary,
    facts: [
      { label: 'Budget', value: label },
      { label: 'Scope', value: `${b.scope} ${b.entityId}` },
      { label: 'Spent', value: `${status.spentUsd} USD` },
      { label: 'Limit', value: `${status.limitUsd} USD` },
      { label: 'Used', value: pct },
      { label: 'Resets', value: status.resetsAt ?? (b.period === 'total' ? 'never' : 'unknown') },
      ...(status.unpricedCalls > 0
        ? [{ label: 'Unpriced calls', value: `${status.unpricedCalls} (cost unknown, not in spent)` }]
        : []),
    ],
    tables: [
      {
        title: `Top spenders by ${top.by} this period`,
        columns: [top.by, 'spent (USD)'],
        rows: top.rows.map((r) => [r.id === '' ? '(no key)' : r.id, r.spentUsd.toFixed()]),
        empty: 'no priced spend recorded in this period',
      },
    ],
    payload: a.payload,
  };
}
