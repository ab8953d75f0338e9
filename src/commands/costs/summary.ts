import { Flags } from '@oclif/core';
import { stringify } from 'csv-stringify/sync';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { providerKey } from '../../core/cloud-costs/provider-key.js';
import { METRICS, summarise, type Metric, type Summary } from '../../core/cloud-costs/report.js';
import { parseReportWindow } from '../../core/cloud-costs/window.js';

export default class CostsSummary extends OcoCommand<Summary> {
  static override summary = 'Cloud costs grouped by provider, service, account, region, tag, day or month.';
  static override description =
    'Sums are exact (NUMERIC in PostgreSQL, decimal in SQLite). ' +
    'Costs are kept in the currency they were billed in;\n' +
    'the USD column uses the rates set with "oco costs rates set" and is left empty for a currency without a rate.';
  static override examples = [
    '<%= config.bin %> costs summary',
    '<%= config.bin %> costs summary --by service --from 2026-07-01 --to 2026-07-31',
    '<%= config.bin %> costs summary --by tag:team --csv',
    '<%= config.bin %> costs summary --by month --metric billed --json',
  ];
  static override flags = {
    by: Flags.string({
      description: 'provider|service|account|region|tag:KEY|day|month (also source, category, resource)',
      default: 'provider',
    }),
    from: Flags.string({ description: 'first day, YYYY-MM-DD' }),
    to: Flags.string({ description: 'last day (inclusive), YYYY-MM-DD' }),
    metric: Flags.string({
      description: 'billed (invoiced), effective (amortised, the FOCUS default) or list',
      options: [...METRICS],
      default: 'effective',
    }),
    provider: Flags.string({
      description:
        'only this provider: aws, azure, gcp (or a FOCUS name such ' +
        'as "Amazon Web Services"), or another provider as imported',
    }),
    csv: Flags.boolean({ description: 'print CSV', exclusive: ['json'] }),
  };

  async run(): Promise<Summary> {
    const { flags } = await this.parse(CostsSummary);
    const store = await this.store();
    const summary = await summarise(store, {
      by: flags.by,
      window: parseReportWindow({ from: flags.from, to: flags.to }),
      metric: flags.metric as Metric,
      provider: providerKey(flags.provider),
    });
    if (this.jsonEnabled()) return summary;
    const currencies = Object.keys(summary.total.byCurrency).sort();
    const rows = summary.rows.map((r) => ({
      [flags.by]: r.key,
      cost_usd: r.costUsd,
      ...Object.fromEntries(currencies.map((c) => [c, r.byCurrency[c] ?? null])),
      rows: r.rows,
    }));
    if (flags.csv) {
      process.stdout.write(stringify(rows, { header: true, columns: [flags.by, 'cost_usd', ...currencies, 'rows'] }));
      return summary;
    }
    if (rows.length === 0)
      this.log('No cloud costs in this window. Import some with "oco costs import" or "oco costs ingest".');
    else {
      this.log(renderTable(rows));
      const billed =
        currencies.length > 1 || currencies[0] !== 'USD'
          ? ` (${currencies.map((c) => `${summary.total.byCurrency[c]} ${c}`).join(', ')})`
          : '';
      this.log(
        `total: ${summary.total.costUsd ?? '-'} USD${billed}, ${summary.total.rows} rows, metric ${summary.metric}`,
      );
    }
    for (const c of summary.missingRates)
      this.warn(
        `no rate for ${c}: its costs are not in the USD column. Set one: oco costs rates set ${c} <USD per ${c}>`,
      );
    return summary;
  }
}
