import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { budgetRefFlags, resolveBudget } from '../../core/cli/spend.js';
import { deleteBudget } from '../../core/gateway/spend/repo.js';

export default class BudgetsDelete extends OcoCommand<{ deleted: string; scope: string; entityId: string }> {
  static override summary = 'Delete a budget and its alert records.';
  static override description =
    'The spend ledger stays: a budget created again for the same entity sees the spend already made in its period.';
  static override examples = [
    '<%= config.bin %> budgets delete bud_0123456789abcdef',
    '<%= config.bin %> budgets delete --scope team --entity payments --json',
  ];
  static override args = { id: Args.string({ description: 'budget id' }) };
  static override flags = { ...budgetRefFlags };

  async run(): Promise<{ deleted: string; scope: string; entityId: string }> {
    const { args, flags } = await this.parse(BudgetsDelete);
    const store = await this.store();
    const b = await resolveBudget(store, flags, args.id);
    await deleteBudget(store, b.id);
    if (!this.jsonEnabled()) this.log(`Deleted budget ${b.id} (${b.scope} ${b.entityId})`);
    return { deleted: b.id, scope: b.scope, entityId: b.entityId };
  }
}
