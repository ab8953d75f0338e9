import { basename } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { importFocusFile, type ImportResult } from '../../core/cloud-costs/import.js';
import { Progress } from '../../core/cli/progress.js';

export default class CostsImport extends OcoCommand<{ files: ImportResult[]; rows: number; invalid: number }> {
  static override summary = 'Import FOCUS 1.0–1.3 cost files (CSV, CSV.gz, Parquet).';
  static override description =
    'Reads AWS Data Exports (FOCUS), Azure FocusCost exports, the GCP FOCUS table or any FOCUS file, streaming.\n' +
    'Each row is filed under its own provider: ServiceProviderName (FOCUS 1.3), else ProviderName, so one ' +
    'file may mix clouds. AWS / Amazon Web Services become aws, Microsoft / Azure azure, Google / Google ' +
    'Cloud gcp (any case), the same keys "oco costs ingest" uses; any other name (Oracle, Snowflake, OpenAI) ' +
    'is kept as written. HostProviderName and InvoiceIssuerName (a reseller) do not decide the provider.\n' +
    '--provider fills rows that name no provider (a file without the column, or an empty cell); a ' +
    'row that names a different provider stops the import (exit 2): the flag never relabels a file.\n' +
    'Each file is one source (focus:<file name>, or --source), whatever providers it holds: ' +
    "importing it again replaces that source's rows for the file's days, all providers together, " +
    'never duplicates them. A file and an API ingest of the same provider are different sources: ' +
    '"costs summary --by provider" adds both, and the import warns when they cover the same days.\n' +
    'A malformed row stops the import before anything is written and names the file, ' +
    'line and column; --skip-invalid imports the valid rows and counts the rest.';
  static override examples = [
    '<%= config.bin %> costs import focus-2026-07.csv.gz',
    '<%= config.bin %> costs import export.parquet --source aws-focus',
    '<%= config.bin %> costs import multi-cloud-focus.csv.gz   # AWS, Azure and Google rows each under their provider',
    '<%= config.bin %> costs import saas-usage.csv --provider Snowflake   # a file without a ProviderName column',
    '<%= config.bin %> costs import samples/*.csv --currency USD --skip-invalid --json',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({ description: 'FOCUS file(s): .csv, .csv.gz or .parquet', required: true }),
  };
  static override flags = {
    source: Flags.string({ description: 'source name (default focus:<file name>); one file only' }),
    provider: Flags.string({
      description:
        'provider of rows that name none (no ServiceProviderName/ProviderName column, or an ' +
        'empty cell): aws, azure, gcp or any name; a row naming another provider is an error',
    }),
    currency: Flags.string({ description: 'BillingCurrency for files without that column (ISO 4217, e.g. USD)' }),
    'skip-invalid': Flags.boolean({ description: 'skip malformed rows and count them instead of stopping' }),
    lenient: Flags.boolean({
      description: 'accept spreadsheet-formatted values ("$1,234.00", US dates like 5/1/25) and normalise them',
    }),
  };

  async run(): Promise<{ files: ImportResult[]; rows: number; invalid: number }> {
    const { argv, flags } = await this.parse(CostsImport);
    const files = argv as string[];
    if (flags.source && files.length > 1)
      this.error('--source names one file; import several files without it (each becomes focus:<file name>)', {
        exit: 2,
      });
    const store = await this.store();
    const results: ImportResult[] = [];
    for (const file of files) {
      const progress = new Progress({ json: this.jsonEnabled() });
      progress.update({ label: basename(file) });
      try {
        results.push(
          await importFocusFile(store, file, {
            source: flags.source,
            provider: flags.provider,
            currency: flags.currency?.toUpperCase(),
            skipInvalid: flags['skip-invalid'],
            lenient: flags.lenient,
            onRows: (rows) => progress.update({ rows }),
          }),
        );
      } finally {
        await progress.done();
      }
    }
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          results.map((r) => ({
            file: r.file,
            source: r.source,
            provider: r.provider,
            rows: r.rows,
            skipped: r.invalid,
            days: r.window ? `${r.window.from}..${r.window.to}` : '-',
            seconds: (r.durationMs / 1000).toFixed(1),
          })),
        ),
      );
      for (const r of results) {
        for (const ex of r.invalidExamples) this.warn(`skipped: ${ex}`);
        for (const o of r.overlaps)
          this.warn(
            `${r.source} overlaps ${o.source} for ${o.provider} (${o.rows} rows, ${o.first}..${o.last}): ` +
              'both count in reports; remove one with a narrower import or use --by source',
          );
      }
    }
    return {
      files: results,
      rows: results.reduce((n, r) => n + r.rows, 0),
      invalid: results.reduce((n, r) => n + r.invalid, 0),
    };
  }
}
