import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags, cacertFlag } from '../../core/cli/velero-command.js';
import { DownloadProgress, humanSize } from '../../core/cli/velero/progress.js';
import { checkOutputPath, type FileDownload } from '../../core/resilience/velero/download.js';
import { downloadBackup } from '../../core/resilience/velero/service.js';
import { requireDuration, requireName } from '../../core/resilience/velero/values.js';

export default class BackupDownload extends VeleroCommand<FileDownload> {
  static override summary = "Download a backup's tarball (its Kubernetes objects, .tar.gz) from object storage.";
  static override description =
    'Creates a DownloadRequest for the BackupContents, waits (by watching) for Velero to sign a URL, and ' +
    'streams the file to NAME-data.tar.gz in the current directory (or -o/--output), as velero backup ' +
    'download does. The bytes go to a temporary file next to the target first: an interrupted download ' +
    'leaves nothing at the target path (exit 1, OCO_DOWNLOAD_INCOMPLETE). An existing file is kept unless ' +
    '--force (exit 2, OCO_OUTPUT_EXISTS), checked before the cluster is contacted.\n' +
    'Prints the path, size and SHA-256 of the file (--json: name, path, bytes, sha256); progress is shown ' +
    'on a terminal only. A backup still running or never run (FailedValidation) has no tarball (exit 2); ' +
    'volume data (snapshots, file-system backups) is not in it.';
  static override examples = [
    '<%= config.bin %> backup download nightly-app',
    '<%= config.bin %> backup download nightly-app -o /srv/archive/nightly-app.tar.gz --force',
    '<%= config.bin %> backup download nightly-app --timeout 5m --json',
  ];
  static override args = { name: Args.string({ description: 'backup name', required: true }) };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'file to write (default: NAME-data.tar.gz here)' }),
    force: Flags.boolean({ description: 'overwrite the output file if it exists' }),
    timeout: Flags.string({
      description: 'how long to wait for Velero to sign the URL, and the longest stall of the transfer',
      default: '1m',
    }),
    ...kubeFlags,
    ...cacertFlag,
  };

  async run() {
    const { args, flags } = await this.parse(BackupDownload);
    requireName(args.name, 'backup name');
    const timeoutMs = requireDuration(flags.timeout, '--timeout');
    const path = resolve(flags.output ?? `${args.name}-data.tar.gz`);
    checkOutputPath(path, flags.force);
    const client = await this.velero(flags);
    const progress = new DownloadProgress(Boolean(process.stderr.isTTY) && !this.jsonEnabled(), `backup ${args.name}`);
    let result: FileDownload;
    try {
      result = await downloadBackup(client, args.name, path, {
        timeoutMs,
        force: flags.force,
        caCertFile: flags.cacert,
        onProgress: (bytes, total) => progress.update(bytes, total),
      });
    } finally {
      await progress.stop();
    }
    if (!this.jsonEnabled()) {
      const shown = flags.output ?? `${args.name}-data.tar.gz`;
      this.log(`Backup "${args.name}" downloaded to ${shown} (${humanSize(result.bytes)}).`);
      // sha256sum's format: `sha256sum -c` can check the file later
      this.log(`${result.sha256}  ${shown}`);
    }
    return result;
  }
}
