import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listRateLimits } from '../../core/gateway/spend/repo.js';
import { rateLimitView } from '../../core/gateway/spend/service.js';

export default class LimitsList extends OcoCommand<Array<Record<string, unknown>>> {
  static override summary = 'List rate limits.';
  static override examples = ['<%= config.bin %> limits list', '<%= config.bin %> limits list --json'];

  async run(): Promise<Array<Record<string, unknown>>> {
    await this.parse(LimitsList);
    const store = await this.store();
    const rows = (await listRateLimits(store)).map(rateLimitView);
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
              { key: 'provider' },
              { key: 'model' },
            ])
          : 'No rate limits. Create one with "oco limits create".',
      );
    return rows;
  }
}
