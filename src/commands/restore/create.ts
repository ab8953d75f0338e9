import { Args } from '@oclif/core';
import { VeleroCommand, kubeFlags, waitFlags } from '../../core/cli/velero-command.js';
import { buildRestore, defaultRestoreName } from '../../core/resilience/velero/builders.js';
import { summarize } from '../../core/resilience/velero/outcome.js';
import { finishJob, recordObjects, startJob } from '../../core/resilience/velero/records.js';
import { restoreSpecFlags, restoreSpecFromFlags } from '../../core/cli/velero/restore-flags.js';
import { requireDuration, requireName } from '../../core/resilience/velero/values.js';

export default class RestoreCreate extends VeleroCommand<Record<string, unknown>> {
  static override summary = 'Create a Velero restore from a backup or a schedule, optionally waiting for it.';
  static override description =
    'Creates a velero.io/v1 Restore, as "velero restore create" ' +
    'does. Exactly one of --from-backup and --from-schedule.\n' +
    'Exit codes with --wait: 0 Completed; 4 PartiallyFailed, Failed or FailedValidation ' +
    '(e.g. the backup does not exist); 1 timeout (OCO_WAIT_TIMEOUT); 3 cluster unreachable.';
  static override examples = [
    '<%= config.bin %> restore create --from-backup nightly-app --wait',
    '<%= config.bin %> restore create app-copy --from-backup nightly-app ' +
      '--namespace-mappings app:app-copy --existing-resource-policy update --wait',
    '<%= config.bin %> restore create --from-schedule daily --include-namespaces app --json',
  ];
  static override args = { name: Args.string({ description: 'restore name (default: <backup>-<timestamp>)' }) };
  static override flags = { ...restoreSpecFlags, ...waitFlags, ...kubeFlags };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(RestoreCreate);
    const spec = restoreSpecFromFlags(flags);
    const name = args.name ? requireName(args.name, 'restore name') : defaultRestoreName(spec);
    const timeoutMs = requireDuration(flags.timeout, '--timeout');
    // the store opens alongside the cluster connection: nothing is created that could not be recorded
    const [client, store] = await this.both(this.velero(flags), this.store());
    const startedAt = new Date();
    const created = await client.create('restore', buildRestore(name, client.namespace, spec));
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
