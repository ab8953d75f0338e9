import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { deleteBackup, type DeleteResult } from '../../core/resilience/velero/service.js';
import { requireDuration } from '../../core/resilience/velero/values.js';
import { finishJob, forgetObject, startJob } from '../../core/resilience/velero/records.js';

export default class BackupDelete extends VeleroCommand<DeleteResult> {
  static override summary =
    'Delete a backup through a DeleteBackupRequest (its data in object storage and its snapshots too).';
  static override description =
    'Velero deletes a backup only through a DeleteBackupRequest; deleting the Backup ' +
    'object directly would leave its data behind and Velero would sync it back.\n' +
    'Asks for confirmation on a terminal; needs --confirm otherwise. ' +
    'Refuses while the backup is still running (exit 2, OCO_BACKUP_RUNNING).';
  static override examples = [
    '<%= config.bin %> backup delete old-backup',
    '<%= config.bin %> backup delete old-backup --confirm --wait',
    '<%= config.bin %> backup delete old-backup --confirm --json',
  ];
  static override args = { name: Args.string({ description: 'backup name', required: true }) };
  static override flags = {
    confirm: Flags.boolean({ description: 'do not ask (required when not on a terminal)' }),
    wait: Flags.boolean({ char: 'w', description: 'wait until Velero has deleted it' }),
    timeout: Flags.string({ description: 'with --wait: give up after this long', default: '5m' }),
    ...kubeFlags,
  };

  async run() {
    const { args, flags } = await this.parse(BackupDelete);
    const timeoutMs = requireDuration(flags.timeout, '--timeout');
    const client = await this.velero(flags);
    await client.get('backup', args.name); // not found is reported before any question is asked
    await this.confirmOrRefuse(`Delete backup "${args.name}" and its data in object storage?`, flags.confirm);
    const startedAt = new Date();
    const result = await deleteBackup(client, args.name, { wait: flags.wait, timeoutMs });
    const store = await this.store();
    const job = await startJob(
      store,
      {
        kind: 'backup-delete',
        name: args.name,
        context: client.kube.context,
        namespace: client.namespace,
        params: { request: result.request },
      },
      startedAt,
    );
    await finishJob(store, job, { phase: result.deleted ? 'Deleted' : 'Requested', exitCode: 0, startedAt });
    if (result.deleted) await forgetObject(store, 'backup', args.name, client.kube.context, client.namespace);
    if (!this.jsonEnabled())
      this.log(
        result.deleted
          ? `Backup "${args.name}" deleted.`
          : `Deletion of backup "${args.name}" requested (DeleteBackupRequest ${result.request}).`,
      );
    return result;
  }
}
