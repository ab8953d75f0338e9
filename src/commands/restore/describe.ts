import { Args, Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags, cacertFlag } from '../../core/cli/velero-command.js';
import { describeOutputFlag } from '../../core/cli/velero/output.js';
import { printDescription } from '../../core/cli/velero/render.js';
import { resolveTargets } from '../../core/resilience/velero/bulk.js';
import { describeObject } from '../../core/resilience/velero/service.js';

export default class RestoreDescribe extends VeleroCommand<Record<string, unknown> | Array<Record<string, unknown>>> {
  static override summary =
    'Show restores: phase, progress, spec and, with --details, their resources and errors/warnings.';
  static override description =
    'One name shows that restore (--json: one document). Several names, -l/--selector, or no name at all ' +
    '(every restore, as velero restore describe does) show each in turn (--json: an array, sorted by name). ' +
    'A name that does not exist is an error (exit 1, OCO_K8S_NOT_FOUND) before anything is shown.';
  static override examples = [
    '<%= config.bin %> restore describe app-copy',
    '<%= config.bin %> restore describe app-copy --details --json',
    '<%= config.bin %> restore describe app-copy db-copy',
    '<%= config.bin %> restore describe -l oco.dev/plan=rp-1a2b3c4d --json',
    '<%= config.bin %> restore describe app-copy db-copy -o yaml',
  ];
  static override strict = false;
  static override args = { name: Args.string({ description: 'restore name(s); none: every restore' }) };
  static override flags = {
    details: Flags.boolean({
      description: 'also fetch the resource list and results from object storage (DownloadRequest)',
    }),
    selector: Flags.string({ char: 'l', description: 'describe the restores whose labels match this selector' }),
    ...describeOutputFlag,
    ...kubeFlags,
    ...cacertFlag,
  };

  async run() {
    const { argv, flags } = await this.parse(RestoreDescribe);
    const names = argv as string[];
    const output = this.checkOutput(flags.output);
    // -o and --json print one document once everything is read, not each description as it comes
    const human = !output && !this.jsonEnabled();
    const client = await this.velero(flags);
    const targets = await resolveTargets(
      client,
      'restore',
      { names, selector: flags.selector },
      { emptyMeansAll: true },
    );
    const docs: Array<Record<string, unknown>> = [];
    for (const o of targets) {
      const d = await describeObject(client, 'restore', o, flags.details, { caCertFile: flags.cacert });
      docs.push(d);
      if (human) this.log(`${docs.length > 1 ? '\n' : ''}${printDescription('Restore', d)}`);
    }
    if (human && docs.length === 0) this.log(`No restores matched in namespace ${client.namespace}.`);
    const result = names.length === 1 ? docs[0]! : docs;
    this.printAs(output, result);
    return result;
  }
}
