import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags, cacertFlag } from '../../core/cli/velero-command.js';
import { printDescription } from '../../core/cli/velero/render.js';
import { describe } from '../../core/resilience/velero/service.js';

export default class RestoreDescribe extends VeleroCommand<Record<string, unknown>> {
  static override summary =
    'Show one restore: phase, progress, spec and, with --details, its resources and errors/warnings.';
  static override examples = [
    '<%= config.bin %> restore describe app-copy',
    '<%= config.bin %> restore describe app-copy --details --json',
  ];
  static override args = { name: Args.string({ description: 'restore name', required: true }) };
  static override flags = {
    details: Flags.boolean({
      description: 'also fetch the resource list and results from object storage (DownloadRequest)',
    }),
    ...kubeFlags,
    ...cacertFlag,
  };

  async run() {
    const { args, flags } = await this.parse(RestoreDescribe);
    const client = await this.velero(flags);
    const d = await describe(client, 'restore', args.name, flags.details, { caCertFile: flags.cacert });
    if (!this.jsonEnabled()) this.log(printDescription('Restore', d));
    return d;
  }
}
