import { Flags } from '@oclif/core';
import { renderTable } from '../../../core/cli/table.js';
import { VeleroCommand, kubeFlags } from '../../../core/cli/velero-command.js';
import { parsePolicyFile } from '../../../core/resilience/dr/policy.js';
import { applyPolicies, type ApplyRow } from '../../../core/resilience/dr/reconcile.js';

export default class DrPolicyApply extends VeleroCommand<{ file: string; dryRun: boolean; results: ApplyRow[] }> {
  static override summary =
    'Apply DR policies from a YAML file: create or update the ' +
    'Velero Schedules that enforce them and store the policies.';
  static override description = `File format:
  policies:
    - name: app-tier1            # schedule oco-app-tier1 enforces it
      namespaces: [app]
      schedule: "0 */6 * * *"    # cron, five fields (UTC), or @daily / @every 6h
      rpo: 24h                   # max age of the last Completed backup
      rto: 1h                    # target restore time, measured by oco dr drill
      retention: 720h            # backup TTL (default 720h)
      storageLocation: default   # BackupStorageLocation (default: the default one)
      window: 168h               # how far back dr status looks for missed runs / failures (default 168h)
Optional: excludeNamespaces, selector, snapshotVolumes, defaultVolumesToFsBackup.
The whole file is checked first: an error names the file, line, column and field, and nothing is applied (exit 2).`;
  static override examples = [
    '<%= config.bin %> dr policy apply -f dr.yaml',
    '<%= config.bin %> dr policy apply -f dr.yaml --dry-run',
    '<%= config.bin %> dr policy apply -f dr.yaml --prune --json',
  ];
  static override flags = {
    file: Flags.string({ char: 'f', description: 'policy file (YAML)', required: true }),
    prune: Flags.boolean({ description: 'delete schedules of policies that are no longer in the file' }),
    'dry-run': Flags.boolean({ description: 'show what would change, change nothing' }),
    ...kubeFlags,
  };

  async run() {
    const { flags } = await this.parse(DrPolicyApply);
    const policies = parsePolicyFile(flags.file);
    const client = await this.velero(flags);
    const results = await applyPolicies(client, await this.store(), policies, {
      prune: flags.prune,
      dryRun: flags['dry-run'],
    });
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          results.map((r) => ({ ...r })),
          [{ key: 'policy' }, { key: 'schedule' }, { key: 'action' }, { key: 'cron' }, { key: 'rpo' }, { key: 'rto' }],
        ),
      );
      if (flags['dry-run']) this.log('(dry run: nothing changed)');
    }
    return { file: flags.file, dryRun: flags['dry-run'], results };
  }
}
