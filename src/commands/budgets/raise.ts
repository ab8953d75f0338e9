import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { budgetRefFlags, describeBudget, resolveBudget } from '../../core/cli/spend.js';
import { budgetStatus, raiseBudget, type BudgetStatus } from '../../core/gateway/spend/service.js';

export default class BudgetsRaise extends OcoCommand<BudgetStatus> {
  static override summary = "Raise a budget's limit for a while: --by USD until --until; --clear ends it.";
  static override description =
    'The raise is stored with the budget and ends by itself at --until: admission counts against the ' +
    'limit plus the raise until then, and against the configured limit after it, without a restart ' +
    '(running daemons pick a new raise up within seconds). A new raise replaces the previous one. ' +
    '"budgets list" and "budgets get" show the limit in force and until when. --by is an exact ' +
    'decimal above 0; --until an ISO-8601 date or time with a zone, in the future. Bad input exits 2 ' +
    '(OCO_BUDGET_RAISE_INVALID) naming the flag, and nothing changes.';
  static override examples = [
    '<%= config.bin %> budgets raise bud_0123456789abcdef --by 20 --until 2026-12-31T00:00:00Z',
    '<%= config.bin %> budgets raise --scope team --entity payments --by 150.50 --until 2026-12-24 --json',
    '<%= config.bin %> budgets raise bud_0123456789abcdef --clear',
  ];
  static override args = { id: Args.string({ description: 'budget id' }) };
  static override flags = {
    ...budgetRefFlags,
    by: Flags.string({ description: 'USD added to the limit, an exact decimal above 0 such as 20 or 12.50' }),
    until: Flags.string({ description: 'when the raise ends: ISO 8601, e.g. 2026-12-31 or 2026-12-31T18:00:00Z' }),
    clear: Flags.boolean({ description: 'end the raise now', exclusive: ['by', 'until'] }),
  };

  async run(): Promise<BudgetStatus> {
    const { args, flags } = await this.parse(BudgetsRaise);
    const store = await this.store();
    const budget = await resolveBudget(store, flags, args.id);
    const status = await budgetStatus(
      store,
      await raiseBudget(store, budget, { by: flags.by, until: flags.until, clear: flags.clear || undefined }),
    );
    if (!this.jsonEnabled())
      this.log(`${status.raise ? 'Raised' : 'No raise on'} budget ${status.id}\n${describeBudget(status)}`);
    return status;
  }
}
