/**
 * VolumeSnapshotLocations (velero snapshot-location): where a provider's volume snapshots are taken. The objects
 * built here carry exactly the fields of the CRD's openAPIV3Schema (test/k8s/locations.test.ts).
 */
import { UsageError } from '../../base/errors.js';
import { API_VERSION, type VeleroObject } from './resources.js';
import { MANAGED_BY } from './builders.js';
import { parseCredential, parseKeyValues, type CredentialRef } from './locations.js';
import { requireName } from './values.js';

export interface SnapshotLocationSpec {
  provider: string;
  config?: Record<string, string>;
  credential?: CredentialRef;
}

export interface SnapshotLocationOptions {
  provider: string;
  config?: string;
  credential?: string;
}

export function buildSnapshotLocation(
  name: string,
  namespace: string,
  o: SnapshotLocationOptions,
): VeleroObject<SnapshotLocationSpec> {
  requireName(name, 'snapshot location name');
  if (!o.provider.trim()) throw new UsageError('--provider: give the volume snapshotter plugin, e.g. aws');
  const spec: SnapshotLocationSpec = { provider: o.provider.trim() };
  if (o.config) spec.config = parseKeyValues(o.config, '--config');
  if (o.credential) spec.credential = parseCredential(o.credential);
  return {
    apiVersion: API_VERSION,
    kind: 'VolumeSnapshotLocation',
    metadata: { name, namespace, labels: { ...MANAGED_BY } },
    spec,
  };
}

/** set: velero snapshot-location set changes the credential only. */
export function snapshotLocationPatch(c: { credential?: string }): Record<string, unknown> {
  if (!c.credential) {
    throw new UsageError('nothing to change', { code: 'OCO_LOCATION_CHANGE_EMPTY', hint: 'Give --credential.' });
  }
  return { spec: { credential: parseCredential(c.credential) } };
}

export function snapshotLocationRow(o: VeleroObject) {
  return {
    name: o.metadata.name,
    provider: (o.spec?.provider as string | undefined) ?? null,
    // Velero's controller sets it; absent means not reported yet, not Unavailable
    phase: (o.status?.phase as string | undefined) ?? null,
    credential: (o.spec?.credential as CredentialRef | undefined) ?? null,
    config: (o.spec?.config as Record<string, string> | undefined) ?? {},
    createdAt: o.metadata.creationTimestamp ?? null,
  };
}
export type SnapshotLocationRow = ReturnType<typeof snapshotLocationRow>;
