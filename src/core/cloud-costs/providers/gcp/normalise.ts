import { Money } from '../../../base/money.js';
import type { CategoryMapper } from '../../focus/categories.js';
import { emptyRow, addDays, type CostRow } from '../../model.js';
import { requireDecimal } from '../../values.js';

/**
 * One aggregated row of the export query (every value a string: BigQuery sends them so, and we CAST money AS STRING).
 */
export interface GcpExportRow {
  day: string;
  billing_account_id: string | null;
  service: string | null;
  /** service.id: the Catalog service the SKU's list price is read from. */
  service_id: string | null;
  sku_id: string | null;
  project_id: string | null;
  project_name: string | null;
  region: string | null;
  resource_id?: string | null;
  resource_name?: string | null;
  currency: string;
  labels: string | null;
  cost: string;
  credits: string | null;
  pricing_quantity: string | null;
  pricing_unit: string | null;
  /** Detailed export only: price.tier_start_amount, the pricing tier the line was billed in. */
  tier_start?: string | null;
}

/** A row's list price as CatalogPrices gives it (prices.ts). */
export interface RowListPrice {
  listCost: string;
  unitPrice: string;
  tierStart: string;
}

/**
 * An export row as a cost row. Net cost = cost + sum(credits) (credits are negative):
 * that is what is invoiced and FOCUS BilledCost; gross cost and credits stay in x_ columns.
 * Labels arrive as [{key, value}] and become a flat Tags object. ListCost is the Catalog
 * list price of the row's usage (prices.ts), empty when there is none.
 */
export function normaliseGcpRow(r: GcpExportRow, mapper: CategoryMapper, list: RowListPrice | null = null): CostRow {
  const row = emptyRow();
  const gross = requireDecimal(r.cost, 'cost');
  const credits = r.credits === null ? '0' : requireDecimal(r.credits, 'credits');
  const net = new Money(gross).plus(credits).toFixed();
  row.chargePeriodStart = `${r.day}T00:00:00.000Z`;
  row.chargePeriodEnd = `${addDays(r.day, 1)}T00:00:00.000Z`;
  row.usageDate = r.day;
  row.billingAccountId = r.billing_account_id;
  row.subAccountId = r.project_id;
  row.subAccountName = r.project_name;
  row.serviceName = r.service;
  row.serviceCategory = mapper.category(r.service);
  row.skuId = r.sku_id;
  row.regionId = r.region;
  row.resourceId = r.resource_id ?? null;
  row.resourceName = r.resource_name ?? null;
  row.billingCurrency = r.currency;
  row.billedCost = net;
  row.effectiveCost = net;
  row.pricingQuantity =
    r.pricing_quantity === null ? null : requireDecimal(r.pricing_quantity, 'usage.amount_in_pricing_units');
  row.pricingUnit = r.pricing_unit;
  row.chargeCategory = new Money(net).isNegative() ? 'Credit' : 'Usage';
  if (r.labels) {
    const labels = JSON.parse(r.labels) as Array<{ key: string; value: string }>;
    if (labels.length) row.tags = JSON.stringify(Object.fromEntries(labels.map((l) => [l.key, l.value])));
  }
  row.listCost = list?.listCost ?? null;
  // FOCUS ListUnitPrice, and the tier it came from, so a ListCost can be checked by hand.
  row.extra = JSON.stringify({
    x_GrossCost: gross,
    x_Credits: credits,
    ...(list ? { ListUnitPrice: list.unitPrice, x_ListPriceTierStart: list.tierStart } : {}),
  });
  return row;
}
