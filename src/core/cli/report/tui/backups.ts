import type { BackupsView } from '../../../base/report/model.js';
import { orUnknown } from './format.js';
import type { Line, Screen } from './screen.js';

/** DR policies against their RPO (the list), the last success per schedule and failed backups below. */
export function backupsScreen(v: BackupsView): Screen {
  const below: Line[] = [];
  if (v.schedules.length) below.push({ text: 'Last success per schedule', dim: true });
  for (const s of v.schedules)
    below.push({ text: `${s.schedule} (${s.context}/${s.namespace}): ${s.lastSuccessAt ?? 'never'}` });
  below.push({
    text:
      `Failed backups in the period: ${v.failed.length}` +
      (v.failed.length ? ` (${v.failed.map((f) => `${f.name} ${f.phase}`).join(', ')})` : ''),
    fg: v.failed.length ? 'red' : undefined,
  });
  return {
    title: 'Backups: DR policies against their RPO',
    above: [],
    columns: [
      { header: 'dr policy', width: 14, flex: true },
      { header: 'rpo', width: 6 },
      { header: 'last backup', width: 20 },
      { header: 'within', width: 6 },
      { header: 'next run', width: 20, drop: 1 },
    ],
    items: v.drPolicies.map((d) => ({
      cells: [d.policy, d.rpo, orUnknown(d.lastBackupAt), d.withinRpo ? 'yes' : 'BREACH', orUnknown(d.nextRunAt)],
      fg: d.withinRpo ? undefined : 'red',
      key: d.policy,
      search: d.policy.toLowerCase(),
    })),
    below,
    empty: 'No DR policies.',
  };
}
