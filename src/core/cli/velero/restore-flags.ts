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
  });
}
