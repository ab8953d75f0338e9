/**
 * BackupStorageLocations (velero backup-location): where backups are stored, and whether Velero can reach it.
 * The objects built here carry exactly the fields of the CRD's openAPIV3Schema (checked by
 * test/k8s/locations.test.ts against test/reference/velero-crds); every input is checked before a call.
 */
import { UsageError } from '../../base/errors.js';
import { formatGoDurationMs } from '../../base/durations.js';
import { API_VERSION, type VeleroClient, type VeleroObject } from './resources.js';
import { MANAGED_BY } from './builders.js';
import { parseCredential, parseKeyValues, type CredentialRef } from './locations.js';
import { requireDuration, requireName } from './values.js';

export const ACCESS_MODES = ['ReadWrite', 'ReadOnly'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export interface BackupLocationSpec {
  provider: string;
  objectStorage: { bucket: string; prefix?: string; caCert?: string };
  config?: Record<string, string>;
  credential?: CredentialRef;
  default?: boolean;
  accessMode?: AccessMode;
  backupSyncPeriod?: string;
  validationFrequency?: string;
}

/** Flags of create, as velero backup-location create names them (strings as typed; checked here). */
export interface BackupLocationOptions {
  provider: string;
  bucket: string;
  prefix?: string;
  config?: string;
  credential?: string;
  default?: boolean;
  accessMode?: AccessMode;
  backupSyncPeriod?: string;
  validationFrequency?: string;
  /** PEM text (the command reads the --cacert file). */
  caCert?: string;
}

const goDuration = (text: string, where: string) => formatGoDurationMs(requireDuration(text, where));

export function buildBackupLocation(
  name: string,
  namespace: string,
  o: BackupLocationOptions,
): VeleroObject<BackupLocationSpec> {
  requireName(name, 'backup location name');
  if (!o.provider.trim()) throw new UsageError('--provider: give the object storage plugin, e.g. aws');
  if (!o.bucket.trim()) throw new UsageError('--bucket: give the bucket backups are stored in');
  const spec: BackupLocationSpec = {
    provider: o.provider.trim(),
    objectStorage: { bucket: o.bucket.trim() },
  };
  if (o.prefix) spec.objectStorage.prefix = o.prefix;
  // format: byte in the CRD: the PEM travels base64-encoded, as velero --cacert sends it
  if (o.caCert) spec.objectStorage.caCert = Buffer.from(o.caCert, 'utf8').toString('base64');
  if (o.config) spec.config = parseKeyValues(o.config, '--config');
  if (o.credential) spec.credential = parseCredential(o.credential);
  if (o.default) spec.default = true;
  if (o.accessMode) spec.accessMode = o.accessMode;
  if (o.backupSyncPeriod) spec.backupSyncPeriod = goDuration(o.backupSyncPeriod, '--backup-sync-period');
  if (o.validationFrequency) spec.validationFrequency = goDuration(o.validationFrequency, '--validation-frequency');
  return {
    apiVersion: API_VERSION,
    kind: 'BackupStorageLocation',
    metadata: { name, namespace, labels: { ...MANAGED_BY } },
    spec,
  };
}

/** What list/get/--json show of a location. */
export function backupLocationRow(o: VeleroObject) {
  return {
    name: o.metadata.name,
    provider: (o.spec?.provider as string | undefined) ?? null,
    bucket: (o.spec?.objectStorage?.bucket as string | undefined) ?? null,
    prefix: (o.spec?.objectStorage?.prefix as string | undefined) ?? null,
    // a location Velero has not validated yet has no phase: unknown, not Unavailable
    phase: (o.status?.phase as string | undefined) ?? null,
    lastValidationTime: (o.status?.lastValidationTime as string | undefined) ?? null,
    message: (o.status?.message as string | undefined) ?? null,
    default: o.spec?.default === true,
    accessMode: (o.spec?.accessMode as string | undefined) ?? 'ReadWrite',
    credential: (o.spec?.credential as CredentialRef | undefined) ?? null,
    config: (o.spec?.config as Record<string, string> | undefined) ?? {},
    backupSyncPeriod: (o.spec?.backupSyncPeriod as string | undefined) ?? null,
    validationFrequency: (o.spec?.validationFrequency as string | undefined) ?? null,
    createdAt: o.metadata.creationTimestamp ?? null,
  };
}
export type BackupLocationRow = ReturnType<typeof backupLocationRow>;

/** Creates a location; refuses a second default (velero does too: Velero would pick one of them silently). */
export async function createBackupLocation(
  client: VeleroClient,
  name: string,
  o: BackupLocationOptions,
): Promise<BackupLocationRow> {
  const body = buildBackupLocation(name, client.namespace, o);
  if (body.spec?.default) {
    const other = (await client.list('bsl')).items.find((b) => b.spec?.default === true && b.metadata.name !== name);
    if (other) {
      throw new UsageError(`--default: "${other.metadata.name}" is the default backup location already`, {
        code: 'OCO_LOCATION_DEFAULT_EXISTS',
        hint: `Create it without --default, then: oco backup-location set ${name} --default`,
      });
    }
  }
  return backupLocationRow(await client.create('bsl', body));
}

/** What set changes; unset fields stay as they are. */
export interface BackupLocationChanges {
  default?: boolean;
  credential?: string;
  accessMode?: AccessMode;
  caCert?: string;
  backupSyncPeriod?: string;
  validationFrequency?: string;
}

/** The merge patch of set's flags; an empty change is a usage error (exit 2) rather than a silent no-op. */
export function backupLocationPatch(c: BackupLocationChanges): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (c.default !== undefined) spec.default = c.default;
  if (c.credential) spec.credential = parseCredential(c.credential);
  if (c.accessMode) spec.accessMode = c.accessMode;
  if (c.caCert) spec.objectStorage = { caCert: Buffer.from(c.caCert, 'utf8').toString('base64') };
  if (c.backupSyncPeriod) spec.backupSyncPeriod = goDuration(c.backupSyncPeriod, '--backup-sync-period');
  if (c.validationFrequency) spec.validationFrequency = goDuration(c.validationFrequency, '--validation-frequency');
  if (Object.keys(spec).length === 0) {
    throw new UsageError('nothing to change', {
      code: 'OCO_LOCATION_CHANGE_EMPTY',
      hint:
        'Give at least one of --default, --credential, --access-mode, --cacert, --backup-sync-period, ' +
        '--validation-frequency.',
    });
  }
  return { spec };
}

/**
 * Applies set's changes. Making a location the default takes the flag from the previous default first, as velero
 * backup-location set --default does: two defaults would leave Velero to pick one.
 */
export async function setBackupLocation(
  client: VeleroClient,
  name: string,
  changes: BackupLocationChanges,
): Promise<{ location: BackupLocationRow; previousDefaults: string[] }> {
  const patch = backupLocationPatch(changes);
  await client.get('bsl', name);
  const previousDefaults: string[] = [];
  if (changes.default) {
    for (const other of (await client.list('bsl')).items) {
      if (other.metadata.name === name || other.spec?.default !== true) continue;
      await client.mergePatch('bsl', other.metadata.name, { spec: { default: false } });
      previousDefaults.push(other.metadata.name);
    }
  }
  const updated = await client.mergePatch('bsl', name, patch);
  return { location: backupLocationRow(updated), previousDefaults };
}

/** The names of the Backups stored in a location (Velero labels them velero.io/storage-location). */
export async function backupsIn(client: VeleroClient, name: string): Promise<string[]> {
  const { items } = await client.list('backup', { labelSelector: `velero.io/storage-location=${name}` });
  return items.map((b) => b.metadata.name);
}
