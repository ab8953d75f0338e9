import { OcoCommand } from '../../../core/cli/base-command.js';
import { renderTable } from '../../../core/cli/table.js';
import { listUpstreams, type UpstreamEntry } from '../../../core/gateway/upstreams/registry.js';

export default class RouteProvidersList extends OcoCommand<UpstreamEntry[]> {
  static override summary = 'List registered upstreams: OpenAI-compatible providers and deployments (never keys).';
  static override examples = [
    '<%= config.bin %> route providers list',
    '<%= config.bin %> route providers list --json',
  ];

  async run(): Promise<UpstreamEntry[]> {
    await this.parse(RouteProvidersList);
    const rows = await listUpstreams(await this.store());
    if (!this.jsonEnabled()) {
      this.log(
        rows.length === 0
          ? 'No upstreams registered. Add one with "oco route providers add NAME --base-url URL".'
          : renderTable(
              rows.map((r) => ({ ...r, keyEnv: r.keyEnv ?? '-', models: r.models?.join(',') ?? 'any' })),
              [
                { key: 'name' },
                { key: 'kind' },
                { key: 'baseUrl', header: 'base url' },
                { key: 'keyEnv', header: 'key env' },
                { key: 'models' },
                { key: 'weight' },
              ],
            ),
      );
    }
    return rows;
  }
}
