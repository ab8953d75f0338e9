import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { BUDGET_COLUMNS, budgetRows } from '../../core/cli/spend.js';
import { invalid, SCOPE_NAMES } from '../../core/gateway/spend/model.js';
import { listBudgets } from '../../core/gateway/spend/repo.js';
import {
  budgetStatuses,
  checkBudgets,
  checkFailure,
  type CheckReport,
  type FailOn,
} from '../../core/gateway/spend/service.js';

export default class BudgetsCheck extends OcoCommand<CheckReport> {
  static override summary = 'CI gate: exit 4 when a budget is over its limit.';
  static override description =
    '--fail-on exceeded (default): fails when a hard budget has spent its limit. --fail-on ' +
    'soft: soft (alert-only) budgets over their limit fail too. Exit 0 when nothing fails; ' +
    'the report is printed either way (--json: {failOn, checked, failed, budgets}).';
  static override examples = [
    '<%= config.bin %> budgets check',
    '<%= config.bin %> budgets check --scope team --entity payments --fail-on soft',
    '<%= config.bin %> budgets check --json || echo "budget exceeded"',
  ];
  static override flags = {
    scope: Flags.string({ description: 'only budgets of this scope' }),
    entity: Flags.string({ description: 'only budgets of this entity' }),
    'fail-on': Flags.string({ description: 'exceeded (hard budgets) or soft (any budget)', default: 'exceeded' }),
  };

  async run(): Promise<CheckReport> {
    const { flags } = await this.parse(BudgetsCheck);
    const failOn = flags['fail-on'];
    if (failOn !== 'exceeded' && failOn !== 'soft')
      throw invalid('fail-on', `"${failOn}" is not one of exceeded, soft`);
    if (flags.scope && !SCOPE_NAMES.includes(flags.scope as never))
      throw invalid('scope', `"${flags.scope}" is not one of ${SCOPE_NAMES.join(', ')}`);
    const store = await this.store();
    const report = checkBudgets(
      await budgetStatuses(store, await listBudgets(store, { scope: flags.scope, entityId: flags.entity })),
      failOn as FailOn,
    );
    if (!this.jsonEnabled()) {
      if (report.budgets.length) this.log(renderTable(budgetRows(report.budgets), BUDGET_COLUMNS));
      this.log(report.failed.length ? '' : `ok: ${report.checked} budget(s) checked, none over (--fail-on ${failOn})`);
    }
    if (report.failed.length > 0) {
      const err = checkFailure(report);
      this.failAfterOutput(err.exitCode, err);
    }
    return report;
  }
}
