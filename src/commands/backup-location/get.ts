import { Args } from '@oclif/core';
import { yaml } from '../../core/base/lazy.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { backupLocationRow } from '../../core/resilience/velero/backup-locations.js';

export default class BackupLocationGet extends VeleroCommand<Record<string, unknown>> {
  static override summary = 'Show one backup storage location: phase, last validation, message, spec.';
  static override examples = [
    '<%= config.bin %> backup-location get default',
    '<%= config.bin %> backup-location get default --json',
  ];
  static override args = { name: Args.string({ description: 'location name', required: true }) };
  static override flags = { ...kubeFlags };

  async run() {
    const { args, flags } = await this.parse(BackupLocationGet);
    const client = await this.velero(flags);
    const o = await client.get('bsl', args.name);
    const d = { ...backupLocationRow(o), spec: o.spec ?? {}, status: o.status ?? {} };
    if (!this.jsonEnabled()) this.log(yaml().stringify({ BackupStorageLocation: d }).trimEnd());
    return d;
  }
}
