import type { GetCostAndUsageCommandOutput, GroupDefinition } from '@aws-sdk/client-cost-explorer';
import { emptyRow, type CostRow } from '../../model.js';
import { requireDecimal } from '../../values.js';
import type { CategoryMapper } from '../../focus/categories.js';

type Page = Pick<GetCostAndUsageCommandOutput, 'ResultsByTime' | 'GroupDefinitions' | 'DimensionValueAttributes'>;

/** Where a GroupBy key's value goes in a row, by dimension; TAG and COST_CATEGORY become tags. */
const DIMENSION_FIELD: Record<string, keyof CostRow> = {
  SERVICE: 'serviceName',
  LINKED_ACCOUNT: 'subAccountId',
  REGION: 'regionId',
  RESOURCE_ID: 'resourceId',
  USAGE_TYPE: 'skuId',
  RECORD_TYPE: 'chargeCategory',
};

/** Cost Explorer RECORD_TYPE values as FOCUS ChargeCategory, when grouped by it. */
const RECORD_TYPE_CATEGORY: Record<string, string> = {
  Usage: 'Usage',
  Credit: 'Credit',
  Refund: 'Credit',
  Tax: 'Tax',
  Fee: 'Purchase',
  'Recurring Fee': 'Purchase',
  'Savings Plan Recurring Fee': 'Purchase',
  'Savings Plan Upfront Fee': 'Purchase',
  'Savings Plan Covered Usage': 'Usage',
  'Savings Plan Negation': 'Credit',
  DiscountedUsage: 'Usage',
  'RI Fee': 'Purchase',
  Support: 'Purchase',
};

/**
 * A GetCostAndUsage page as rows: one row per day and group. Amounts are strings in the
 * response and stay decimal text. UnblendedCost is what is billed; NetAmortizedCost (or
 * AmortizedCost when net is absent) is FOCUS EffectiveCost. TAG keys come as "key$value",
 * "key$" meaning untagged (no tag is stored for it).
 */
export function normaliseAwsPage(page: Page, mapper: CategoryMapper, billingAccountId: string | null): CostRow[] {
  const defs: GroupDefinition[] = page.GroupDefinitions ?? [];
  const names = new Map<string, string>();
  for (const a of page.DimensionValueAttributes ?? [])
    if (a.Value && a.Attributes?.description) names.set(a.Value, a.Attributes.description);
  const rows: CostRow[] = [];
  for (const period of page.ResultsByTime ?? []) {
    const start = period.TimePeriod?.Start;
    const end = period.TimePeriod?.End;
    if (!start || !end) continue;
    const groups = period.Groups?.length
      ? period.Groups
      : period.Total && Object.keys(period.Total).length
        ? [{ Keys: [], Metrics: period.Total }]
        : [];
    for (const g of groups) {
      const m = g.Metrics ?? {};
      const billed = m.UnblendedCost;
      if (!billed?.Amount) continue;
      const row = emptyRow();
      row.chargePeriodStart = `${start}T00:00:00.000Z`;
      row.chargePeriodEnd = `${end}T00:00:00.000Z`;
      row.usageDate = start;
      row.billingAccountId = billingAccountId;
      row.billedCost = requireDecimal(billed.Amount, 'UnblendedCost.Amount');
      row.billingCurrency = billed.Unit ?? 'USD';
      const eff = m.NetAmortizedCost?.Amount ?? m.AmortizedCost?.Amount;
      row.effectiveCost = eff === undefined ? null : requireDecimal(eff, 'AmortizedCost.Amount');
      if (m.UsageQuantity?.Amount !== undefined) {
        row.consumedQuantity = requireDecimal(m.UsageQuantity.Amount, 'UsageQuantity.Amount');
        row.consumedUnit = m.UsageQuantity.Unit && m.UsageQuantity.Unit !== 'N/A' ? m.UsageQuantity.Unit : null;
      }
      const tags: Record<string, string> = {};
      (g.Keys ?? []).forEach((key, i) => {
        const def = defs[i];
        if (!def) return;
        if (def.Type === 'TAG' || def.Type === 'COST_CATEGORY') {
          const at = key.indexOf('$');
          const value = at >= 0 ? key.slice(at + 1) : key;
          if (value !== '') tags[def.Type === 'TAG' ? def.Key! : `costCategory:${def.Key}`] = value;
          return;
        }
        const field = DIMENSION_FIELD[def.Key ?? ''];
        if (!field) return;
        // Cost Explorer groups costs that belong to no resource under the literal "NoResourceId".
        const value =
          def.Key === 'RECORD_TYPE'
            ? (RECORD_TYPE_CATEGORY[key] ?? 'Adjustment')
            : def.Key === 'RESOURCE_ID' && key === 'NoResourceId'
              ? null
              : key;
        (row as unknown as Record<string, string | null>)[field] = value;
      });
      if (Object.keys(tags).length) row.tags = JSON.stringify(tags);
      // Without RECORD_TYPE, the sign is the best FOCUS category there is: negative lines are credits and refunds.
      row.chargeCategory ??= row.billedCost.startsWith('-') ? 'Credit' : 'Usage';
      if (row.subAccountId) row.subAccountName = names.get(row.subAccountId) ?? null;
      row.serviceCategory = mapper.category(row.serviceName);
      if (period.Estimated) row.extra = '{"x_Estimated":"true"}';
      rows.push(row);
    }
  }
  return rows;
}
