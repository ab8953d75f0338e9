import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listRoutePolicies, type RoutePolicy } from '../../core/gateway/routing/policies.js';

export default class RouteList extends OcoCommand<{ policies: RoutePolicy[] }> {
  static override summary = 'List the routing strategies set per virtual key and per team.';
  static override description =
    'Keys are shown by id and name (never the key). Calls with neither a key nor a team strategy follow ' +
    'route.strategy; the X-OCO-Route header overrides all of them.';
  static override examples = ['<%= config.bin %> route list', '<%= config.bin %> route list --json'];

  async run(): Promise<{ policies: RoutePolicy[] }> {
    await this.parse(RouteList);
    const policies = await listRoutePolicies(await this.store());
    if (!this.jsonEnabled()) {
      this.log(
        policies.length === 0
          ? 'No routing strategies set. Set one with "oco route set --key NAME --strategy cost".'
          : renderTable(policies, [
              { key: 'scope' },
              { key: 'subject', header: 'key or team' },
              { key: 'keyName', header: 'key name' },
              { key: 'keyStatus', header: 'key status' },
              { key: 'strategy' },
              { key: 'updatedAt', header: 'updated' },
            ]),
      );
    }
    return { policies };
  }
}
