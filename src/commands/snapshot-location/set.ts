import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import {
  snapshotLocationPatch,
  snapshotLocationRow,
  type SnapshotLocationRow,
} from '../../core/resilience/velero/snapshot-locations.js';

export default class SnapshotLocationSet extends VeleroCommand<SnapshotLocationRow> {
  static override summary = "Change a volume snapshot location's credential.";
  static override description =
    'Patches the VolumeSnapshotLocation (a JSON merge patch), as "velero snapshot-location set" does.';
  static override examples = [
    '<%= config.bin %> snapshot-location set aws-eu --credential cloud-credentials-v2=cloud',
    '<%= config.bin %> snapshot-location set aws-eu --credential cloud-credentials-v2=cloud --json',
  ];
  static override args = { name: Args.string({ description: 'location name', required: true }) };
  static override flags = {
    credential: Flags.string({
      description: 'Secret (in the Velero namespace) and key holding the credentials: secret-name=key',
    }),
    ...kubeFlags,
  };

  async run() {
    const { args, flags } = await this.parse(SnapshotLocationSet);
    // checked before the cluster is contacted
    const patch = snapshotLocationPatch({ credential: flags.credential });
    const client = await this.velero(flags);
    await client.get('vsl', args.name);
    const updated = await client.mergePatch('vsl', args.name, patch);
    if (!this.jsonEnabled()) this.log(`Volume snapshot location "${args.name}" updated.`);
    return snapshotLocationRow(updated);
  }
}
