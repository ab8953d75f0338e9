import { Flags } from '@oclif/core';
import { listFlag } from '../../core/cli/velero/list-flag.js';
import { renderTable } from '../../core/cli/table.js';
import { VeleroCommand, kubeFlags } from '../../core/cli/velero-command.js';
import { drStatus, type DrStatus } from '../../core/resilience/dr/status.js';
import { humanDuration } from '../../core/resilience/velero/values.js';
import { ExitCode } from '../../core/base/errors.js';

export default class DrStatusCommand extends VeleroCommand<DrStatus> {
  static override summary =
    'Check every DR policy against the cluster: backup age vs RPO, missed runs, failures, storage, drills.';
  static override description =
    'Breaches: no Completed backup or the newest older than the RPO; the schedule missing, paused or ' +
    'invalid; the storage location missing or not Available; the last drill slower than the RTO.\n' +
    'Warnings: missed schedule runs and Failed/PartiallyFailed ' +
    'backups in the policy window; an RTO never drilled.\n' +
    'Exit 0 unless --fail-on-breach is given and a policy is in breach (exit ' +
    '4): use it as a CI or cron gate. Exit 3 when the cluster is unreachable.';
  static override examples = [
    '<%= config.bin %> dr status',
    '<%= config.bin %> dr status --fail-on-breach',
    '<%= config.bin %> dr status --policy app-tier1 --json',
  ];
  static override flags = {
    'fail-on-breach': Flags.boolean({ description: 'exit 4 when any policy is in breach' }),
    policy: listFlag('only these policies, comma-separated or repeated'),
    ...kubeFlags,
  };

  async run(): Promise<DrStatus> {
    const { flags } = await this.parse(DrStatusCommand);
    const client = await this.velero(flags);
    const status = await drStatus(client, await this.store(), { policies: flags.policy });
    if (!this.jsonEnabled()) {
      if (status.policies.length === 0)
        this.log(
          `No DR policies for context ${status.context}, namespace ${status.namespace}. ` +
            'Apply some with: oco dr policy apply -f dr.yaml',
        );
      else {
        this.log(
          renderTable(
            status.policies.map((p) => ({
              policy: p.policy,
              state: p.ok ? 'ok' : 'BREACH',
              lastBackup: p.lastBackup ? `${humanDuration(p.lastBackup.ageSeconds * 1000)} ago` : 'none',
              rpo: p.rpo,
              missed: p.missedRuns,
              failed: p.failedInWindow.length,
              storage: `${p.storageLocation.name ?? '-'} ${p.storageLocation.phase ?? 'missing'}`,
              drill: p.lastDrill ? `${humanDuration(p.lastDrill.durationMs)}${p.rto ? ` / ${p.rto}` : ''}` : '-',
            })),
            [
              { key: 'policy' },
              { key: 'state' },
              { key: 'lastBackup', header: 'last backup' },
              { key: 'rpo' },
              { key: 'missed' },
              { key: 'failed' },
              { key: 'storage' },
              { key: 'drill', header: 'drill / rto' },
            ],
          ),
        );
        for (const p of status.policies) {
          for (const b of p.breaches) this.log(`BREACH  ${p.policy}: ${b.message}`);
          for (const w of p.warnings) this.log(`warning ${p.policy}: ${w.message}`);
        }
      }
    }
    if (status.breach && flags['fail-on-breach']) {
      this.failAfterOutput(ExitCode.policy, {
        message: `${status.policies.filter((p) => !p.ok).length} DR policy(ies) in breach`,
        hint: 'see the BREACH lines above',
      });
    }
    return status;
  }
}
