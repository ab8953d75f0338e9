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
  'include-cluster-resources': Flags.boolean({
    description:
      'include cluster-scoped resources (CRDs, PVs, ClusterRoles…); =false leaves them out even for all namespaces',
    allowNo: true,
  }),
  'include-cluster-scoped-resources': listFlag(
    'cluster-scoped resources to back up, e.g. customresourcedefinitions,persistentvolumes ("*" for all); ' +
      'not with --include/--exclude-resources or --include-cluster-resources',
  ),
  'exclude-cluster-scoped-resources': listFlag('cluster-scoped resources to leave out, e.g. storageclasses'),
  'include-namespace-scoped-resources': listFlag(
    'namespaced resources to back up, e.g. deployments.apps,configmaps ("*" for all)',
  ),
  'exclude-namespace-scoped-resources': listFlag('namespaced resources to leave out, e.g. events'),
  'or-selector': Flags.string({
    description: 'objects matching any of these selectors, separated by " or ": "app=web or tier=db" (not with -l)',
  }),
  'ordered-resources': Flags.string({
    description:
      'back up these objects first, in this order: "pods=ns1/pod1,ns1/pod2;persistentvolumes=pv1" ' +
      '(namespace/name, or name when cluster-scoped; resources separated by ";")',
  }),
  'volume-snapshot-locations': listFlag('VolumeSnapshotLocations to snapshot into (at most one per provider)'),
  'snapshot-move-data': Flags.boolean({
    description: 'move CSI snapshot data to the backup storage location (=true|false, as in velero)',
    allowNo: true,
  }),
  'data-mover': Flags.string({ description: 'data mover to move snapshot data with (default: velero, the built-in)' }),
  'csi-snapshot-timeout': Flags.string({
    description: 'how long to wait for a CSI VolumeSnapshot to be ready (Go duration; Velero default 10m)',
  }),
  'item-operation-timeout': Flags.string({
    description: 'how long to wait for asynchronous plugin operations (Go duration; Velero default 4h)',
  }),
  'resource-policies-configmap': Flags.string({
    description: 'ConfigMap in the Velero namespace with the resource policies the backup follows',
  }),
  'parallel-files-upload': Flags.integer({
    description: 'files the kopia uploader sends at once (0: the node agent default)',
    min: 0,
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
    includeClusterResources: flags['include-cluster-resources'],
    includeClusterScopedResources: flags['include-cluster-scoped-resources'],
    excludeClusterScopedResources: flags['exclude-cluster-scoped-resources'],
    includeNamespaceScopedResources: flags['include-namespace-scoped-resources'],
    excludeNamespaceScopedResources: flags['exclude-namespace-scoped-resources'],
    orSelector: flags['or-selector'],
    orderedResources: flags['ordered-resources'],
    volumeSnapshotLocations: flags['volume-snapshot-locations'],
    snapshotMoveData: flags['snapshot-move-data'],
    dataMover: flags['data-mover'],
    csiSnapshotTimeout: flags['csi-snapshot-timeout'],
    itemOperationTimeout: flags['item-operation-timeout'],
    resourcePoliciesConfigmap: flags['resource-policies-configmap'],
    parallelFilesUpload: flags['parallel-files-upload'],
  });
}
