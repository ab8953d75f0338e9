import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import { setFallbacks, type FallbackList } from '../../../core/gateway/routing/fallbacks.js';

export default class RouteFallbacksSet extends OcoCommand<FallbackList> {
  static override summary = 'Set the ordered fallback models the gateway tries when a model fails.';
  static override description =
    'On POST /v1/chat/completions and /v1/embeddings, a call to MODEL that answers 429 or 5xx, times out or ' +
    'cannot connect is retried (route.retries) and then sent to each fallback in order, across providers, ' +
    'until one answers; nothing is retried once the answer has started reaching the client. The list is ' +
    'stored in the database: a running gateway applies it within seconds. A call can override it with the ' +
    'X-OCO-Fallbacks header ("none" disables).';
  static override examples = [
    '<%= config.bin %> route fallbacks set gpt-4o --to claude-sonnet-4-5,gemini-2.5-pro',
    '<%= config.bin %> route fallbacks set text-embedding-3-small --to gemini/text-embedding-004 --json',
  ];
  static override args = {
    model: Args.string({
      description: 'Model as clients name it, e.g. gpt-4o or anthropic/claude-sonnet-4-5',
      required: true,
    }),
  };
  static override flags = {
    to: Flags.string({
      summary: 'Comma-separated fallback models, tried in this order.',
      required: true,
    }),
  };

  async run(): Promise<FallbackList> {
    const { args, flags } = await this.parse(RouteFallbacksSet);
    const r = await setFallbacks(await this.store(), args.model, flags.to);
    if (!this.jsonEnabled()) this.log(`${r.model} → ${r.fallbacks.join(' → ')}`);
    return r;
  }
}
