import { renderTable } from '../../../core/cli/table.js';
import { OcoCommand } from '../../../core/cli/base-command.js';
import type { PolicyCheck, StoredDrPolicy } from '../../../core/resilience/dr/policy.js';
import { listPlans } from '../../../core/resilience/velero/records.js';

export default class DrPolicyList extends OcoCommand<Array<Record<string, unknown>>> {
  static override summary = 'List the stored DR policies (no cluster access).';
  static override examples = ['<%= config.bin %> dr policy list', '<%= config.bin %> dr policy list --json'];

  async run() {
    await this.parse(DrPolicyList);
    const plans = await listPlans<StoredDrPolicy>(await this.store(), 'policy');
    const rows = plans.map((p) => ({
      name: p.name,
      status: p.status,
      context: p.definition.context,
      namespace: p.definition.namespace,
      namespaces: p.definition.namespaces,
      schedule: p.definition.schedule,
      rpo: p.definition.text?.rpo,
      rto: p.definition.text?.rto ?? null,
      lastCheck: (p.last_result?.status as PolicyCheck | undefined) ?? null,
      lastDrill: p.last_result?.drill ?? null,
      updatedAt: p.updated_at,
    }));
    if (!this.jsonEnabled()) {
      this.log(
        rows.length === 0
          ? 'No DR policies. Apply some with: oco dr policy apply -f dr.yaml'
          : renderTable(
              rows.map((r) => ({
                ...r,
                namespaces: r.namespaces.join(','),
                ok: r.lastCheck ? (r.lastCheck.ok ? 'ok' : 'BREACH') : '-',
              })),
              [
                { key: 'name' },
                { key: 'status' },
                { key: 'context' },
                { key: 'namespaces' },
                { key: 'schedule' },
                { key: 'rpo' },
                { key: 'rto' },
                { key: 'ok', header: 'last check' },
              ],
            ),
      );
    }
    return rows;
  }
}
