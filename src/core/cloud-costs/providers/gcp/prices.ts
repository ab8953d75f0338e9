import type { CloudCatalogClient } from '@google-cloud/billing';
import { Money } from '../../../base/money.js';
import { requireDecimal } from '../../values.js';
import type { GcpExportRow, RowListPrice } from './normalise.js';

/**
 * ListCost for GCP rows from the Cloud Billing Catalog API (public list prices).
 *
 * One `services.skus.list` pager per distinct (service, billing currency) of the run, each
 * page its own request (counted), cached for the run. Prices are asked for in the row's
 * billing currency (`currencyCode`), so the Catalog does the USD conversion at Google's
 * rate and no float rate ever multiplies a cost here.
 *
 * Tiers: Catalog tiers are graduated over the SKU's aggregation period (usually a month
 * for the whole account), so a day's usage alone cannot say which tier it was billed in.
 * - The detailed export records the tier each line was priced in (`price.tier_start_amount`):
 *   the row is priced at the Catalog tier whose range holds that start amount.
 * - Without it (standard export, lines before May 2023), the first tier with a non-zero
 *   price is used: free tiers are allowances, not the SKU's price; a SKU free in every tier
 *   lists at 0.
 * The list price is today's (the Catalog's latest pricing), not the price on the usage day.
 *
 * A refused (401/403) or unreachable Catalog does not fail the ingest: ListCost stays empty
 * for the rest of the run and the run reports a warning.
 */

const PAGE_SIZE = 5000;
/** Compute Engine has tens of thousands of SKUs; 200 pages of 5,000 is ten times that. */
const MAX_PAGES = 200;
const REQUEST_TIMEOUT_MS = 30_000;

export interface TierRate {
  /** Start of the tier in the pricing unit (Catalog `startUsageAmount`), decimal text. */
  start: string;
  /** Price per pricing unit, decimal text (google.type.Money units + nanos). */
  unitPrice: string;
  currency: string;
}

export interface SkuPrice {
  usageUnit: string;
  usageUnitDescription: string;
  tiers: TierRate[];
}

/** The Catalog JSON as the REST client returns it (int64 as string, doubles as numbers). */
interface CatalogMoney {
  currencyCode?: string | null;
  units?: string | number | { toString(): string } | null;
  nanos?: number | null;
}
interface CatalogSku {
  skuId?: string | null;
  pricingInfo?: Array<{
    pricingExpression?: {
      usageUnit?: string | null;
      usageUnitDescription?: string | null;
      tieredRates?: Array<{ startUsageAmount?: number | null; unitPrice?: CatalogMoney | null }> | null;
    } | null;
  }> | null;
}

/** google.type.Money as exact decimal text: units + nanos / 10^9 (both carry the sign). */
export function moneyToDecimal(m: CatalogMoney | null | undefined): string {
  const units = m?.units === null || m?.units === undefined ? '0' : String(m.units);
  const nanos = m?.nanos ?? 0;
  if (!/^-?\d+$/.test(units) || !Number.isInteger(nanos) || Math.abs(nanos) >= 1e9) {
    throw new Error(`not a google.type.Money: units ${JSON.stringify(m?.units)}, nanos ${JSON.stringify(m?.nanos)}`);
  }
  return new Money(units).plus(new Money(nanos).dividedBy(1e9)).toFixed();
}

/**
 * startUsageAmount is a proto double; the values are whole or short decimals (0, 1024, 0.5)
 * whose shortest text is the value Google wrote.
 */
function startText(n: number | null | undefined): string {
  if (n === null || n === undefined) return '0';
  if (!Number.isFinite(n)) throw new Error(`startUsageAmount is not finite: ${n}`);
  return new Money(String(n)).toFixed();
}

/** The latest pricing of a Catalog SKU (pricingInfo is chronological), or undefined when it has no tiers. */
export function skuPrice(sku: CatalogSku): SkuPrice | undefined {
  const info = sku.pricingInfo?.at(-1);
  const expr = info?.pricingExpression;
  const rates = expr?.tieredRates ?? [];
  if (!expr || rates.length === 0) return undefined;
  const tiers = rates
    .map((r) => ({
      start: startText(r.startUsageAmount),
      unitPrice: moneyToDecimal(r.unitPrice),
      currency: r.unitPrice?.currencyCode ?? '',
    }))
    // The API sorts tiers by start amount; sorting again keeps the tier lookup right if it ever did not.
    .sort((a, b) => new Money(a.start).comparedTo(b.start));
  return { usageUnit: expr.usageUnit ?? '', usageUnitDescription: expr.usageUnitDescription ?? '', tiers };
}

/**
 * The tier a row is priced at: with the export's tier start, the last tier starting at or
 * below it; without, the first tier with a non-zero price (or the first tier when all are free).
 */
export function tierFor(price: SkuPrice, tierStart: string | null | undefined): TierRate | undefined {
  if (tierStart !== null && tierStart !== undefined && tierStart !== '') {
    const at = new Money(tierStart);
    let found: TierRate | undefined;
    for (const t of price.tiers) if (at.greaterThanOrEqualTo(t.start)) found = t;
    return found;
  }
  return price.tiers.find((t) => !new Money(t.unitPrice).isZero()) ?? price.tiers[0];
}

const sameUnit = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

type Skip = 'sku' | 'unit' | 'currency' | 'tier';
const SKIP_TEXT: Record<Skip, string> = {
  sku: 'SKU not in the Catalog',
  unit: 'pricing unit differs from the Catalog',
  currency: 'Catalog price in another currency',
  tier: 'no Catalog tier holds the export tier',
};

interface CatalogFailure {
  status: number | string;
  message: string;
}

export class CatalogPrices {
  /** Catalog requests made (each page of each pager). */
  requests = 0;
  /** (service id, currency) → SKU id → price; null when that service's SKUs could not be read. */
  private readonly cache = new Map<string, Map<string, SkuPrice> | null>();
  /** Set once the Catalog refuses us or cannot be reached: no more calls this run. */
  private disabled: CatalogFailure | undefined;
  private readonly failedServices = new Map<string, CatalogFailure>();
  private readonly truncated = new Set<string>();
  private readonly skipped: Record<Skip, number> = { sku: 0, unit: 0, currency: 0, tier: 0 };
  private unpriced = 0;

  constructor(private readonly catalog: CloudCatalogClient) {}

  /** Reads the SKUs of every (service, currency) of these rows not read yet. */
  async load(rows: readonly GcpExportRow[]): Promise<void> {
    for (const r of rows) {
      if (this.disabled) return;
      if (!r.service_id || !r.sku_id) continue;
      const key = cacheKey(r.service_id, r.currency);
      if (this.cache.has(key)) continue;
      this.cache.set(key, await this.readService(r.service_id, r.currency));
    }
  }

  /** The row's list price, or null (counted for the run's warning) when there is none to give. */
  price(r: GcpExportRow): RowListPrice | null {
    if (!r.service_id || !r.sku_id || r.pricing_quantity === null || !r.pricing_unit) return null;
    const skus = this.cache.get(cacheKey(r.service_id, r.currency));
    // Service not read (Catalog refused or failed): the warning says so once, not per row.
    if (!skus) {
      this.unpriced++;
      return null;
    }
    const skip = (why: Skip) => {
      this.skipped[why]++;
      this.unpriced++;
      return null;
    };
    const price = skus.get(r.sku_id);
    if (!price) return skip('sku');
    // Quantity and price must be in the same unit, or the product means nothing.
    if (!sameUnit(r.pricing_unit, price.usageUnitDescription) && !sameUnit(r.pricing_unit, price.usageUnit))
      return skip('unit');
    const tier = tierFor(price, r.tier_start ? requireDecimal(r.tier_start, 'price.tier_start_amount') : null);
    if (!tier) return skip('tier');
    if (tier.currency && tier.currency !== r.currency) return skip('currency');
    const quantity = requireDecimal(r.pricing_quantity, 'usage.amount_in_pricing_units');
    return {
      listCost: new Money(quantity).times(tier.unitPrice).toFixed(),
      unitPrice: tier.unitPrice,
      tierStart: tier.start,
    };
  }

  /** What the run summary should say about list prices; empty when every row got one. */
  warnings(): string[] {
    const out: string[] = [];
    if (this.disabled) {
      out.push(
        `list prices unavailable: Cloud Billing Catalog API ${this.disabled.status}: ${this.disabled.message}; ` +
          `ListCost left empty on ${this.unpriced} rows`,
      );
    }
    if (this.failedServices.size) {
      const list = [...this.failedServices].slice(0, 5).map(([s, f]) => `${s} (${f.status}: ${f.message})`);
      const more = this.failedServices.size > 5 ? ` and ${this.failedServices.size - 5} more` : '';
      out.push(`no list prices for service ${list.join(', ')}${more}`);
    }
    if (this.truncated.size)
      out.push(`Catalog SKU list cut at ${MAX_PAGES} pages for ${[...this.truncated].join(', ')}`);
    const reasons = (Object.keys(this.skipped) as Skip[])
      .filter((k) => this.skipped[k] > 0)
      .map((k) => `${this.skipped[k]} ${SKIP_TEXT[k]}`);
    if (this.unpriced && !this.disabled) {
      out.push(`${this.unpriced} rows without ListCost${reasons.length ? ` (${reasons.join(', ')})` : ''}`);
    }
    return out;
  }

  private async readService(serviceId: string, currency: string): Promise<Map<string, SkuPrice> | null> {
    const skus = new Map<string, SkuPrice>();
    let pageToken: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES) {
        this.truncated.add(serviceId);
        break;
      }
      let items: CatalogSku[];
      let next: { pageToken?: string | null } | null | undefined;
      try {
        this.requests++;
        [items, next] = (await this.catalog.listSkus(
          {
            parent: `services/${serviceId}`,
            currencyCode: currency,
            pageSize: PAGE_SIZE,
            ...(pageToken ? { pageToken } : {}),
          },
          { autoPaginate: false, timeout: REQUEST_TIMEOUT_MS },
        )) as unknown as [CatalogSku[], { pageToken?: string | null } | null];
      } catch (err) {
        const f = catalogFailure(err);
        // Refused or unreachable: every other service would fail the same way.
        if (f.disablesRun) this.disabled = f;
        else this.failedServices.set(serviceId, f);
        return null;
      }
      for (const sku of items ?? []) {
        if (!sku.skuId) continue;
        try {
          const p = skuPrice(sku);
          if (p) skus.set(sku.skuId, p);
        } catch {
          // A malformed price on one SKU leaves that SKU unpriced (counted), not the service.
        }
      }
      pageToken = next?.pageToken ?? undefined;
      if (!pageToken) break;
    }
    return skus;
  }
}

const cacheKey = (serviceId: string, currency: string) => `${serviceId}\u0000${currency}`;

/**
 * The status and Google's message of a Catalog error (the REST transport hands back the
 * response body as the message), never the request: its config carries the bearer token.
 */
function catalogFailure(err: unknown): CatalogFailure & { disablesRun: boolean } {
  const e = err as {
    code?: number | string;
    status?: number | string;
    message?: string;
    response?: { data?: unknown };
  };
  if (typeof e.code === 'string' && /^E[A-Z]+/.test(e.code)) {
    return { status: 'unreachable', message: `cannot connect: ${e.code}`, disablesRun: true };
  }
  let body: { error?: { code?: number; status?: string; message?: string } } | undefined;
  const data = e.response?.data;
  if (data && typeof data === 'object') body = data as typeof body;
  else {
    try {
      body = JSON.parse(typeof data === 'string' ? data : (e.message ?? '')) as typeof body;
    } catch {
      body = undefined;
    }
  }
  const http =
    body?.error?.code ??
    (typeof e.code === 'number' && e.code >= 100 ? e.code : typeof e.status === 'number' ? e.status : undefined);
  const grpc = typeof e.code === 'number' && e.code < 100 ? e.code : undefined;
  const status = [http, body?.error?.status].filter(Boolean).join(' ') || String(e.code ?? 'error');
  const message = (body?.error?.message ?? e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  // Only "this service" errors (unknown or malformed service id) spare the other services; a
  // refusal (401/403: API not enabled on the key's project, no permission), throttling or
  // Google's side failing would fail every other call the same way.
  const serviceOnly =
    http === 400 ||
    http === 404 ||
    body?.error?.status === 'NOT_FOUND' ||
    body?.error?.status === 'INVALID_ARGUMENT' ||
    grpc === 3 ||
    grpc === 5;
  const disablesRun = !serviceOnly;
  return { status, message, disablesRun };
}
