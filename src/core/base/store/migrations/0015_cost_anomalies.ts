import type { Migration } from './index.js';

/**
 * Cost anomalies (`oco anomalies`): one row per anomaly of one daily series, cloud or LLM. An
 * anomaly lasting several days is one row whose last_day and impact move (the unique key is the
 * series, the kind and the first day), so a re-run updates instead of duplicating, and a webhook
 * goes out once per row (notified_at).
 */
export const costAnomalies: Migration = {
  version: 15,
  name: 'cost_anomalies',
  up: `
CREATE TABLE cost_anomalies (
  id TEXT PRIMARY KEY,
  domain TEXT NOT NULL,
  dimension TEXT NOT NULL,
  series_key TEXT NOT NULL,
  labels {{json}} NOT NULL,
  kind TEXT NOT NULL,
  first_day {{date}} NOT NULL,
  last_day {{date}} NOT NULL,
  currency TEXT NOT NULL,
  actual {{money}} NOT NULL,
  expected {{money}} NOT NULL,
  impact {{money}} NOT NULL,
  score {{decimal}},
  detected_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL,
  notified_at {{ts}}
);
CREATE UNIQUE INDEX cost_anomalies_identity ON cost_anomalies (series_key, kind, first_day);
CREATE INDEX cost_anomalies_last_day ON cost_anomalies (last_day);
`,
};
