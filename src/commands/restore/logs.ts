import { Args } from '@oclif/core';
import { VeleroCommand, kubeFlags, cacertFlag } from '../../core/cli/velero-command.js';
import { logs } from '../../core/resilience/velero/service.js';

export default class RestoreLogs extends VeleroCommand<{ name: string; log: string }> {
  static override summary = "Print a restore's log (from object storage, through a DownloadRequest).";
  static override examples = [
    '<%= config.bin %> restore logs app-copy',
    '<%= config.bin %> restore logs app-copy --json',
  ];
  static override args = { name: Args.string({ description: 'restore name', required: true }) };
  static override flags = { ...kubeFlags, ...cacertFlag };

  async run() {
    const { args, flags } = await this.parse(RestoreLogs);
    const client = await this.velero(flags);
    const log = await logs(client, 'restore', args.name, { caCertFile: flags.cacert });
    if (!this.jsonEnabled()) process.stdout.write(log);
    return { name: args.name, log };
  }
}
