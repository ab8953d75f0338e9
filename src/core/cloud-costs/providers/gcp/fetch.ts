import { BigQuery } from '@google-cloud/bigquery';
import type { OcoConfig } from '../../../base/config/resolve.js';
import { CategoryMapper } from '../../focus/categories.js';
import { addDays, type CostRow, type DayWindow } from '../../model.js';
import type { CostSourceRun, FetchProgress, PlanStep, ProviderDescriptor } from '../types.js';
import { createGcpClient, gcpCheck, gcpConfigured, mapGcpError, type GcpClient } from './client.js';
import { normaliseGcpRow, type GcpExportRow } from './normalise.js';
import { CatalogPrices } from './prices.js';
import { createGcpRecommendations, gcpRecommendationsConfigured } from './recommendations.js';

const PAGE_ROWS = 10_000;
const MAX_PAGES = 10_000;

/**
 * A FLOAT64 export value as the exact decimal the export holds: the shortest decimal that
 * reads back as the same double (what JS `String(x)` prints), as BIGNUMERIC.
 *
 * Why not the obvious casts: summing FLOAT64 rounds at every addition; CAST(x AS NUMERIC)
 * rounds each value to 9 fraction digits; CAST(x AS BIGNUMERIC) keeps 38 digits of the
 * double's binary expansion (0.1 → 0.1000000000000000055511151231257827021…), not the
 * value the export shows; and CAST(x AS STRING) is documented only as "approximate" — it
 * is printf %.15g, else %.17g, so a double whose shortest form has 16 digits gets a
 * different 17-digit one. Each of those drifts from the decimal sum of the exported values.
 *
 * FORMAT('%.Ng') is printf: x correctly rounded to N significant digits. Trying N = 15, 16,
 * 17 and keeping the first that casts back to x gives exactly the shortest round-trip
 * decimal: with ≤ 15 digits the decimal is unique, the rounded 16-digit one is the closest
 * 16-digit candidate (the one the shortest algorithm picks), and 17 digits always round-trip.
 * BIGNUMERIC holds 38 fraction digits, so every value of magnitude 1e-22 or more is held
 * exactly (17 significant digits at most), and SUM over BIGNUMERIC is exact.
 *
 * Summed in BigQuery at oco's grain (a row per day, SKU, project, …), not fetched line by
 * line: a month of a detailed export is millions of lines, the grouped result a few
 * thousand rows, and both give the same exact total.
 */
export function exactDecimal(x: string): string {
  const g = (n: number) => `FORMAT('%.${n}g', ${x})`;
  return (
    `CAST(CASE WHEN CAST(${g(15)} AS FLOAT64) = ${x} THEN ${g(15)} WHEN CAST(${g(16)} AS FLOAT64) = ${x} ` +
    `THEN ${g(16)} ELSE ${g(17)} END AS BIGNUMERIC)`
  );
}

/**
 * Days before the window whose partitions are read too. A line is never loaded before its
 * usage starts, but its load day need not be counted in UTC (Cloud Billing's own day is
 * Pacific time), so one day of slack.
 */
export const PARTITION_LEAD_DAYS = 1;

/**
 * Daily totals from the Cloud Billing export, summed exactly (exactDecimal) and sent back
 * as STRING so no float enters on our side either. The detailed export also groups by the
 * pricing tier each line was billed in (price.tier_start_amount), so one row has one tier
 * for its list price (prices.ts).
 *
 * The export tables are partitioned by load time (_PARTITIONTIME), and may require a
 * partition filter. A line is loaded after its usage, often days later (late-reported
 * usage, corrections until the invoice closes, a backfill when the export is enabled), so
 * the filter reads every partition from the window's start (less PARTITION_LEAD_DAYS) on,
 * with no upper bound: one that stopped at the window's end would drop late lines. Lines
 * still in the streaming buffer have no partition (NULL) and are read too.
 */
export function exportQuery(table: string, detailed: boolean): string {
  const resource = detailed
    ? `,\n  resource.global_name AS resource_id,\n  resource.name AS resource_name,\n  ` +
      `CAST(${exactDecimal('price.tier_start_amount')} AS STRING) AS tier_start`
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
  CAST(SUM(${exactDecimal('cost')}) AS STRING) AS cost,
  CAST(SUM(IFNULL((SELECT SUM(${exactDecimal('c.amount')}) FROM UNNEST(credits) AS c), 0)) AS STRING) AS credits,
  CAST(SUM(${exactDecimal('usage.amount_in_pricing_units')}) AS STRING) AS pricing_quantity,
  ANY_VALUE(usage.pricing_unit) AS pricing_unit
FROM \`${table}\`
WHERE (_PARTITIONTIME >= TIMESTAMP(DATE_SUB(@from, INTERVAL ${PARTITION_LEAD_DAYS} DAY)) OR _PARTITIONTIME IS NULL)
  AND DATE(usage_start_time) >= @from AND DATE(usage_start_time) < @to
GROUP BY day, billing_account_id, service, service_id, sku_id, project_id, project_name, region${resourceGroup},
  currency, labels
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
    const tiers = this.client.detailed
      ? ', priced at the tier each line was billed in'
      : ', priced at the first non-zero tier';
    return [
      {
        call: 'bigquery jobs.query + getQueryResults',
        window,
        detail:
          `daily totals by service, SKU, project, region${this.client.detailed ? ', resource' : ''}, labels ` +
          `from ${this.client.table}, partitions loaded since ${addDays(window.from, -PARTITION_LEAD_DAYS)} ` +
          `(bytes scanned are billed by BigQuery)`,
        minRequests: 1,
      },
      {
        call: 'cloudbilling services.skus.list',
        window,
        detail:
          `list prices for ListCost: one paged SKU list per service in the export${tiers} ` +
          `(a refused Catalog leaves ListCost empty)`,
        minRequests: 0,
      },
    ];
  }

  async check(): Promise<{ identity: string }> {
    const billing = await gcpCheck(this.client);
    const account = billing.billingAccount
      ? `, ${billing.billingAccount} (${billing.projects} projects)`
      : ', project has no billing account';
    return { identity: `${this.client.identity}, table ${this.client.table}${account}` };
  }

  async *fetch(window: DayWindow, progress: FetchProgress): AsyncGenerator<CostRow[]> {
    const { bigquery } = this.client;
    let pages = 0;
    let rows = 0;
    try {
      this.apiRequests++;
      const first = await bigquery.query(
        {
          query: exportQuery(this.client.table, this.client.detailed),
          params: { from: BigQuery.date(window.from), to: BigQuery.date(window.to) },
          maxResults: PAGE_ROWS,
          useLegacySql: false,
        },
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
        const q = next as {
          pageToken?: string;
          job?: { getQueryResults(o: object): Promise<[unknown[], unknown]> };
        } | null;
        if (!q?.pageToken || !q.job || pages >= MAX_PAGES) break;
        this.apiRequests++;
        [data, next] = (await q.job.getQueryResults({
          ...q,
          autoPaginate: false,
          maxResults: PAGE_ROWS,
        })) as unknown as [unknown[], unknown];
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
  recommendationsConfigured: (config) => gcpRecommendationsConfigured(config),
  recommendations: (options) => createGcpRecommendations(options),
};
