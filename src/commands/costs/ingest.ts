import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { ExitCode } from '../../core/base/errors.js';
import { failureOf, runIngest, type IngestSummary } from '../../core/cloud-costs/ingest.js';
import type { CloudProvider } from '../../core/cloud-costs/model.js';
import { Progress } from '../../core/cli/progress.js';
import { parseWindow } from '../../core/cloud-costs/window.js';

export default class CostsIngest extends OcoCommand<IngestSummary> {
  static override summary =
    'Fetch daily costs from AWS Cost Explorer, Azure Cost Management and the GCP billing export.';
  static override description =
    "Defaults: the last 30 days, every configured provider. Re-running a window replaces that window's " +
    'rows for each provider (one transaction): never duplicates; a failed run keeps the previous data.\n' +
    'AWS bills every Cost Explorer request ($0.01): the run prints ' +
    'how many it made; --dry-run prints the plan and makes none.\n' +
    'Provider limits: Azure is asked one month at a time (a longer Daily query is cut to ' +
    'its last month); an answer that starts late or has holes is a warning. AWS Cost ' +
    'Explorer keeps 13 months and the current month: older days are not fetched and keep ' +
    'their stored rows (a warning says so), resource-level rows cover the last 14 days.\n' +
    "Credentials are each SDK's own: AWS_* / AWS_PROFILE, AZURE_TENANT_ID + " +
    'AZURE_CLIENT_ID + AZURE_CLIENT_SECRET (+ AZURE_SUBSCRIPTION_ID or OCO_AZURE_SCOPE), ' +
    'GOOGLE_APPLICATION_CREDENTIALS or GCP_CREDENTIALS_JSON (+ OCO_GCP_BILLING_TABLE).';
  static override examples = [
    '<%= config.bin %> costs ingest',
    '<%= config.bin %> costs ingest --aws --from 2026-07-01 --to 2026-07-31 --dry-run',
    '<%= config.bin %> costs ingest --aws --aws-group-by tag:team',
    '<%= config.bin %> costs ingest --azure --azure-scope /subscriptions/SUB/resourceGroups/web --json',
    '<%= config.bin %> costs ingest --gcp --gcp-table acme-billing.billing.gcp_billing_export_v1_0000AA_BBBBBB_CCCCCC',
  ];
  static override flags = {
    aws: Flags.boolean({ description: 'AWS Cost Explorer' }),
    azure: Flags.boolean({ description: 'Azure Cost Management' }),
    gcp: Flags.boolean({ description: 'GCP Cloud Billing export in BigQuery' }),
    from: Flags.string({ description: 'first day, YYYY-MM-DD (default 30 days ago)' }),
    to: Flags.string({ description: 'last day (inclusive), YYYY-MM-DD (default yesterday)' }),
    'dry-run': Flags.boolean({ description: 'print the requests it would make, make none' }),
    'aws-group-by': Flags.string({
      description:
        'second Cost Explorer grouping after service: account (default), region, usage-type, record-type or tag:KEY',
    }),
    'aws-resources': Flags.boolean({
      description:
        'resource-level costs for the last 14 days (GetCostAndUsageWithResources; opt-in in Cost Explorer settings)',
    }),
    'azure-scope': Flags.string({
      description: 'Cost Management scope (default OCO_AZURE_SCOPE or /subscriptions/$AZURE_SUBSCRIPTION_ID)',
    }),
    'azure-group-by': Flags.string({
      description:
        'second grouping after service: resource (default), resource-group, region, meter-category, subscription',
    }),
    'gcp-table': Flags.string({
      description: 'billing export table project.dataset.table (default OCO_GCP_BILLING_TABLE)',
    }),
  };

  async run(): Promise<IngestSummary> {
    const { flags } = await this.parse(CostsIngest);
    const window = parseWindow({ from: flags.from, to: flags.to });
    const providers = (['aws', 'azure', 'gcp'] as const).filter((p) => flags[p]) as CloudProvider[];
    const config = this.loadConfig();
    const store = await this.store(config);
    const progress = new Progress({ json: this.jsonEnabled() });
    let summary: IngestSummary;
    try {
      summary = await runIngest(store, config, {
        providers,
        window,
        dryRun: flags['dry-run'],
        flags,
        onProgress: (p) => progress.update({ label: p.provider, pages: p.pages, requests: p.requests, rows: p.rows }),
      });
    } finally {
      await progress.done();
    }
    const failed = summary.providers.filter((p) => p.status === 'failed');
    if (!this.jsonEnabled()) this.print(summary);
    if (failed.length) {
      // The first failed provider's exit code wins (3 unreachable beats nothing; all are printed).
      this.failAfterOutput(
        failureOf(failed[0]!)?.exitCode ?? ExitCode.failure,
        ...failed.map((f) => ({ message: `${f.provider}: ${f.error!.message}`, hint: f.error!.hint })),
      );
    }
    return summary;
  }

  private print(s: IngestSummary): void {
    const lastDay = new Date(Date.parse(`${s.window.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    if (s.dryRun) {
      this.log(`Plan for ${s.window.from} .. ${lastDay} (nothing fetched):`);
      this.log(
        renderTable(
          s.providers.flatMap((p) =>
            (p.plan ?? []).map((step) => ({
              provider: p.provider,
              call: step.call,
              from: step.window.from,
              to: step.window.to,
              requests: `≥${step.minRequests}`,
              cost: step.usdPerRequest ? `$${step.usdPerRequest}/request` : '-',
              detail: step.detail,
            })),
          ),
        ),
      );
    } else {
      this.log(
        renderTable(
          s.providers.map((p) => ({
            provider: p.provider,
            status: p.status,
            rows: p.rows,
            requests: p.requests,
            'paid (usd)': p.costUsd ?? '-',
            seconds: (p.durationMs / 1000).toFixed(1),
          })),
        ),
      );
      const billed = s.providers.some((p) => p.provider === 'aws') ? ' (AWS Cost Explorer bills $0.01 each)' : '';
      this.log(`window ${s.window.from} .. ${lastDay}, ${s.rows} rows, ${s.requests} API requests${billed}`);
    }
    for (const sk of s.skipped) this.log(`skipped ${sk.provider}: ${sk.reason}`);
    for (const p of s.providers) {
      for (const o of p.overlaps ?? [])
        this.warn(`${p.source} overlaps ${o.source} (${o.rows} rows, ${o.first}..${o.last}): both count in reports`);
      if (p.unmappedServices?.length)
        this.warn(`${p.provider}: no FOCUS ServiceCategory for ${p.unmappedServices.join(', ')} (stored as Other)`);
      for (const w of p.warnings ?? []) this.warn(`${p.provider}: ${w}`);
    }
  }
}
