import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { accessMode, backupLocationFlags } from '../../core/cli/velero/location-flags.js';
import { readCaCertFile } from '../../core/resilience/velero/locations.js';
import {
  backupLocationPatch,
  setBackupLocation,
  type BackupLocationRow,
} from '../../core/resilience/velero/backup-locations.js';

export default class BackupLocationSet extends VeleroCommand<{
  location: BackupLocationRow;
  previousDefaults: string[];
}> {
  static override summary = 'Change a backup storage location: the default, credential, access mode, CA, periods.';
  static override description =
    'Patches the BackupStorageLocation (a JSON merge patch of the fields given), as "velero backup-location set" ' +
    'does. --default also takes the default flag from the previous default location.';
  static override examples = [
    '<%= config.bin %> backup-location set secondary --default',
    '<%= config.bin %> backup-location set default --access-mode ReadOnly --json',
    '<%= config.bin %> backup-location set default --credential cloud-credentials-v2=cloud',
  ];
  static override args = { name: Args.string({ description: 'location name', required: true }) };
  static override flags = {
    default: Flags.boolean({ description: 'make it the default location (--no-default to unset)', allowNo: true }),
    ...backupLocationFlags,
    ...kubeFlags,
  };

  async run() {
    const { args, flags } = await this.parse(BackupLocationSet);
    const changes = {
      default: flags.default,
      credential: flags.credential,
      accessMode: accessMode(flags['access-mode']),
      backupSyncPeriod: flags['backup-sync-period'],
      validationFrequency: flags['validation-frequency'],
      caCert: flags.cacert ? readCaCertFile(flags.cacert) : undefined,
    };
    // every input is checked before the cluster is contacted
    backupLocationPatch(changes);
    const client = await this.velero(flags);
    const result = await setBackupLocation(client, args.name, changes);
    if (!this.jsonEnabled()) {
      const moved = result.previousDefaults.length
        ? ` (no longer the default: ${result.previousDefaults.join(', ')})`
        : '';
      this.log(`Backup storage location "${args.name}" updated${moved}.`);
    }
    return result;
  }
}
