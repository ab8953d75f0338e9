import { Flags } from '@oclif/core';
import { ACCESS_MODES, type AccessMode, type BackupLocationRow } from '../../resilience/velero/backup-locations.js';
import type { SnapshotLocationRow } from '../../resilience/velero/snapshot-locations.js';
import { ago } from '../../resilience/velero/values.js';
import { renderTable } from '../table.js';

/** Flags backup-location create and set share, as velero backup-location names them. */
export const backupLocationFlags = {
  credential: Flags.string({
    description: 'Secret (in the Velero namespace) and key holding the credentials: secret-name=key',
  }),
  'access-mode': Flags.string({ description: 'ReadWrite, or ReadOnly to restore only', options: [...ACCESS_MODES] }),
  cacert: Flags.string({ description: 'PEM file of the CA that signs the object storage certificate' }),
  'backup-sync-period': Flags.string({ description: 'how often Velero syncs backups from storage (Go duration)' }),
  'validation-frequency': Flags.string({ description: 'how often Velero checks the location (Go duration)' }),
};

// oclif has already checked the value against the flag's options
export const accessMode = (v: string | undefined) => v as AccessMode | undefined;

export function backupLocationTable(rows: BackupLocationRow[], now = Date.now()): string {
  return renderTable(
    rows.map((r) => ({
      ...r,
      phase: r.phase ?? 'unknown',
      lastValidationTime: r.lastValidationTime ? ago(r.lastValidationTime, now) : 'never',
      bucket: r.prefix ? `${r.bucket}/${r.prefix}` : r.bucket,
      default: r.default ? 'yes' : '',
    })),
    [
      { key: 'name' },
      { key: 'provider' },
      { key: 'bucket', header: 'bucket/prefix' },
      { key: 'phase' },
      { key: 'lastValidationTime', header: 'last validated' },
      { key: 'accessMode', header: 'access mode' },
      { key: 'default' },
    ],
  );
}

export function snapshotLocationTable(rows: SnapshotLocationRow[]): string {
  return renderTable(
    rows.map((r) => ({
      ...r,
      phase: r.phase ?? 'unknown',
      config: Object.entries(r.config)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    })),
    [{ key: 'name' }, { key: 'provider' }, { key: 'phase' }, { key: 'config' }],
  );
}
