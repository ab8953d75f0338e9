import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { unsetRoutePolicy, type PolicyScope } from '../../core/gateway/routing/policies.js';

type Unset = { scope: PolicyScope; subject: string; removed: boolean };

export default class RouteUnset extends OcoCommand<Unset> {
  static override summary = "Remove a virtual key's or a team's routing strategy.";
  static override description =
    "Its calls then follow the next rule: the team's strategy (for a key), else route.strategy. Removing a " +
    'strategy that is not set is not an error (removed: false).';
  static override examples = [
    '<%= config.bin %> route unset --key ci-bot',
    '<%= config.bin %> route unset --team payments --json',
  ];
  static override flags = {
    key: Flags.string({ summary: 'Virtual key: id (key_…), prefix (oco_…) or name.', exclusive: ['team'] }),
    team: Flags.string({ summary: 'Team id.', exclusive: ['key'] }),
  };

  async run(): Promise<Unset> {
    const { flags } = await this.parse(RouteUnset);
    const out = await unsetRoutePolicy(await this.store(), { key: flags.key, team: flags.team });
    if (!this.jsonEnabled())
      this.log(
        out.removed
          ? `Removed the routing strategy of ${out.scope} ${out.subject}`
          : `No routing strategy was set for ${out.scope} ${out.subject}`,
      );
    return out;
  }
}
