import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { backupsIn } from '../../core/resilience/velero/backup-locations.js';

export default class BackupLocationDelete extends VeleroCommand<{
  name: string;
  deleted: boolean;
  backups: string[];
}> {
  static override summary = 'Delete a backup storage location (the data in the bucket stays).';
  static override description =
    'Asks on a terminal; needs --confirm otherwise. The question names how many backups are stored in the ' +
    'location: they cannot be restored through Velero until a location points at that bucket again.';
  static override examples = [
    '<%= config.bin %> backup-location delete secondary',
    '<%= config.bin %> backup-location delete secondary --confirm --json',
  ];
  static override args = { name: Args.string({ description: 'location name', required: true }) };
  static override flags = {
    confirm: Flags.boolean({ description: 'do not ask (required when not on a terminal)' }),
    ...kubeFlags,
  };

  async run() {
    const { args, flags } = await this.parse(BackupLocationDelete);
    const client = await this.velero(flags);
    await client.get('bsl', args.name);
    const backups = await backupsIn(client, args.name);
    const stored = backups.length ? ` (${backups.length} backup(s) stored in it)` : '';
    await this.confirmOrRefuse(`Delete backup storage location "${args.name}"${stored}?`, flags.confirm);
    await client.delete('bsl', args.name);
    if (!this.jsonEnabled()) this.log(`Backup storage location "${args.name}" deleted; the bucket is untouched.`);
    return { name: args.name, deleted: true, backups };
  }
}
