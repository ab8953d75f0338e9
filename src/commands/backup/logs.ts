import { Args } from '@oclif/core';
import { VeleroCommand, kubeFlags, cacertFlag } from '../../core/cli/velero-command.js';
import { logs } from '../../core/resilience/velero/service.js';

export default class BackupLogs extends VeleroCommand<{ name: string; log: string }> {
  static override summary = "Print a backup's log (from object storage, through a DownloadRequest).";
  static override description =
    'Creates a DownloadRequest for the BackupLog, waits (by watching) for Velero ' +
    'to sign a URL, fetches it and gunzips it. The request is deleted afterwards.';
  static override examples = [
    '<%= config.bin %> backup logs nightly-app',
    '<%= config.bin %> backup logs nightly-app | grep level=error',
    '<%= config.bin %> backup logs nightly-app --json',
  ];
  static override args = { name: Args.string({ description: 'backup name', required: true }) };
  static override flags = { ...kubeFlags, ...cacertFlag };

  async run() {
    const { args, flags } = await this.parse(BackupLogs);
    const client = await this.velero(flags);
    const log = await logs(client, 'backup', args.name, { caCertFile: flags.cacert });
    if (!this.jsonEnabled()) process.stdout.write(log);
    return { name: args.name, log };
  }
}
