import { Flags, type Interfaces } from '@oclif/core';
import { listFlag } from './list-flag.js';
import { restoreSpec, type RestoreOptions, type RestoreSpec } from '../../resilience/velero/builders.js';

/** Flags of restore create / restore plan, as velero restore create names them. */
export const restoreSpecFlags = {
  'from-backup': Flags.string({ description: 'backup to restore from' }),
  'from-schedule': Flags.string({
    description: "restore from this schedule's newest Completed backup (Velero picks it)",
  }),
  'include-namespaces': listFlag('namespaces to restore, comma-separated (default: all in the backup)'),
  'exclude-namespaces': listFlag('namespaces not to restore'),
  'include-resources': listFlag('resources to restore, e.g. deployments,configmaps'),
  'exclude-resources': listFlag('resources not to restore'),
  selector: Flags.string({ char: 'l', description: 'only objects matching this label selector' }),
  'namespace-mappings': Flags.string({ description: 'restore namespaces under other names: src1:dst1,src2:dst2' }),
  'existing-resource-policy': Flags.string({
    description: 'what to do with resources that already exist',
    options: ['none', 'update'],
  }),
  'restore-volumes': Flags.boolean({
    description: 'restore volumes from snapshots (--restore-volumes=false or --no-restore-volumes to skip)',
    allowNo: true,
  }),
  'or-selector': Flags.string({
    description: 'objects matching any of these selectors, separated by " or ": "app=web or tier=db" (not with -l)',
  }),
  'include-cluster-resources': Flags.boolean({
    description: 'restore cluster-scoped resources too (=true|false, as in velero; default: Velero decides)',
    allowNo: true,
  }),
  'preserve-nodeports': Flags.boolean({
    description: "keep Services' nodePorts from the backup (=true|false, as in velero)",
    allowNo: true,
  }),
  'status-include-resources': listFlag('resources whose status is restored too, e.g. workflows.argoproj.io'),
  'status-exclude-resources': listFlag('resources whose status is not restored'),
  'resource-modifier-configmap': Flags.string({
    description: 'ConfigMap in the Velero namespace with the resource modifier rules applied before restoring',
  }),
  'item-operation-timeout': Flags.string({
    description: 'how long to wait for asynchronous plugin operations (Go duration; Velero default 4h)',
  }),
  'write-sparse-files': Flags.boolean({
    description: 'write files sparsely when restoring volume data (=true|false, as in velero)',
    allowNo: true,
  }),
  'parallel-files-download': Flags.integer({
    description: 'files restored at once (0: the node agent default, its CPU count)',
    min: 0,
  }),
};

export function restoreSpecFromFlags(flags: Interfaces.InferredFlags<typeof restoreSpecFlags>): RestoreSpec {
  return restoreSpec({
    fromBackup: flags['from-backup'],
    fromSchedule: flags['from-schedule'],
    includeNamespaces: flags['include-namespaces'],
    excludeNamespaces: flags['exclude-namespaces'],
    includeResources: flags['include-resources'],
    excludeResources: flags['exclude-resources'],
    selector: flags.selector,
    namespaceMappings: flags['namespace-mappings'],
    // oclif has already checked the value against the flag's options
    existingResourcePolicy: flags['existing-resource-policy'] as RestoreOptions['existingResourcePolicy'],
    restorePVs: flags['restore-volumes'],
    orSelector: flags['or-selector'],
    includeClusterResources: flags['include-cluster-resources'],
    preserveNodePorts: flags['preserve-nodeports'],
    statusIncludeResources: flags['status-include-resources'],
    statusExcludeResources: flags['status-exclude-resources'],
    resourceModifierConfigmap: flags['resource-modifier-configmap'],
    itemOperationTimeout: flags['item-operation-timeout'],
    writeSparseFiles: flags['write-sparse-files'],
    parallelFilesDownload: flags['parallel-files-download'],
  });
}
