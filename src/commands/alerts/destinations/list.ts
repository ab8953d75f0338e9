import { OcoCommand } from '../../../core/cli/base-command.js';
import { renderTable } from '../../../core/cli/table.js';
import { destinationView, listDestinations, type DestinationView } from '../../../core/base/notify/destinations.js';

export default class AlertsDestinationsList extends OcoCommand<DestinationView[]> {
  static override summary = 'List alert destinations: kind, default, and where each secret is kept (never the secret).';
  static override examples = [
    '<%= config.bin %> alerts destinations list',
    '<%= config.bin %> alerts destinations list --json',
  ];

  async run(): Promise<DestinationView[]> {
    await this.parse(AlertsDestinationsList);
    const views = (await listDestinations(await this.store())).map(destinationView);
    if (!this.jsonEnabled())
      this.log(
        views.length
          ? renderTable(
              views.map((v) => ({
                ...v,
                isDefault: v.default ? 'yes' : '',
                where:
                  v.kind === 'email'
                    ? `${v.settings.host}:${v.settings.port} → ${(v.settings.to ?? []).join(', ')}`
                    : '',
                secretRefs: Object.entries(v.secrets)
                  .map(([k, r]) => `${k}=${r}`)
                  .join(' '),
              })),
              [
                { key: 'name' },
                { key: 'kind' },
                { key: 'isDefault', header: 'default' },
                { key: 'where' },
                { key: 'secretRefs', header: 'secrets' },
              ],
            )
          : 'No alert destinations. Add one with "oco alerts destinations add".',
      );
    return views;
  }
}
