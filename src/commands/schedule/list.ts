import { renderTable } from '../../core/cli/table.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { labelsText, listOutputFlags } from '../../core/cli/velero/output.js';
import { recordObjects } from '../../core/resilience/velero/records.js';
import { scheduleRow } from '../../core/resilience/velero/schedules.js';
import { ago } from '../../core/resilience/velero/values.js';

type Row = ReturnType<typeof scheduleRow> & { labels?: Record<string, string> };

export default class ScheduleList extends VeleroCommand<Row[]> {
  static override summary = 'List Velero schedules.';
  static override examples = [
    '<%= config.bin %> schedule list',
    '<%= config.bin %> schedule list --json',
    '<%= config.bin %> schedule list --show-labels -o yaml',
  ];
  static override flags = { ...listOutputFlags, ...kubeFlags };

  async run() {
    const { flags } = await this.parse(ScheduleList);
    const output = this.checkOutput(flags.output);
    const client = await this.velero(flags);
    const { items } = await client.list('schedule');
    await recordObjects(await this.store(), 'schedule', items, client.kube.context, client.namespace);
    const rows: Row[] = items
      .map((o) => (flags['show-labels'] ? { ...scheduleRow(o), labels: o.metadata.labels ?? {} } : scheduleRow(o)))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (!this.printAs(output, rows)) {
      this.log(
        rows.length === 0
          ? `No schedules in namespace ${client.namespace}.`
          : renderTable(
              rows.map((r) => ({
                ...r,
                lastBackup: ago(r.lastBackup),
                includedNamespaces: r.includedNamespaces?.join(',') ?? '*',
                labels: labelsText(r.labels),
              })),
              [
                { key: 'name' },
                { key: 'phase', header: 'status' },
                { key: 'schedule' },
                { key: 'paused' },
                { key: 'lastBackup', header: 'last backup' },
                { key: 'includedNamespaces', header: 'namespaces' },
                { key: 'ttl' },
                ...(flags['show-labels'] ? [{ key: 'labels' as const }] : []),
              ],
            ),
      );
    }
    return rows;
  }
}
