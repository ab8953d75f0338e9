import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { STRATEGIES } from '../../core/gateway/routing/index.js';
import { setRoutePolicy, type RoutePolicy } from '../../core/gateway/routing/policies.js';

export default class RouteSet extends OcoCommand<RoutePolicy> {
  static override summary = 'Set the smart-routing strategy of a virtual key or a team.';
  static override description =
    'The strategy applies on POST /v1/chat/completions to calls made with the key, or attributed to the team ' +
    "(the key's team, else X-Team-ID). Precedence: the X-OCO-Route header, then the key's strategy, then the " +
    "team's, then route.strategy; off pins the requested model. A running gateway applies the change within " +
    'about 2 seconds, without a restart. The key is named by id, prefix or name, never by the key itself.';
  static override examples = [
    '<%= config.bin %> route set --key ci-bot --strategy cost',
    '<%= config.bin %> route set --key key_0123456789abcdef --strategy off',
    '<%= config.bin %> route set --team payments --strategy quality --json',
  ];
  static override flags = {
    key: Flags.string({ summary: 'Virtual key: id (key_…), prefix (oco_…) or name.', exclusive: ['team'] }),
    team: Flags.string({ summary: 'Team id, as calls are attributed to it.', exclusive: ['key'] }),
    strategy: Flags.string({ summary: `Routing strategy: ${STRATEGIES.join(', ')}.`, required: true }),
  };

  async run(): Promise<RoutePolicy> {
    const { flags } = await this.parse(RouteSet);
    const p = await setRoutePolicy(await this.store(), { key: flags.key, team: flags.team }, flags.strategy);
    if (!this.jsonEnabled()) {
      const who = p.scope === 'key' ? `key ${p.subject} (${p.keyName})` : `team ${p.subject}`;
      this.log(`Routing strategy of ${who}: ${p.strategy}`);
    }
    return p;
  }
}
