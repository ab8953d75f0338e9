import { OcoCommand } from '../../../core/cli/base-command.js';
import { renderTable } from '../../../core/cli/table.js';
import { listFallbacks, type FallbackList } from '../../../core/gateway/routing/fallbacks.js';

export default class RouteFallbacksList extends OcoCommand<{ fallbacks: FallbackList[] }> {
  static override summary = 'List the fallback models set per model.';
  static override examples = [
    '<%= config.bin %> route fallbacks list',
    '<%= config.bin %> route fallbacks list --json',
  ];

  async run(): Promise<{ fallbacks: FallbackList[] }> {
    await this.parse(RouteFallbacksList);
    const fallbacks = await listFallbacks(await this.store());
    if (!this.jsonEnabled())
      this.log(
        fallbacks.length
          ? renderTable(
              fallbacks.map((f) => ({ model: f.model, fallbacks: f.fallbacks.join(', '), updated: f.updatedAt })),
            )
          : 'No fallbacks set: a failing model is retried (route.retries) and its error returned. ' +
              'Set some with "oco route fallbacks set gpt-4o --to claude-sonnet-4-5".',
      );
    return { fallbacks };
  }
}
