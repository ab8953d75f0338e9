import { Flags } from '@oclif/core';
import { renderTable } from '../../core/cli/table.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { restoreSpecFlags, restoreSpecFromFlags } from '../../core/cli/velero/restore-flags.js';
import { planRestore, type PlanResult } from '../../core/resilience/velero/restores.js';

export default class RestorePlan extends VeleroCommand<PlanResult> {
  static override summary =
    'Make a recovery plan: check the backup, preview what would be restored, store the plan (nothing is restored yet).';
  static override description =
    'Validates that the backup exists and Completed (exit 2, OCO_BACKUP_NOT_RESTORABLE ' +
    'otherwise), fetches its resource list through a DownloadRequest and shows each ' +
    'resource that the filters keep, with its target namespace after --namespace-mappings. ' +
    'The plan is stored (dr_plans) under an id; run it with: oco restore execute <id>.';
  static override examples = [
    '<%= config.bin %> restore plan --from-backup nightly-app --namespace-mappings app:app-restored',
    '<%= config.bin %> restore plan --from-backup nightly-app --include-resources deployments,configmaps --json',
  ];
  static override flags = {
    ...restoreSpecFlags,
    'allow-partial': Flags.boolean({ description: 'accept a PartiallyFailed backup' }),
    ...kubeFlags,
  };

  async run(): Promise<PlanResult> {
    const { flags } = await this.parse(RestorePlan);
    const spec = restoreSpecFromFlags(flags);
    const client = await this.velero(flags);
    const plan = await planRestore(client, await this.store(), spec, { allowPartial: flags['allow-partial'] });
    if (!this.jsonEnabled()) {
      this.log(
        `Recovery plan ${plan.id}: restore ${plan.definition.preview.length} resource(s) from backup "${plan.name}"`,
      );
      if (plan.definition.preview.length)
        this.log(
          renderTable(
            plan.definition.preview.map((p) => ({ ...p })),
            [{ key: 'resource' }, { key: 'from' }, { key: 'to' }],
          ),
        );
      this.log(`Run it with: oco restore execute ${plan.id} --wait`);
    }
    return plan;
  }
}
