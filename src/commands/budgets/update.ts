import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { UsageError } from '../../core/base/errors.js';
import { budgetRefFlags, budgetValueFlags, describeBudget, resolveBudget } from '../../core/cli/spend.js';
import { parseBudgetUpdate } from '../../core/gateway/spend/model.js';
import { updateBudget } from '../../core/gateway/spend/repo.js';
import { budgetStatus, type BudgetStatus } from '../../core/gateway/spend/service.js';

export default class BudgetsUpdate extends OcoCommand<BudgetStatus> {
  static override summary = "Change a budget's limit, period, thresholds, webhook or hard/soft mode.";
  static override description =
    'Only the given flags change. Running daemons pick the change up within seconds. ' +
    'Changing the period keeps recorded spend: the new period counts the calls that ' +
    'fall in it. --limit 0 on a hard budget refuses every call it applies to.';
  static override examples = [
    '<%= config.bin %> budgets update --scope team --entity payments --limit 750',
    '<%= config.bin %> budgets update bud_0123456789abcdef --soft',
    '<%= config.bin %> budgets update --scope agent --entity ' +
      'billing-bot --period rolling --window 7d --alert-at 90 --json',
    '<%= config.bin %> budgets update --scope team --entity payments --webhook none',
    '<%= config.bin %> budgets update --scope agent --entity runaway-bot --limit 0',
  ];
  static override args = { id: Args.string({ description: 'budget id' }) };
  static override flags = {
    ...budgetRefFlags,
    ...budgetValueFlags,
    soft: Flags.boolean({ description: 'make it alert-only', exclusive: ['hard'] }),
    hard: Flags.boolean({ description: 'make it block calls', exclusive: ['soft'] }),
  };

  async run(): Promise<BudgetStatus> {
    const { args, flags } = await this.parse(BudgetsUpdate);
    const changes = {
      limit: flags.limit,
      period: flags.period,
      window: flags.window,
      timezone: flags.timezone,
      'alert-at': flags['alert-at'],
      webhook: flags.webhook,
      name: flags.name,
      soft: flags.soft ? true : flags.hard ? false : undefined,
    };
    if (Object.values(changes).every((v) => v === undefined)) {
      throw new UsageError(
        'nothing to change: give at least one of --limit, --period, ' +
          '--window, --timezone, --alert-at, --webhook, --name, --soft, --hard',
        { code: 'OCO_USAGE' },
      );
    }
    const store = await this.store();
    const current = await resolveBudget(store, flags, args.id);
    const fields = parseBudgetUpdate(current, changes);
    const status = await budgetStatus(store, await updateBudget(store, current.id, fields));
    if (!this.jsonEnabled()) this.log(`Updated budget ${status.id}\n${describeBudget(status)}`);
    return status;
  }
}
