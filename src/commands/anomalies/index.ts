import { Flags } from '@oclif/core';
import { UsageError } from '../../core/base/errors.js';
import { money } from '../../core/base/money.js';
import { anomalyReport, type CheckResult, type SeriesSource } from '../../core/base/anomaly/service.js';
import { dayAfter } from '../../core/base/anomaly/detect.js';
import { parseSpanSeconds } from '../../core/base/durations.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { cloudCostSeries } from '../../core/cloud-costs/anomaly-series.js';
import { llmSpendSeries } from '../../core/gateway/usage/anomaly-series.js';

/** Every wing's daily series: cloud cost per provider/account/service, LLM spend per team/agent/model. */
const SOURCES: SeriesSource[] = [cloudCostSeries, llmSpendSeries];

export default class Anomalies extends OcoCommand<CheckResult> {
  static override summary = 'Cost anomalies in cloud costs and LLM spend: spikes, new costs, stopped costs, growth.';
  static override description =
    'Judges each day of every daily series (cloud cost per provider, account and service; LLM spend per ' +
    'team, agent and model) against the median of the same weekday over the 28 days before it, with the ' +
    'median absolute deviation as the noise. A spike must exceed the expected cost by 3.5 robust standard ' +
    'deviations and by --min-impact; consecutive days of one anomaly are one event. Days a provider marks as ' +
    'estimated, and LLM days with unpriced calls, are not judged. Found anomalies are stored (re-runs update, ' +
    'never duplicate); the daemon checks every hour and sends new ones to anomalies.webhookUrl.';
  static override examples = [
    '<%= config.bin %> anomalies',
    '<%= config.bin %> anomalies --since 90d --min-impact 100',
    '<%= config.bin %> anomalies --domain llm --json',
  ];
  static override flags = {
    since: Flags.string({
      summary: 'First day judged: a span back from today (30d, 8w) or a date (YYYY-MM-DD).',
      default: '30d',
    }),
    'min-impact': Flags.string({
      summary: "Smallest daily excess over the expected cost, in the series' currency (default anomalies.minImpact).",
    }),
    domain: Flags.string({ summary: 'Only cloud costs or only LLM spend.', options: ['cloud', 'llm'] }),
  };

  async run(): Promise<CheckResult> {
    const { flags } = await this.parse(Anomalies);
    const config = this.loadConfig();
    const minImpact = flags['min-impact'] ?? String(config.int('anomalies.minImpact'));
    if (!/^\d+(\.\d+)?$/.test(minImpact))
      throw new UsageError(`--min-impact must be a non-negative amount such as 50 or 12.5 (got "${minImpact}")`);
    const r = await anomalyReport(await this.store(config), SOURCES, {
      since: sinceDay(flags.since),
      minImpact: money(minImpact),
      domain: flags.domain as 'cloud' | 'llm' | undefined,
    });
    if (!this.jsonEnabled()) {
      if (r.anomalies.length === 0)
        this.log(`No anomalies from ${r.from} to ${r.to} (${r.seriesChecked} daily series checked).`);
      else
        this.log(
          renderTable(
            r.anomalies.map((a) => ({
              days: a.firstDay === a.lastDay ? a.firstDay : `${a.firstDay}..${a.lastDay}`,
              kind: a.kind,
              series: `${a.domain} ${Object.values(a.labels).filter(Boolean).join(' / ')}`,
              actual: `${a.actual} ${a.currency}`,
              expected: `${a.expected} ${a.currency}`,
              impact: `${a.impact} ${a.currency}`,
            })),
            [
              { key: 'days' },
              { key: 'kind' },
              { key: 'series' },
              { key: 'actual', header: 'last day' },
              { key: 'expected' },
              { key: 'impact' },
            ],
          ),
        );
    }
    return r;
  }
}

/** --since as the first day judged. */
function sinceDay(text: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return text;
  const seconds = parseSpanSeconds(text);
  if (seconds === undefined || seconds % 86_400 !== 0)
    throw new UsageError(`--since must be whole days back (30d, 8w) or a date YYYY-MM-DD (got "${text}")`);
  return dayAfter(new Date().toISOString().slice(0, 10), -seconds / 86_400);
}
