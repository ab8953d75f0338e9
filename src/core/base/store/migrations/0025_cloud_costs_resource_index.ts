import type { Migration } from './index.js';

/**
 * The report's last cloud drill-down level (provider → service → account → resource) is the one read of raw
 * cloud_costs: cloud_costs_daily has no resource column. Without an index on the path it scanned every row of the
 * period (seconds at a million rows); (provider, service_name, sub_account_id, usage_date) turns it into one index
 * range per period. Migration 0006 dropped a (provider, service_name, charge_period_start) index that no query
 * used; this one is used, and keyed on usage_date, the column the report's periods cut on.
 */
export const cloudCostsResourceIndex: Migration = {
  version: 25,
  name: 'cloud_costs: index for the resource drill-down',
  up: `
CREATE INDEX cloud_costs_drill ON cloud_costs (provider, service_name, sub_account_id, usage_date);
`,
};
