import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { budgetRefFlags, describeBudget, resolveBudget } from '../../core/cli/spend.js';
import { resetBudget } from '../../core/gateway/spend/repo.js';
import { budgetStatus, type BudgetStatus } from '../../core/gateway/spend/service.js';

export default class BudgetsReset extends OcoCommand<BudgetStatus> {
  static override summary = "Start a budget's current period over: spend so far no longer counts, alerts re-arm.";
  static override description =
    'The ledger keeps every call; the reset only moves the point from ' +
    'which the budget counts. Running daemons apply it within seconds.';
  static override examples = [
    '<%= config.bin %> budgets reset --scope team --entity payments',
    '<%= config.bin %> budgets reset bud_0123456789abcdef --json',
  ];
  static override args = { id: Args.string({ description: 'budget id' }) };
  static override flags = { ...budgetRefFlags };

  async run(): Promise<BudgetStatus> {
    const { args, flags } = await this.parse(BudgetsReset);
    const store = await this.store();
    const b = await resolveBudget(store, flags, args.id);
    const status = await budgetStatus(store, await resetBudget(store, b.id));
    if (!this.jsonEnabled()) this.log(`Reset budget ${status.id}\n${describeBudget(status)}`);
    return status;
  }
}
