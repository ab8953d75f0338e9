import { phaseOf } from './phases.js';
import type { VeleroObject } from './resources.js';
import { cronTimes } from './values.js';

/** The fields schedule list/describe/--json show, with the next three runs. */
export function scheduleRow(o: VeleroObject) {
  const cron = String(o.spec?.schedule ?? '');
  let next: string[];
  try {
    next = o.spec?.paused
      ? []
      : cronTimes(cron, new Date(), new Date(Date.now() + 400 * 86_400_000), 3).map((d) => d.toISOString());
  } catch {
    next = []; // an invalid cron is reported by its phase (FailedValidation)
  }
  return {
    name: o.metadata.name,
    phase: phaseOf(o),
    schedule: cron,
    paused: Boolean(o.spec?.paused),
    lastBackup: (o.status?.lastBackup as string | undefined) ?? null,
    nextRuns: next,
    includedNamespaces: (o.spec?.template?.includedNamespaces as string[] | undefined) ?? null,
    ttl: (o.spec?.template?.ttl as string | undefined) ?? null,
    storageLocation: (o.spec?.template?.storageLocation as string | undefined) ?? null,
    validationErrors: (o.status?.validationErrors as string[] | undefined) ?? [],
    policy: o.metadata.labels?.['oco.dev/dr-policy'] ?? null,
  };
}
