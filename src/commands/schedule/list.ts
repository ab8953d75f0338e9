import { renderTable } from '../../core/cli/table.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { recordObjects } from '../../core/resilience/velero/records.js';
import { scheduleRow } from '../../core/resilience/velero/schedules.js';
import { ago } from '../../core/resilience/velero/values.js';

export default class ScheduleList extends VeleroCommand<Array<ReturnType<typeof scheduleRow>>> {
  static override summary = 'List Velero schedules.';
  static override examples = ['<%= config.bin %> schedule list', '<%= config.bin %> schedule list --json'];
  static override flags = { ...kubeFlags };

  async run() {
    const { flags } = await this.parse(ScheduleList);
    const client = await this.velero(flags);
    const { items } = await client.list('schedule');
    await recordObjects(await this.store(), 'schedule', items, client.kube.context, client.namespace);
    const rows = items.map(scheduleRow).sort((a, b) => a.name.localeCompare(b.name));
    if (!this.jsonEnabled()) {
      this.log(
        rows.length === 0
          ? `No schedules in namespace ${client.namespace}.`
          : renderTable(
              rows.map((r) => ({
                ...r,
                lastBackup: ago(r.lastBackup),
                includedNamespaces: r.includedNamespaces?.join(',') ?? '*',
              })),
              [
                { key: 'name' },
                { key: 'phase', header: 'status' },
                { key: 'schedule' },
                { key: 'paused' },
                { key: 'lastBackup', header: 'last backup' },
                { key: 'includedNamespaces', header: 'namespaces' },
                { key: 'ttl' },
              ],
            ),
      );
    }
    return rows;
  }
}
