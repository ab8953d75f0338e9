/**
 * What the backup and restore commands do beyond one API call: listing with
 * sorting, describe with the DownloadRequest-backed details, logs, and deletion
 * through a DeleteBackupRequest. Commands stay thin: parse, call, render.
 */
import { readFileSync } from 'node:fs';
import { OperationError, UsageError } from '../../base/errors.js';
import { buildDeleteBackupRequest, type DownloadTarget } from './builders.js';
import { download, type DownloadOptions } from './download.js';
import { BACKUP_PHASES, phaseInfo, phaseOf } from './phases.js';
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

export async function describe(
  client: VeleroClient,
  kind: 'backup' | 'restore',
  name: string,
  withDetails: boolean,
  options: FetchOptions = {},
) {
  const o = await client.get(kind, name);
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

export interface DeleteResult {
  name: string;
  request: string;
  deleted: boolean;
  errors: string[];
}

/**
 * Deletes a backup the way Velero requires: a DeleteBackupRequest, which makes the
 * Velero server remove the backup, its object-storage data and snapshots. Refuses
 * while the backup is still running (Velero would reject the request anyway).
 */
export async function deleteBackup(
  client: VeleroClient,
  name: string,
  options: { wait: boolean; timeoutMs: number },
): Promise<DeleteResult> {
  const backup = await client.get('backup', name);
  const phase = phaseOf(backup);
  if (!phaseInfo(BACKUP_PHASES, phase).terminal) {
    throw new UsageError(`backup "${name}" is still running (phase ${phase}): refusing to delete it`, {
      code: 'OCO_BACKUP_RUNNING',
      hint: `Wait for it to finish (oco backup describe ${name}), then delete it.`,
    });
  }
  const req = await client.create('deleteRequest', buildDeleteBackupRequest(backup, client.namespace));
  if (!options.wait) return { name, request: req.metadata.name, deleted: false, errors: [] };
  // Processed (with or without errors), or already removed by Velero after a successful deletion
  const reqDone = await waitFor(client, 'deleteRequest', req.metadata.name, {
    timeoutMs: options.timeoutMs,
    allowDeleted: true,
    done: (o) => o.status?.phase === 'Processed',
  });
  const errors = (reqDone?.status?.errors as string[] | undefined) ?? [];
  const still = await client.find('backup', name);
  if (errors.length > 0 || still) {
    throw new OperationError(
      'OCO_DELETE_FAILED',
      `Velero did not delete backup "${name}": ${errors.join('; ') || 'it still exists'}`,
      {
        hint: `See the request: kubectl -n ${client.namespace} get deletebackuprequest ${req.metadata.name} -o yaml`,
      },
    );
  }
  return { name, request: req.metadata.name, deleted: true, errors };
}
