import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { parseRateLimitInput } from '../../core/gateway/spend/model.js';
import { createRateLimit, rateLimitView } from '../../core/gateway/spend/service.js';

export default class LimitsCreate extends OcoCommand<Record<string, unknown>> {
  static override summary = 'Create (or change) a rate limit: requests or tokens per window, or concurrent requests.';
  static override description =
    "Kinds: rpm (requests per window), tpm (tokens per window: the request's input estimate plus max " +
    'output at admission, corrected to the actual count after), concurrent (calls in flight). Windows ' +
    'slide in sixtieths (default 1m). Refused calls get 429 with Retry-After and x-ratelimit-* ' +
    'headers. One limit per scope, entity and kind: creating it again replaces the value. A team or org ' +
    'must be managed (--create-entity creates it) and a key must exist (stored by id); otherwise exit 2, ' +
    'OCO_SPEND_ENTITY_UNKNOWN, and nothing is stored.';
  static override examples = [
    '<%= config.bin %> limits create --scope key --entity key_abc123 --kind rpm --limit 60',
    '<%= config.bin %> limits create --scope team --entity payments --kind tpm --limit 200000',
    '<%= config.bin %> limits create --scope org --entity acme --create-entity --kind rpm --limit 600',
    '<%= config.bin %> limits create --scope agent --entity billing-bot --kind concurrent --limit 4 --json',
  ];
  static override flags = {
    scope: Flags.string({ description: 'key, agent, team or org', required: true }),
    entity: Flags.string({ description: 'entity id within the scope', required: true }),
    kind: Flags.string({ description: 'rpm, tpm or concurrent', required: true }),
    limit: Flags.string({
      description: 'requests, tokens or concurrent calls allowed (whole number ≥ 1)',
      required: true,
    }),
    window: Flags.string({ description: 'window for rpm/tpm, e.g. 1m (default), 10s, 1h' }),
    'create-entity': Flags.boolean({
      description: 'with --scope team or org: create the team or org (a managed object) when it does not exist',
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(LimitsCreate);
    const input = parseRateLimitInput(flags);
    const store = await this.store();
    const view = rateLimitView(await createRateLimit(store, input, { createEntity: flags['create-entity'] }));
    if (!this.jsonEnabled())
      this.log(
        `Rate limit ${view.id}: ${view.scope} ${view.entity_id} ${view.kind} ${view.limit}` +
          (view.window ? ` per ${view.window}` : ' in flight'),
      );
    return view;
  }
}
