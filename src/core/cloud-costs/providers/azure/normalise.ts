import { Money } from '../../../base/money.js';
import { azureNamespace, type CategoryMapper } from '../../focus/categories.js';
import { emptyRow, addDays, type CostRow } from '../../model.js';
import { requireDecimal } from '../../values.js';

export interface QueryColumn {
  name: string;
  type: string;
}

/** A Query API result page with number literals kept as their source text (see parseExactJson). */
export interface QueryPage {
  properties?: { nextLink?: string | null; columns?: QueryColumn[]; rows?: unknown[][] };
}

/**
 * JSON.parse that keeps every number literal as the text it was sent as. The Query API
 * sends costs as JSON floats: 0.1 parsed to a double and printed again can come back
 * with binary noise or lose digits past the 17th; the source text is the exact amount.
 */
export function parseExactJson(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === 'number' && context?.source !== undefined ? context.source : value,
  );
}

/** Grouping dimension → where it goes in a row. */
export const AZURE_GROUP_FIELD: Record<string, keyof CostRow | 'x_ResourceGroup' | 'x_MeterCategory'> = {
  ServiceName: 'serviceName',
  ResourceId: 'resourceId',
  ResourceGroupName: 'x_ResourceGroup',
  ResourceLocation: 'regionId',
  MeterCategory: 'x_MeterCategory',
  SubscriptionId: 'subAccountId',
  SubscriptionName: 'subAccountName',
};

/** A day cell: 20260701 (number) or "2026-07-01T00:00:00" (string) depending on the API version. */
function dayOf(v: unknown): string {
  const s = String(v);
  if (/^\d{8}$/.test(s)) return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) return s.slice(0, 10);
  throw new Error(`UsageDate ${JSON.stringify(v)} is not a date`);
}

export interface AzureCell {
  day: string;
  currency: string;
  groups: Record<string, string | null>;
  cost: string;
}

/** Rows of one page as cells keyed by column name: positional rows[][] follow columns[]. */
export function cellsOf(page: QueryPage): AzureCell[] {
  const cols = page.properties?.columns ?? [];
  const idx = (names: string[]) => cols.findIndex((c) => names.includes(c.name));
  const costAt = idx(['Cost', 'PreTaxCost', 'CostUSD', 'totalCost']);
  const dayAt = idx(['UsageDate']);
  const curAt = idx(['Currency', 'BillingCurrency']);
  if (costAt < 0 || dayAt < 0)
    throw new Error(
      `the Query API result has no ${costAt < 0 ? 'Cost' : 'UsageDate'} column ` +
        `(columns: ${cols.map((c) => c.name).join(', ')})`,
    );
  const groupCols = cols
    .map((c, i) => ({ name: c.name, i }))
    .filter((c) => c.i !== costAt && c.i !== dayAt && c.i !== curAt);
  return (page.properties?.rows ?? []).map((r) => ({
    day: dayOf(r[dayAt]),
    currency: curAt >= 0 ? String(r[curAt]) : 'USD',
    groups: Object.fromEntries(
      groupCols.map((g) => [g.name, r[g.i] === null || r[g.i] === '' ? null : String(r[g.i])]),
    ),
    cost: requireDecimal(r[costAt], 'Cost'),
  }));
}

/**
 * ActualCost (billed) and AmortizedCost (effective) cells merged into one row per day,
 * group and currency. A key present in only one of them costs 0 in the other: a
 * reservation purchase is billed but amortised away, its daily share is amortised but not billed.
 */
export function mergeAzure(
  actual: AzureCell[],
  amortized: AzureCell[],
  mapper: CategoryMapper,
  scope: string,
): CostRow[] {
  const byKey = new Map<string, { cell: AzureCell; billed: Money; effective: Money }>();
  const keyOf = (c: AzureCell) => JSON.stringify([c.day, c.currency, c.groups]);
  for (const [cells, which] of [
    [actual, 'billed'],
    [amortized, 'effective'],
  ] as const) {
    for (const c of cells) {
      const k = keyOf(c);
      let e = byKey.get(k);
      if (!e) byKey.set(k, (e = { cell: c, billed: new Money(0), effective: new Money(0) }));
      e[which] = e[which].plus(c.cost);
    }
  }
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? null;
  const billingAccount = /billingAccounts\/([^/]+)/i.exec(scope)?.[1] ?? null;
  const rows: CostRow[] = [];
  for (const { cell, billed, effective } of byKey.values()) {
    const row = emptyRow();
    row.chargePeriodStart = `${cell.day}T00:00:00.000Z`;
    row.chargePeriodEnd = `${addDays(cell.day, 1)}T00:00:00.000Z`;
    row.usageDate = cell.day;
    row.billingCurrency = cell.currency;
    row.billedCost = billed.toFixed();
    row.effectiveCost = effective.toFixed();
    row.billingAccountId = billingAccount;
    const extra: Record<string, string> = {};
    for (const [name, value] of Object.entries(cell.groups)) {
      const field = AZURE_GROUP_FIELD[name];
      if (!field || value === null) continue;
      if (field.startsWith('x_')) extra[field] = value;
      else (row as unknown as Record<string, string>)[field] = value;
    }
    row.subAccountId ??=
      (row.resourceId ? /^\/subscriptions\/([^/]+)/i.exec(row.resourceId)?.[1] : undefined) ?? subscription;
    if (!extra.x_ResourceGroup && row.resourceId) {
      const rg = /\/resourcegroups\/([^/]+)/i.exec(row.resourceId)?.[1];
      if (rg) extra.x_ResourceGroup = rg;
    }
    row.chargeCategory = billed.isNegative() ? 'Credit' : 'Usage';
    row.serviceCategory = mapper.category(azureNamespace(row.resourceId), row.serviceName);
    if (Object.keys(extra).length) row.extra = JSON.stringify(extra);
    rows.push(row);
  }
  return rows;
}
