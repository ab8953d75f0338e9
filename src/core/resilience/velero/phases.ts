/**
 * Every phase of Velero 1.17/1.18 Backups, Restores and Schedules as data: whether
 * it ends the object's run and the exit code `--wait` returns for it. A phase
 * not in the table (a newer Velero) is shown as is and treated as still running.
 */
export interface PhaseInfo {
  terminal: boolean;
  /** Exit code of a wait that ends here (terminal phases only). */
  exitCode?: 0 | 1 | 4;
  outcome: 'pending' | 'running' | 'success' | 'failure' | 'deleted';
  description: string;
}

export const BACKUP_PHASES: Record<string, PhaseInfo> = {
  New: { terminal: false, outcome: 'pending', description: 'accepted; the Velero server has not processed it yet' },
  Queued: {
    terminal: false,
    outcome: 'pending',
    description: 'waiting for a concurrent-backup slot (status.queuePosition)',
  },
  ReadyToStart: { terminal: false, outcome: 'pending', description: 'dequeued, about to start' },
  InProgress: { terminal: false, outcome: 'running', description: 'backing up items' },
  WaitingForPluginOperations: {
    terminal: false,
    outcome: 'running',
    description: 'items backed up; async plugin operations (data movers) still running',
  },
  WaitingForPluginOperationsPartiallyFailed: {
    terminal: false,
    outcome: 'running',
    description: 'as WaitingForPluginOperations, with errors already seen',
  },
  Finalizing: {
    terminal: false,
    outcome: 'running',
    description: 'plugin operations done; finishing the backup tarball',
  },
  FinalizingPartiallyFailed: {
    terminal: false,
    outcome: 'running',
    description: 'finishing, with errors already seen',
  },
  Completed: { terminal: true, exitCode: 0, outcome: 'success', description: 'completed without errors' },
  PartiallyFailed: { terminal: true, exitCode: 4, outcome: 'failure', description: 'completed, but some items failed' },
  Failed: { terminal: true, exitCode: 4, outcome: 'failure', description: 'failed' },
  FailedValidation: {
    terminal: true,
    exitCode: 4,
    outcome: 'failure',
    description: 'rejected by Velero (see status.validationErrors)',
  },
  Deleting: {
    terminal: true,
    exitCode: 1,
    outcome: 'deleted',
    description: 'being deleted (a DeleteBackupRequest is processing it)',
  },
};

export const RESTORE_PHASES: Record<string, PhaseInfo> = {
  New: BACKUP_PHASES.New!,
  InProgress: { terminal: false, outcome: 'running', description: 'restoring items' },
  WaitingForPluginOperations: BACKUP_PHASES.WaitingForPluginOperations!,
  WaitingForPluginOperationsPartiallyFailed: BACKUP_PHASES.WaitingForPluginOperationsPartiallyFailed!,
  Finalizing: { terminal: false, outcome: 'running', description: 'plugin operations done; finishing the restore' },
  FinalizingPartiallyFailed: BACKUP_PHASES.FinalizingPartiallyFailed!,
  Completed: BACKUP_PHASES.Completed!,
  PartiallyFailed: BACKUP_PHASES.PartiallyFailed!,
  Failed: BACKUP_PHASES.Failed!,
  FailedValidation: BACKUP_PHASES.FailedValidation!,
};

export const SCHEDULE_PHASES: Record<string, PhaseInfo> = {
  New: { terminal: false, outcome: 'pending', description: 'not yet validated by the Velero server' },
  Enabled: {
    terminal: true,
    exitCode: 0,
    outcome: 'success',
    description: 'valid; backups are created on the cron schedule',
  },
  FailedValidation: {
    terminal: true,
    exitCode: 4,
    outcome: 'failure',
    description: 'invalid (see status.validationErrors)',
  },
};

const UNKNOWN: PhaseInfo = {
  terminal: false,
  outcome: 'running',
  description: 'a phase this oco does not know (newer Velero?)',
};

/** An object without status.phase has not been seen by Velero yet: it is New. */
export function phaseOf(obj: { status?: { phase?: string } } | undefined): string {
  return obj?.status?.phase || 'New';
}

export function phaseInfo(table: Record<string, PhaseInfo>, phase: string): PhaseInfo {
  return table[phase] ?? UNKNOWN;
}

export const FAILED_PHASES = new Set(['PartiallyFailed', 'Failed', 'FailedValidation']);
