import { BACKUP_PHASES, RESTORE_PHASES, phaseInfo, phaseOf, type PhaseInfo } from './phases.js';
import type { VeleroClient, VeleroObject } from './resources.js';
import { waitFor } from './wait.js';

export interface Outcome {
  object: VeleroObject;
  phase: string;
  info: PhaseInfo;
  /** 0 Completed, 4 PartiallyFailed/Failed/FailedValidation, 1 Deleting. */
  exitCode: 0 | 1 | 4;
  waitedMs: number;
}

const TABLES = { backup: BACKUP_PHASES, restore: RESTORE_PHASES } as const;

/** Watches a Backup or Restore until its phase is terminal (see phases.ts) and says how it ended. */
export async function waitForOutcome(
  client: VeleroClient,
  kind: 'backup' | 'restore',
  name: string,
  options: { timeoutMs: number; onChange?: (o: VeleroObject) => void },
): Promise<Outcome> {
  const started = Date.now();
  const table = TABLES[kind];
  const object = (await waitFor<VeleroObject>(client, kind, name, {
    timeoutMs: options.timeoutMs,
    done: (o) => phaseInfo(table, phaseOf(o)).terminal,
    onChange: options.onChange,
  }))!;
  const phase = phaseOf(object);
  const info = phaseInfo(table, phase);
  return { object, phase, info, exitCode: info.exitCode ?? 1, waitedMs: Date.now() - started };
}

/** One line about why a Backup or Restore did not complete, from its status. */
export function failureText(o: VeleroObject): string | undefined {
  const s = o.status ?? {};
  const parts: string[] = [];
  if (s.failureReason) parts.push(String(s.failureReason));
  if (Array.isArray(s.validationErrors) && s.validationErrors.length) parts.push(s.validationErrors.join('; '));
  if (s.errors) parts.push(`${s.errors} error(s)`);
  return parts.length ? parts.join('; ') : undefined;
}

/** The fields list/describe/--json show of a Backup or Restore. */
export function summarize(o: VeleroObject) {
  const s = o.status ?? {};
  const p = s.progress ?? {};
  return {
    name: o.metadata.name,
    phase: phaseOf(o),
    errors: Number(s.errors ?? 0),
    warnings: Number(s.warnings ?? 0),
    items: p.itemsBackedUp ?? p.itemsRestored ?? null,
    totalItems: p.totalItems ?? null,
    created: o.metadata.creationTimestamp ?? null,
    started: s.startTimestamp ?? null,
    completed: s.completionTimestamp ?? null,
    expires: s.expiration ?? null,
    storageLocation: o.spec?.storageLocation ?? null,
    schedule: o.metadata.labels?.['velero.io/schedule-name'] ?? o.spec?.scheduleName ?? null,
    backup: o.spec?.backupName ?? null,
    includedNamespaces: o.spec?.includedNamespaces ?? null,
    failure: failureText(o) ?? null,
  };
}
