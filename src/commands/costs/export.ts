import { createWriteStream } from 'node:fs';
import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { exportFocusCsv } from '../../core/cloud-costs/focus/export.js';
import { parseReportWindow } from '../../core/cloud-costs/window.js';

export default class CostsExport extends OcoCommand<{ format: string; rows: number; output: string }> {
  static override summary = 'Write the normalised cost table out as a FOCUS 1.2 CSV.';
  static override description =
    'Columns in the FOCUS specification order, then x_ custom columns; ' +
    'columns imported from FOCUS files come back as they were read.';
  static override examples = [
    '<%= config.bin %> costs export --format focus-csv > focus.csv',
    '<%= config.bin %> costs export --format focus-csv --from 2026-07-01 --to 2026-07-31 --output july.csv',
    '<%= config.bin %> costs export --format focus-csv --source aws --output aws.csv --json',
  ];
  static override flags = {
    format: Flags.string({ description: 'output format', options: ['focus-csv'], default: 'focus-csv' }),
    output: Flags.string({ char: 'o', description: 'file to write (default stdout; required with --json)' }),
    from: Flags.string({ description: 'first day, YYYY-MM-DD' }),
    to: Flags.string({ description: 'last day (inclusive), YYYY-MM-DD' }),
    source: Flags.string({ description: 'only this source (aws, azure, gcp, focus:<file>)' }),
    provider: Flags.string({ description: 'only this provider' }),
  };

  async run(): Promise<{ format: string; rows: number; output: string }> {
    const { flags } = await this.parse(CostsExport);
    if (this.jsonEnabled() && !flags.output)
      this.error('--json prints the result document on stdout: give --output FILE for the CSV', { exit: 2 });
    const window = parseReportWindow({ from: flags.from, to: flags.to });
    const store = await this.store();
    const out = flags.output ? createWriteStream(flags.output) : process.stdout;
    const rows = await exportFocusCsv(store, out, { window, source: flags.source, provider: flags.provider });
    if (flags.output && !this.jsonEnabled()) this.log(`wrote ${rows} rows to ${flags.output}`);
    return { format: flags.format, rows, output: flags.output ?? '-' };
  }
}
