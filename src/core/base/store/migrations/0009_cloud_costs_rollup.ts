import type { Migration } from './index.js';

/**
 * cloud_costs_daily: exact daily sums of cloud_costs per source, provider, service, category,
 * account, region, currency and tag set, maintained by the cost writer in the transaction
 * that replaces a source's window (src/core/costs/rollup.ts). Cost summaries over a window
 * read it through (usage_date) instead of scanning cloud_costs, which since 0006 has no
 * index a GROUP BY over a date range could use; one small sort per import instead of an
 * index per dimension. (source, usage_date) serves the writer's replacement.
 * effective_cost is already COALESCE(EffectiveCost, BilledCost), as the reports define it;
 * list_cost is NULL for a group none of whose rows had a ListCost. Existing rows are summed in.
 */
// The text below must render exactly as it was first applied (its checksum is recorded), so the long
// lists are kept whole in constants.
const GROUP_COLUMNS =
  'usage_date, source, provider, service_name, service_category, sub_account_id, region_id, billing_currency, tags';
const SUMS =
  '{{sum_money}}(billed_cost), {{sum_money}}(COALESCE(effective_cost, billed_cost)), ' +
  '{{sum_money}}(list_cost), COUNT(*)';

export const cloudCostsRollup: Migration = {
  version: 9,
  name: 'cloud_costs_daily rollup for cost summaries',
  up: `
CREATE TABLE cloud_costs_daily (
  usage_date {{date}} NOT NULL,
  source TEXT NOT NULL,
  provider TEXT NOT NULL,
  service_name TEXT,
  service_category TEXT,
  sub_account_id TEXT,
  region_id TEXT,
  billing_currency TEXT NOT NULL,
  tags {{json}},
  billed_cost {{money}} NOT NULL,
  effective_cost {{money}} NOT NULL,
  list_cost {{money}},
  row_count {{bigint}} NOT NULL
);
CREATE INDEX cloud_costs_daily_day ON cloud_costs_daily (usage_date);
CREATE INDEX cloud_costs_daily_source ON cloud_costs_daily (source, usage_date);

INSERT INTO cloud_costs_daily (${GROUP_COLUMNS},
                               billed_cost, effective_cost, list_cost, row_count)
SELECT ${GROUP_COLUMNS},
       ${SUMS}
FROM cloud_costs
GROUP BY ${GROUP_COLUMNS};
`,
};
