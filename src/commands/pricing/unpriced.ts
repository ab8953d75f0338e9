import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listUnpriced } from '../../core/gateway/usage/summary.js';

type Row = Awaited<ReturnType<typeof listUnpriced>>[number];

export default class PricingUnpriced extends OcoCommand<Row[]> {
  static override summary = 'Models the gateway saw without a price (their calls have a null cost).';
  static override examples = ['<%= config.bin %> pricing unpriced', '<%= config.bin %> pricing unpriced --json'];

  async run(): Promise<Row[]> {
    await this.parse(PricingUnpriced);
    const rows = await listUnpriced(await this.store());
    if (!this.jsonEnabled())
      this.log(
        rows.length === 0
          ? 'Every recorded call was priced.'
          : renderTable(rows, [
              { key: 'provider' },
              { key: 'model' },
              { key: 'requests' },
              { key: 'firstHour', header: 'first hour' },
              { key: 'lastHour', header: 'last hour' },
            ]),
      );
    return rows;
  }
}
