import { Args } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { confirmFlag, targetFlags } from '../../core/cli/velero/bulk-flags.js';
import { resolveTargets } from '../../core/resilience/velero/bulk.js';
import { forgetObject } from '../../core/resilience/velero/records.js';

export default class ScheduleDelete extends VeleroCommand<{ schedules: Array<{ name: string }> }> {
  static override summary = 'Delete schedules (their existing backups stay).';
  static override description =
    'Name the schedules, or pick them with -l/--selector or --all (one of the three). Every name is looked ' +
    'up first: one that does not exist stops the command before anything is deleted (exit 1, OCO_K8S_NOT_FOUND).\n' +
    'Lists the schedules and asks on a terminal; needs --confirm otherwise, and refuses with nothing deleted ' +
    '(exit 2, OCO_CONFIRM_REQUIRED). --json prints {schedules: [{name}]}.';
  static override examples = [
    '<%= config.bin %> schedule delete daily-app',
    '<%= config.bin %> schedule delete daily-app hourly-db --confirm --json',
    '<%= config.bin %> schedule delete -l team=payments --confirm',
  ];
  static override strict = false;
  static override args = { name: Args.string({ description: 'schedule name(s)' }) };
  static override flags = { ...targetFlags('schedule'), ...confirmFlag, ...kubeFlags };

  async run() {
    const { argv, flags } = await this.parse(ScheduleDelete);
    const names = argv as string[];
    const client = await this.velero(flags);
    const targets = await resolveTargets(client, 'schedule', { names, selector: flags.selector, all: flags.all });
    await this.confirmTargets('Delete', 'schedule', targets, flags.confirm);
    const store = await this.store();
    const schedules: Array<{ name: string }> = [];
    for (const s of targets) {
      await client.delete('schedule', s.metadata.name).catch((err: { code?: string }) => {
        if (err.code !== 'OCO_K8S_NOT_FOUND') throw err;
      });
      schedules.push({ name: s.metadata.name });
      await forgetObject(store, 'schedule', s.metadata.name, client.kube.context, client.namespace);
    }
    if (!this.jsonEnabled()) {
      if (targets.length === 0) this.log(`No schedules matched in namespace ${client.namespace}.`);
      for (const s of schedules) this.log(`Schedule "${s.name}" deleted; its backups are kept.`);
    }
    return { schedules };
  }
}
