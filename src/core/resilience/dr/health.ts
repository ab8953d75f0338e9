/**
 * oco health: one summary of backups, DR policies and recovery readiness.
 * readiness: ready (no breach, every policy with an RTO drilled within it),
 * at-risk (no breach, but warnings or undrilled RTOs), not-ready (a breach, or no
 * Completed backup at all).
 */
import type { Store } from '../../base/store/types.js';
import { mapKubeError } from '../k8s/errors.js';
import { FAILED_PHASES, phaseOf } from '../velero/phases.js';
import type { VeleroClient } from '../velero/resources.js';
import { drStatus, type DrStatus } from './status.js';

export type Readiness = 'ready' | 'at-risk' | 'not-ready';

export interface Health {
  cluster: { context: string; server: string; version: string | null };
  namespace: string;
  backups: {
    total: number;
    byPhase: Record<string, number>;
    failedLast24h: number;
    lastCompleted: { name: string; at: string } | null;
  };
  schedules: { total: number; paused: number; invalid: number };
  storageLocations: Array<{ name: string; phase: string | null; default: boolean }>;
  policies: { total: number; inBreach: number; warnings: number; drilled: number };
  readiness: Readiness;
  reasons: string[];
  dr: DrStatus;
}

export async function health(client: VeleroClient, store: Store, now = new Date()): Promise<Health> {
  const version = await client.kube.version.getCode().then(
    (v) => v.gitVersion ?? null,
    (err) => {
      throw mapKubeError(err, { verb: 'get', resource: 'version', group: '', server: client.kube.server });
    },
  );
  const [backups, schedules, locations] = await Promise.all([
    client.list('backup'),
    client.list('schedule'),
    client.list('bsl'),
  ]);
  const dr = await drStatus(client, store, { now });
  const byPhase: Record<string, number> = {};
  for (const b of backups.items) byPhase[phaseOf(b)] = (byPhase[phaseOf(b)] ?? 0) + 1;
  const dayAgo = now.getTime() - 86_400_000;
  const completed = backups.items
    .filter((b) => phaseOf(b) === 'Completed')
    .map((b) => ({
      name: b.metadata.name,
      at: (b.status?.completionTimestamp ?? b.metadata.creationTimestamp) as string,
    }))
    .sort((a, b) => b.at.localeCompare(a.at));
  const reasons: string[] = [];
  const inBreach = dr.policies.filter((p) => !p.ok);
  for (const p of inBreach) for (const b of p.breaches) reasons.push(`${p.policy}: ${b.message}`);
  if (completed.length === 0) reasons.push('no Completed backup in the cluster');
  const unavailable = locations.items.filter((l) => l.status?.phase !== 'Available');
  for (const l of unavailable)
    reasons.push(`storage location ${l.metadata.name} is ${l.status?.phase ?? 'not validated'}`);
  const warnings = dr.policies.reduce((n, p) => n + p.warnings.length, 0);
  const undrilled = dr.policies.filter((p) => p.rto && !p.lastDrill).length;
  if (dr.policies.length === 0) reasons.push('no DR policy: RPO/RTO are not checked (oco dr policy apply)');
  if (undrilled) reasons.push(`${undrilled} policy(ies) with an RTO never drilled (oco dr drill)`);
  const readiness: Readiness =
    inBreach.length > 0 || completed.length === 0 || unavailable.length > 0
      ? 'not-ready'
      : warnings > 0 || undrilled > 0 || dr.policies.length === 0
        ? 'at-risk'
        : 'ready';
  return {
    cluster: { context: client.kube.context, server: client.kube.server, version },
    namespace: client.namespace,
    backups: {
      total: backups.items.length,
      byPhase,
      failedLast24h: backups.items.filter(
        (b) => FAILED_PHASES.has(phaseOf(b)) && Date.parse(b.metadata.creationTimestamp ?? '') >= dayAgo,
      ).length,
      lastCompleted: completed[0] ?? null,
    },
    schedules: {
      total: schedules.items.length,
      paused: schedules.items.filter((s) => s.spec?.paused).length,
      invalid: schedules.items.filter((s) => phaseOf(s) === 'FailedValidation').length,
    },
    storageLocations: locations.items.map((l) => ({
      name: l.metadata.name,
      phase: (l.status?.phase as string | undefined) ?? null,
      default: Boolean(l.spec?.default),
    })),
    policies: {
      total: dr.policies.length,
      inBreach: inBreach.length,
      warnings,
      drilled: dr.policies.filter((p) => p.lastDrill).length,
    },
    readiness,
    reasons,
    dr,
  };
}
