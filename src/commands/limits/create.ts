import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { parseRateLimitInput } from '../../core/gateway/spend/model.js';
import { createRateLimit, narrowing, per, rateLimitView } from '../../core/gateway/spend/service.js';

export default class LimitsCreate extends OcoCommand<Record<string, unknown>> {
  static override summary = 'Create (or change) a rate limit: requests or tokens per window, or concurrent requests.';
  static override description =
    "Kinds: rpm (requests per window), tpm (tokens per window: the request's input estimate plus max " +
    'output at admission, corrected to the actual count after), concurrent (calls in flight), requests (a ' +
    'quota of calls per --period: daily, weekly, monthly in --timezone or budget.timezone, rolling --window, ' +
    'or total; counted like a budget, so it survives restarts and is shared through Redis; calls that fail ' +
    'without a cost are not counted). Windows slide in sixtieths (default 1m). --provider and --model ' +
    'narrow a limit to those calls (a team can hold a general limit and a stricter one for an expensive ' +
    'model; each call must fit all that apply). Refused calls get 429 with Retry-After and x-ratelimit-* ' +
    'headers. One limit per scope, entity, kind and narrowing: creating it again replaces the value. A team or org ' +
    'must be managed (--create-entity creates it) and a key must exist (stored by id); otherwise exit 2, ' +
    'OCO_SPEND_ENTITY_UNKNOWN, and nothing is stored.';
  static override examples = [
    '<%= config.bin %> limits create --scope key --entity key_abc123 --kind rpm --limit 60',
    '<%= config.bin %> limits create --scope team --entity payments --kind tpm --limit 200000',
    '<%= config.bin %> limits create --scope org --entity acme --create-entity --kind rpm --limit 600',
    '<%= config.bin %> limits create --scope agent --entity billing-bot --kind concurrent --limit 4 --json',
    '<%= config.bin %> limits create --scope team --entity research --kind rpm --limit 10 --model gpt-4o',
    '<%= config.bin %> limits create --scope user --entity alice@example.com --kind tpm --limit 50000',
    '<%= config.bin %> limits create --scope tag --entity nightly-eval --kind rpm --limit 300 --provider anthropic',
    '<%= config.bin %> limits create --scope key --entity key_abc123 --kind requests --limit 10000 --period monthly',
  ];
  static override flags = {
    scope: Flags.string({ description: 'key, agent, team, org, user or tag', required: true }),
    entity: Flags.string({ description: 'entity id within the scope', required: true }),
    kind: Flags.string({ description: 'rpm, tpm, concurrent, or requests (a quota per --period)', required: true }),
    limit: Flags.string({
      description: 'requests, tokens or concurrent calls allowed (whole number ≥ 1)',
      required: true,
    }),
    window: Flags.string({ description: 'window for rpm/tpm, e.g. 1m (default), 10s, 1h' }),
    period: Flags.string({
      description: 'with --kind requests: daily, weekly, monthly, rolling (with --window) or total',
    }),
    timezone: Flags.string({ description: 'with --kind requests: IANA timezone of calendar periods' }),
    provider: Flags.string({ description: "count only calls to this provider (or an upstream's NAME)" }),
    model: Flags.string({ description: 'count only calls to this model (the model the client asked for)' }),
    'create-entity': Flags.boolean({
      description: 'with --scope team or org: create the team or org (a managed object) when it does not exist',
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(LimitsCreate);
    const config = this.loadConfig();
    const input = parseRateLimitInput(flags, config.string('budget.timezone') ?? 'UTC');
    const store = await this.store(config);
    const view = rateLimitView(await createRateLimit(store, input, { createEntity: flags['create-entity'] }));
    if (!this.jsonEnabled())
      this.log(
        `Rate limit ${String(view.id)}: ${String(view.scope)} ${String(view.entityId)} ${String(view.kind)} ` +
          `${String(view.limit)}${per(view)}${narrowing(view)}`,
      );
    return view;
  }
}
