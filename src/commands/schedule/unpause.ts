import { Args } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { scheduleRow } from '../../core/resilience/velero/schedules.js';

export default class ScheduleUnpause extends VeleroCommand<ReturnType<typeof scheduleRow>> {
  static override summary = 'Unpause a schedule (merge patch of spec.paused).';
  static override examples = [
    '<%= config.bin %> schedule unpause daily-app',
    '<%= config.bin %> schedule unpause daily-app --json',
  ];
  static override args = { name: Args.string({ description: 'schedule name', required: true }) };
  static override flags = { ...kubeFlags };

  async run() {
    const { args, flags } = await this.parse(ScheduleUnpause);
    const client = await this.velero(flags);
    const o = await client.mergePatch('schedule', args.name, { spec: { paused: false } });
    if (!this.jsonEnabled()) this.log(`Schedule "${args.name}" unpaused.`);
    return scheduleRow(o);
  }
}
