/**
 * Restores and recovery plans. A plan is a Restore that has been checked and
 * previewed but not yet created: `restore plan` validates that the backup exists
 * and Completed, shows which of its resources would be restored (and where, after
 * namespace mappings) and stores the plan; `restore execute` creates the Restore.
 */
import { randomBytes } from 'node:crypto';
import { OperationError, UsageError } from '../../base/errors.js';
import type { Store } from '../../base/store/types.js';
import { buildRestore, defaultRestoreName, type RestoreSpec } from './builders.js';
import { download } from './download.js';
import { phaseOf } from './phases.js';
import { getPlan, savePlan, updatePlan, type PlanRow } from './records.js';
import type { VeleroClient, VeleroObject } from './resources.js';

export interface PreviewItem {
  resource: string;
  from: string;
  to: string;
}

const IRREGULAR_PLURALS: Record<string, string> = { endpoints: 'endpoints' };

/** "apps/v1/Deployment" → "deployments.apps"; "v1/Pod" → "pods" (how --include-resources names them). */
export function resourceName(groupVersionKind: string): string {
  const parts = groupVersionKind.split('/');
  const kind = parts.at(-1)!;
  const group = parts.length === 3 ? parts[0] : '';
  const lower = kind.toLowerCase();
  // Kubernetes' own pluralisation rules, with its one irregular core kind
  const plural =
    IRREGULAR_PLURALS[lower] ??
    (lower.endsWith('s') ? `${lower}es` : lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`);
  return group ? `${plural}.${group}` : plural;
}

function wanted(list: string[] | undefined, value: string, resource = false): boolean | undefined {
  if (!list || list.length === 0 || list.includes('*')) return undefined;
  return list.some((x) => x === value || (resource && value.split('.')[0] === x));
}

/** Applies the restore's filters and mappings to a backup's resource list. */
export function previewRestore(resources: Record<string, string[]>, spec: RestoreSpec): PreviewItem[] {
  const out: PreviewItem[] = [];
  for (const [gvk, names] of Object.entries(resources)) {
    const res = resourceName(gvk);
    if (wanted(spec.includedResources, res, true) === false || wanted(spec.excludedResources, res, true) === true)
      continue;
    for (const item of names) {
      const [ns, name] = item.includes('/') ? item.split('/', 2) : [undefined, item];
      if (
        ns !== undefined &&
        (wanted(spec.includedNamespaces, ns) === false || wanted(spec.excludedNamespaces, ns) === true)
      )
        continue;
      const target = ns !== undefined ? `${spec.namespaceMapping?.[ns] ?? ns}/${name}` : name!;
      out.push({ resource: res, from: item, to: target });
    }
  }
  return out.sort((a, b) => a.to.localeCompare(b.to) || a.resource.localeCompare(b.resource));
}

/** A restore may only come from a backup that exists and Completed (a partial backup restores partially). */
export async function restorableBackup(
  client: VeleroClient,
  name: string,
  allowPartial = false,
): Promise<VeleroObject> {
  const backup = await client.get('backup', name);
  const phase = phaseOf(backup);
  if (phase !== 'Completed' && !(allowPartial && phase === 'PartiallyFailed')) {
    throw new UsageError(
      `backup "${name}" is ${phase}, not Completed: it cannot be restored ` +
        `from${phase === 'PartiallyFailed' ? ' without --allow-partial' : ''}`,
      {
        code: 'OCO_BACKUP_NOT_RESTORABLE',
        hint: 'Pick a Completed backup: oco backup list',
      },
    );
  }
  return backup;
}

/**
 * velero restore create --from-schedule --allow-partially-failed: the schedule's newest backup (by start time, as
 * velero sorts them) that Completed or PartiallyFailed; undefined when it has none, and Velero then picks.
 */
export async function newestScheduleBackup(
  client: VeleroClient,
  schedule: string,
  phases: readonly string[] = ['Completed', 'PartiallyFailed'],
): Promise<VeleroObject | undefined> {
  const { items } = await client.list('backup', { labelSelector: `velero.io/schedule-name=${schedule}` });
  const started = (o: VeleroObject) => String(o.status?.startTimestamp ?? '');
  return [...items].filter((o) => phases.includes(phaseOf(o))).sort((a, b) => started(b).localeCompare(started(a)))[0];
}

export interface PlanDefinition {
  spec: RestoreSpec;
  context: string;
  namespace: string;
  backupUid?: string;
  preview: PreviewItem[];
}

export interface PlanResult {
  id: string;
  name: string;
  definition: PlanDefinition;
}

export async function planRestore(
  client: VeleroClient,
  store: Store,
  spec: RestoreSpec,
  options: { allowPartial?: boolean } = {},
): Promise<PlanResult> {
  if (!spec.backupName)
    throw new UsageError('a recovery plan needs --from-backup', {
      hint: 'e.g. oco restore plan --from-backup nightly-20260101',
    });
  const backup = await restorableBackup(client, spec.backupName, options.allowPartial);
  const list = JSON.parse(
    (await download(client, 'BackupResourceList', spec.backupName)).toString('utf8') || '{}',
  ) as Record<string, string[]>;
  const definition: PlanDefinition = {
    spec,
    context: client.kube.context,
    namespace: client.namespace,
    backupUid: backup.metadata.uid,
    preview: previewRestore(list, spec),
  };
  const id = `rp-${randomBytes(4).toString('hex')}`;
  await savePlan(store, 'restore-plan', spec.backupName, definition, id);
  return { id, name: spec.backupName, definition };
}

export async function loadPlan(store: Store, id: string): Promise<PlanRow<PlanDefinition>> {
  const plan = await getPlan<PlanDefinition>(store, 'restore-plan', id);
  if (!plan || plan.id !== id)
    throw new UsageError(`no recovery plan ${id}`, {
      code: 'OCO_PLAN_NOT_FOUND',
      hint: 'Plans are made by oco restore plan; their ids look like rp-1a2b3c4d.',
    });
  if (plan.status === 'executed') {
    throw new OperationError(
      'OCO_PLAN_EXECUTED',
      `recovery plan ${id} was already executed (restore ${plan.last_result?.restore ?? '?'})`,
      { hint: 'Make a new plan to restore again.' },
    );
  }
  return plan;
}

/**
 * Creates the Restore of a stored plan, after checking that the backup is still the one planned and still Completed.
 */
export async function executePlan(
  client: VeleroClient,
  store: Store,
  plan: PlanRow<PlanDefinition>,
  name?: string,
): Promise<VeleroObject> {
  const def = plan.definition;
  const backup = await restorableBackup(client, def.spec.backupName!, true);
  if (def.backupUid && backup.metadata.uid !== def.backupUid) {
    throw new OperationError(
      'OCO_PLAN_STALE',
      `backup "${def.spec.backupName}" was replaced since plan ${plan.id} was made`,
      { hint: 'Make a new plan.' },
    );
  }
  const restoreName = name ?? defaultRestoreName(def.spec);
  const restore = await client.create(
    'restore',
    buildRestore(restoreName, client.namespace, def.spec, { 'oco.dev/plan': plan.id }),
  );
  await updatePlan(store, plan.id, {
    status: 'executed',
    lastResult: { restore: restoreName, at: new Date().toISOString() },
  });
  return restore;
}
