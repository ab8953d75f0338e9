import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { buildSchedule } from '../../core/resilience/velero/builders.js';
import { recordObjects } from '../../core/resilience/velero/records.js';
import { requireCron, requireName } from '../../core/resilience/velero/values.js';
import { backupSpecFlags, specFromFlags } from '../../core/cli/velero/backup-flags.js';
import { scheduleRow } from '../../core/resilience/velero/schedules.js';
import { createOutputFlag, metadataFlags, metadataFromFlags } from '../../core/cli/velero/output.js';

export default class ScheduleCreate extends VeleroCommand<ReturnType<typeof scheduleRow> | Record<string, unknown>> {
  static override summary = 'Create a Velero backup schedule (cron, UTC) with a backup template.';
  static override description =
    'The cron expression is checked like Velero checks it (five fields, or @daily / @every 6h): a typo is ' +
    'a usage error (exit 2) before anything is created. Accepts every backup create flag for the template; ' +
    '--labels and --annotations label the Schedule itself, as velero does.\n' +
    "With -o json or -o yaml the Schedule is printed and nothing is created (velero's dry run, no cluster needed).";
  static override examples = [
    '<%= config.bin %> schedule create daily-app --schedule "0 2 * * *" --include-namespaces app --ttl 720h',
    '<%= config.bin %> schedule create hourly --schedule "@every 1h" --paused --json',
    '<%= config.bin %> schedule create cluster-dr --schedule "0 3 * * *" --include-cluster-scoped-resources "*" ' +
      '--include-namespace-scoped-resources "*" --snapshot-move-data --volume-snapshot-locations aws-eu',
    '<%= config.bin %> schedule create daily-db --schedule @daily --include-namespaces db --labels team=data -o yaml',
  ];
  static override args = {
    name: Args.string({
      description: 'schedule name (at most 63 characters: it becomes a label value)',
      required: true,
    }),
  };
  static override flags = {
    schedule: Flags.string({ description: 'cron expression, e.g. "0 2 * * *" (UTC)', required: true }),
    paused: Flags.boolean({ description: 'create it paused' }),
    ...backupSpecFlags,
    ...metadataFlags,
    ...createOutputFlag,
    ...kubeFlags,
  };

  async run() {
    const { args, flags } = await this.parse(ScheduleCreate);
    requireName(args.name, 'schedule name', 63);
    requireCron(flags.schedule, '--schedule');
    const template = specFromFlags(flags);
    const output = this.checkOutput(flags.output);
    const meta = metadataFromFlags(flags);
    const build = (namespace: string) =>
      buildSchedule(args.name, namespace, flags.schedule, template, { paused: flags.paused, ...meta });
    if (output) {
      // velero's dry run: printed, not sent
      const body = build(this.veleroNamespace(flags));
      this.printAs(output, body);
      return body as unknown as Record<string, unknown>;
    }
    const client = await this.velero(flags);
    const created = await client.create('schedule', build(client.namespace));
    await recordObjects(await this.store(), 'schedule', [created], client.kube.context, client.namespace);
    if (!this.jsonEnabled())
      this.log(`Schedule "${args.name}" created (${flags.schedule}${flags.paused ? ', paused' : ''}).`);
    return scheduleRow(created);
  }
}
