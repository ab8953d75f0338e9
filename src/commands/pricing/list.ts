import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { loadPriceBook } from '../../core/gateway/pricing/book.js';
import { PROVIDERS, parseProvider, priceTable, type PriceRow } from '../../core/gateway/pricing/service.js';
import { parseTimeOrDuration } from '../../core/gateway/usage/time.js';

export default class PricingList extends OcoCommand<PriceRow[]> {
  static override summary = 'List model prices in force (USD per 1M tokens, per token class).';
  static override description =
    'The shipped table merged with prices set or imported; for each model the version in force at --at (default now).';
  static override examples = [
    '<%= config.bin %> pricing list',
    '<%= config.bin %> pricing list --provider anthropic',
    '<%= config.bin %> pricing list --at 2025-06-01 --json',
  ];
  static override flags = {
    provider: Flags.string({ summary: `Only this provider: ${PROVIDERS.join(', ')}, or an upstream's NAME.` }),
    at: Flags.string({ summary: 'Prices in force at this ISO-8601 date.' }),
  };

  async run(): Promise<PriceRow[]> {
    const { flags } = await this.parse(PricingList);
    if (flags.provider) parseProvider(flags.provider);
    const at = flags.at ? parseTimeOrDuration(flags.at, 'at', 'past') : new Date();
    const rows = priceTable(await loadPriceBook(await this.store()), at).filter(
      (r) => !flags.provider || r.provider === flags.provider,
    );
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          rows.map((r) => ({
            provider: r.provider,
            model: r.model,
            input: r.prices.input,
            cached: r.prices.cachedInput,
            write_5m: r.prices.cacheWrite5m,
            write_1h: r.prices.cacheWrite1h,
            output: r.prices.output,
            tiers: r.tiers.length ? r.tiers.map((t) => `>${t.minContextTokens / 1000}k`).join(' ') : '',
            source: r.source,
          })),
        ),
      );
    }
    return rows;
  }
}
