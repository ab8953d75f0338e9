import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags, waitFlags } from '../../core/cli/velero-command.js';
import { summarize } from '../../core/resilience/velero/outcome.js';
import { finishJob, startJob } from '../../core/resilience/velero/records.js';
import { executePlan, loadPlan } from '../../core/resilience/velero/restores.js';
import { requireDuration, requireName } from '../../core/resilience/velero/values.js';

export default class RestoreExecute extends VeleroCommand<Record<string, unknown>> {
  static override summary = 'Run a stored recovery plan: create its Restore (checks the backup again first).';
  static override description =
    'The backup must still be the one planned (same uid) and ' +
    'restorable. A plan runs once. Exit codes as restore create.';
  static override examples = [
    '<%= config.bin %> restore execute rp-1a2b3c4d --wait',
    '<%= config.bin %> restore execute rp-1a2b3c4d --name app-recovered --json',
  ];
  static override args = { plan: Args.string({ description: 'plan id (from oco restore plan)', required: true }) };
  static override flags = {
    name: Flags.string({ description: 'restore name (default: <backup>-<timestamp>)' }),
    ...waitFlags,
    ...kubeFlags,
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(RestoreExecute);
    if (flags.name) requireName(flags.name, '--name');
    const timeoutMs = requireDuration(flags.timeout, '--timeout');
    const store = await this.store();
    const plan = await loadPlan(store, args.plan);
    // the plan was made against one cluster and namespace: run it there unless told otherwise
    const client = await this.velero({
      ...flags,
      context: flags.context ?? plan.definition.context,
      namespace: flags.namespace ?? plan.definition.namespace,
    });
    const startedAt = new Date();
    const restore = await executePlan(client, store, plan, flags.name);
    const name = restore.metadata.name;
    const id = await startJob(
      store,
      {
        kind: 'restore',
        name,
        context: client.kube.context,
        namespace: client.namespace,
        params: { plan: plan.id, wait: flags.wait },
      },
      startedAt,
    );
    if (!flags.wait) {
      await finishJob(store, id, { phase: 'New', exitCode: 0, startedAt });
      if (!this.jsonEnabled()) this.log(`Restore "${name}" created from plan ${plan.id}.`);
      return { ...summarize(restore), plan: plan.id, waited: false, exitCode: 0 };
    }
    const outcome = await this.waitAndReport(client, 'restore', name, { store, id, startedAt, timeoutMs });
    return { ...outcome.summary, plan: plan.id, waited: true, waitedMs: outcome.waitedMs, exitCode: outcome.exitCode };
  }
}
