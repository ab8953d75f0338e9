import { Flags } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../core/cli/velero-command.js';
import { health, type Health } from '../core/resilience/dr/health.js';
import { ago } from '../core/resilience/velero/values.js';
import { ExitCode } from '../core/base/errors.js';

export default class HealthCommand extends VeleroCommand<Health> {
  static override summary =
    'Summarise Kubernetes recovery readiness: backups, schedules, storage locations, DR policies and drills.';
  static override description =
    'Readiness is "ready" (no breach, every RTO drilled and met), "at-risk" (warnings, undrilled RTOs or ' +
    'no policy) or "not-ready" (a policy breach, an unavailable storage location or no Completed backup).\n' +
    'Exit 0 whatever the readiness unless --fail-on-not-ready ' +
    '(exit 4 when not-ready); 3 when the cluster is unreachable.';
  static override examples = [
    '<%= config.bin %> health',
    '<%= config.bin %> health --json',
    '<%= config.bin %> health --context prod --fail-on-not-ready',
  ];
  static override flags = {
    'fail-on-not-ready': Flags.boolean({ description: 'exit 4 when readiness is not-ready' }),
    ...kubeFlags,
  };

  async run(): Promise<Health> {
    const { flags } = await this.parse(HealthCommand);
    const client = await this.velero(flags);
    const h = await health(client, await this.store());
    if (!this.jsonEnabled()) {
      this.log(
        `cluster:    ${h.cluster.context} (${h.cluster.server}, ${h.cluster.version ?? 'unknown version'}), ` +
          `Velero namespace ${h.namespace}`,
      );
      const byPhase =
        Object.entries(h.backups.byPhase)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') || 'none';
      const last = h.backups.lastCompleted
        ? `${h.backups.lastCompleted.name}, ${ago(h.backups.lastCompleted.at)}`
        : 'never';
      this.log(
        `backups:    ${h.backups.total} (${byPhase}); last Completed ${last}; ${h.backups.failedLast24h} failed in 24h`,
      );
      this.log(`schedules:  ${h.schedules.total} (${h.schedules.paused} paused, ${h.schedules.invalid} invalid)`);
      const storage = h.storageLocations.map((l) => `${l.name}${l.default ? '*' : ''} ${l.phase ?? 'unknown'}`);
      this.log(`storage:    ${storage.join(', ') || 'none'}`);
      this.log(
        `policies:   ${h.policies.total} (${h.policies.inBreach} in breach, ${h.policies.warnings} warnings, ` +
          `${h.policies.drilled} drilled)`,
      );
      this.log(`readiness:  ${h.readiness}`);
      for (const r of h.reasons) this.log(`  - ${r}`);
    }
    if (flags['fail-on-not-ready'] && h.readiness === 'not-ready') this.failAfterOutput(ExitCode.policy);
    return h;
  }
}
