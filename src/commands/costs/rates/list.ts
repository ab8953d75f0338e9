import { OcoCommand } from '../../../core/cli/base-command.js';
import { renderTable } from '../../../core/cli/table.js';
import { listRates } from '../../../core/cloud-costs/rates.js';

export default class CostsRatesList extends OcoCommand<{ rates: Awaited<ReturnType<typeof listRates>> }> {
  static override summary = 'List the currency rates used for reporting.';
  static override examples = ['<%= config.bin %> costs rates list', '<%= config.bin %> costs rates list --json'];

  async run(): Promise<{ rates: Awaited<ReturnType<typeof listRates>> }> {
    await this.parse(CostsRatesList);
    const store = await this.store();
    const rates = await listRates(store);
    if (!this.jsonEnabled())
      this.log(
        rates.length
          ? renderTable(
              rates.map((r) => ({ currency: r.currency, 'usd per unit': r.usdPerUnit, updated: r.updatedAt })),
            )
          : 'No rates set: costs in other currencies are reported as billed. ' +
              'Set one with "oco costs rates set EUR 1.08".',
      );
    return { rates };
  }
}
