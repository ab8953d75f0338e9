/**
 * Builders of the velero.io/v1 objects oco creates. They produce exactly the
 * fields of the CRDs' openAPIV3Schema (checked by test/k8s/core.test.ts against
 * Velero's CRDs in test/reference/velero-crds) and validate user input before
 * anything is sent.
 */
import { UsageError } from '../../base/errors.js';
import { API_VERSION, type VeleroObject } from './resources.js';
import { formatGoDurationMs } from '../../base/durations.js';
import {
  csv,
  parseLabelSelector,
  parseNamespaceMappings,
  requireDuration,
  requireName,
  requireNamespace,
  requireCron,
  type LabelSelector,
} from './values.js';

// velero 1.18 matches namespace filters as wildcard patterns
const WILD = { wildcards: true };

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'oco' } as const;

/**
 * Which objects a backup or restore covers: velero's --include/--exclude-namespaces, --include/--exclude-resources,
 * --selector.
 */
export interface FilterOptions {
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  selector?: string;
}

export interface BackupOptions extends FilterOptions {
  ttl?: string;
  storageLocation?: string;
  snapshotVolumes?: boolean;
  defaultVolumesToFsBackup?: boolean;
}

export interface BackupSpec {
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  labelSelector?: LabelSelector;
  ttl?: string;
  storageLocation?: string;
  snapshotVolumes?: boolean;
  defaultVolumesToFsBackup?: boolean;
  metadata?: { labels?: Record<string, string> };
}

/** The filters backups and restores share (velero's flags of the same names); flag names in every error. */
function resourceFilters(
  o: FilterOptions,
): Pick<
  BackupSpec,
  'includedNamespaces' | 'excludedNamespaces' | 'includedResources' | 'excludedResources' | 'labelSelector'
> {
  const f: ReturnType<typeof resourceFilters> = {};
  const inc = csv(o.includeNamespaces);
  if (inc) f.includedNamespaces = inc.map((n) => requireNamespace(n, '--include-namespaces', WILD));
  const exc = csv(o.excludeNamespaces);
  if (exc) f.excludedNamespaces = exc.map((n) => requireNamespace(n, '--exclude-namespaces', WILD));
  const incR = csv(o.includeResources);
  if (incR) f.includedResources = incR;
  const excR = csv(o.excludeResources);
  if (excR) f.excludedResources = excR;
  if (o.selector) f.labelSelector = parseLabelSelector(o.selector, '--selector');
  return f;
}

/** The BackupSpec of velero backup create's flags; flag names in every error. */
export function backupSpec(o: BackupOptions): BackupSpec {
  const spec: BackupSpec = { ...resourceFilters(o) };
  if (o.ttl !== undefined) spec.ttl = formatGoDurationMs(requireDuration(o.ttl, '--ttl'));
  if (o.storageLocation) spec.storageLocation = requireName(o.storageLocation, '--storage-location');
  if (o.snapshotVolumes !== undefined) spec.snapshotVolumes = o.snapshotVolumes;
  if (o.defaultVolumesToFsBackup !== undefined) spec.defaultVolumesToFsBackup = o.defaultVolumesToFsBackup;
  return spec;
}

/** A named velero.io/v1 object oco creates, labelled as managed by oco. */
function managed<S>(
  kind: string,
  name: string,
  namespace: string,
  spec: S,
  labels: Record<string, string>,
): VeleroObject<S> {
  return { apiVersion: API_VERSION, kind, metadata: { name, namespace, labels: { ...MANAGED_BY, ...labels } }, spec };
}

export function buildBackup(
  name: string,
  namespace: string,
  spec: BackupSpec,
  labels: Record<string, string> = {},
): VeleroObject<BackupSpec> {
  return managed('Backup', requireName(name, 'backup name'), namespace, spec, labels);
}

export interface RestoreOptions extends FilterOptions {
  fromBackup?: string;
  fromSchedule?: string;
  namespaceMappings?: string;
  existingResourcePolicy?: 'none' | 'update';
  restorePVs?: boolean;
}

export interface RestoreSpec {
  backupName?: string;
  scheduleName?: string;
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  labelSelector?: LabelSelector;
  namespaceMapping?: Record<string, string>;
  existingResourcePolicy?: string;
  restorePVs?: boolean;
}

export function restoreSpec(o: RestoreOptions): RestoreSpec {
  if (Boolean(o.fromBackup) === Boolean(o.fromSchedule)) {
    throw new UsageError('give exactly one of --from-backup and --from-schedule', {
      hint: 'e.g. oco restore create --from-backup nightly-20260101',
    });
  }
  const spec: RestoreSpec = {};
  if (o.fromBackup) spec.backupName = requireName(o.fromBackup, '--from-backup');
  if (o.fromSchedule) spec.scheduleName = requireName(o.fromSchedule, '--from-schedule');
  Object.assign(spec, resourceFilters(o));
  if (o.namespaceMappings) spec.namespaceMapping = parseNamespaceMappings(o.namespaceMappings, '--namespace-mappings');
  if (o.existingResourcePolicy) spec.existingResourcePolicy = o.existingResourcePolicy;
  if (o.restorePVs !== undefined) spec.restorePVs = o.restorePVs;
  return spec;
}

/** Velero's restore names default to <backup>-<yyyyMMddHHmmss>. */
export function defaultRestoreName(spec: RestoreSpec, now = new Date()): string {
  return `${spec.backupName ?? spec.scheduleName}-${stamp(now)}`.slice(0, 253);
}

export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export function buildRestore(
  name: string,
  namespace: string,
  spec: RestoreSpec,
  labels: Record<string, string> = {},
): VeleroObject<RestoreSpec> {
  return managed('Restore', requireName(name, 'restore name'), namespace, spec, labels);
}

export interface ScheduleSpec {
  schedule: string;
  template: BackupSpec;
  paused?: boolean;
  useOwnerReferencesInBackup?: boolean;
}

export function buildSchedule(
  name: string,
  namespace: string,
  cron: string,
  template: BackupSpec,
  options: { paused?: boolean; labels?: Record<string, string>; where?: string } = {},
): VeleroObject<ScheduleSpec> {
  // Velero copies the schedule name into the velero.io/schedule-name label of its backups: 63 characters at most.
  return managed(
    'Schedule',
    requireName(name, 'schedule name', 63),
    namespace,
    {
      schedule: requireCron(cron, options.where ?? '--schedule'),
      template,
      ...(options.paused ? { paused: true } : {}),
    },
    options.labels ?? {},
  );
}

export function buildDeleteBackupRequest(backup: VeleroObject, namespace: string): VeleroObject {
  return {
    apiVersion: API_VERSION,
    kind: 'DeleteBackupRequest',
    // the labels are how Velero (and velero backup describe) find the requests of a backup
    metadata: {
      name: '',
      generateName: `${backup.metadata.name.slice(0, 57)}-`,
      namespace,
      labels: {
        ...MANAGED_BY,
        'velero.io/backup-name': backup.metadata.name.slice(0, 63),
        ...(backup.metadata.uid ? { 'velero.io/backup-uid': backup.metadata.uid } : {}),
      },
    },
    spec: { backupName: backup.metadata.name },
  };
}

export const DOWNLOAD_TARGETS = [
  'BackupContents',
  'BackupLog',
  'BackupResourceList',
  'BackupResults',
  'RestoreLog',
  'RestoreResults',
  'RestoreResourceList',
] as const;
export type DownloadTarget = (typeof DOWNLOAD_TARGETS)[number];

export function buildDownloadRequest(kind: DownloadTarget, target: string, namespace: string): VeleroObject {
  return {
    apiVersion: API_VERSION,
    kind: 'DownloadRequest',
    metadata: { name: '', generateName: `${target.slice(0, 50)}-oco-`, namespace, labels: { ...MANAGED_BY } },
    spec: { target: { kind, name: target } },
  };
}
