import { Args } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { scheduleRow } from '../../core/resilience/velero/schedules.js';

export default class SchedulePause extends VeleroCommand<ReturnType<typeof scheduleRow>> {
  static override summary = 'Pause a schedule (merge patch of spec.paused).';
  static override examples = [
    '<%= config.bin %> schedule pause daily-app',
    '<%= config.bin %> schedule pause daily-app --json',
  ];
  static override args = { name: Args.string({ description: 'schedule name', required: true }) };
  static override flags = { ...kubeFlags };

  async run() {
    const { args, flags } = await this.parse(SchedulePause);
    const client = await this.velero(flags);
    const o = await client.mergePatch('schedule', args.name, { spec: { paused: true } });
    if (!this.jsonEnabled()) this.log(`Schedule "${args.name}" paused.`);
    return scheduleRow(o);
  }
}
