/**
 * DR status: each stored policy checked against what the cluster holds now.
 *
 * Breaches (fail --fail-on-breach, exit 4; sent by the daemon's monitor):
 *   rpo           no Completed backup of the policy, or the newest is older than the RPO
 *   schedule      the policy's schedule is missing, paused or FailedValidation
 *   storage       the storage location is missing or not Available
 *   rto           the last drill took longer than the RTO
 * Warnings (reported, not failing):
 *   missed-runs   cron fire times in the window with no backup within the grace period
 *   failed        Failed / PartiallyFailed / FailedValidation backups in the window
 *   no-drill      an RTO is set but no drill has measured it yet
 */
import type { Store } from '../../base/store/types.js';
import { FAILED_PHASES, phaseOf } from '../velero/phases.js';
import { listPlans, recordObjects, updatePlan, type PlanRow } from '../velero/records.js';
import type { VeleroClient, VeleroObject } from '../velero/resources.js';
import { cronTimes, humanDuration } from '../velero/values.js';
import type { DrPolicy, StoredDrPolicy } from './policy.js';
import { POLICY_LABEL, scheduleName } from './reconcile.js';

/** A fire time counts as run when a backup of the schedule was created within this long after it. */
export const MISSED_RUN_GRACE_MS = 15 * 60_000;

export type BreachKind = 'rpo' | 'schedule' | 'storage' | 'rto';
export type WarningKind = 'missed-runs' | 'failed' | 'no-drill';

export interface Finding<K extends string> {
  kind: K;
  message: string;
}

export interface PolicyStatus {
  policy: string;
  ok: boolean;
  rpo: string;
  rto: string | null;
  schedule: { name: string; cron: string; phase: string | null; paused: boolean | null };
  lastBackup: { name: string; completedAt: string; ageSeconds: number } | null;
  missedRuns: number;
  failedInWindow: Array<{ name: string; phase: string; at: string | null }>;
  storageLocation: { name: string | null; phase: string | null };
  lastDrill: { at: string; durationMs: number; withinRto: boolean | null } | null;
  breaches: Finding<BreachKind>[];
  warnings: Finding<WarningKind>[];
}

export interface DrStatus {
  context: string;
  namespace: string;
  checkedAt: string;
  breach: boolean;
  policies: PolicyStatus[];
}

function when(o: VeleroObject): number {
  return (
    Date.parse(o.status?.completionTimestamp ?? o.status?.startTimestamp ?? o.metadata.creationTimestamp ?? '') || 0
  );
}

export function policyOf(plan: PlanRow<StoredDrPolicy>): DrPolicy {
  return plan.definition;
}

/** Evaluates every active policy (or the named ones) at `now`. */
export async function drStatus(
  client: VeleroClient,
  store: Store,
  options: { now?: Date; policies?: string[] } = {},
): Promise<DrStatus> {
  const now = options.now ?? new Date();
  // a policy is enforced in the cluster and namespace it was applied to
  const plans = (await listPlans<StoredDrPolicy>(store, 'policy', 'active')).filter(
    (p) =>
      p.definition?.context === client.kube.context &&
      p.definition?.namespace === client.namespace &&
      (!options.policies || options.policies.includes(p.name)),
  );
  // three list calls for the whole namespace, however many policies
  const [schedules, backups, locations] = await Promise.all([
    client.list('schedule'),
    client.list('backup', { labelSelector: 'velero.io/schedule-name' }),
    client.list('bsl'),
  ]);
  await recordObjects(store, 'backup', backups.items, client.kube.context, client.namespace);
  const results: PolicyStatus[] = [];
  for (const plan of plans) {
    const p = policyOf(plan);
    const status = evaluatePolicy(
      p,
      plan,
      { schedules: schedules.items, backups: backups.items, locations: locations.items },
      now,
    );
    results.push(status);
    await updatePlan(store, plan.id, {
      lastResult: {
        ...(plan.last_result ?? {}),
        status: { at: now.toISOString(), ok: status.ok, breaches: status.breaches, warnings: status.warnings },
      },
    });
  }
  return {
    context: client.kube.context,
    namespace: client.namespace,
    checkedAt: now.toISOString(),
    breach: results.some((r) => !r.ok),
    policies: results,
  };
}

export function evaluatePolicy(
  p: DrPolicy,
  plan: PlanRow,
  cluster: { schedules: VeleroObject[]; backups: VeleroObject[]; locations: VeleroObject[] },
  now: Date,
): PolicyStatus {
  const breaches: Finding<BreachKind>[] = [];
  const warnings: Finding<WarningKind>[] = [];
  const sName = scheduleName(p.name);
  const schedule = cluster.schedules.find((s) => s.metadata.name === sName);
  const mine = cluster.backups.filter(
    (b) => b.metadata.labels?.['velero.io/schedule-name'] === sName || b.metadata.labels?.[POLICY_LABEL] === p.name,
  );

  if (!schedule)
    breaches.push({ kind: 'schedule', message: `schedule ${sName} does not exist (run oco dr policy apply)` });
  else if (schedule.spec?.paused) breaches.push({ kind: 'schedule', message: `schedule ${sName} is paused` });
  else if (phaseOf(schedule) === 'FailedValidation')
    breaches.push({
      kind: 'schedule',
      message: `schedule ${sName} failed validation: ${(schedule.status?.validationErrors ?? []).join('; ')}`,
    });

  const completed = mine.filter((b) => phaseOf(b) === 'Completed').sort((a, b) => when(b) - when(a))[0];
  const lastBackup = completed
    ? {
        name: completed.metadata.name,
        completedAt: new Date(when(completed)).toISOString(),
        ageSeconds: Math.round((now.getTime() - when(completed)) / 1000),
      }
    : null;
  if (!lastBackup) breaches.push({ kind: 'rpo', message: `no Completed backup (RPO ${p.text.rpo})` });
  else if (lastBackup.ageSeconds * 1000 > p.rpoMs)
    breaches.push({
      kind: 'rpo',
      message:
        `last Completed backup ${lastBackup.name} is ${humanDuration(lastBackup.ageSeconds * 1000)} old, over ` +
        `the RPO of ${p.text.rpo}`,
    });

  const windowStart = new Date(now.getTime() - p.windowMs);
  const failedInWindow = mine
    .filter((b) => FAILED_PHASES.has(phaseOf(b)) && when(b) >= windowStart.getTime())
    .map((b) => ({
      name: b.metadata.name,
      phase: phaseOf(b),
      at: b.status?.completionTimestamp ?? b.metadata.creationTimestamp ?? null,
    }));
  const failedList = failedInWindow.map((f) => `${f.name} (${f.phase})`).join(', ');
  if (failedInWindow.length)
    warnings.push({
      kind: 'failed',
      message: `${failedInWindow.length} failed or partial backup(s) in the last ${p.text.window}: ${failedList}`,
    });

  let missedRuns = 0;
  if (schedule && !schedule.spec?.paused) {
    const since = new Date(Math.max(windowStart.getTime(), Date.parse(schedule.metadata.creationTimestamp ?? '') || 0));
    const due = cronTimes(
      String(schedule.spec?.schedule ?? p.schedule),
      since,
      new Date(now.getTime() - MISSED_RUN_GRACE_MS),
    );
    const created = mine.map((b) => Date.parse(b.metadata.creationTimestamp ?? '')).filter(Number.isFinite);
    missedRuns = due.filter(
      (t) => !created.some((c) => c >= t.getTime() - 60_000 && c <= t.getTime() + MISSED_RUN_GRACE_MS),
    ).length;
    if (missedRuns)
      warnings.push({
        kind: 'missed-runs',
        message: `${missedRuns} scheduled run(s) in the last ${p.text.window} produced no backup`,
      });
  }

  const bsl = p.storageLocation
    ? cluster.locations.find((l) => l.metadata.name === p.storageLocation)
    : cluster.locations.find((l) => l.spec?.default);
  const storageLocation = {
    name: bsl?.metadata.name ?? p.storageLocation ?? null,
    phase: (bsl?.status?.phase as string | undefined) ?? null,
  };
  if (!bsl)
    breaches.push({
      kind: 'storage',
      message: p.storageLocation
        ? `storage location ${p.storageLocation} does not exist`
        : 'there is no default storage location',
    });
  else if (storageLocation.phase !== 'Available')
    breaches.push({
      kind: 'storage',
      message: `storage location ${bsl.metadata.name} is ${storageLocation.phase ?? 'not validated yet'}`,
    });

  const drill = plan.last_result?.drill as { at: string; durationMs: number } | undefined;
  const lastDrill = drill
    ? { at: drill.at, durationMs: drill.durationMs, withinRto: p.rtoMs ? drill.durationMs <= p.rtoMs : null }
    : null;
  if (p.rtoMs && !lastDrill)
    warnings.push({ kind: 'no-drill', message: `RTO ${p.text.rto} has never been measured: run oco dr drill` });
  if (lastDrill && lastDrill.withinRto === false)
    breaches.push({
      kind: 'rto',
      message: `the last drill took ${humanDuration(lastDrill.durationMs)}, over the RTO of ${p.text.rto}`,
    });

  return {
    policy: p.name,
    ok: breaches.length === 0,
    rpo: p.text.rpo,
    rto: p.text.rto ?? null,
    schedule: {
      name: sName,
      cron: p.schedule,
      phase: schedule ? phaseOf(schedule) : null,
      paused: schedule ? Boolean(schedule.spec?.paused) : null,
    },
    lastBackup,
    missedRuns,
    failedInWindow,
    storageLocation,
    lastDrill,
    breaches,
    warnings,
  };
}
