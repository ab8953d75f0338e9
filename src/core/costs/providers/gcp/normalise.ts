import { Money } from '../../../money.js';
import type { CategoryMapper } from '../../focus/categories.js';
import { emptyRow, addDays, type CostRow } from '../../model.js';
import { requireDecimal } from '../../values.js';

/** One aggregated row of the export query (every value a string: BigQuery sends them so, and we CAST money AS STRING). */
export interface GcpExportRow {
  day: string;
  billing_account_id: string | null;
  service: string | null;
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
}

/**
 * An export row as a cost row. Net cost = cost + sum(credits) (credits are negative):
 * that is what is invoiced and FOCUS BilledCost; gross cost and credits stay in x_ columns.
 * Labels arrive as [{key, value}] and become a flat Tags object.
 */
export function normaliseGcpRow(r: GcpExportRow, mapper: CategoryMapper): CostRow {
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
  row.pricingQuantity = r.pricing_quantity === null ? null : requireDecimal(r.pricing_quantity, 'usage.amount_in_pricing_units');
  row.pricingUnit = r.pricing_unit;
  row.chargeCategory = new Money(net).isNegative() ? 'Credit' : 'Usage';
  if (r.labels) {
    const labels = JSON.parse(r.labels) as Array<{ key: string; value: string }>;
    if (labels.length) row.tags = JSON.stringify(Object.fromEntries(labels.map((l) => [l.key, l.value])));
  }
  row.extra = JSON.stringify({ x_GrossCost: gross, x_Credits: credits });
  return row;
}
