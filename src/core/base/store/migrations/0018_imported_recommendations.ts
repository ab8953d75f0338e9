import type { Migration } from './index.js';

/**
 * Recommendations imported from the providers' own services (`oco optimize import`: AWS Cost Optimization
 * Hub, Azure Advisor, GCP Recommender): one row per normalised candidate, per source. An import replaces
 * its source's rows in one transaction, as a cost ingest replaces a source's window, so what the provider
 * no longer recommends disappears; the recommendation run reads them from here (no network), and the
 * lifecycle of optimization_recommendations applies to them as to oco's own findings.
 */
export const importedRecommendations: Migration = {
  version: 18,
  name: 'imported_recommendations',
  up: `
CREATE TABLE imported_recommendations (
  id {{serial}},
  source TEXT NOT NULL,
  provider TEXT NOT NULL,
  account_id TEXT,
  resource_id TEXT,
  action TEXT NOT NULL,
  currency TEXT NOT NULL,
  monthly_savings {{money}},
  candidate {{json}} NOT NULL,
  fetched_at {{ts}} NOT NULL
);
CREATE INDEX imported_recommendations_source ON imported_recommendations (source);
`,
};
