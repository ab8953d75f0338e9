import type { Migration } from './index.js';

/**
 * Recommendations (`oco optimize`): optimization_recommendations (since 0001) gets the columns of
 * the one normalised model every rule produces (shaped like AWS Cost Optimization Hub's): the rule,
 * resource type and region, rationale, savings per month in the cost's own currency (kind keeps the
 * action), confidence, effort, restart and rollback, and a fingerprint (provider, account, resource,
 * action) that is unique, so a re-run updates instead of duplicating. details holds the evidence.
 * Every status change is a row of optimization_recommendation_history, with its reason and time.
 */
export const recommendations: Migration = {
  version: 17,
  name: 'recommendations',
  up: `
ALTER TABLE optimization_recommendations ADD COLUMN fingerprint TEXT;
ALTER TABLE optimization_recommendations ADD COLUMN rule_id TEXT;
ALTER TABLE optimization_recommendations ADD COLUMN domain TEXT;
ALTER TABLE optimization_recommendations ADD COLUMN resource_type TEXT;
ALTER TABLE optimization_recommendations ADD COLUMN region TEXT;
ALTER TABLE optimization_recommendations ADD COLUMN rationale TEXT;
ALTER TABLE optimization_recommendations ADD COLUMN currency TEXT;
ALTER TABLE optimization_recommendations ADD COLUMN estimated_monthly_savings {{money}};
ALTER TABLE optimization_recommendations ADD COLUMN key_figure {{money}};
ALTER TABLE optimization_recommendations ADD COLUMN confidence {{decimal}};
ALTER TABLE optimization_recommendations ADD COLUMN effort TEXT;
ALTER TABLE optimization_recommendations ADD COLUMN restart_needed {{bool}};
ALTER TABLE optimization_recommendations ADD COLUMN rollback_possible {{bool}};
ALTER TABLE optimization_recommendations ADD COLUMN status_reason TEXT;
ALTER TABLE optimization_recommendations ADD COLUMN last_seen_at {{ts}};
CREATE UNIQUE INDEX optimization_recommendations_fingerprint ON optimization_recommendations (fingerprint);
CREATE INDEX optimization_recommendations_status ON optimization_recommendations (status);

CREATE TABLE optimization_recommendation_history (
  id {{serial}},
  recommendation_id TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  at {{ts}} NOT NULL
);
CREATE INDEX optimization_recommendation_history_rec ON optimization_recommendation_history (recommendation_id, at);
`,
};
