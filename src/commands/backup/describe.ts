import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags, cacertFlag } from '../../core/cli/velero-command.js';
import { describe } from '../../core/resilience/velero/service.js';
import { printDescription } from '../../core/cli/velero/render.js';

export default class BackupDescribe extends VeleroCommand<Record<string, unknown>> {
  static override summary =
    'Show one backup: phase, progress, spec and, with --details, its resources and errors/warnings.';
  static override description =
    '--details fetches the resource list and the results file through DownloadRequests (Velero signs ' +
    'a URL to object storage; oco fetches and gunzips it), as velero backup describe --details does.';
  static override examples = [
    '<%= config.bin %> backup describe nightly-app',
    '<%= config.bin %> backup describe nightly-app --details --json',
  ];
  static override args = { name: Args.string({ description: 'backup name', required: true }) };
  static override flags = {
    details: Flags.boolean({ description: 'also fetch the resource list and errors/warnings from object storage' }),
    ...kubeFlags,
    ...cacertFlag,
  };

  async run() {
    const { args, flags } = await this.parse(BackupDescribe);
    const client = await this.velero(flags);
    const d = await describe(client, 'backup', args.name, flags.details, { caCertFile: flags.cacert });
    if (!this.jsonEnabled()) this.log(printDescription('Backup', d));
    return d;
  }
}
