import { Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { runDrill, type DrillResult } from '../../core/resilience/dr/drill.js';
import { humanDuration, requireDuration } from '../../core/resilience/velero/values.js';

export default class DrDrill extends VeleroCommand<DrillResult> {
  static override summary =
    'Run a DR drill: restore a backup into a scratch namespace, wait, and compare the time taken with the RTO.';
  static override description =
    'Creates a Restore of one namespace of the backup mapped to --into-namespace (which must not exist yet ' +
    'unless --allow-existing), watches it to the end and measures the time from creation to a terminal ' +
    "phase. The RTO is the one of the policy the backup belongs to (its schedule's label) or of --policy. " +
    "The result is recorded (backup_jobs kind drill; the policy's last drill, used by dr status).\n" +
    'Exit 0 when the restore Completed within the RTO; 4 when it failed ' +
    'or took longer than the RTO; 1 on timeout; 3 cluster unreachable.';
  static override examples = [
    '<%= config.bin %> dr drill --from-backup oco-app-tier1-20260101020000 --into-namespace drill-app',
    '<%= config.bin %> dr drill --from-backup nightly --into-namespace ' +
      'scratch --source-namespace app --policy app-tier1 --cleanup --json',
  ];
  static override flags = {
    'from-backup': Flags.string({ description: 'backup to restore', required: true }),
    'into-namespace': Flags.string({ description: 'scratch namespace to restore into', required: true }),
    'source-namespace': Flags.string({
      description: 'which namespace of the backup to drill (needed when it has several)',
    }),
    policy: Flags.string({ description: 'DR policy whose RTO applies (default: the policy of the backup)' }),
    'allow-existing': Flags.boolean({ description: 'restore into a namespace that already exists' }),
    cleanup: Flags.boolean({ description: 'delete the scratch namespace after a successful drill' }),
    timeout: Flags.string({ description: 'give up after this long (exit 1, OCO_WAIT_TIMEOUT)', default: '2h' }),
    ...kubeFlags,
  };

  async run(): Promise<DrillResult> {
    const { flags } = await this.parse(DrDrill);
    const timeoutMs = requireDuration(flags.timeout, '--timeout');
    const client = await this.velero(flags);
    const progress = this.reporter(`drill ${flags['from-backup']} -> ${flags['into-namespace']}`);
    let result: DrillResult;
    try {
      result = await runDrill(client, await this.store(), {
        backup: flags['from-backup'],
        intoNamespace: flags['into-namespace'],
        sourceNamespace: flags['source-namespace'],
        policy: flags.policy,
        allowExisting: flags['allow-existing'],
        cleanup: flags.cleanup,
        timeoutMs,
        onChange: (o) => progress.update(o),
      });
    } finally {
      await progress.stop();
    }
    if (!this.jsonEnabled()) {
      const rto = result.rto
        ? ` (RTO ${result.rto}: ${result.withinRto ? 'met' : result.withinRto === false ? 'MISSED' : 'n/a'})`
        : ' (no RTO to compare with)';
      this.log(
        `Drill ${result.restore}: ${result.phase}, ${result.sourceNamespace} -> ${result.intoNamespace} ` +
          `in ${humanDuration(result.durationMs)}${rto}`,
      );
    }
    const failure =
      result.phase !== 'Completed' ? `restore ended ${result.phase}` : `took longer than the RTO of ${result.rto}`;
    this.failAfterOutput(result.exitCode, { message: `drill ${failure}` });
    return result;
  }
}
