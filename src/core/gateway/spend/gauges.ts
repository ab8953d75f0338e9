import type { GaugeSample, StoredGaugeSource } from '../../base/metrics/stored.js';
import { money } from '../../base/money.js';
import { listBudgets } from './repo.js';
import { budgetStatuses } from './service.js';

/**
 * Per budget (labelled by its name, else its id: budgets are operator-made, so their number is bounded):
 * the share of its limit spent and what remains after reservations, exactly as `oco budgets list`
 * computes them, from the ledger's sums.
 */
export const budgetGauges: StoredGaugeSource = {
  name: 'budgets',
  gauges: [
    {
      name: 'budget_utilisation_ratio',
      help: 'Spent / limit of each budget in its current period (1 = at the limit).',
      labelNames: ['budget', 'scope'],
    },
    {
      name: 'budget_remaining_usd',
      help: 'What each budget has left in its current period after spent and reserved amounts, in US dollars.',
      labelNames: ['budget', 'scope'],
    },
    { name: 'budget_limit_usd', help: 'The limit of each budget, in US dollars.', labelNames: ['budget', 'scope'] },
  ],
  async read(store, now) {
    const statuses = await budgetStatuses(store, await listBudgets(store), now);
    const used: GaugeSample[] = [];
    const remaining: GaugeSample[] = [];
    const limit: GaugeSample[] = [];
    for (const s of statuses) {
      const labels = { budget: s.name ?? s.id, scope: s.scope };
      // Computed in decimals, rounded once; a zero limit with spend counts as full (as usedPct does).
      // The limit in force: a temporary raise counts until it ends.
      const limitUsd = money(s.effectiveLimitUsd);
      const spent = money(s.spentUsd);
      used.push({ labels, value: limitUsd.isZero() ? (spent.isZero() ? 0 : 1) : spent.div(limitUsd).toNumber() });
      remaining.push({ labels, value: Number(s.remainingUsd) });
      limit.push({ labels, value: Number(s.effectiveLimitUsd) });
    }
    return { budget_utilisation_ratio: used, budget_remaining_usd: remaining, budget_limit_usd: limit };
  },
};
