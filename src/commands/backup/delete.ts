import { Args, Flags } from '@oclif/core';
import { ExitCode, OperationError } from '../../core/base/errors.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { confirmFlag, targetFlags } from '../../core/cli/velero/bulk-flags.js';
import { resolveTargets, type Skipped } from '../../core/resilience/velero/bulk.js';
import { deletableBackups, deleteBackups, type DeleteResult } from '../../core/resilience/velero/service.js';
import { requireDuration } from '../../core/resilience/velero/values.js';
import { finishJob, forgetObject, startJob } from '../../core/resilience/velero/records.js';

export default class BackupDelete extends VeleroCommand<{ backups: DeleteResult[]; skipped: Skipped[] }> {
  static override summary =
    'Delete backups through DeleteBackupRequests (their data in object storage and their snapshots too).';
  static override description =
    'Velero deletes a backup only through a DeleteBackupRequest; deleting the Backup ' +
    'object directly would leave its data behind and Velero would sync it back.\n' +
    'Name the backups, or pick them with -l/--selector or --all (one of the three). Every name is ' +
    'looked up first: one that does not exist stops the command before anything is deleted (exit 1, ' +
    'OCO_K8S_NOT_FOUND).\n' +
    'Lists the backups and asks for confirmation on a terminal; without one it needs --confirm and ' +
    'otherwise refuses with nothing deleted (exit 2, OCO_CONFIRM_REQUIRED).\n' +
    'A running backup cannot be deleted: named, it stops the command (exit 2, OCO_BACKUP_RUNNING); found by ' +
    '-l or --all, it is skipped and listed under "skipped".\n' +
    'With --wait, a backup Velero did not delete is reported in its entry and the command exits 1 ' +
    '(OCO_DELETE_FAILED). --json prints {backups: [{name, request, deleted, errors}], ' +
    'skipped: [{name, phase, reason}]}.';
  static override examples = [
    '<%= config.bin %> backup delete old-backup',
    '<%= config.bin %> backup delete nightly-1 nightly-2 --confirm --wait',
    '<%= config.bin %> backup delete -l velero.io/schedule-name=daily --confirm --json',
    '<%= config.bin %> backup delete --all --confirm',
  ];
  static override strict = false;
  static override args = { name: Args.string({ description: 'backup name(s)' }) };
  static override flags = {
    ...targetFlags('backup'),
    ...confirmFlag,
    wait: Flags.boolean({ char: 'w', description: 'wait until Velero has deleted them' }),
    timeout: Flags.string({ description: 'with --wait: give up after this long', default: '5m' }),
    ...kubeFlags,
  };

  async run() {
    const { argv, flags } = await this.parse(BackupDelete);
    const names = argv as string[];
    const timeoutMs = requireDuration(flags.timeout, '--timeout');
    const client = await this.velero(flags);
    // every name is read and every running backup found before any question is asked
    const targets = await resolveTargets(client, 'backup', { names, selector: flags.selector, all: flags.all });
    const { deletable, skipped } = deletableBackups(targets, names.length > 0);
    const their = deletable.length === 1 ? 'its' : 'their';
    await this.confirmTargets('Delete', 'backup', deletable, flags.confirm, ` and ${their} data in object storage`);
    const startedAt = new Date();
    const results = await deleteBackups(client, deletable, { wait: flags.wait, timeoutMs });
    const store = await this.store();
    for (const r of results) {
      const job = await startJob(
        store,
        {
          kind: 'backup-delete',
          name: r.name,
          context: client.kube.context,
          namespace: client.namespace,
          params: { request: r.request },
        },
        startedAt,
      );
      const failed = r.errors.length > 0;
      await finishJob(store, job, {
        phase: r.deleted ? 'Deleted' : failed ? 'Failed' : 'Requested',
        exitCode: failed ? 1 : 0,
        error: failed ? r.errors.join('; ') : undefined,
        startedAt,
      });
      if (r.deleted) await forgetObject(store, 'backup', r.name, client.kube.context, client.namespace);
    }
    if (!this.jsonEnabled()) {
      if (targets.length === 0) this.log(`No backups matched in namespace ${client.namespace}.`);
      for (const r of results)
        this.log(
          r.deleted
            ? `Backup "${r.name}" deleted.`
            : r.errors.length
              ? `Backup "${r.name}" was not deleted: ${r.errors.join('; ')}`
              : `Deletion of backup "${r.name}" requested (DeleteBackupRequest ${r.request}).`,
        );
      for (const s of skipped) this.log(`Backup "${s.name}" skipped: ${s.reason} (${s.phase}).`);
    }
    const failed = results.filter((r) => r.errors.length > 0);
    if (failed.length > 0) {
      const what = failed.length === 1 ? `backup "${failed[0]!.name}"` : `${failed.length} backups`;
      this.failAfterOutput(
        ExitCode.failure,
        new OperationError(
          'OCO_DELETE_FAILED',
          `Velero did not delete ${what}: ` + failed.map((r) => `${r.name}: ${r.errors.join('; ')}`).join(', '),
          {
            hint:
              `See the request: kubectl -n ${client.namespace} get deletebackuprequest ` +
              `${failed[0]!.request} -o yaml`,
          },
        ),
      );
    }
    return { backups: results, skipped };
  }
}
