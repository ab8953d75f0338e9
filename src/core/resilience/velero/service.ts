/**
 * What the backup and restore commands do beyond one API call: listing with
 * sorting, describe with the DownloadRequest-backed details, logs, and deletion
 * through a DeleteBackupRequest. Commands stay thin: parse, call, render.
 */
import { readFileSync } from 'node:fs';
import { OperationError, UsageError } from '../../base/errors.js';
import { buildDeleteBackupRequest, type DownloadTarget } from './builders.js';
import { download, downloadToFile, type DownloadOptions, type FileDownload } from './download.js';
import { BACKUP_PHASES, RESTORE_PHASES, phaseInfo, phaseOf } from './phases.js';
import type { Skipped } from './bulk.js';
import type { VeleroClient, VeleroObject } from './resources.js';
import { summarize } from './outcome.js';
import { waitFor } from './wait.js';

export const SORT_KEYS = ['time', 'name', 'phase'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const SORTERS: Record<SortKey, (a: VeleroObject, b: VeleroObject) => number> = {
  // newest first, like velero backup get
  time: (a, b) =>
    String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')) ||
    a.metadata.name.localeCompare(b.metadata.name),
  name: (a, b) => a.metadata.name.localeCompare(b.metadata.name),
  phase: (a, b) => phaseOf(a).localeCompare(phaseOf(b)) || a.metadata.name.localeCompare(b.metadata.name),
};

export async function listSorted(
  client: VeleroClient,
  kind: 'backup' | 'restore',
  options: { selector?: string; sortBy?: SortKey } = {},
): Promise<VeleroObject[]> {
  const { items } = await client.list(kind, { labelSelector: options.selector });
  return [...items].sort(SORTERS[options.sortBy ?? 'time']);
}

export interface Details {
  resources?: Record<string, string[]>;
  results?: { errors?: unknown; warnings?: unknown };
}

const DETAIL_TARGETS: Record<'backup' | 'restore', { resources: DownloadTarget; results: DownloadTarget }> = {
  backup: { resources: 'BackupResourceList', results: 'BackupResults' },
  restore: { resources: 'RestoreResourceList', results: 'RestoreResults' },
};

function parseJson(buf: Buffer): unknown {
  const text = buf.toString('utf8').trim();
  return text ? JSON.parse(text) : undefined;
}

export interface FetchOptions {
  timeoutMs?: number;
  /** --cacert: a PEM file that overrides the storage location's caCert. */
  caCertFile?: string;
}

/**
 * The CA that signs the object storage certificate, as the velero CLI finds it:
 * --cacert, else the caCert of the backup's BackupStorageLocation (a restore's
 * through its backup). A location we cannot read leaves the system CAs in charge.
 */
async function storageCa(
  client: VeleroClient,
  kind: 'backup' | 'restore',
  owner: VeleroObject,
  caCertFile?: string,
): Promise<string | undefined> {
  if (caCertFile) {
    try {
      return readFileSync(caCertFile, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      throw new UsageError(`--cacert ${caCertFile}: ${reason}`, {
        code: 'OCO_CACERT_UNREADABLE',
        hint: 'Give a PEM file with the CA certificate of the object storage.',
      });
    }
  }
  const backup =
    kind === 'backup'
      ? owner
      : owner.spec?.backupName
        ? await client.find('backup', String(owner.spec.backupName)).catch(() => undefined)
        : undefined;
  const location = backup?.spec?.storageLocation;
  if (!location) return undefined;
  const bsl = await client.find('bsl', String(location)).catch(() => undefined);
  const ca = bsl?.spec?.objectStorage?.caCert;
  return ca ? Buffer.from(String(ca), 'base64').toString('utf8') : undefined;
}

/** describe --details: the resource list and the errors/warnings files, through DownloadRequests (in parallel). */
export async function details(
  client: VeleroClient,
  kind: 'backup' | 'restore',
  owner: VeleroObject,
  options: FetchOptions = {},
): Promise<Details> {
  const t = DETAIL_TARGETS[kind];
  const dl: DownloadOptions = {
    timeoutMs: options.timeoutMs ?? 60_000,
    caCert: await storageCa(client, kind, owner, options.caCertFile),
  };
  const name = owner.metadata.name;
  const [resources, results] = await Promise.all([
    download(client, t.resources, name, dl),
    download(client, t.results, name, dl),
  ]);
  // Velero writes these files; their shape is its contract, not checked here
  return {
    resources: parseJson(resources) as Details['resources'],
    results: parseJson(results) as Details['results'],
  };
}

/** describe of an object already read (bulk describe reads them all first). */
export async function describeObject(
  client: VeleroClient,
  kind: 'backup' | 'restore',
  o: VeleroObject,
  withDetails: boolean,
  options: FetchOptions = {},
) {
  const base = {
    ...summarize(o),
    uid: o.metadata.uid,
    labels: o.metadata.labels ?? {},
    spec: o.spec ?? {},
    status: o.status ?? {},
  };
  if (!withDetails) return base;
  return { ...base, details: await details(client, kind, o, options) };
}

export async function logs(
  client: VeleroClient,
  kind: 'backup' | 'restore',
  name: string,
  options: FetchOptions = {},
): Promise<string> {
  const o = await client.get(kind, name); // a clear "not found" before a DownloadRequest that would never be answered
  if (phaseOf(o) === 'New')
    throw new OperationError('OCO_NO_LOGS_YET', `${kind} "${name}" has not started: there are no logs yet`, {
      hint: `Check its phase with: oco ${kind} describe ${name}`,
    });
  const caCert = await storageCa(client, kind, o, options.caCertFile);
  return (
    await download(client, kind === 'backup' ? 'BackupLog' : 'RestoreLog', name, {
      timeoutMs: options.timeoutMs ?? 60_000,
      caCert,
    })
  ).toString('utf8');
}

/**
 * velero backup download: the backup's tarball (BackupContents) to a file. A backup that has not
 * finished uploading, or never ran, has no tarball: that is said before a DownloadRequest is made.
 */
export async function downloadBackup(
  client: VeleroClient,
  name: string,
  path: string,
  options: FetchOptions & { force?: boolean; onProgress?: (bytes: number, total?: number) => void } = {},
): Promise<FileDownload> {
  const backup = await client.get('backup', name);
  const phase = phaseOf(backup);
  if (phase === 'FailedValidation')
    throw new UsageError(`backup "${name}" never ran (FailedValidation): it has no contents to download`, {
      code: 'OCO_BACKUP_NO_CONTENTS',
      hint: `See why: oco backup describe ${name}`,
    });
  // the tarball is uploaded when the items are backed up: from WaitingForPluginOperations on it exists
  if (['New', 'Queued', 'ReadyToStart', 'InProgress'].includes(phase))
    throw new UsageError(`backup "${name}" is still running (phase ${phase}): its contents are not uploaded yet`, {
      code: 'OCO_BACKUP_RUNNING',
      hint: `Wait for it: oco backup describe ${name}; then download it.`,
    });
  const caCert = await storageCa(client, 'backup', backup, options.caCertFile);
  return downloadToFile(client, 'BackupContents', name, path, {
    timeoutMs: options.timeoutMs ?? 60_000,
    caCert,
    force: options.force,
    onProgress: options.onProgress,
  });
}

export interface DeleteResult {
  name: string;
  /** The DeleteBackupRequest that asked for it. */
  request: string;
  /** True once Velero removed the backup (only known with --wait). */
  deleted: boolean;
  /** What Velero reported when it did not delete it (with --wait). */
  errors: string[];
}

/**
 * Splits the backups a delete names into those Velero will delete and those still
 * running (Velero rejects their requests). Running backups that were named one by
 * one stop the command before anything is touched; found by a selector or --all they
 * are skipped and reported, so a running scheduled backup does not block a clean-up.
 */
export function deletableBackups(
  backups: VeleroObject[],
  named: boolean,
): { deletable: VeleroObject[]; skipped: Skipped[] } {
  const deletable: VeleroObject[] = [];
  const skipped: Skipped[] = [];
  for (const b of backups) {
    const phase = phaseOf(b);
    if (phaseInfo(BACKUP_PHASES, phase).terminal) deletable.push(b);
    else skipped.push({ name: b.metadata.name, phase, reason: 'still running' });
  }
  if (named && skipped.length > 0) {
    const list = skipped.map((s) => `"${s.name}" (${s.phase})`).join(', ');
    throw new UsageError(
      `${skipped.length === 1 ? 'backup' : 'backups'} ${list} ${skipped.length === 1 ? 'is' : 'are'} still running: ` +
        'refusing to delete; nothing was deleted',
      {
        code: 'OCO_BACKUP_RUNNING',
        hint:
          `Wait for ${skipped.length === 1 ? 'it' : 'them'} to finish ` +
          `(oco backup describe ${skipped[0]!.name}), then delete.`,
      },
    );
  }
  return { deletable, skipped };
}

/**
 * Deletes backups the way Velero requires: one DeleteBackupRequest each, which makes
 * the Velero server remove the backup, its object-storage data and snapshots. All
 * requests are created first, then (with wait) awaited together. A backup Velero did
 * not delete is reported in its result's errors, not thrown: the others' results stand.
 */
export async function deleteBackups(
  client: VeleroClient,
  backups: VeleroObject[],
  options: { wait: boolean; timeoutMs: number },
): Promise<DeleteResult[]> {
  const requests: Array<{ name: string; request: string }> = [];
  for (const backup of backups) {
    const req = await client.create('deleteRequest', buildDeleteBackupRequest(backup, client.namespace));
    requests.push({ name: backup.metadata.name, request: req.metadata.name });
  }
  if (!options.wait) return requests.map((r) => ({ ...r, deleted: false, errors: [] }));
  return Promise.all(
    requests.map(async ({ name, request }) => {
      // Processed (with or without errors), or already removed by Velero after a successful deletion
      const done = await waitFor(client, 'deleteRequest', request, {
        timeoutMs: options.timeoutMs,
        allowDeleted: true,
        done: (o) => o.status?.phase === 'Processed',
      });
      const errors = [...((done?.status?.errors as string[] | undefined) ?? [])];
      const still = await client.find('backup', name);
      if (still && errors.length === 0) errors.push('it still exists');
      return { name, request, deleted: errors.length === 0, errors };
    }),
  );
}

/** A restore is deleted directly (velero restore delete does the same); running ones as backups above. */
export function deletableRestores(
  restores: VeleroObject[],
  named: boolean,
): { deletable: VeleroObject[]; skipped: Skipped[] } {
  const deletable: VeleroObject[] = [];
  const skipped: Skipped[] = [];
  for (const r of restores) {
    const phase = phaseOf(r);
    if (phaseInfo(RESTORE_PHASES, phase).terminal) deletable.push(r);
    else skipped.push({ name: r.metadata.name, phase, reason: 'still running' });
  }
  if (named && skipped.length > 0)
    throw new UsageError(
      `restore ${skipped.map((s) => `"${s.name}" (${s.phase})`).join(', ')} still running: refusing to delete; ` +
        'nothing was deleted',
      {
        code: 'OCO_RESTORE_RUNNING',
        hint: 'A restore stopped halfway leaves a half-restored namespace; wait for it to finish, then delete.',
      },
    );
  return { deletable, skipped };
}
