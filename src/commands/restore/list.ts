import { Flags } from '@oclif/core';
import { renderTable } from '../../core/cli/table.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { labelsText, listOutputFlags } from '../../core/cli/velero/output.js';
import { summarize } from '../../core/resilience/velero/outcome.js';
import { recordObjects } from '../../core/resilience/velero/records.js';
import { SORT_KEYS, listSorted } from '../../core/resilience/velero/service.js';
import { ago } from '../../core/resilience/velero/values.js';

type Row = ReturnType<typeof summarize> & { labels?: Record<string, string> };

export default class RestoreList extends VeleroCommand<Row[]> {
  static override summary = 'List Velero restores (newest first).';
  static override examples = ['<%= config.bin %> restore list', '<%= config.bin %> restore list --sort-by name --json'];
  static override flags = {
    'sort-by': Flags.string({
      description: 'order: time (newest first), name or phase',
      options: [...SORT_KEYS],
      default: 'time',
    }),
    selector: Flags.string({ char: 'l', description: 'label selector' }),
    ...listOutputFlags,
    ...kubeFlags,
  };

  async run() {
    const { flags } = await this.parse(RestoreList);
    const output = this.checkOutput(flags.output);
    const client = await this.velero(flags);
    const items = await listSorted(client, 'restore', {
      selector: flags.selector,
      sortBy: flags['sort-by'] as (typeof SORT_KEYS)[number],
    });
    await recordObjects(await this.store(), 'restore', items, client.kube.context, client.namespace);
    const rows: Row[] = items.map((o) =>
      flags['show-labels'] ? { ...summarize(o), labels: o.metadata.labels ?? {} } : summarize(o),
    );
    if (!this.printAs(output, rows)) {
      this.log(
        rows.length === 0
          ? `No restores in namespace ${client.namespace}.`
          : renderTable(
              rows.map((r) => ({
                ...r,
                created: ago(r.created),
                items: r.totalItems !== null ? `${r.items ?? 0}/${r.totalItems}` : null,
                labels: labelsText(r.labels),
              })),
              [
                { key: 'name' },
                { key: 'backup' },
                { key: 'phase', header: 'status' },
                { key: 'items' },
                { key: 'errors' },
                { key: 'warnings' },
                { key: 'created' },
                ...(flags['show-labels'] ? [{ key: 'labels' as const }] : []),
              ],
            ),
      );
    }
    return rows;
  }
}
