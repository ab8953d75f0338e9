import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listRateLimits } from '../../core/gateway/spend/repo.js';
import { rateLimitStatuses } from '../../core/gateway/spend/service.js';

export default class LimitsList extends OcoCommand<Array<Record<string, unknown>>> {
  static override summary = 'List rate limits and request quotas, with what each quota has used this period.';
  static override description =
    'USED is the calls a request quota has counted in its current period (settled and in flight). For rpm, tpm ' +
    'and concurrent limits it is empty: their counters live in the daemon (or Redis), not in the store.';
  static override examples = ['<%= config.bin %> limits list', '<%= config.bin %> limits list --json'];

  async run(): Promise<Array<Record<string, unknown>>> {
    await this.parse(LimitsList);
    const store = await this.store();
    const rows = await rateLimitStatuses(store, await listRateLimits(store));
    if (!this.jsonEnabled())
      this.log(
        rows.length
          ? renderTable(rows, [
              { key: 'id' },
              { key: 'scope' },
              { key: 'entityId', header: 'entity' },
              { key: 'kind' },
              { key: 'limit' },
              { key: 'window' },
              { key: 'period' },
              { key: 'used' },
              { key: 'provider' },
              { key: 'model' },
            ])
          : 'No rate limits. Create one with "oco limits create".',
      );
    return rows;
  }
}
