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
  parseOrSelector,
  parseOrderedResources,
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
  /** velero's --or-selector: selectors separated by " or "; not with selector. */
  orSelector?: string;
  includeClusterResources?: boolean;
}

/** velero 1.18's scoped resource filters (--include/--exclude-cluster-scoped-resources, …-namespace-scoped-…). */
export interface ScopedFilterOptions {
  includeClusterScopedResources?: string[];
  excludeClusterScopedResources?: string[];
  includeNamespaceScopedResources?: string[];
  excludeNamespaceScopedResources?: string[];
}

export interface BackupOptions extends FilterOptions, ScopedFilterOptions {
  ttl?: string;
  storageLocation?: string;
  snapshotVolumes?: boolean;
  defaultVolumesToFsBackup?: boolean;
  orderedResources?: string;
  snapshotMoveData?: boolean;
  dataMover?: string;
  volumeSnapshotLocations?: string[];
  csiSnapshotTimeout?: string;
  itemOperationTimeout?: string;
  /** The ConfigMap (in the Velero namespace) holding the resource policies. */
  resourcePoliciesConfigmap?: string;
  parallelFilesUpload?: number;
}

/** A reference to a ConfigMap in the Velero namespace; Velero compares the kind case-insensitively to "configmap". */
export interface ConfigMapRef {
  kind: 'configmap';
  name: string;
}

export interface BackupSpec {
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  includeClusterResources?: boolean;
  includedClusterScopedResources?: string[];
  excludedClusterScopedResources?: string[];
  includedNamespaceScopedResources?: string[];
  excludedNamespaceScopedResources?: string[];
  orderedResources?: Record<string, string>;
  ttl?: string;
  storageLocation?: string;
  volumeSnapshotLocations?: string[];
  snapshotVolumes?: boolean;
  snapshotMoveData?: boolean;
  datamover?: string;
  csiSnapshotTimeout?: string;
  itemOperationTimeout?: string;
  defaultVolumesToFsBackup?: boolean;
  resourcePolicy?: ConfigMapRef;
  uploaderConfig?: { parallelFilesUpload?: number };
  metadata?: { labels?: Record<string, string> };
}

/** The filters backups and restores share (velero's flags of the same names); flag names in every error. */
function resourceFilters(
  o: FilterOptions,
): Pick<
  BackupSpec,
  | 'includedNamespaces'
  | 'excludedNamespaces'
  | 'includedResources'
  | 'excludedResources'
  | 'labelSelector'
  | 'orLabelSelectors'
  | 'includeClusterResources'
> {
  // Velero refuses a request with both (FailedValidation): say so before anything is sent
  if (o.selector && o.orSelector)
    throw new UsageError('give either --selector or --or-selector, not both', {
      hint: 'Fold the --selector into each alternative of --or-selector, e.g. "app=web,tier=db or app=web,tier=cache".',
    });
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
  if (o.orSelector) f.orLabelSelectors = parseOrSelector(o.orSelector, '--or-selector');
  if (o.includeClusterResources !== undefined) f.includeClusterResources = o.includeClusterResources;
  return f;
}

/** A Go duration flag as Velero stores it (time.Duration's String()); the flag is named when it is not one. */
const goDuration = (text: string, where: string) => formatGoDurationMs(requireDuration(text, where));

/**
 * velero 1.18's scoped filters. Velero (CLI and server alike) refuses them together with the older
 * --include/--exclude-resources and --include-cluster-resources: the two are different models of the same choice.
 */
function scopedFilters(o: BackupOptions): Partial<BackupSpec> {
  const f: Partial<BackupSpec> = {};
  const incC = csv(o.includeClusterScopedResources);
  if (incC) f.includedClusterScopedResources = incC;
  const excC = csv(o.excludeClusterScopedResources);
  if (excC) f.excludedClusterScopedResources = excC;
  const incN = csv(o.includeNamespaceScopedResources);
  if (incN) f.includedNamespaceScopedResources = incN;
  const excN = csv(o.excludeNamespaceScopedResources);
  if (excN) f.excludedNamespaceScopedResources = excN;
  const old = Boolean(csv(o.includeResources) || csv(o.excludeResources)) || o.includeClusterResources !== undefined;
  if (old && Object.keys(f).length > 0) {
    throw new UsageError(
      '--include-resources, --exclude-resources and --include-cluster-resources cannot be used with the scoped ' +
        'filters (--include/--exclude-cluster-scoped-resources, --include/--exclude-namespace-scoped-resources)',
      {
        hint:
          'Use one model: for a full-cluster backup, e.g. --include-cluster-scoped-resources "*" ' +
          '--include-namespace-scoped-resources "*".',
      },
    );
  }
  return f;
}

/** The BackupSpec of velero backup create's flags; flag names in every error. */
export function backupSpec(o: BackupOptions): BackupSpec {
  const spec: BackupSpec = { ...resourceFilters(o), ...scopedFilters(o) };
  if (o.orderedResources) spec.orderedResources = parseOrderedResources(o.orderedResources, '--ordered-resources');
  if (o.ttl !== undefined) spec.ttl = goDuration(o.ttl, '--ttl');
  if (o.storageLocation) spec.storageLocation = requireName(o.storageLocation, '--storage-location');
  const vsl = csv(o.volumeSnapshotLocations);
  if (vsl) spec.volumeSnapshotLocations = vsl.map((n) => requireName(n, '--volume-snapshot-locations'));
  if (o.snapshotVolumes !== undefined) spec.snapshotVolumes = o.snapshotVolumes;
  if (o.snapshotMoveData !== undefined) spec.snapshotMoveData = o.snapshotMoveData;
  if (o.dataMover) spec.datamover = o.dataMover;
  if (o.csiSnapshotTimeout !== undefined)
    spec.csiSnapshotTimeout = goDuration(o.csiSnapshotTimeout, '--csi-snapshot-timeout');
  if (o.itemOperationTimeout !== undefined)
    spec.itemOperationTimeout = goDuration(o.itemOperationTimeout, '--item-operation-timeout');
  if (o.defaultVolumesToFsBackup !== undefined) spec.defaultVolumesToFsBackup = o.defaultVolumesToFsBackup;
  if (o.resourcePoliciesConfigmap)
    spec.resourcePolicy = {
      kind: 'configmap',
      name: requireName(o.resourcePoliciesConfigmap, '--resource-policies-configmap'),
    };
  // 0 is velero's "not set": the node agent's default
  if (o.parallelFilesUpload) spec.uploaderConfig = { parallelFilesUpload: o.parallelFilesUpload };
  return spec;
}

/** --labels and --annotations of a create command: the object's own metadata. */
export interface ObjectMetaOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A named velero.io/v1 object oco creates, labelled as managed by oco. */
function managed<S>(
  kind: string,
  name: string,
  namespace: string,
  spec: S,
  labels: Record<string, string>,
  annotations?: Record<string, string>,
): VeleroObject<S> {
  const metadata: VeleroObject['metadata'] = { name, namespace, labels: { ...MANAGED_BY, ...labels } };
  if (annotations && Object.keys(annotations).length) metadata.annotations = { ...annotations };
  return { apiVersion: API_VERSION, kind, metadata, spec };
}

export function buildBackup(
  name: string,
  namespace: string,
  spec: BackupSpec,
  labels: Record<string, string> = {},
  annotations?: Record<string, string>,
): VeleroObject<BackupSpec> {
  return managed('Backup', requireName(name, 'backup name'), namespace, spec, labels, annotations);
}

export interface RestoreOptions extends FilterOptions {
  fromBackup?: string;
  fromSchedule?: string;
  namespaceMappings?: string;
  existingResourcePolicy?: 'none' | 'update';
  restorePVs?: boolean;
  preserveNodePorts?: boolean;
  statusIncludeResources?: string[];
  statusExcludeResources?: string[];
  /** The ConfigMap (in the Velero namespace) holding the resource modifier rules. */
  resourceModifierConfigmap?: string;
  itemOperationTimeout?: string;
  writeSparseFiles?: boolean;
  parallelFilesDownload?: number;
}

export interface RestoreSpec {
  backupName?: string;
  scheduleName?: string;
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  includeClusterResources?: boolean;
  namespaceMapping?: Record<string, string>;
  existingResourcePolicy?: string;
  restorePVs?: boolean;
  preserveNodePorts?: boolean;
  restoreStatus?: { includedResources?: string[]; excludedResources?: string[] };
  resourceModifier?: ConfigMapRef;
  itemOperationTimeout?: string;
  uploaderConfig?: { writeSparseFiles?: boolean; parallelFilesDownload?: number };
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
  if (o.preserveNodePorts !== undefined) spec.preserveNodePorts = o.preserveNodePorts;
  // Velero's CLI drops --status-exclude-resources given alone; the server reads it as "every resource but these"
  const statusInc = csv(o.statusIncludeResources);
  const statusExc = csv(o.statusExcludeResources);
  if (statusInc || statusExc)
    spec.restoreStatus = {
      ...(statusInc ? { includedResources: statusInc } : {}),
      ...(statusExc ? { excludedResources: statusExc } : {}),
    };
  if (o.resourceModifierConfigmap)
    spec.resourceModifier = {
      kind: 'configmap',
      name: requireName(o.resourceModifierConfigmap, '--resource-modifier-configmap'),
    };
  if (o.itemOperationTimeout !== undefined)
    spec.itemOperationTimeout = goDuration(o.itemOperationTimeout, '--item-operation-timeout');
  const uploader: NonNullable<RestoreSpec['uploaderConfig']> = {};
  if (o.writeSparseFiles !== undefined) uploader.writeSparseFiles = o.writeSparseFiles;
  if (o.parallelFilesDownload) uploader.parallelFilesDownload = o.parallelFilesDownload;
  if (Object.keys(uploader).length) spec.uploaderConfig = uploader;
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
  annotations?: Record<string, string>,
): VeleroObject<RestoreSpec> {
  return managed('Restore', requireName(name, 'restore name'), namespace, spec, labels, annotations);
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
  options: { paused?: boolean; where?: string } & ObjectMetaOptions = {},
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
    options.annotations,
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
