/**
 * DR drills: a real restore of a backup into a scratch namespace, waited on,
 * with its duration measured and compared with the RTO of the policy the backup
 * belongs to, and recorded (backup_jobs kind "drill", and the policy's last_result).
 */
import { UsageError } from '../../base/errors.js';
import type { Store } from '../../base/store/types.js';
import { buildRestore, stamp } from '../velero/builders.js';
import { waitForOutcome } from '../velero/outcome.js';
import { finishJob, getPlan, recordObjects, startJob, updatePlan } from '../velero/records.js';
import { restorableBackup } from '../velero/restores.js';
import type { VeleroClient, VeleroObject } from '../velero/resources.js';
import { mapKubeError } from '../k8s/errors.js';
import { humanDuration, requireNamespace } from '../velero/values.js';
import type { DrPolicy } from './policy.js';
import { POLICY_LABEL } from './reconcile.js';

export interface DrillOptions {
  backup: string;
  intoNamespace: string;
  sourceNamespace?: string;
  policy?: string;
  timeoutMs: number;
  allowExisting?: boolean;
  cleanup?: boolean;
  onChange?: (o: VeleroObject) => void;
}

export interface DrillResult {
  backup: string;
  restore: string;
  sourceNamespace: string;
  intoNamespace: string;
  phase: string;
  durationMs: number;
  /** What Velero itself reports (completion - start), when it reports both. */
  veleroDurationMs: number | null;
  policy: string | null;
  rto: string | null;
  withinRto: boolean | null;
  cleanedUp: boolean;
  exitCode: 0 | 1 | 4;
}

async function namespaceExists(client: VeleroClient, name: string): Promise<boolean> {
  try {
    await client.kube.core.readNamespace({ name });
    return true;
  } catch (err) {
    const mapped = mapKubeError(err, {
      verb: 'get',
      resource: 'namespaces',
      group: '',
      name,
      server: client.kube.server,
    });
    if (mapped.code === 'OCO_K8S_NOT_FOUND') return false;
    throw mapped;
  }
}

export async function runDrill(client: VeleroClient, store: Store, o: DrillOptions): Promise<DrillResult> {
  requireNamespace(o.intoNamespace, '--into-namespace');
  const backup = await restorableBackup(client, o.backup);
  const included: string[] = backup.spec?.includedNamespaces ?? [];
  const source = o.sourceNamespace ?? (included.length === 1 && included[0] !== '*' ? included[0] : undefined);
  if (!source) {
    throw new UsageError(
      `backup "${o.backup}" covers ${included.length ? included.join(', ') : 'all namespaces'}: say which one ` +
        `to drill with --source-namespace`,
      { code: 'OCO_DRILL_SOURCE' },
    );
  }
  if (source === o.intoNamespace)
    throw new UsageError(
      '--into-namespace must differ from the source namespace: a drill never restores over the original',
      { code: 'OCO_DRILL_SOURCE' },
    );
  if (!o.allowExisting && (await namespaceExists(client, o.intoNamespace))) {
    throw new UsageError(
      `namespace "${o.intoNamespace}" already exists: a drill restores into a fresh scratch namespace`,
      {
        code: 'OCO_DRILL_NAMESPACE_EXISTS',
        hint: 'Pick another --into-namespace, delete it, or pass --allow-existing.',
      },
    );
  }
  const policyName = o.policy ?? backup.metadata.labels?.[POLICY_LABEL];
  const plan = policyName ? await getPlan(store, 'policy', policyName) : undefined;
  if (o.policy && !plan)
    throw new UsageError(`no DR policy named "${o.policy}"`, {
      code: 'OCO_DR_POLICY_NOT_FOUND',
      hint: 'List them with: oco dr status',
    });
  const policy = plan?.definition as DrPolicy | undefined;

  const name = `oco-drill-${o.backup.slice(0, 200)}-${stamp(new Date())}`.slice(0, 253).replace(/-+$/, '');
  const spec = { backupName: o.backup, includedNamespaces: [source], namespaceMapping: { [source]: o.intoNamespace } };
  const startedAt = new Date();
  const jobId = await startJob(
    store,
    {
      kind: 'drill',
      name,
      context: client.kube.context,
      namespace: client.namespace,
      params: { backup: o.backup, source, into: o.intoNamespace, policy: policyName ?? null },
    },
    startedAt,
  );
  let outcome;
  try {
    await client.create(
      'restore',
      buildRestore(name, client.namespace, spec, {
        'oco.dev/drill': 'true',
        ...(policyName ? { [POLICY_LABEL]: policyName } : {}),
      }),
    );
    outcome = await waitForOutcome(client, 'restore', name, { timeoutMs: o.timeoutMs, onChange: o.onChange });
  } catch (err) {
    await finishJob(store, jobId, {
      exitCode: (err as { exitCode?: number }).exitCode ?? 1,
      error: (err as Error).message,
      startedAt,
    });
    throw err;
  }
  const durationMs = Date.now() - startedAt.getTime();
  const s = outcome.object.status ?? {};
  const veleroDurationMs =
    s.startTimestamp && s.completionTimestamp ? Date.parse(s.completionTimestamp) - Date.parse(s.startTimestamp) : null;
  const succeeded = outcome.exitCode === 0;
  const withinRto = succeeded && policy?.rtoMs ? durationMs <= policy.rtoMs : null;
  const exitCode: 0 | 1 | 4 = !succeeded ? outcome.exitCode : withinRto === false ? 4 : 0;
  let cleanedUp = false;
  if (o.cleanup && succeeded) {
    try {
      await client.kube.core.deleteNamespace({ name: o.intoNamespace });
      cleanedUp = true;
    } catch (err) {
      throw mapKubeError(err, {
        verb: 'delete',
        resource: 'namespaces',
        group: '',
        name: o.intoNamespace,
        server: client.kube.server,
      });
    }
  }
  await recordObjects(store, 'restore', [outcome.object], client.kube.context, client.namespace);
  await finishJob(store, jobId, {
    phase: outcome.phase,
    exitCode,
    error: !succeeded
      ? `restore ${outcome.phase}`
      : withinRto === false
        ? `drill took ${humanDuration(durationMs)}, over the RTO of ${policy!.text.rto}`
        : undefined,
    startedAt,
  });
  if (plan && succeeded) {
    await updatePlan(store, plan.id, {
      lastResult: {
        ...(plan.last_result ?? {}),
        drill: { at: startedAt.toISOString(), durationMs, restore: name, backup: o.backup, withinRto },
      },
    });
  }
  return {
    backup: o.backup,
    restore: name,
    sourceNamespace: source,
    intoNamespace: o.intoNamespace,
    phase: outcome.phase,
    durationMs,
    veleroDurationMs,
    policy: policyName ?? null,
    rto: policy?.text.rto ?? null,
    withinRto,
    cleanedUp,
    exitCode,
  };
}
