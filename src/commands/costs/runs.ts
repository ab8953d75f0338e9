import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listRuns, type IngestRun } from '../../core/cloud-costs/runs.js';

export default class CostsRuns extends OcoCommand<{ runs: IngestRun[] }> {
  static override summary = 'Recent ingest and import runs: source, window, status, rows, API requests.';
  static override examples = [
    '<%= config.bin %> costs runs',
    '<%= config.bin %> costs runs --source aws --limit 5',
    '<%= config.bin %> costs runs --json',
  ];
  static override flags = {
    source: Flags.string({ description: 'only this source (aws, azure, gcp, focus:<file>)' }),
    limit: Flags.integer({ description: 'how many runs', default: 20, min: 1, max: 1000 }),
  };

  async run(): Promise<{ runs: IngestRun[] }> {
    const { flags } = await this.parse(CostsRuns);
    const store = await this.store();
    const runs = await listRuns(store, { source: flags.source, limit: flags.limit });
    if (!this.jsonEnabled()) {
      if (runs.length === 0) this.log('No runs yet: "oco costs ingest" or "oco costs import FILE".');
      else {
        this.log(
          renderTable(
            runs.map((r) => ({
              started: r.startedAt,
              source: r.source,
              status: r.status,
              window: r.windowFrom ? `${r.windowFrom}..${r.windowTo}` : '-',
              rows: r.rowsWritten,
              requests: r.requestsMade,
              error: r.error ? r.error.slice(0, 80) : null,
            })),
          ),
        );
      }
    }
    return { runs };
  }
}
