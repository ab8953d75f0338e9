import { Flags, type Interfaces } from '@oclif/core';
import { listFlag } from './list-flag.js';
import { backupSpec, type BackupSpec } from '../../resilience/velero/builders.js';

/** Flags of backup create / schedule create (the backup template), as velero names them. */
export const backupSpecFlags = {
  'include-namespaces': listFlag('namespaces to back up, comma-separated (default: all)'),
  'exclude-namespaces': listFlag('namespaces to leave out, comma-separated'),
  'include-resources': listFlag('resources to back up, e.g. deployments,configmaps (default: all)'),
  'exclude-resources': listFlag('resources to leave out'),
  selector: Flags.string({
    char: 'l',
    description: 'only objects matching this label selector, e.g. app=web,tier in (a,b)',
  }),
  ttl: Flags.string({ description: 'how long Velero keeps the backup (Go duration, e.g. 720h)' }),
  'storage-location': Flags.string({
    description: 'BackupStorageLocation to store it in (default: the default location)',
  }),
  'snapshot-volumes': Flags.boolean({
    description: 'take volume snapshots (--snapshot-volumes=false or --no-snapshot-volumes to skip)',
    allowNo: true,
  }),
  'default-volumes-to-fs-backup': Flags.boolean({
    description: 'back up all pod volumes with file-system backup (=true|false, as in velero)',
    allowNo: true,
  }),
};

export function specFromFlags(flags: Interfaces.InferredFlags<typeof backupSpecFlags>): BackupSpec {
  return backupSpec({
    includeNamespaces: flags['include-namespaces'],
    excludeNamespaces: flags['exclude-namespaces'],
    includeResources: flags['include-resources'],
    excludeResources: flags['exclude-resources'],
    selector: flags.selector,
    ttl: flags.ttl,
    storageLocation: flags['storage-location'],
    snapshotVolumes: flags['snapshot-volumes'],
    defaultVolumesToFsBackup: flags['default-volumes-to-fs-backup'],
  });
}
