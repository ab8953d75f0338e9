import { Flags } from '@oclif/core';
import { FLAG_NAMES, insightReport, parseInsightQuery, type InsightReport } from '../../core/base/insights/service.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { INSIGHT_SOURCES } from '../../daemon/insight-sources.js';

export default class Insights extends OcoCommand<InsightReport> {
  static override summary = 'What stands out in LLM spend and cloud costs, with its numbers and the command to act.';
  static override description =
    'LLM: cost spikes per team, agent and model, top spenders and their share, model-switch, cache and ' +
    'failed-call savings (open recommendations of oco optimize), routing savings achieved, unpriced calls, ' +
    'latency outliers per model. Cloud: cost spikes, top movers week over week, untagged share, commitment ' +
    'coverage, stale ingests. Each insight carries its numbers (exact decimals, null when unknown), the ' +
    'period they cover and the oco command that acts on it; the largest money impact comes first, unknown ' +
    'last. Reads the hourly and daily rollups, not the call or cost rows. The daemon serves the same ' +
    'document at GET /api/v1/insights.';
  static override examples = [
    '<%= config.bin %> insights',
    '<%= config.bin %> insights --since 7d --domain llm',
    '<%= config.bin %> insights --from 2026-11-01 --to 2026-12-01 --min-impact 100',
    '<%= config.bin %> insights --domain cloud --json',
  ];
  static override flags = {
    since: Flags.string({
      summary: 'The window: a span back from now (30d, 8w, 12h). Default 30d.',
      exclusive: ['from', 'to'],
    }),
    from: Flags.string({ summary: 'Start of the window: an ISO-8601 date or time (--to defaults to now).' }),
    to: Flags.string({ summary: 'End of the window (exclusive): an ISO-8601 date or time.', dependsOn: ['from'] }),
    domain: Flags.string({ summary: 'Only LLM spend or only cloud costs.', options: ['llm', 'cloud'] }),
    'min-impact': Flags.string({
      summary: 'Leave out insights whose known money impact is below this (unknown impact is kept).',
    }),
  };

  async run(): Promise<InsightReport> {
    const { flags } = await this.parse(Insights);
    const now = new Date();
    const q = parseInsightQuery(
      { since: flags.since, from: flags.from, to: flags.to, domain: flags.domain, minImpact: flags['min-impact'] },
      FLAG_NAMES,
      now,
    );
    const config = this.loadConfig();
    const report = await insightReport(await this.store(config), INSIGHT_SOURCES, q, {
      now,
      setting: (key) => config.get(key),
      config,
    });
    if (this.jsonEnabled()) return report;
    if (report.insights.length === 0) {
      this.log(`No insights from ${report.from} to ${report.to}.`);
      return report;
    }
    this.log(
      renderTable(
        report.insights.map((i) => ({
          severity: i.severity,
          kind: i.kind,
          title: i.title,
          impact: i.impact === null ? 'unknown' : `${i.impact} ${i.currency ?? ''}`.trim(),
          action: i.action,
        })),
        [{ key: 'severity' }, { key: 'kind' }, { key: 'title' }, { key: 'impact' }, { key: 'action' }],
      ),
    );
    const c = report.counts;
    this.log(
      `${report.insights.length} insights (${c.critical} critical, ${c.warning} warning, ${c.info} info) ` +
        `from ${report.from} to ${report.to}; --json gives every number and period.`,
    );
    return report;
  }
}
