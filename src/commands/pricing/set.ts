import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { parsePriceInput } from '../../core/gateway/pricing/input.js';
import { PROVIDERS, setPrice, type PriceRow } from '../../core/gateway/pricing/service.js';

export default class PricingSet extends OcoCommand<PriceRow> {
  static override summary = "Set a model's price from a date on (USD per 1M tokens).";
  static override description =
    'Adds a dated price version; calls before --effective-from keep the price they had, ' +
    'so recorded costs stay reproducible. Classes you do not give keep their current rate.';
  static override examples = [
    '<%= config.bin %> pricing set my-model --provider openai --input 0.5 --output 1.5',
    '<%= config.bin %> pricing set gpt-4o --output 12 --effective-from 2026-02-01',
    '<%= config.bin %> pricing set gemini-2.5-pro --min-context 200000 --input 2.5 --output 15',
    '<%= config.bin %> pricing set llama-3.1-70b --provider groq --input 0.59 --output 0.79',
  ];
  static override args = { model: Args.string({ description: 'Model (family) name.', required: true }) };
  static override flags = {
    provider: Flags.string({
      summary:
        `Provider: ${PROVIDERS.join(', ')}, or an OpenAI-compatible upstream's NAME` +
        ' (guessed from the model name when omitted).',
    }),
    input: Flags.string({ summary: 'Input tokens.' }),
    'cached-input': Flags.string({ summary: 'Cached input (cache read) tokens.' }),
    'cache-write-5m': Flags.string({ summary: 'Cache writes, 5-minute TTL (Anthropic).' }),
    'cache-write-1h': Flags.string({ summary: 'Cache writes, 1-hour TTL (Anthropic).' }),
    output: Flags.string({ summary: 'Output tokens.' }),
    reasoning: Flags.string({ summary: 'Reasoning/thinking tokens (default: the output rate).' }),
    'tool-prompt': Flags.string({ summary: 'Tool-use prompt tokens (default: the input rate).' }),
    'min-context': Flags.integer({
      summary: 'Tier: applies when the prompt is larger than this many tokens.',
      min: 0,
      default: 0,
    }),
    'effective-from': Flags.string({ summary: 'ISO-8601 date/time the price applies from (default now).' }),
  };

  async run(): Promise<PriceRow> {
    const { args, flags } = await this.parse(PricingSet);
    const input = parsePriceInput({ ...flags, model: args.model });
    const row = await setPrice(await this.store(), input);
    const provider = input.provider;
    if (!this.jsonEnabled())
      this.log(
        `Price of ${provider} ${row.model} from ${row.effectiveFrom}: ${Object.entries(row.prices)
          .map(([c, v]) => `${c} $${v}`)
          .join(', ')} per 1M tokens`,
      );
    return row;
  }
}
