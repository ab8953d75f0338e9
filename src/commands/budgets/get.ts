import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { budgetRefFlags, describeBudget, resolveBudget } from '../../core/cli/spend.js';
import { budgetStatus, type BudgetStatus } from '../../core/gateway/spend/service.js';

export default class BudgetsGet extends OcoCommand<BudgetStatus> {
  static override summary = 'Show one budget: its definition, spent, reserved, remaining and next reset.';
  static override examples = [
    '<%= config.bin %> budgets get bud_0123456789abcdef',
    '<%= config.bin %> budgets get --scope team --entity payments',
    '<%= config.bin %> budgets get --scope team --entity payments --model gpt-4o --json',
  ];
  static override args = { id: Args.string({ description: 'budget id' }) };
  static override flags = { ...budgetRefFlags };

  async run(): Promise<BudgetStatus> {
    const { args, flags } = await this.parse(BudgetsGet);
    const store = await this.store();
    const status = await budgetStatus(store, await resolveBudget(store, flags, args.id));
    if (!this.jsonEnabled()) this.log(describeBudget(status));
    return status;
  }
}
