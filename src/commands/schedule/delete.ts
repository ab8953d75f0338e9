import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { forgetObject } from '../../core/resilience/velero/records.js';

export default class ScheduleDelete extends VeleroCommand<{ name: string; deleted: boolean }> {
  static override summary = 'Delete a schedule (its existing backups stay).';
  static override description = 'Asks on a terminal; needs --confirm otherwise.';
  static override examples = [
    '<%= config.bin %> schedule delete daily-app',
    '<%= config.bin %> schedule delete daily-app --confirm --json',
  ];
  static override args = { name: Args.string({ description: 'schedule name', required: true }) };
  static override flags = {
    confirm: Flags.boolean({ description: 'do not ask (required when not on a terminal)' }),
    ...kubeFlags,
  };

  async run() {
    const { args, flags } = await this.parse(ScheduleDelete);
    const client = await this.velero(flags);
    await client.get('schedule', args.name);
    await this.confirmOrRefuse(`Delete schedule "${args.name}"?`, flags.confirm);
    await client.delete('schedule', args.name);
    const store = await this.store();
    await forgetObject(store, 'schedule', args.name, client.kube.context, client.namespace);
    if (!this.jsonEnabled()) this.log(`Schedule "${args.name}" deleted; its backups are kept.`);
    return { name: args.name, deleted: true };
  }
}
