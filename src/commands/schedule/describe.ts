import { Args, Flags } from '@oclif/core';
import { yaml } from '../../core/base/lazy.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { describeOutputFlag } from '../../core/cli/velero/output.js';
import { resolveTargets } from '../../core/resilience/velero/bulk.js';
import { scheduleRow } from '../../core/resilience/velero/schedules.js';

export default class ScheduleDescribe extends VeleroCommand<Record<string, unknown> | Array<Record<string, unknown>>> {
  static override summary = 'Show schedules: cron, template, phase, last backup and the next runs.';
  static override description =
    'One name shows that schedule (--json: one document). Several names, -l/--selector, or no name at all ' +
    '(every schedule, as velero schedule describe does) show each in turn (--json: an array, sorted by name). ' +
    'A name that does not exist is an error (exit 1, OCO_K8S_NOT_FOUND) before anything is shown.';
  static override examples = [
    '<%= config.bin %> schedule describe daily-app',
    '<%= config.bin %> schedule describe daily-app --json',
    '<%= config.bin %> schedule describe daily-app hourly-db',
    '<%= config.bin %> schedule describe -l team=payments --json',
    '<%= config.bin %> schedule describe daily-app -o yaml',
  ];
  static override strict = false;
  static override args = { name: Args.string({ description: 'schedule name(s); none: every schedule' }) };
  static override flags = {
    selector: Flags.string({ char: 'l', description: 'describe the schedules whose labels match this selector' }),
    ...describeOutputFlag,
    ...kubeFlags,
  };

  async run() {
    const { argv, flags } = await this.parse(ScheduleDescribe);
    const names = argv as string[];
    const output = this.checkOutput(flags.output);
    const client = await this.velero(flags);
    const targets = await resolveTargets(
      client,
      'schedule',
      { names, selector: flags.selector },
      { emptyMeansAll: true },
    );
    const docs = targets.map((o) => ({ ...scheduleRow(o), spec: o.spec ?? {}, status: o.status ?? {} }));
    const result = names.length === 1 ? docs[0]! : docs;
    if (!this.printAs(output, result)) {
      if (docs.length === 0) this.log(`No schedules matched in namespace ${client.namespace}.`);
      this.log(docs.map((d) => yaml().stringify({ Schedule: d }).trimEnd()).join('\n\n'));
    }
    return result;
  }
}
