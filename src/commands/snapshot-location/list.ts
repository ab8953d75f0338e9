import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { snapshotLocationTable } from '../../core/cli/velero/location-flags.js';
import { snapshotLocationRow, type SnapshotLocationRow } from '../../core/resilience/velero/snapshot-locations.js';

export default class SnapshotLocationList extends VeleroCommand<SnapshotLocationRow[]> {
  static override summary = 'List volume snapshot locations with their provider, phase and config.';
  static override description = 'Reads the VolumeSnapshotLocation objects, as "velero snapshot-location get" does.';
  static override examples = [
    '<%= config.bin %> snapshot-location list',
    '<%= config.bin %> snapshot-location list --json',
  ];
  static override flags = { ...kubeFlags };

  async run() {
    const { flags } = await this.parse(SnapshotLocationList);
    const client = await this.velero(flags);
    const { items } = await client.list('vsl');
    const rows = items.map(snapshotLocationRow).sort((a, b) => a.name.localeCompare(b.name));
    if (!this.jsonEnabled()) {
      this.log(
        rows.length === 0
          ? `No volume snapshot locations in namespace ${client.namespace}.`
          : snapshotLocationTable(rows),
      );
    }
    return rows;
  }
}
