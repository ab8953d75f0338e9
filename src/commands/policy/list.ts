import { listPolicies, type StoredPolicy } from '../../core/base/policy/repo.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';

export default class PolicyList extends OcoCommand<StoredPolicy[]> {
  static override summary = 'List the stored governance policies.';
  static override examples = ['<%= config.bin %> policy list', '<%= config.bin %> policy list --json'];

  async run(): Promise<StoredPolicy[]> {
    await this.parse(PolicyList);
    const policies = await listPolicies(await this.store());
    if (!this.jsonEnabled())
      this.log(
        policies.length === 0
          ? 'No policies. Apply some with: oco policy apply -f policies.yaml'
          : renderTable(
              policies.map((p) => ({ ...p, enabled: p.enabled ? 'yes' : 'no', description: p.description ?? '' })),
              [
                { key: 'name' },
                { key: 'kind' },
                { key: 'severity' },
                { key: 'enabled' },
                { key: 'period' },
                { key: 'description' },
              ],
            ),
      );
    return policies;
  }
}
