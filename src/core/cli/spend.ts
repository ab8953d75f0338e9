import { Flags } from '@oclif/core';
import { UsageError } from '../base/errors.js';
import type { Queryable } from '../base/store/types.js';
import { SCOPE_NAMES, type Budget } from '../gateway/spend/model.js';
import { findBudget } from '../gateway/spend/repo.js';
import type { BudgetStatus } from '../gateway/spend/service.js';

/**
 * Flags and rendering shared by the budgets commands. Values are plain strings
 * here and validated by the model, so a bad value is reported the same way
 * (exit 2, the flag named, nothing stored) from the CLI and from the admin API.
 */
export const budgetRefFlags = {
  id: Flags.string({ description: 'budget id (from "oco budgets list")' }),
  scope: Flags.string({ description: `scope: ${SCOPE_NAMES.join(', ')}` }),
  entity: Flags.string({ description: 'entity id within the scope (team name, agent id, key id, tag …)' }),
  provider: Flags.string({ description: 'narrow to budgets on one provider (openai, anthropic, gemini)' }),
  model: Flags.string({ description: 'narrow to budgets on one model' }),
};

export const budgetValueFlags = {
  limit: Flags.string({
    description:
      'limit in USD, a plain decimal such as 500 or 12.50; 0 with a hard budget refuses every call (a kill switch)',
  }),
  period: Flags.string({
    description: 'daily, weekly, monthly (calendar, in --timezone), rolling (with --window) or total',
  }),
  window: Flags.string({ description: 'rolling window length, e.g. 6h, 7d (with --period rolling)' }),
  timezone: Flags.string({ description: 'IANA timezone of calendar periods (default budget.timezone, UTC)' }),
  'alert-at': Flags.string({ description: 'alert thresholds in percent, comma separated (default 50,80,100)' }),
  webhook: Flags.string({ description: 'URL that receives alert webhooks (JSON POST signed with OCO_WEBHOOK_SECRET)' }),
  name: Flags.string({ description: 'a label for people' }),
};

export interface RefFlags {
  id?: string;
  scope?: string;
  entity?: string;
  provider?: string;
  model?: string;
}

/** The one budget a command's --id or --scope/--entity (+ --provider/--model) names. */
export async function resolveBudget(q: Queryable, f: RefFlags, idArg?: string): Promise<Budget> {
  const id = idArg ?? f.id;
  if (id) return findBudget(q, { id });
  if (!f.scope || !f.entity) {
    throw new UsageError('name the budget with --id, or with --scope and --entity', {
      code: 'OCO_USAGE',
      hint: 'See "oco budgets list" for ids.',
      details: { flag: f.scope ? 'entity' : 'scope' },
    });
  }
  if (!SCOPE_NAMES.includes(f.scope as never))
    throw new UsageError(`--scope: "${f.scope}" is not one of ${SCOPE_NAMES.join(', ')}`, {
      code: 'OCO_SPEND_INVALID',
      details: { flag: 'scope' },
    });
  return findBudget(q, { scope: f.scope, entityId: f.entity, provider: f.provider, model: f.model });
}

export const BUDGET_COLUMNS = [
  { key: 'id' },
  { key: 'scope' },
  { key: 'entityId', header: 'entity' },
  { key: 'on' },
  { key: 'limitLabel', header: 'limit' },
  { key: 'spentUsd', header: 'spent' },
  { key: 'reservedUsd', header: 'reserved' },
  { key: 'remainingUsd', header: 'remaining' },
  { key: 'unpricedCalls', header: 'unpriced' },
  { key: 'overshootCalls', header: 'overshoot' },
  { key: 'used', header: 'used' },
  { key: 'periodLabel', header: 'period' },
  { key: 'resetsAt', header: 'next reset' },
  { key: 'state' },
];

/** Table rows for humans: provider/model folded into one column, soft budgets marked. */
export function budgetRows(statuses: readonly BudgetStatus[]): Array<Record<string, unknown>> {
  return statuses.map((s) => {
    const period = s.period === 'rolling' ? `rolling ${s.window}` : s.period;
    const calendar = s.period === 'daily' || s.period === 'weekly' || s.period === 'monthly';
    return {
      ...s,
      on: [s.provider, s.model].filter(Boolean).join('/') || 'all',
      used: `${s.usedPct}%`,
      // A raise in force shows the limit in force and when the raise ends.
      limitLabel: s.raise ? `${s.effectiveLimitUsd} (+${s.raise.byUsd} until ${s.raise.until})` : s.limitUsd,
      periodLabel: `${period}${calendar ? ` ${s.timezone}` : ''}${s.hard ? '' : ' (soft)'}`,
      state: s.state,
    };
  });
}

export function describeBudget(s: BudgetStatus): string {
  const lines: Array<[string, unknown]> = [
    ['id', s.id],
    ['name', s.name],
    ['scope', `${s.scope} ${s.entityId}`],
    ['applies to', [s.provider, s.model].filter(Boolean).join('/') || 'all providers and models'],
    ['limit', `${s.limitUsd} USD (${s.hard ? 'hard: blocks calls' : 'soft: alerts only'})`],
    ['raise', s.raise ? `+${s.raise.byUsd} USD until ${s.raise.until}: ${s.effectiveLimitUsd} USD in force` : 'none'],
    [
      'period',
      s.period === 'rolling'
        ? `rolling ${s.window}`
        : s.period === 'total'
          ? 'total (never resets)'
          : `${s.period}, ${s.timezone}`,
    ],
    ['spent', `${s.spentUsd} USD (${s.usedPct}%)`],
    ['reserved', `${s.reservedUsd} USD`],
    ['remaining', `${s.remainingUsd} USD`],
    [
      'unpriced',
      `${s.unpricedCalls} call${s.unpricedCalls === 1 ? '' : 's'} without a price (cost unknown, not in spent)`,
    ],
    [
      'overshoot',
      `${s.overshootCalls} call${s.overshootCalls === 1 ? '' : 's'} above their reservation (${s.overshootUsd} ` +
        `USD over)`,
    ],
    ['period start', s.periodStart],
    ['next reset', s.resetsAt ?? (s.period === 'total' ? 'never' : '-')],
    ['alerts at', s.alertAt.length ? s.alertAt.map((t) => `${t}%`).join(', ') : 'none'],
    ['webhook', s.webhook],
    ['state', s.state],
  ];
  return lines.map(([k, v]) => `${k.padEnd(13)} ${v ?? '-'}`).join('\n');
}
