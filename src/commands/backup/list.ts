import { Flags } from '@oclif/core';
import { renderTable } from '../../core/cli/table.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { labelsText, listOutputFlags } from '../../core/cli/velero/output.js';
import { summarize } from '../../core/resilience/velero/outcome.js';
import { recordObjects } from '../../core/resilience/velero/records.js';
import { SORT_KEYS, listSorted } from '../../core/resilience/velero/service.js';
import { ago } from '../../core/resilience/velero/values.js';

type Row = ReturnType<typeof summarize> & { labels?: Record<string, string> };

export default class BackupList extends VeleroCommand<Row[]> {
  static override summary = 'List Velero backups (newest first).';
  static override description =
    'Reads the Backup objects of the Velero namespace and records what it saw in the store (backup_records).';
  static override examples = [
    '<%= config.bin %> backup list',
    '<%= config.bin %> backup list --sort-by name -l velero.io/schedule-name=daily',
    '<%= config.bin %> backup list --json',
    '<%= config.bin %> backup list --show-labels -o yaml',
  ];
  static override flags = {
    'sort-by': Flags.string({
      description: 'order: time (newest first), name or phase',
      options: [...SORT_KEYS],
      default: 'time',
    }),
    selector: Flags.string({ char: 'l', description: 'label selector, e.g. velero.io/schedule-name=daily' }),
    ...listOutputFlags,
    ...kubeFlags,
  };

  async run() {
    const { flags } = await this.parse(BackupList);
    const output = this.checkOutput(flags.output);
    const client = await this.velero(flags);
    const items = await listSorted(client, 'backup', {
      selector: flags.selector,
      sortBy: flags['sort-by'] as (typeof SORT_KEYS)[number],
    });
    await recordObjects(await this.store(), 'backup', items, client.kube.context, client.namespace);
    const rows: Row[] = items.map((o) =>
      flags['show-labels'] ? { ...summarize(o), labels: o.metadata.labels ?? {} } : summarize(o),
    );
    if (!this.printAs(output, rows)) {
      if (rows.length === 0) this.log(`No backups in namespace ${client.namespace}.`);
      else
        this.log(
          renderTable(
            rows.map((r) => ({
              ...r,
              created: ago(r.created),
              expires: r.expires ? ago(r.expires) : null,
              items: r.totalItems !== null ? `${r.items ?? 0}/${r.totalItems}` : null,
              labels: labelsText(r.labels),
            })),
            [
              { key: 'name' },
              { key: 'phase', header: 'status' },
              { key: 'items' },
              { key: 'errors' },
              { key: 'warnings' },
              { key: 'created' },
              { key: 'expires' },
              { key: 'storageLocation', header: 'storage location' },
              { key: 'schedule' },
              ...(flags['show-labels'] ? [{ key: 'labels' as const }] : []),
            ],
          ),
        );
    }
    return rows;
  }
}
