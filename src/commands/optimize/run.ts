import { Flags } from '@oclif/core';
import type { RunResult } from '../../core/base/recommend/service.js';
import { runConfigured } from '../../core/base/recommend/monitor.js';
import type { Rule } from '../../core/base/recommend/model.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { CLOUD_RULES } from '../../core/cloud-costs/recommend/rules.js';
import { LLM_RULES } from '../../core/gateway/optimize/rules.js';

/** Every wing's rule table (docs/optimize.md lists the rules); the daemon passes the same. */
const RULES: readonly Rule[] = [...CLOUD_RULES, ...LLM_RULES];

export default class OptimizeRun extends OcoCommand<RunResult> {
  static override summary =
    'Find savings in stored cloud costs and recorded LLM calls, and store them as recommendations.';
  static override description =
    'Runs every recommendation rule (idle resources, previous-generation instances, commitment coverage, ' +
    'untagged spend, capacity reservations billed as unused, autoscaling groups and node pools on demand, ' +
    'cheaper models for short simple LLM calls, billed failed calls, repeated identical LLM requests the ' +
    'response cache would answer) over the last --days days. Savings are ' +
    'exact decimals in the cost currency, the window scaled to 30 days; unknown savings stay unknown. ' +
    'Re-running updates recommendations instead of duplicating them, resolves those no longer found, and ' +
    'leaves dismissed ones dismissed until their savings move by optimize.materialChangePercent. The ' +
    'daemon runs this after each scheduled cost ingest and every optimize.runIntervalSeconds.';
  static override examples = ['<%= config.bin %> optimize run', '<%= config.bin %> optimize run --days 60 --json'];
  static override flags = {
    days: Flags.integer({
      summary: 'Days of evidence judged, ending today (default optimize.windowDays).',
      min: 1,
      max: 365,
    }),
  };

  async run(): Promise<RunResult> {
    const { flags } = await this.parse(OptimizeRun);
    const config = this.loadConfig();
    const r = await runConfigured(await this.store(config), RULES, config, { days: flags.days });
    if (!this.jsonEnabled())
      this.log(
        `${r.rulesRun} rules over ${r.days} days: ${r.created} new, ${r.updated} updated, ${r.reopened} reopened, ` +
          `${r.resolved} resolved; ${r.open} open. See them with "oco optimize report".`,
      );
    return r;
  }
}
