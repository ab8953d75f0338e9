import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { METRICS, summarise, type Metric, type Summary } from '../../core/cloud-costs/report.js';
import { parseReportWindow } from '../../core/cloud-costs/window.js';

export default class CostsTop extends OcoCommand<Summary> {
  static override summary = 'The most expensive resources (or services, accounts) in a window.';
  static override description =
    'Ranked by cost in USD with the configured rates; a currency without a rate ranks last and is named.';
  static override examples = [
    '<%= config.bin %> costs top',
    '<%= config.bin %> costs top --limit 20 --by service --from 2026-07-01',
    '<%= config.bin %> costs top --json',
  ];
  static override flags = {
    limit: Flags.integer({ description: 'how many', default: 10, min: 1, max: 10_000 }),
    by: Flags.string({ description: 'resource, service, account, region or tag:KEY', default: 'resource' }),
    from: Flags.string({ description: 'first day, YYYY-MM-DD' }),
    to: Flags.string({ description: 'last day (inclusive), YYYY-MM-DD' }),
    metric: Flags.string({ description: 'billed, effective or list', options: [...METRICS], default: 'effective' }),
    provider: Flags.string({ description: 'only this provider' }),
  };

  async run(): Promise<Summary> {
    const { flags } = await this.parse(CostsTop);
    const store = await this.store();
    const summary = await summarise(store, {
      by: flags.by,
      window: parseReportWindow({ from: flags.from, to: flags.to }),
      metric: flags.metric as Metric,
      provider: flags.provider,
      limit: flags.limit,
    });
    if (!this.jsonEnabled()) {
      if (summary.rows.length === 0) this.log('No cloud costs in this window.');
      else
        this.log(
          renderTable(
            summary.rows.map((r, i) => ({
              '#': i + 1,
              [flags.by]: r.key ?? '(none)',
              cost_usd: r.costUsd,
              billed: Object.entries(r.byCurrency)
                .map(([c, a]) => `${a} ${c}`)
                .join(', '),
            })),
          ),
        );
      for (const c of summary.missingRates)
        this.warn(`no rate for ${c}: set one with "oco costs rates set ${c} <USD per ${c}>"`);
    }
    return summary;
  }
}
