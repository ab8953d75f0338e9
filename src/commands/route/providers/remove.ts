import { Args } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import { removeUpstream, type UpstreamEntry } from '../../../core/gateway/upstreams/registry.js';

export default class RouteProvidersRemove extends OcoCommand<UpstreamEntry> {
  static override summary = 'Remove a registered upstream; a running gateway stops using it within seconds.';
  static override description =
    'Its recorded calls and prices stay. Calls to NAME/model are refused (400) once the gateway has read the change.';
  static override examples = [
    '<%= config.bin %> route providers remove groq',
    '<%= config.bin %> route providers remove openai-eu --json',
  ];
  static override args = {
    name: Args.string({ description: 'The upstream\'s NAME, as "route providers list" shows it.', required: true }),
  };

  async run(): Promise<UpstreamEntry> {
    const { args } = await this.parse(RouteProvidersRemove);
    const u = await removeUpstream(await this.store(), args.name);
    if (!this.jsonEnabled()) this.log(`Removed ${u.name} (${u.kind}, ${u.baseUrl}).`);
    return u;
  }
}
