/**
 * Enforcing DR policies: each policy owns one Velero Schedule named
 * oco-<policy>, labelled with the policy. apply creates the missing ones,
 * rewrites the ones whose spec drifted (a JSON patch guarded by a "test" of the
 * spec it read, so a concurrent change is never overwritten blindly), and with
 * prune deletes the schedules of policies no longer in the file.
 */
import { OperationError } from '../../base/errors.js';
import type { Store } from '../../base/store/types.js';
import { backupSpec, buildSchedule, type ScheduleSpec } from '../velero/builders.js';
import { formatGoDurationMs } from '../../base/durations.js';
import { listPlans, savePlan, updatePlan } from '../velero/records.js';
import type { VeleroClient, VeleroObject } from '../velero/resources.js';
import { SCHEDULE_PREFIX, type DrPolicy } from './policy.js';

export const POLICY_LABEL = 'oco.dev/dr-policy';

export type Action = 'created' | 'updated' | 'unchanged' | 'pruned';

export interface ApplyRow {
  policy: string;
  schedule: string;
  action: Action;
  cron: string;
  rpo: string;
  rto: string | null;
}

export function scheduleName(policy: string): string {
  return `${SCHEDULE_PREFIX}${policy}`;
}

export function desiredSchedule(p: DrPolicy, namespace: string): VeleroObject<ScheduleSpec> {
  const template = backupSpec({
    includeNamespaces: p.namespaces,
    excludeNamespaces: p.excludeNamespaces,
    selector: p.selector,
    ttl: formatGoDurationMs(p.retentionMs),
    storageLocation: p.storageLocation,
    snapshotVolumes: p.snapshotVolumes,
    defaultVolumesToFsBackup: p.defaultVolumesToFsBackup,
  });
  // the backups a schedule makes carry the policy label too, so status can find them by policy
  template.metadata = { labels: { [POLICY_LABEL]: p.name } };
  return buildSchedule(scheduleName(p.name), namespace, p.schedule, template, {
    labels: { [POLICY_LABEL]: p.name },
    where: `policy ${p.name} schedule`,
  });
}

/** Key order does not matter to the API server; compare canonical JSON. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export async function applyPolicies(
  client: VeleroClient,
  store: Store,
  policies: DrPolicy[],
  options: { prune?: boolean; dryRun?: boolean } = {},
): Promise<ApplyRow[]> {
  const rows: ApplyRow[] = [];
  for (const p of policies) {
    const desired = desiredSchedule(p, client.namespace);
    const existing = await client.find('schedule', desired.metadata.name);
    let action: Action;
    if (!existing) {
      if (!options.dryRun) await client.create('schedule', desired);
      action = 'created';
    } else if (
      canonical({ ...desired.spec, paused: false }) !==
        canonical({ ...existing.spec, paused: Boolean(existing.spec?.paused) }) ||
      existing.metadata.labels?.[POLICY_LABEL] !== p.name
    ) {
      if (!options.dryRun) {
        // "test" the spec read above, not the resourceVersion: Velero rewrites the schedule's status
        // (lastBackup, phase) all the time, and only a concurrent change of the spec must stop this
        try {
          await client.jsonPatch('schedule', desired.metadata.name, [
            { op: 'test', path: '/spec', value: existing.spec },
            { op: 'replace', path: '/spec', value: desired.spec },
            {
              op: existing.metadata.labels ? 'replace' : 'add',
              path: '/metadata/labels',
              value: { ...(existing.metadata.labels ?? {}), ...desired.metadata.labels },
            },
          ]);
        } catch (err) {
          // json-patch reports a failed "test" as "testing value /spec failed"; anything else is not a race
          if ((err as { code?: string }).code !== 'OCO_K8S_INVALID' || !/testing value/.test((err as Error).message))
            throw err;
          throw new OperationError(
            'OCO_DR_CONCURRENT_CHANGE',
            `schedule ${desired.metadata.name} was changed by someone else while oco was applying policy ${p.name}`,
            {
              hint: 'Run oco dr policy apply again: it re-reads the schedule.',
            },
          );
        }
      }
      action = 'updated';
    } else action = 'unchanged';
    if (!options.dryRun)
      await savePlan(store, 'policy', p.name, { ...p, context: client.kube.context, namespace: client.namespace });
    rows.push({
      policy: p.name,
      schedule: desired.metadata.name,
      action,
      cron: p.schedule,
      rpo: p.text.rpo,
      rto: p.text.rto ?? null,
    });
  }
  if (options.prune) {
    const keep = new Set(policies.map((p) => p.name));
    const { items } = await client.list('schedule', { labelSelector: POLICY_LABEL });
    for (const s of items) {
      const policy = s.metadata.labels![POLICY_LABEL]!;
      if (keep.has(policy)) continue;
      if (!options.dryRun) {
        await client.delete('schedule', s.metadata.name);
        for (const plan of await listPlans(store, 'policy'))
          if (plan.name === policy) await updatePlan(store, plan.id, { status: 'retired' });
      }
      rows.push({
        policy,
        schedule: s.metadata.name,
        action: 'pruned',
        cron: String(s.spec?.schedule ?? ''),
        rpo: '-',
        rto: null,
      });
    }
  }
  return rows;
}
