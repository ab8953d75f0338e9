/**
 * The backups view of `oco report`, from what oco recorded (backup_records, dr_plans), without calling the cluster:
 * the newest Completed backup per schedule, failed backups in the period, each DR policy's newest backup against its
 * RPO and its schedule's next run. `oco dr status` is the live check against the cluster.
 */
import type { BackupsSource } from '../base/report/sources.js';
import type { StoredDrPolicy } from './dr/policy.js';
import { scheduleName } from './dr/reconcile.js';
import { FAILED_PHASES } from './velero/phases.js';
import { listPlans, observedRecords, type ObservedBackup } from './velero/records.js';
import { cronTimes } from './velero/values.js';

const DAY_MS = 86_400_000;

const scheduleId = (context: string, namespace: string, schedule: string) =>
  `${context}\u0000${namespace}\u0000${schedule}`;

export const backupsReportSource: BackupsSource = {
  async status(store, period, now) {
    const backups = await observedRecords(store, 'backup');
    const schedules = await observedRecords(store, 'schedule');
    const newest = new Map<string, ObservedBackup>();
    const lastPhase = new Map<string, ObservedBackup>();
    const at = (b: ObservedBackup) => b.completedAt ?? b.startedAt ?? '';
    for (const b of backups) {
      if (!b.schedule) continue;
      const id = scheduleId(b.context, b.namespace, b.schedule);
      if (b.phase === 'Completed' && (!newest.has(id) || at(b) > at(newest.get(id)!))) newest.set(id, b);
      if (!lastPhase.has(id) || at(b) > at(lastPhase.get(id)!)) lastPhase.set(id, b);
    }
    const ids = new Map<string, { schedule: string; context: string; namespace: string }>();
    for (const r of [...schedules.map((s) => ({ ...s, schedule: s.name })), ...backups])
      if (r.schedule) ids.set(scheduleId(r.context, r.namespace, r.schedule), r as { schedule: string } & typeof r);
    const from = `${period.from}T00:00:00.000Z`;
    const to = `${period.to}T00:00:00.000Z`;
    const plans = await listPlans<StoredDrPolicy>(store, 'policy', 'active');
    return {
      schedules: [...ids.entries()]
        .map(([id, s]) => ({
          schedule: s.schedule,
          context: s.context,
          namespace: s.namespace,
          lastSuccessAt: newest.get(id) ? at(newest.get(id)!) : null,
          lastPhase: lastPhase.get(id)?.phase ?? null,
        }))
        .sort((a, b) => a.schedule.localeCompare(b.schedule) || a.context.localeCompare(b.context)),
      failed: backups
        .filter((b) => b.phase !== null && FAILED_PHASES.has(b.phase) && at(b) >= from && at(b) < to)
        .sort((a, b) => at(b).localeCompare(at(a)))
        .map((b) => ({ name: b.name, schedule: b.schedule, phase: b.phase!, at: at(b) || null })),
      drPolicies: plans.map((plan) => {
        const p = plan.definition;
        const last = newest.get(scheduleId(p.context, p.namespace, scheduleName(p.name)));
        const age = last ? Math.max(0, Math.round((now.getTime() - Date.parse(at(last))) / 1000)) : null;
        const next = cronTimes(p.schedule, now, new Date(now.getTime() + 366 * DAY_MS), 1)[0];
        return {
          policy: p.name,
          rpo: p.text.rpo,
          lastBackupAt: last ? at(last) : null,
          ageSeconds: age,
          // no Completed backup at all is a breach too: there is nothing to restore
          withinRpo: age !== null && age * 1000 <= p.rpoMs,
          nextRunAt: next?.toISOString() ?? null,
        };
      }),
    };
  },
};
