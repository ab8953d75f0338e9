import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { importLiteLlm, type ImportResult } from '../../core/gateway/pricing/service.js';
import { parseTimeOrDuration } from '../../core/gateway/usage/time.js';

export default class PricingImport extends OcoCommand<ImportResult> {
  static override summary = "Import prices from LiteLLM's model_prices_and_context_window.json.";
  static override description =
    'Takes the OpenAI, Anthropic and Gemini models in the file (input, output, ' +
    'cache read/write, >200k tiers, max output tokens) as a new dated version.';
  static override examples = [
    '<%= config.bin %> pricing import model_prices_and_context_window.json',
    '<%= config.bin %> pricing import prices.json --effective-from 2026-01-01 --json',
  ];
  static override args = { file: Args.string({ description: 'Path of the LiteLLM JSON file.', required: true }) };
  static override flags = {
    'effective-from': Flags.string({ summary: 'ISO-8601 date/time the prices apply from (default now).' }),
  };

  async run(): Promise<ImportResult> {
    const { args, flags } = await this.parse(PricingImport);
    const eff = flags['effective-from']
      ? parseTimeOrDuration(flags['effective-from'], 'effective-from', 'past')
      : new Date();
    const r = await importLiteLlm(await this.store(), args.file, eff);
    if (!this.jsonEnabled()) {
      this.log(`Imported ${r.models} models (${r.rows} prices) from ${r.file}, effective ${r.effectiveFrom}`);
      for (const s of r.skipped.slice(0, 20)) this.log(`  skipped ${s.model}: ${s.reason}`);
    }
    return r;
  }
}
