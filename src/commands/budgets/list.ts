import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { BUDGET_COLUMNS, budgetRows } from '../../core/cli/spend.js';
import { invalid, SCOPE_NAMES } from '../../core/gateway/spend/model.js';
import { listBudgets } from '../../core/gateway/spend/repo.js';
import { budgetStatuses, type BudgetStatus } from '../../core/gateway/spend/service.js';

export default class BudgetsList extends OcoCommand<BudgetStatus[]> {
  static override summary = 'List budgets with spent, reserved and remaining amounts and the next reset.';
  static override description =
    'Spent is the settled cost of calls in the current period (exact decimal); reserved ' +
    'is the worst case of calls in flight. Unpriced counts calls admitted for a model ' +
    'without a price (budget.unpricedModels=allow; their cost is unknown, not in spent); ' +
    'overshoot counts calls whose exact cost came out above the bound reserved for them.';
  static override examples = [
    '<%= config.bin %> budgets list',
    '<%= config.bin %> budgets list --scope team',
    '<%= config.bin %> budgets list --json',
  ];
  static override flags = {
    scope: Flags.string({ description: 'only budgets of this scope' }),
    entity: Flags.string({ description: 'only budgets of this entity' }),
  };

  async run(): Promise<BudgetStatus[]> {
    const { flags } = await this.parse(BudgetsList);
    if (flags.scope && !SCOPE_NAMES.includes(flags.scope as never))
      throw invalid('scope', `"${flags.scope}" is not one of ${SCOPE_NAMES.join(', ')}`);
    const store = await this.store();
    const statuses = await budgetStatuses(
      store,
      await listBudgets(store, { scope: flags.scope, entityId: flags.entity }),
    );
    if (!this.jsonEnabled())
      this.log(
        statuses.length
          ? renderTable(budgetRows(statuses), BUDGET_COLUMNS)
          : 'No budgets. Create one with "oco budgets create".',
      );
    return statuses;
  }
}
