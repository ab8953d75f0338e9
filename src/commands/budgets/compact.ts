import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { compactSpendLedger, MIN_RETENTION_DAYS, type CompactResult } from '../../core/gateway/spend/compact.js';

export default class BudgetsCompact extends OcoCommand<CompactResult> {
  static override summary = 'Fold spend-ledger rows older than the retention into one exact sum per attribution.';
  static override description =
    'The ledger keeps one row per call so budgets can be counted and rebuilt. Rows older than every budget ' +
    `window (the retention, at least ${MIN_RETENTION_DAYS} days, or the start of the longest rolling window) ` +
    'are replaced by one row per provider, model, org, team, agent, user, key, tags and UTC day with their ' +
    'exact sum: every budget, "total" ones included, keeps its spend to the last digit. The daemon does this ' +
    'every 6 hours; this command does it now (for deployments without a daemon).';
  static override examples = [
    '<%= config.bin %> budgets compact',
    '<%= config.bin %> budgets compact --retention-days 90 --json',
  ];
  static override flags = {
    'retention-days': Flags.integer({
      description: `days to keep one row per call (default budget.ledgerRetentionDays, at least ${MIN_RETENTION_DAYS})`,
      min: MIN_RETENTION_DAYS,
    }),
  };

  async run(): Promise<CompactResult> {
    const { flags } = await this.parse(BudgetsCompact);
    const config = this.loadConfig();
    const store = await this.store();
    const result = await compactSpendLedger(store, {
      retentionDays: flags['retention-days'] ?? config.int('budget.ledgerRetentionDays'),
    });
    if (!this.jsonEnabled())
      this.log(`Folded ${result.removed} ledger rows before ${result.cutoff} into ${result.folded} rows.`);
    return result;
  }
}
