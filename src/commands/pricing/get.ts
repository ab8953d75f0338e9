import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { loadPriceBook } from '../../core/gateway/pricing/book.js';
import { PROVIDERS, parseProvider, guessProvider, priceOf, type PriceRow } from '../../core/gateway/pricing/service.js';

export default class PricingGet extends OcoCommand<{ resolvedAs: string; current: PriceRow; history: PriceRow[] }> {
  static override summary = 'Show the price of one model, how its name resolved, and its dated history.';
  static override examples = [
    '<%= config.bin %> pricing get gpt-4o-2024-08-06',
    '<%= config.bin %> pricing get claude-sonnet-4-5 --provider anthropic --json',
  ];
  static override args = {
    model: Args.string({ description: 'Model name (dated snapshots resolve to their family).', required: true }),
  };
  static override flags = {
    provider: Flags.string({
      summary:
        `Provider: ${PROVIDERS.join(', ')}, or an OpenAI-compatible upstream's NAME` +
        ' (guessed from the model name when omitted).',
    }),
  };

  async run(): Promise<{ resolvedAs: string; current: PriceRow; history: PriceRow[] }> {
    const { args, flags } = await this.parse(PricingGet);
    const provider = parseProvider(flags.provider ?? guessProvider(args.model));
    const r = priceOf(await loadPriceBook(await this.store()), provider, args.model);
    if (!this.jsonEnabled()) {
      const alias = r.resolvedAs !== args.model ? ` → ${r.resolvedAs}` : '';
      this.log(`${provider} ${args.model}${alias} (since ${r.current.effectiveFrom}, ${r.current.source})`);
      for (const [cls, rate] of Object.entries(r.current.prices)) this.log(`  ${cls.padEnd(16)} $${rate} / 1M tokens`);
      for (const t of r.current.tiers)
        this.log(
          `  above ${t.minContextTokens} prompt tokens: ${Object.entries(t.prices)
            .map(([c, v]) => `${c} $${v}`)
            .join(', ')}`,
        );
      if (r.history.length > 1)
        this.log(`  ${r.history.length} versions: ${r.history.map((h) => h.effectiveFrom.slice(0, 10)).join(', ')}`);
    }
    return r;
  }
}
