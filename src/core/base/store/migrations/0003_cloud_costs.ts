import type { Migration } from './index.js';

/**
 * Cloud cost ingest: FOCUS columns that have no column of their own (and x_ custom
 * columns) kept verbatim in `extra` so an imported file exports back unchanged;
 * the design's field names as a view; ingest schedules.
 *
 * cost_usd in the view is the billed cost of USD rows only: other currencies are
 * converted by the reports with the rate the user set ("oco costs rates set"),
 * never silently, and SQLite has no exact multiplication in SQL.
 * No new index on cloud_costs: window deletes use (source, charge_period_start) from 0001,
 * and every extra index costs bulk imports about a fifth of their speed.
 */
export const cloudCosts: Migration = {
  version: 3,
  name: 'cloud cost ingest',
  up: `
ALTER TABLE cloud_costs ADD COLUMN extra {{json}};

CREATE VIEW cloud_costs_design AS
SELECT provider,
       service_name AS service,
       resource_id,
       region_id AS region,
       sub_account_id AS account_id,
       tags,
       usage_date AS date,
       CASE WHEN billing_currency = 'USD' THEN billed_cost END AS cost_usd,
       billed_cost AS cost,
       billing_currency AS currency,
       source
FROM cloud_costs;

CREATE TABLE cost_schedules (
  provider TEXT PRIMARY KEY,
  every_seconds INTEGER NOT NULL,
  lookback_days INTEGER NOT NULL DEFAULT 3,
  updated_at {{ts}} NOT NULL DEFAULT {{now}}
);
`,
};
