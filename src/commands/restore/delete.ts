import { Args } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { confirmFlag, targetFlags } from '../../core/cli/velero/bulk-flags.js';
import { resolveTargets, type Skipped } from '../../core/resilience/velero/bulk.js';
import { forgetObject } from '../../core/resilience/velero/records.js';
import { deletableRestores } from '../../core/resilience/velero/service.js';

export default class RestoreDelete extends VeleroCommand<{ restores: Array<{ name: string }>; skipped: Skipped[] }> {
  static override summary = 'Delete restores (the Restore objects; what they restored stays in the cluster).';
  static override description =
    'Restores are deleted directly, as velero restore delete does: Velero then removes their logs and ' +
    'results from object storage. The restored resources are not touched.\n' +
    'Name the restores, or pick them with -l/--selector or --all (one of the three). Every name is looked ' +
    'up first: one that does not exist stops the command before anything is deleted (exit 1, OCO_K8S_NOT_FOUND).\n' +
    'Lists the restores and asks for confirmation on a terminal; without one it needs --confirm and ' +
    'otherwise refuses with nothing deleted (exit 2, OCO_CONFIRM_REQUIRED).\n' +
    'A running restore is not deleted: named, it stops the command (exit 2, OCO_RESTORE_RUNNING); found by ' +
    '-l or --all, it is skipped. --json prints {restores: [{name}], skipped: [{name, phase, reason}]}.';
  static override examples = [
    '<%= config.bin %> restore delete app-copy',
    '<%= config.bin %> restore delete app-copy db-copy --confirm --json',
    '<%= config.bin %> restore delete -l oco.dev/plan=rp-1a2b3c4d --confirm',
    '<%= config.bin %> restore delete --all --confirm',
  ];
  static override strict = false;
  static override args = { name: Args.string({ description: 'restore name(s)' }) };
  static override flags = { ...targetFlags('restore'), ...confirmFlag, ...kubeFlags };

  async run() {
    const { argv, flags } = await this.parse(RestoreDelete);
    const names = argv as string[];
    const client = await this.velero(flags);
    const targets = await resolveTargets(client, 'restore', { names, selector: flags.selector, all: flags.all });
    const { deletable, skipped } = deletableRestores(targets, names.length > 0);
    await this.confirmTargets('Delete', 'restore', deletable, flags.confirm);
    const store = await this.store();
    const restores: Array<{ name: string }> = [];
    for (const r of deletable) {
      await client.delete('restore', r.metadata.name).catch((err: { code?: string }) => {
        // gone meanwhile: what was asked for is done
        if (err.code !== 'OCO_K8S_NOT_FOUND') throw err;
      });
      restores.push({ name: r.metadata.name });
      await forgetObject(store, 'restore', r.metadata.name, client.kube.context, client.namespace);
    }
    if (!this.jsonEnabled()) {
      if (targets.length === 0) this.log(`No restores matched in namespace ${client.namespace}.`);
      for (const r of restores) this.log(`Restore "${r.name}" deleted.`);
      for (const s of skipped) this.log(`Restore "${s.name}" skipped: ${s.reason} (${s.phase}).`);
    }
    return { restores, skipped };
  }
}
