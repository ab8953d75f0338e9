import { Flags } from '@oclif/core';
import { ExitCode } from '../../core/base/errors.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { Progress } from '../../core/cli/progress.js';
import { renderTable } from '../../core/cli/table.js';
import type { CloudProvider } from '../../core/cloud-costs/model.js';
import {
  importFailureOf,
  runRecommendationImport,
  type ImportSummary,
} from '../../core/cloud-costs/recommend/imports.js';

export default class OptimizeImport extends OcoCommand<ImportSummary> {
  static override summary =
    "Import the cloud providers' own recommendations (AWS Cost Optimization Hub, Azure Advisor, GCP Recommender).";
  static override description =
    'Asks each provider named (default: every one whose recommendation service is configured) for the ' +
    'cost recommendations it holds now and stores them, replacing what the last import of that provider ' +
    'stored. "oco optimize run" then merges them with oco\'s own findings, without network: a provider\'s ' +
    "recommendation and oco's for the same resource and action become one, with the provider's savings " +
    "when it knows them (they include the account's discounts). A provider that fails keeps its previous " +
    'import. AWS: Cost Optimization Hub must be enabled for the account (or organization); its ' +
    'ListRecommendations requests are free. The daemon imports after each scheduled cost ingest ' +
    '(optimize.importProviderRecommendations).';
  static override examples = ['<%= config.bin %> optimize import', '<%= config.bin %> optimize import --aws --json'];
  static override flags = {
    aws: Flags.boolean({ description: 'AWS Cost Optimization Hub' }),
    azure: Flags.boolean({ description: 'Azure Advisor cost recommendations' }),
    gcp: Flags.boolean({ description: 'GCP Recommender cost recommendations' }),
  };

  async run(): Promise<ImportSummary> {
    const { flags } = await this.parse(OptimizeImport);
    const providers = (['aws', 'azure', 'gcp'] as const).filter((p) => flags[p]) as CloudProvider[];
    const config = this.loadConfig();
    const store = await this.store(config);
    const progress = new Progress({ json: this.jsonEnabled() });
    let summary: ImportSummary;
    try {
      summary = await runRecommendationImport(store, config, {
        providers,
        flags,
        onProgress: (p) => progress.update({ label: p.provider, pages: p.pages, requests: p.requests, rows: p.rows }),
      });
    } finally {
      await progress.done();
    }
    if (!this.jsonEnabled()) this.print(summary);
    const failed = summary.providers.filter((p) => p.status === 'failed');
    if (failed.length)
      this.failAfterOutput(
        importFailureOf(failed[0]!)?.exitCode ?? ExitCode.failure,
        ...failed.map((f) => ({ message: `${f.provider}: ${f.error!.message}`, hint: f.error!.hint })),
      );
    return summary;
  }

  private print(s: ImportSummary): void {
    if (s.providers.length)
      this.log(
        renderTable(
          s.providers.map((p) => ({
            provider: p.provider,
            source: p.source,
            status: p.status,
            recommendations: p.recommendations,
            'savings a month':
              Object.entries(p.monthlySavings)
                .map(([c, v]) => `${v} ${c}`)
                .join(', ') || '-',
            requests: p.requests,
          })),
        ),
      );
    this.log(
      `${s.recommendations} recommendations imported with ${s.requests} requests. ` +
        'Run "oco optimize run" to merge them with oco\'s own findings.',
    );
    for (const sk of s.skipped) this.log(`skipped ${sk.provider}: ${sk.reason}`);
    for (const p of s.providers) for (const w of p.warnings ?? []) this.warn(`${p.provider}: ${w}`);
  }
}
