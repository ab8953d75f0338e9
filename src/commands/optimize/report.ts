import { Flags } from '@oclif/core';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../../core/base/errors.js';
import { money } from '../../core/base/money.js';
import { STATUSES, type Recommendation, type Status } from '../../core/base/recommend/model.js';
import { listRecommendations } from '../../core/base/recommend/service.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';

interface Report {
  recommendations: Recommendation[];
  /** Known monthly savings of the recommendations listed, per currency (unknown ones are not in it). */
  totalMonthlySavings: Record<string, string>;
  unknownSavings: number;
}

/** CSV columns: the normalised model, flat. */
const CSV_COLUMNS: Array<keyof Recommendation> = [
  'id',
  'status',
  'domain',
  'provider',
  'account',
  'resourceId',
  'resourceType',
  'region',
  'action',
  'title',
  'monthlySavings',
  'currency',
  'confidence',
  'effort',
  'restartNeeded',
  'rollbackPossible',
  'ruleId',
  'rationale',
  'updatedAt',
];

export default class OptimizeReport extends OcoCommand<Report> {
  static override summary = 'Stored recommendations, largest monthly savings first.';
  static override description =
    'Lists what "oco optimize run" found (open ones unless --status says otherwise). Savings are per month ' +
    'in the cost currency; a recommendation whose saving oco cannot know shows "unknown" and is left out ' +
    'by --min-savings. --csv prints RFC 4180 CSV with every field of the model.';
  static override examples = [
    '<%= config.bin %> optimize report',
    '<%= config.bin %> optimize report --provider aws --min-savings 10',
    '<%= config.bin %> optimize report --status all --csv > recommendations.csv',
    '<%= config.bin %> optimize report --json',
  ];
  static override flags = {
    provider: Flags.string({ summary: 'Only this provider (aws, azure, gcp, openai, anthropic, gemini, ...).' }),
    'min-savings': Flags.string({ summary: 'Only recommendations saving at least this much a month.' }),
    status: Flags.string({
      summary: 'Statuses shown, comma-separated, or all.',
      default: 'open',
    }),
    domain: Flags.string({ summary: 'Only cloud costs or only LLM spend.', options: ['cloud', 'llm'] }),
    csv: Flags.boolean({ summary: 'Print CSV.', exclusive: ['json'] }),
  };

  async run(): Promise<Report> {
    const { flags } = await this.parse(OptimizeReport);
    const min = flags['min-savings'];
    if (min !== undefined && !/^\d+(\.\d+)?$/.test(min))
      throw new UsageError(`--min-savings must be a non-negative amount such as 10 or 2.5 (got "${min}")`);
    const recs = await listRecommendations(await this.store(), {
      provider: flags.provider,
      minSavings: min === undefined ? undefined : money(min),
      statuses: parseStatuses(flags.status),
      domain: flags.domain as 'cloud' | 'llm' | undefined,
    });
    const totals: Record<string, ReturnType<typeof money>> = {};
    for (const r of recs)
      if (r.monthlySavings !== null) totals[r.currency] = (totals[r.currency] ?? money(0)).plus(r.monthlySavings);
    const report: Report = {
      recommendations: recs,
      totalMonthlySavings: Object.fromEntries(Object.entries(totals).map(([c, v]) => [c, v.toFixed()])),
      unknownSavings: recs.filter((r) => r.monthlySavings === null).length,
    };
    if (this.jsonEnabled()) return report;
    if (flags.csv) {
      process.stdout.write(
        stringify(
          recs.map((r) => CSV_COLUMNS.map((c) => r[c] as unknown)),
          { header: true, columns: CSV_COLUMNS as string[], cast: { boolean: (b) => String(b) } },
        ),
      );
      return report;
    }
    if (recs.length === 0) {
      this.log('No recommendations. Run "oco optimize run" to look for some.');
      return report;
    }
    this.log(
      renderTable(
        recs.map((r) => ({
          id: r.id,
          status: r.status,
          action: r.action,
          title: r.title,
          savings: r.monthlySavings === null ? 'unknown' : `${r.monthlySavings} ${r.currency}`,
          confidence: r.confidence.toFixed(1),
          effort: r.effort,
        })),
        [
          { key: 'id' },
          { key: 'status' },
          { key: 'action' },
          { key: 'title' },
          { key: 'savings', header: 'savings/month' },
          { key: 'confidence' },
          { key: 'effort' },
        ],
      ),
    );
    const total = Object.entries(report.totalMonthlySavings).map(([c, v]) => `${v} ${c}`);
    this.log(
      `${recs.length} recommendations, ${total.length ? total.join(' + ') : 'no known savings'} a month` +
        (report.unknownSavings ? `, ${report.unknownSavings} with unknown savings.` : '.'),
    );
    return report;
  }
}

function parseStatuses(text: string): Status[] {
  if (text === 'all') return [...STATUSES];
  const list = text.split(',').map((s) => s.trim());
  const bad = list.filter((s) => !(STATUSES as readonly string[]).includes(s));
  if (bad.length)
    throw new UsageError(`--status must be all or a list of ${STATUSES.join(', ')} (got "${bad.join(',')}")`);
  return list as Status[];
}
