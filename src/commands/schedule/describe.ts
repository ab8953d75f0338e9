import { Args } from '@oclif/core';
import { yaml } from '../../core/base/lazy.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { scheduleRow } from '../../core/resilience/velero/schedules.js';

export default class ScheduleDescribe extends VeleroCommand<Record<string, unknown>> {
  static override summary = 'Show one schedule: cron, template, phase, last backup and the next runs.';
  static override examples = [
    '<%= config.bin %> schedule describe daily-app',
    '<%= config.bin %> schedule describe daily-app --json',
  ];
  static override args = { name: Args.string({ description: 'schedule name', required: true }) };
  static override flags = { ...kubeFlags };

  async run() {
    const { args, flags } = await this.parse(ScheduleDescribe);
    const client = await this.velero(flags);
    const o = await client.get('schedule', args.name);
    const d = { ...scheduleRow(o), spec: o.spec ?? {}, status: o.status ?? {} };
    if (!this.jsonEnabled()) this.log(yaml().stringify({ Schedule: d }).trimEnd());
    return d;
  }
}
