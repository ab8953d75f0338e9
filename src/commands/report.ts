import { writeFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { buildReport, drillLevel, recentRequests } from '../core/base/report/build.js';
import { compareWith, readSavedReport } from '../core/base/report/compare.js';
import {
  REPORT_FORMAT,
  VIEWS,
  type DrillStep,
  type RecentPage,
  type Report,
  type View,
} from '../core/base/report/model.js';
import { comparePeriod, parsePeriod, previousPeriod } from '../core/base/report/period.js';
import { UsageError } from '../core/base/errors.js';
import { OcoCommand } from '../core/cli/base-command.js';
import { setRecommendationStatus } from '../core/base/recommend/service.js';
import { canRunInteractive, runInteractiveReport } from '../core/cli/report/interactive.js';
import { renderCsv, renderMarkdown, renderText } from '../core/cli/report/render.js';
import { REPORT_SOURCES } from '../daemon/report-sources.js';
import { renderTable } from '../core/cli/table.js';

export default class ReportCommand extends OcoCommand<Report | RecentPage> {
  static override summary = 'One report of LLM spend, cloud costs, savings, policies, anomalies and backups.';
  static override description =
    'Every figure comes from the rollups (usage_hourly, cloud_costs_daily), so the totals are those of ' +
    '"oco spend summary" and "oco costs summary" for the same days. The period is whole UTC days; each ' +
    'amount is compared with the previous period of equal length, another period or a saved report ' +
    '(--compare-to). --json, --csv and --markdown print the same numbers; --markdown is a PR or issue ' +
    'comment. Drill down with --where: LLM spend team > agent > model > the calls themselves (--recent, ' +
    'paged with --cursor); cloud costs provider > service > account > resource. On a terminal, without a ' +
    'format flag or --output, the report is interactive: views on keys 1-6, arrows or j/k to move, enter to ' +
    'drill down, esc to go back, / to filter, p for the period, e to export CSV and Markdown, a/d to accept or ' +
    'dismiss a recommendation, ? for help, q to quit; it re-reads every --refresh seconds. Without a terminal ' +
    '(pipes, CI) it prints the text report and never prompts.';
  static override examples = [
    '<%= config.bin %> report',
    '<%= config.bin %> report --view cloud --since 7d --refresh 10',
    '<%= config.bin %> report | less',
    '<%= config.bin %> report --view llm --by agent --since 7d',
    '<%= config.bin %> report --view llm --where team=payments --where agent=bot',
    '<%= config.bin %> report --view llm --where team=payments --recent --limit 50',
    '<%= config.bin %> report --view cloud --from 2026-07-01 --to 2026-07-31 --csv',
    '<%= config.bin %> report --json --output main.json',
    '<%= config.bin %> report --markdown --compare-to main.json',
    '<%= config.bin %> report --markdown --compare-to 2026-06-01..2026-06-30',
  ];
  static override flags = {
    view: Flags.string({ summary: 'Which view.', options: [...VIEWS, 'all'], default: 'all' }),
    since: Flags.string({ summary: 'The period: whole days back from today (30d, 2w) or a first day YYYY-MM-DD.' }),
    from: Flags.string({ summary: 'First day of the period, YYYY-MM-DD.' }),
    to: Flags.string({ summary: 'Last day of the period (inclusive), YYYY-MM-DD (default today).' }),
    by: Flags.string({
      summary:
        'Cut a single spend view by: llm team|agent|model|provider|user|org; cloud provider|service|account|region|' +
        'category|source|resource|tag:KEY.',
    }),
    where: Flags.string({
      summary: 'Drill down: DIMENSION=KEY, repeatable (team=payments, then agent=bot; provider=aws, then service=…).',
      multiple: true,
    }),
    recent: Flags.boolean({ summary: 'List the calls under --where (LLM view), newest first, a page at a time.' }),
    limit: Flags.integer({ summary: 'Calls per page with --recent (1 to 1000).', default: 50 }),
    cursor: Flags.string({ summary: 'The next page with --recent: the nextCursor the previous page printed.' }),
    'compare-to': Flags.string({
      summary: 'Compare with a period (7d: that much earlier; 2026-06-01..2026-06-30) or a saved --json report.',
    }),
    csv: Flags.boolean({ summary: 'Print CSV (view, section, key, field, value).', exclusive: ['json', 'markdown'] }),
    markdown: Flags.boolean({ summary: 'Print Markdown (a PR or issue comment).', exclusive: ['json', 'csv'] }),
    output: Flags.string({ summary: 'Write the report to this file instead of standard output.' }),
    refresh: Flags.integer({
      summary: 'Interactive report: seconds between re-reads while the daemon records (0: never).',
      default: 5,
      min: 0,
      max: 3600,
    }),
  };

  async run(): Promise<Report | RecentPage> {
    const { flags } = await this.parse(ReportCommand);
    const period = parsePeriod({ since: flags.since, from: flags.from, to: flags.to });
    const views = flags.view === 'all' ? [...VIEWS] : [flags.view as View];
    const path = (flags.where ?? []).map(drillStep);
    const spendView = views.length === 1 && (views[0] === 'llm' || views[0] === 'cloud');
    if (path.length && !spendView)
      throw new UsageError('--where needs --view llm or --view cloud', { details: { flag: 'where' } });
    if (flags.by && !spendView)
      throw new UsageError('--by needs --view llm or --view cloud (each view has its own dimensions)', {
        details: { flag: 'by' },
      });
    // a bad --by or --where is a usage error (exit 2) before anything opens, the interactive view included
    const spendSource = spendView ? REPORT_SOURCES[views[0] as 'llm' | 'cloud'] : undefined;
    if (spendSource) drillLevel(spendSource, flags.by, path);
    const compareText = flags['compare-to'];
    const compare = compareText === undefined ? undefined : comparePeriod(compareText, period);
    const store = await this.store();
    if (flags.recent) {
      if (views[0] !== 'llm' || views.length !== 1)
        throw new UsageError('--recent lists LLM calls: use it with --view llm', { details: { flag: 'recent' } });
      const page = await recentRequests(store, REPORT_SOURCES, path, { limit: flags.limit, cursor: flags.cursor });
      if (!this.jsonEnabled()) {
        this.log(renderTable(page.requests.map((r) => ({ ...r }))));
        if (page.nextCursor) this.log(`Next page: --cursor ${page.nextCursor}`);
      }
      return page;
    }
    const options = { period, compare, views, by: flags.by, path };
    const baseline = compareText !== undefined && !compare ? readSavedReport(compareText) : undefined;
    const interactive =
      canRunInteractive() && !this.jsonEnabled() && !flags.csv && !flags.markdown && !flags.output && !baseline;
    if (
      interactive &&
      (await runInteractiveReport({
        store,
        sources: REPORT_SOURCES,
        options,
        setRecommendation: (id, status) => setRecommendationStatus(store, id, status, 'from oco report'),
        refreshSeconds: flags.refresh,
        exportDir: process.cwd(),
      }))
    )
      // nothing is printed after the interactive report (and --json, which would print this, never gets here)
      return {
        format: REPORT_FORMAT,
        generatedAt: new Date().toISOString(),
        period,
        comparison: { kind: compare ? 'period' : 'previous', period: compare ?? previousPeriod(period), file: null },
        views: {},
      };
    let report = await buildReport(store, REPORT_SOURCES, options);
    if (baseline) report = compareWith(report, baseline, compareText!);
    const text = this.jsonEnabled()
      ? `${JSON.stringify(report, null, 2)}\n`
      : flags.csv
        ? renderCsv(report)
        : flags.markdown
          ? renderMarkdown(report)
          : `${renderText(report)}\n`;
    if (flags.output) writeFileSync(flags.output, text);
    else if (!this.jsonEnabled()) process.stdout.write(text);
    return report;
  }
}

/** --where DIMENSION=KEY. */
function drillStep(text: string): DrillStep {
  const i = text.indexOf('=');
  if (i <= 0 || i === text.length - 1)
    throw new UsageError(`--where must be DIMENSION=KEY, e.g. team=payments (got "${text}")`, {
      details: { flag: 'where' },
    });
  return { by: text.slice(0, i), key: text.slice(i + 1) };
}
