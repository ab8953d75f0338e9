import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags, cacertFlag } from '../../core/cli/velero-command.js';
import { describeOutputFlag } from '../../core/cli/velero/output.js';
import { resolveTargets } from '../../core/resilience/velero/bulk.js';
import { describeObject } from '../../core/resilience/velero/service.js';
import { printDescription } from '../../core/cli/velero/render.js';

export default class BackupDescribe extends VeleroCommand<Record<string, unknown> | Array<Record<string, unknown>>> {
  static override summary =
    'Show backups: phase, progress, spec and, with --details, their resources and errors/warnings.';
  static override description =
    'One name shows that backup (--json: one document). Several names, -l/--selector, or no name at all ' +
    '(every backup, as velero backup describe does) show each in turn (--json: an array, sorted by name). ' +
    'A name that does not exist is an error (exit 1, OCO_K8S_NOT_FOUND) before anything is shown.\n' +
    '--details fetches the resource list and the results file through DownloadRequests (Velero signs ' +
    'a URL to object storage; oco fetches and gunzips it), as velero backup describe --details does.';
  static override examples = [
    '<%= config.bin %> backup describe nightly-app',
    '<%= config.bin %> backup describe nightly-app --details --json',
    '<%= config.bin %> backup describe nightly-1 nightly-2',
    '<%= config.bin %> backup describe -l velero.io/schedule-name=daily --json',
    '<%= config.bin %> backup describe nightly-app -o yaml',
  ];
  static override strict = false;
  static override args = { name: Args.string({ description: 'backup name(s); none: every backup' }) };
  static override flags = {
    details: Flags.boolean({ description: 'also fetch the resource list and errors/warnings from object storage' }),
    selector: Flags.string({ char: 'l', description: 'describe the backups whose labels match this selector' }),
    ...describeOutputFlag,
    ...kubeFlags,
    ...cacertFlag,
  };

  async run() {
    const { argv, flags } = await this.parse(BackupDescribe);
    const names = argv as string[];
    const output = this.checkOutput(flags.output);
    // -o and --json print one document once everything is read, not each description as it comes
    const human = !output && !this.jsonEnabled();
    const client = await this.velero(flags);
    const targets = await resolveTargets(
      client,
      'backup',
      { names, selector: flags.selector },
      { emptyMeansAll: true },
    );
    const docs: Array<Record<string, unknown>> = [];
    for (const o of targets) {
      const d = await describeObject(client, 'backup', o, flags.details, { caCertFile: flags.cacert });
      docs.push(d);
      if (human) this.log(`${docs.length > 1 ? '\n' : ''}${printDescription('Backup', d)}`);
    }
    if (human && docs.length === 0) this.log(`No backups matched in namespace ${client.namespace}.`);
    const result = names.length === 1 ? docs[0]! : docs;
    this.printAs(output, result);
    return result;
  }
}
