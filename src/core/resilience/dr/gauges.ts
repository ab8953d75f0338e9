import type { GaugeSample, StoredGaugeSource } from '../../base/metrics/stored.js';
import { epochSeconds } from '../../base/metrics/stored.js';
import { listPlans } from '../velero/records.js';
import type { StoredDrPolicy } from './policy.js';
import { scheduleName } from './reconcile.js';

/**
 * Per active DR policy: its RPO, and the newest Completed backup of its schedule that oco has recorded
 * (backup_records, kept current by the DR monitor and the backup commands) with its age. A policy
 * without any recorded backup has an RPO and no age: the RPO alert treats that as a breach.
 */
export const drGauges: StoredGaugeSource = {
  name: 'dr',
  gauges: [
    { name: 'dr_rpo_seconds', help: 'The RPO of each active DR policy, in seconds.', labelNames: ['policy'] },
    {
      name: 'dr_last_backup_timestamp_seconds',
      help: "When each DR policy's newest Completed backup completed (Unix seconds).",
      labelNames: ['policy'],
    },
    {
      name: 'dr_last_backup_age_seconds',
      help: "Seconds since each DR policy's newest Completed backup completed (compare with dr_rpo_seconds).",
      labelNames: ['policy'],
    },
  ],
  async read(store) {
    const plans = await listPlans<StoredDrPolicy>(store, 'policy', 'active');
    const rpo: GaugeSample[] = [];
    const last: GaugeSample[] = [];
    const age: GaugeSample[] = [];
    for (const p of plans) {
      const d = p.definition;
      if (!d) continue;
      const labels = { policy: p.name };
      rpo.push({ labels, value: d.rpoMs / 1000 });
      const row = await store.get<{ at: string | null }>(
        `SELECT MAX(completed_at) AS at FROM backup_records
         WHERE kind = 'backup' AND phase = 'Completed' AND schedule_name = $1
           AND cluster_context = $2 AND velero_namespace = $3`,
        [scheduleName(p.name), d.context ?? '', d.namespace ?? ''],
      );
      const at = epochSeconds(row?.at);
      if (at === undefined) continue;
      last.push({ labels, value: at });
      age.push({ labels, since: at });
    }
    return { dr_rpo_seconds: rpo, dr_last_backup_timestamp_seconds: last, dr_last_backup_age_seconds: age };
  },
};
