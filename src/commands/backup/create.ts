import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags, waitFlags } from '../../core/cli/velero-command.js';
import { UsageError } from '../../core/base/errors.js';
import { backupSpecFlags, specFromFlags } from '../../core/cli/velero/backup-flags.js';
import { createOutputFlag, metadataFlags, metadataFromFlags } from '../../core/cli/velero/output.js';
import { buildBackup, stamp } from '../../core/resilience/velero/builders.js';
import { summarize } from '../../core/resilience/velero/outcome.js';
import { finishJob, recordObjects, startJob } from '../../core/resilience/velero/records.js';
import { requireDuration, requireName } from '../../core/resilience/velero/values.js';

export default class BackupCreate extends VeleroCommand<Record<string, unknown>> {
  static override summary = 'Create a Velero backup (a velero.io/v1 Backup), optionally waiting for it to finish.';
  static override description =
    'Creates the Backup object in the Velero namespace, as "velero backup create" does.\n' +
    'With --wait the object is watched (not polled) and progress is shown live on a ' +
    'terminal (phase, items, errors, warnings); without a terminal each phase change ' +
    'is one key=value line on stderr; with --json only the final document is printed.\n' +
    'Exit codes with --wait: 0 Completed; 4 PartiallyFailed, Failed or FailedValidation; 1 Deleting or --timeout ' +
    'reached (code OCO_WAIT_TIMEOUT); 3 cluster unreachable. Unlike velero, a failed backup never exits 0.\n' +
    "With -o json or -o yaml the Backup is printed and nothing is created (velero's dry run); no cluster is " +
    'contacted unless --from-schedule needs the schedule.\n' +
    'Resource filters come in two models that Velero refuses to mix: --include/--exclude-resources with ' +
    '--include-cluster-resources, or the scoped --include/--exclude-cluster-scoped-resources and ' +
    '--include/--exclude-namespace-scoped-resources.';
  static override examples = [
    '<%= config.bin %> backup create nightly-app --include-namespaces app --ttl 720h --wait',
    '<%= config.bin %> backup create --from-schedule daily --wait --timeout 1h',
    '<%= config.bin %> backup create db-now --include-namespaces db -l tier=data --storage-location secondary --json',
    '<%= config.bin %> backup create full-dr --include-cluster-scoped-resources "*" ' +
      '--include-namespace-scoped-resources "*" --snapshot-move-data --csi-snapshot-timeout 20m',
    '<%= config.bin %> backup create web --or-selector "app=web or app=api" ' +
      '--ordered-resources "pods=app/web-0,app/web-1" --resource-policies-configmap skip-tmp',
    '<%= config.bin %> backup create app-now --include-namespaces app --labels team=payments -o yaml',
  ];
  static override args = {
    name: Args.string({ description: 'backup name (default with --from-schedule: <schedule>-<timestamp>)' }),
  };
  static override flags = {
    ...backupSpecFlags,
    ...metadataFlags,
    ...createOutputFlag,
    'from-schedule': Flags.string({
      description: "use this schedule's backup template (other backup flags are ignored, as in velero)",
    }),
    ...waitFlags,
    ...kubeFlags,
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(BackupCreate);
    // every input is checked before the cluster is contacted
    if (!args.name && !flags['from-schedule'])
      throw new UsageError('a backup name is required (or --from-schedule)', {
        hint: 'e.g. oco backup create nightly-app --include-namespaces app',
      });
    if (args.name) requireName(args.name, 'backup name');
    if (flags['from-schedule']) requireName(flags['from-schedule'], '--from-schedule');
    const timeoutMs = requireDuration(flags.timeout, '--timeout');
    const output = this.checkOutput(flags.output);
    let spec = specFromFlags(flags);
    const meta = metadataFromFlags(flags);
    const labels: Record<string, string> = {};
    let name = args.name;
    // a dry run (-o) reads the cluster only for --from-schedule's template, and never opens the store
    const fromSchedule = flags['from-schedule'] ? await this.velero(flags) : undefined;
    if (flags['from-schedule']) {
      const schedule = await fromSchedule!.get('schedule', flags['from-schedule']);
      spec = schedule.spec?.template ?? {};
      labels['velero.io/schedule-name'] = flags['from-schedule'];
      name ??= `${flags['from-schedule']}-${stamp(new Date())}`;
    }
    const namespace = fromSchedule?.namespace ?? this.veleroNamespace(flags);
    const body = buildBackup(name!, namespace, spec, { ...labels, ...meta.labels }, meta.annotations);
    if (output) {
      this.printAs(output, body);
      return body as unknown as Record<string, unknown>;
    }
    // the store opens alongside the cluster connection: nothing is created that could not be recorded
    const [client, store] = await this.both(
      fromSchedule ? Promise.resolve(fromSchedule) : this.velero(flags),
      this.store(),
    );
    const startedAt = new Date();
    const created = await client.create('backup', body);

    const jobId = await startJob(
      store,
      {
        kind: 'backup',
        name: name!,
        context: client.kube.context,
        namespace: client.namespace,
        params: { spec, wait: flags.wait, fromSchedule: flags['from-schedule'] ?? null },
      },
      startedAt,
    );
    await recordObjects(store, 'backup', [created], client.kube.context, client.namespace);
    if (!flags.wait) {
      await finishJob(store, jobId, { phase: 'New', exitCode: 0, startedAt });
      if (!this.jsonEnabled())
        this.log(
          `Backup "${name}" submitted in namespace ${client.namespace}. Follow it with: oco backup describe ${name}`,
        );
      return {
        ...summarize(created),
        namespace: client.namespace,
        context: client.kube.context,
        uid: created.metadata.uid,
        waited: false,
        exitCode: 0,
      };
    }

    const outcome = await this.waitAndReport(client, 'backup', name!, { store, id: jobId, startedAt, timeoutMs });
    const summary = outcome.summary;
    return {
      ...summary,
      namespace: client.namespace,
      context: client.kube.context,
      uid: created.metadata.uid,
      waited: true,
      waitedMs: outcome.waitedMs,
      exitCode: outcome.exitCode,
    };
  }
}
