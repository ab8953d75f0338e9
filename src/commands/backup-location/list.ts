import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { backupLocationTable } from '../../core/cli/velero/location-flags.js';
import { backupLocationRow, type BackupLocationRow } from '../../core/resilience/velero/backup-locations.js';

export default class BackupLocationList extends VeleroCommand<BackupLocationRow[]> {
  static override summary = 'List backup storage locations with their phase, last validation and the default.';
  static override description =
    'Reads the BackupStorageLocation objects, as "velero backup-location get" does. PHASE is what Velero found ' +
    'when it last validated the location (Available / Unavailable; unknown before its first check): an ' +
    'Unavailable location is the first thing to look at when backups fail.';
  static override examples = [
    '<%= config.bin %> backup-location list',
    '<%= config.bin %> backup-location list --json',
    '<%= config.bin %> backup-location list --kubecontext prod -n velero',
  ];
  static override flags = { ...kubeFlags };

  async run() {
    const { flags } = await this.parse(BackupLocationList);
    const client = await this.velero(flags);
    const { items } = await client.list('bsl');
    const rows = items.map(backupLocationRow).sort((a, b) => a.name.localeCompare(b.name));
    if (!this.jsonEnabled()) {
      this.log(
        rows.length === 0 ? `No backup storage locations in namespace ${client.namespace}.` : backupLocationTable(rows),
      );
    }
    return rows;
  }
}
