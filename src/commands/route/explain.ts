import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { explainRoute, STRATEGIES, type ExplainResult } from '../../core/gateway/routing/index.js';
import { parseStrategy } from '../../core/gateway/routing/strategy.js';

export default class RouteExplain extends OcoCommand<ExplainResult> {
  static override summary = 'Show how smart routing would treat a chat request: score, features, tier, model, why.';
  static override description =
    'Reads one OpenAI chat-completions request body from a file and prints its complexity score, each ' +
    "feature's weight and contribution, the tier it picks and the model the strategy would call, without " +
    'calling anything. Tier models come from the price book (route.tiers overrides them); the latency ' +
    'strategy reads the median latency of recorded calls.';
  static override examples = [
    '<%= config.bin %> route explain --file request.json',
    '<%= config.bin %> route explain --file request.json --strategy cost',
    '<%= config.bin %> route explain --file request.json --strategy latency --json',
  ];
  static override flags = {
    file: Flags.string({
      char: 'f',
      summary: 'JSON file holding an OpenAI chat-completions request body.',
      required: true,
    }),
    strategy: Flags.string({
      summary: `Routing strategy: ${STRATEGIES.join(', ')}.`,
      options: [...STRATEGIES],
      default: 'cost',
    }),
  };

  async run(): Promise<ExplainResult> {
    const { flags } = await this.parse(RouteExplain);
    const config = this.loadConfig();
    const r = await explainRoute(await this.store(config), {
      file: flags.file,
      strategy: parseStrategy(flags.strategy),
      tierOverrides: config.string('route.tiers'),
    });
    if (!this.jsonEnabled()) {
      this.log(`score ${r.score} → ${r.tier} (strategy ${r.strategy})`);
      this.log(`  ${'feature'.padEnd(16)} ${'value'.padStart(10)}  weight  contribution`);
      for (const c of r.contributions) {
        const v = r.features[c.feature];
        const shown = Array.isArray(v) ? String(v.length) : v === null ? '-' : String(v);
        const weight = c.weight.toFixed(2).padStart(6);
        this.log(`  ${c.feature.padEnd(16)} ${shown.padStart(10)}  ${weight}  ${c.contribution.toFixed(4)}`);
      }
      if (r.features.reasoningCues.length) this.log(`  reasoning cues: ${r.features.reasoningCues.join(', ')}`);
      const moved = r.routed ? `${r.requestedModel} → ${r.chosenModel}` : `${r.chosenModel} (unchanged)`;
      this.log(`model ${moved} on ${r.provider}`);
      this.log(`why: ${r.reason}`);
    }
    return r;
  }
}
