import type { Migration } from './index.js';

/**
 * cloud_costs keeps only the indexes a query uses: (source, charge_period_start) for
 * window replacement, overlap detection and per-source counts, and (charge_period_start)
 * for the FOCUS export's order. The (provider, service_name, …) and (sub_account_id, …)
 * indexes of 0001 served no query (reports group over a usage_date range), yet every
 * import paid to build them: about half of a large SQLite load's index work.
 */
export const costIndexes: Migration = {
  version: 6,
  name: 'cloud_costs: drop the unused service and account indexes',
  up: `
DROP INDEX IF EXISTS cloud_costs_service;
DROP INDEX IF EXISTS cloud_costs_account;
`,
};
