import type { OcoConfig } from '../../../config/resolve.js';
import { CategoryMapper } from '../../focus/categories.js';
import type { CostRow, DayWindow } from '../../model.js';
import type { CostSourceRun, FetchProgress, PlanStep, ProviderDescriptor } from '../types.js';
import { createGcpClient, gcpCheck, gcpConfigured, mapGcpError, type GcpClient } from './client.js';
import { normaliseGcpRow, type GcpExportRow } from './normalise.js';
import { CatalogPrices } from './prices.js';

const PAGE_ROWS = 10_000;
const MAX_PAGES = 10_000;

/**
 * Daily totals from the Cloud Billing export, summed in BigQuery as NUMERIC (a FLOAT64
 * cost cast to NUMERIC keeps its 9 decimal places; summing doubles would not be exact)
 * and sent back as STRING so no float enters on our side either. The detailed export also
 * groups by the pricing tier each line was billed in (price.tier_start_amount), so one row
 * has one tier for its list price (prices.ts).
 */
export function exportQuery(table: string, detailed: boolean): string {
  const resource = detailed
    ? ',\n  resource.global_name AS resource_id,\n  resource.name AS resource_name,\n  CAST(CAST(price.tier_start_amount AS NUMERIC) AS STRING) AS tier_start'
    : '';
  const resourceGroup = detailed ? ', resource_id, resource_name, tier_start' : '';
  return `SELECT
  FORMAT_DATE('%Y-%m-%d', DATE(usage_start_time)) AS day,
  billing_account_id,
  service.description AS service,
  service.id AS service_id,
  sku.id AS sku_id,
  project.id AS project_id,
  project.name AS project_name,
  location.region AS region${resource},
  currency,
  TO_JSON_STRING(labels) AS labels,
  CAST(SUM(CAST(cost AS NUMERIC)) AS STRING) AS cost,
  CAST(SUM(IFNULL((SELECT SUM(CAST(c.amount AS NUMERIC)) FROM UNNEST(credits) AS c), 0)) AS STRING) AS credits,
  CAST(SUM(CAST(usage.amount_in_pricing_units AS NUMERIC)) AS STRING) AS pricing_quantity,
  ANY_VALUE(usage.pricing_unit) AS pricing_unit
FROM \`${table}\`
WHERE DATE(usage_start_time) >= DATE(@from) AND DATE(usage_start_time) < DATE(@to)
GROUP BY day, billing_account_id, service, service_id, sku_id, project_id, project_name, region${resourceGroup}, currency, labels
ORDER BY day`;
}

class GcpRun implements CostSourceRun {
  readonly provider = 'gcp' as const;
  readonly source = 'gcp';
  private readonly client: GcpClient;
  private readonly mapper = new CategoryMapper('gcp');
  private readonly prices: CatalogPrices;
  private apiRequests = 0;

  constructor(config: OcoConfig, flags: Record<string, unknown>) {
    this.client = createGcpClient(config, flags['gcp-table'] as string | undefined);
    this.prices = new CatalogPrices(this.client.catalog);
  }

  get requests(): number {
    return this.apiRequests + this.client.tokenRequests() + this.prices.requests;
  }
  /** List prices that could not be had (Catalog refused or unreachable, SKUs not listed): the run still succeeds. */
  get warnings(): readonly string[] {
    return this.prices.warnings();
  }
  get unmapped(): ReadonlySet<string> {
    return this.mapper.unmapped;
  }

  plan(window: DayWindow): PlanStep[] {
    return [{
      call: 'bigquery jobs.query + getQueryResults',
      window,
      detail: `daily totals by service, SKU, project, region${this.client.detailed ? ', resource' : ''}, labels from ${this.client.table} (bytes scanned are billed by BigQuery)`,
      minRequests: 1,
    }, {
      call: 'cloudbilling services.skus.list',
      window,
      detail: `list prices for ListCost: one paged SKU list per service in the export${this.client.detailed ? ', priced at the tier each line was billed in' : ', priced at the first non-zero tier'} (a refused Catalog leaves ListCost empty)`,
      minRequests: 0,
    }];
  }

  async check(): Promise<{ identity: string }> {
    const billing = await gcpCheck(this.client);
    const account = billing.billingAccount ? `, ${billing.billingAccount} (${billing.projects} projects)` : ', project has no billing account';
    return { identity: `${this.client.identity}, table ${this.client.table}${account}` };
  }

  async *fetch(window: DayWindow, progress: FetchProgress): AsyncGenerator<CostRow[]> {
    const { bigquery } = this.client;
    let pages = 0;
    let rows = 0;
    try {
      this.apiRequests++;
      const first = await bigquery.query(
        { query: exportQuery(this.client.table, this.client.detailed), params: { from: window.from, to: window.to }, maxResults: PAGE_ROWS, useLegacySql: false },
        { autoPaginate: false },
      );
      let data: unknown[] = first[0];
      let next: unknown = first[1];
      for (;;) {
        const page = data as GcpExportRow[];
        // SKU prices for services first seen on this page; never throws (a refused Catalog is a warning).
        await this.prices.load(page);
        const out = page.map((r) => normaliseGcpRow(r, this.mapper, this.prices.price(r)));
        pages++;
        rows += out.length;
        progress.onPage?.({ pages, requests: this.requests, rows });
        yield out;
        const q = next as { pageToken?: string; job?: { getQueryResults(o: object): Promise<[unknown[], unknown]> } } | null;
        if (!q?.pageToken || !q.job || pages >= MAX_PAGES) break;
        this.apiRequests++;
        [data, next] = (await q.job.getQueryResults({ ...q, autoPaginate: false, maxResults: PAGE_ROWS })) as unknown as [unknown[], unknown];
      }
    } catch (err) {
      throw mapGcpError(err);
    }
  }

  close(): void {}
}

export const gcpProvider: ProviderDescriptor = {
  provider: 'gcp',
  configured: (config, flags) => gcpConfigured(config, flags),
  create: ({ config, flags }) => new GcpRun(config, flags ?? {}),
};
