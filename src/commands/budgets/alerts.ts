import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { budgetRefFlags, resolveBudget } from '../../core/cli/spend.js';
import { invalid } from '../../core/gateway/spend/model.js';
import { listAlerts, type AlertRecord } from '../../core/gateway/spend/repo.js';

export default class BudgetsAlerts extends OcoCommand<AlertRecord[]> {
  static override summary = 'List recorded budget alerts: thresholds crossed and calls refused, newest first.';
  static override description =
    'Each threshold is recorded once per period; refusals at most once a ' +
    'minute per budget. Webhooks (if any) were sent for the same events.';
  static override examples = [
    '<%= config.bin %> budgets alerts',
    '<%= config.bin %> budgets alerts --scope team --entity payments --limit 20',
    '<%= config.bin %> budgets alerts --json',
  ];
  static override args = { id: Args.string({ description: 'budget id (all budgets when omitted)' }) };
  static override flags = {
    ...budgetRefFlags,
    limit: Flags.string({ description: 'at most this many alerts', default: '100' }),
  };

  async run(): Promise<AlertRecord[]> {
    const { args, flags } = await this.parse(BudgetsAlerts);
    if (!/^\d+$/.test(flags.limit) || Number(flags.limit) < 1 || Number(flags.limit) > 10_000)
      throw invalid('limit', `"${flags.limit}" is not a whole number from 1 to 10000`);
    const store = await this.store();
    const budgetId =
      args.id || flags.id || flags.scope || flags.entity ? (await resolveBudget(store, flags, args.id)).id : undefined;
    const alerts = await listAlerts(store, { budgetId, limit: Number(flags.limit) });
    if (!this.jsonEnabled()) {
      this.log(
        alerts.length
          ? renderTable(
              alerts.map((a) => ({ ...a, threshold: a.thresholdPct === null ? '-' : `${a.thresholdPct}%` })),
              [
                { key: 'createdAt', header: 'time' },
                { key: 'budgetId', header: 'budget' },
                { key: 'kind' },
                { key: 'threshold' },
                { key: 'spentUsd', header: 'spent' },
                { key: 'limitUsd', header: 'limit' },
                { key: 'periodStart', header: 'period start' },
              ],
            )
          : 'No alerts recorded.',
      );
    }
    return alerts;
  }
}
