import type { Migration } from './index.js';

/**
 * Governance policies (`oco policy`). The two tables 0001 created were never written by any
 * version (no command used them), so they are replaced rather than altered: a policy keeps its
 * validated definition and a severity of info|warning|critical; a violation is one policy's
 * finding about one subject (an account, a service, a team…) with a fingerprint (policy +
 * subject) that is unique while the violation is open, so a re-run updates last_seen_at instead
 * of adding a row, and a violation that is gone is resolved, not deleted.
 */
export const policies: Migration = {
  version: 16,
  name: 'policies',
  up: `
DROP TABLE policy_violations;
DROP TABLE governance_policies;

CREATE TABLE governance_policies (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  definition {{json}} NOT NULL,
  severity TEXT NOT NULL,
  enabled {{bool}} NOT NULL DEFAULT {{true}},
  source_file TEXT,
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
);

CREATE TABLE policy_violations (
  id TEXT PRIMARY KEY,
  policy_id TEXT NOT NULL REFERENCES governance_policies (id) ON DELETE CASCADE,
  fingerprint TEXT NOT NULL,
  subject TEXT NOT NULL,
  labels {{json}} NOT NULL,
  severity TEXT NOT NULL,
  status TEXT NOT NULL,
  message TEXT NOT NULL,
  evidence {{json}} NOT NULL,
  opened_at {{ts}} NOT NULL,
  last_seen_at {{ts}} NOT NULL,
  resolved_at {{ts}}
);
CREATE UNIQUE INDEX policy_violations_open ON policy_violations (fingerprint) WHERE status = 'open';
CREATE INDEX policy_violations_policy ON policy_violations (policy_id, status);
`,
};
