import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import {
  buildSnapshotLocation,
  snapshotLocationRow,
  type SnapshotLocationRow,
} from '../../core/resilience/velero/snapshot-locations.js';

export default class SnapshotLocationCreate extends VeleroCommand<SnapshotLocationRow> {
  static override summary = 'Create a volume snapshot location (a velero.io/v1 VolumeSnapshotLocation).';
  static override description =
    'As "velero snapshot-location create" does; every value is checked before anything is sent.';
  static override examples = [
    '<%= config.bin %> snapshot-location create aws-eu --provider aws --config region=eu-west-1',
    '<%= config.bin %> snapshot-location create gcp-snap --provider gcp --credential gcp-credentials=cloud --json',
  ];
  static override args = { name: Args.string({ description: 'location name', required: true }) };
  static override flags = {
    provider: Flags.string({ description: 'volume snapshotter plugin, e.g. aws, azure, gcp', required: true }),
    config: Flags.string({ description: 'provider settings: key1=value1,key2=value2 (e.g. region=eu-west-1)' }),
    credential: Flags.string({
      description: 'Secret (in the Velero namespace) and key holding the credentials: secret-name=key',
    }),
    ...kubeFlags,
  };

  async run() {
    const { args, flags } = await this.parse(SnapshotLocationCreate);
    const options = { provider: flags.provider, config: flags.config, credential: flags.credential };
    // every input is checked before the cluster is contacted
    buildSnapshotLocation(args.name, 'velero', options);
    const client = await this.velero(flags);
    const created = await client.create('vsl', buildSnapshotLocation(args.name, client.namespace, options));
    if (!this.jsonEnabled())
      this.log(`Volume snapshot location "${args.name}" created in namespace ${client.namespace}.`);
    return snapshotLocationRow(created);
  }
}
