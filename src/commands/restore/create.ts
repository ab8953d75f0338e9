import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags, waitFlags } from '../../core/cli/velero-command.js';
import { buildRestore, defaultRestoreName } from '../../core/resilience/velero/builders.js';
import { summarize } from '../../core/resilience/velero/outcome.js';
import { finishJob, recordObjects, startJob } from '../../core/resilience/velero/records.js';
import { restoreSpecFlags, restoreSpecFromFlags } from '../../core/cli/velero/restore-flags.js';
import { requireDuration, requireName } from '../../core/resilience/velero/values.js';
import { createOutputFlag, metadataFlags, metadataFromFlags } from '../../core/cli/velero/output.js';
import { newestScheduleBackup } from '../../core/resilience/velero/restores.js';

export default class RestoreCreate extends VeleroCommand<Record<string, unknown>> {
  static override summary = 'Create a Velero restore from a backup or a schedule, optionally waiting for it.';
  static override description =
    'Creates a velero.io/v1 Restore, as "velero restore create" ' +
    'does. Exactly one of --from-backup and --from-schedule.\n' +
    'Exit codes with --wait: 0 Completed; 4 PartiallyFailed, Failed or FailedValidation ' +
    '(e.g. the backup does not exist); 1 timeout (OCO_WAIT_TIMEOUT); 3 cluster unreachable.\n' +
    '--from-schedule lets Velero pick the newest Completed backup of the schedule; with --allow-partially-failed ' +
    'oco picks the newest (by start time) that Completed or PartiallyFailed and restores from it by name, as ' +
    'velero does (no such backup: the schedule is left to Velero).\n' +
    "With -o json or -o yaml the Restore is printed and nothing is created (velero's dry run).";
  static override examples = [
    '<%= config.bin %> restore create --from-backup nightly-app --wait',
    '<%= config.bin %> restore create app-copy --from-backup nightly-app ' +
      '--namespace-mappings app:app-copy --existing-resource-policy update --wait',
    '<%= config.bin %> restore create --from-schedule daily --include-namespaces app --json',
    '<%= config.bin %> restore create --from-schedule daily --allow-partially-failed --wait',
    '<%= config.bin %> restore create dr --from-backup full-dr --include-cluster-resources --preserve-nodeports ' +
      '--resource-modifier-configmap rename-sc --status-include-resources workflows.argoproj.io',
    '<%= config.bin %> restore create --from-backup nightly-app --write-sparse-files --parallel-files-download 8 ' +
      '-o yaml',
  ];
  static override args = { name: Args.string({ description: 'restore name (default: <backup>-<timestamp>)' }) };
  static override flags = {
    ...restoreSpecFlags,
    'allow-partially-failed': Flags.boolean({
      description:
        'with --from-schedule: restore from the newest Completed or PartiallyFailed backup (=true|false, as in velero)',
      allowNo: true,
    }),
    ...metadataFlags,
    ...createOutputFlag,
    ...waitFlags,
    ...kubeFlags,
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(RestoreCreate);
    const spec = restoreSpecFromFlags(flags);
    // named after the schedule even when a backup is picked below, as velero names it
    const name = args.name ? requireName(args.name, 'restore name') : defaultRestoreName(spec);
    const timeoutMs = requireDuration(flags.timeout, '--timeout');
    const output = this.checkOutput(flags.output);
    const meta = metadataFromFlags(flags);
    const pick = Boolean(spec.scheduleName && flags['allow-partially-failed']);
    // a dry run (-o) reads the cluster only to pick the backup, and never opens the store
    const [client, store] = await this.both(
      output && !pick ? Promise.resolve(undefined) : this.velero(flags),
      output ? Promise.resolve(undefined) : this.store(),
    );
    if (pick) {
      const backup = await newestScheduleBackup(client!, spec.scheduleName!);
      if (backup) {
        spec.backupName = backup.metadata.name;
        delete spec.scheduleName;
      }
    }
    const body = buildRestore(
      name,
      client?.namespace ?? this.veleroNamespace(flags),
      spec,
      meta.labels,
      meta.annotations,
    );
    if (output || !client || !store) {
      this.printAs(output, body);
      return body as unknown as Record<string, unknown>;
    }
    const startedAt = new Date();
    const created = await client.create('restore', body);
    const id = await startJob(
      store,
      {
        kind: 'restore',
        name,
        context: client.kube.context,
        namespace: client.namespace,
        params: { spec, wait: flags.wait },
      },
      startedAt,
    );
    await recordObjects(store, 'restore', [created], client.kube.context, client.namespace);
    const base = { namespace: client.namespace, context: client.kube.context, uid: created.metadata.uid };
    if (!flags.wait) {
      await finishJob(store, id, { phase: 'New', exitCode: 0, startedAt });
      if (!this.jsonEnabled()) this.log(`Restore "${name}" submitted. Follow it with: oco restore describe ${name}`);
      return { ...summarize(created), ...base, waited: false, exitCode: 0 };
    }
    const outcome = await this.waitAndReport(client, 'restore', name, { store, id, startedAt, timeoutMs });
    return { ...outcome.summary, ...base, waited: true, waitedMs: outcome.waitedMs, exitCode: outcome.exitCode };
  }
}
