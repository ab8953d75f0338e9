import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { accessMode, backupLocationFlags } from '../../core/cli/velero/location-flags.js';
import { readCaCertFile } from '../../core/resilience/velero/locations.js';
import {
  buildBackupLocation,
  createBackupLocation,
  type BackupLocationRow,
} from '../../core/resilience/velero/backup-locations.js';

export default class BackupLocationCreate extends VeleroCommand<BackupLocationRow> {
  static override summary = 'Create a backup storage location (a velero.io/v1 BackupStorageLocation).';
  static override description =
    'As "velero backup-location create" does. Every value is checked before anything is sent; --default is ' +
    'refused while another location is the default (change it with backup-location set --default).';
  static override examples = [
    '<%= config.bin %> backup-location create secondary --provider aws --bucket backups-eu --prefix prod ' +
      '--config region=eu-west-1 --credential cloud-credentials=cloud',
    '<%= config.bin %> backup-location create minio --provider aws --bucket velero ' +
      '--config region=minio,s3ForcePathStyle=true,s3Url=https://minio.local:9000 --cacert minio-ca.pem --json',
  ];
  static override args = { name: Args.string({ description: 'location name', required: true }) };
  static override flags = {
    provider: Flags.string({ description: 'object storage plugin, e.g. aws, azure, gcp', required: true }),
    bucket: Flags.string({ description: 'bucket backups are stored in', required: true }),
    prefix: Flags.string({ description: 'folder inside the bucket' }),
    config: Flags.string({ description: 'provider settings: key1=value1,key2=value2 (e.g. region=eu-west-1)' }),
    default: Flags.boolean({ description: 'make it the default location' }),
    ...backupLocationFlags,
    ...kubeFlags,
  };

  async run() {
    const { args, flags } = await this.parse(BackupLocationCreate);
    const options = {
      provider: flags.provider,
      bucket: flags.bucket,
      prefix: flags.prefix,
      config: flags.config,
      credential: flags.credential,
      default: flags.default,
      accessMode: accessMode(flags['access-mode']),
      backupSyncPeriod: flags['backup-sync-period'],
      validationFrequency: flags['validation-frequency'],
      caCert: flags.cacert ? readCaCertFile(flags.cacert) : undefined,
    };
    // every input is checked before the cluster is contacted
    buildBackupLocation(args.name, 'velero', options);
    const client = await this.velero(flags);
    const row = await createBackupLocation(client, args.name, options);
    if (!this.jsonEnabled())
      this.log(
        `Backup storage location "${args.name}" created in namespace ${client.namespace}; Velero validates it ` +
          `shortly. Check it with: oco backup-location get ${args.name}`,
      );
    return row;
  }
}
