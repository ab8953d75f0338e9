import type { Migration } from './index.js';

/**
 * Virtual-key lifecycle and allow-lists (issue #17, first slice).
 * - api_keys.allowed_models / allowed_providers: JSON arrays of patterns (NULL: no restriction of its own).
 * - api_keys.metadata: a JSON object of free-form strings shown in `keys list/get`.
 * - api_keys.blocked_at: a reversible refusal (revoked_at stays final).
 * - api_keys.previous_key_hash / previous_prefix / previous_valid_until: the secret a rotation replaced,
 *   accepted until its grace ends; both secrets resolve to the same key id, so spend stays on one key.
 * - entity_allow_lists: allow-lists of teams and orgs keyed by their attribution label (there is no managed
 *   team or org object yet); a call must pass its key's, its team's and its org's lists.
 */
export const keyLifecycle: Migration = {
  version: 20,
  name: 'api_keys lifecycle and allow-lists',
  up: `
ALTER TABLE api_keys ADD COLUMN allowed_models TEXT;
ALTER TABLE api_keys ADD COLUMN allowed_providers TEXT;
ALTER TABLE api_keys ADD COLUMN metadata TEXT;
ALTER TABLE api_keys ADD COLUMN blocked_at {{ts}};
ALTER TABLE api_keys ADD COLUMN previous_key_hash TEXT;
ALTER TABLE api_keys ADD COLUMN previous_prefix TEXT;
ALTER TABLE api_keys ADD COLUMN previous_valid_until {{ts}};
ALTER TABLE api_keys ADD COLUMN updated_at {{ts}};
CREATE INDEX api_keys_previous_prefix ON api_keys (previous_prefix);
CREATE TABLE entity_allow_lists (
  scope TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  allowed_models TEXT,
  allowed_providers TEXT,
  updated_at {{ts}} NOT NULL,
  PRIMARY KEY (scope, entity_id)
);
`,
};
