import { Args } from '@oclif/core';
import { yaml } from '../../core/base/lazy.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { snapshotLocationRow } from '../../core/resilience/velero/snapshot-locations.js';

export default class SnapshotLocationGet extends VeleroCommand<Record<string, unknown>> {
  static override summary = 'Show one volume snapshot location: provider, phase, config, credential.';
  static override examples = [
    '<%= config.bin %> snapshot-location get aws-default',
    '<%= config.bin %> snapshot-location get aws-default --json',
  ];
  static override args = { name: Args.string({ description: 'location name', required: true }) };
  static override flags = { ...kubeFlags };

  async run() {
    const { args, flags } = await this.parse(SnapshotLocationGet);
    const client = await this.velero(flags);
    const o = await client.get('vsl', args.name);
    const d = { ...snapshotLocationRow(o), spec: o.spec ?? {}, status: o.status ?? {} };
    if (!this.jsonEnabled()) this.log(yaml().stringify({ VolumeSnapshotLocation: d }).trimEnd());
    return d;
  }
}
