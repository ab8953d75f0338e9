import type { Migration } from './index.js';

/**
 * Managed admin keys and the spend-request filters (issue #17, "Admin HTTP API").
 * - admin_keys: keys of the admin API with a scope (read: GET only; write: everything), stored like virtual
 *   keys (SHA-256 of the secret and a short prefix that finds the row through an index); the secret is shown
 *   once. The configured admin key (admin.apiKey) is not a row: it keeps write access.
 * - api_requests (key_id, ts, id): `spend requests --key` walks one key's calls newest first. agent, team and
 *   model have their (column, ts) indexes from 0001.
 * - api_requests (ts, id) replaces (ts): the listing's order is (ts DESC, id DESC), so with the id in the index
 *   SQLite walks it backwards and stops at the page's end instead of sorting every matching row; provider,
 *   status, min-cost and since/until filter along that walk. The count of indexes on api_requests (each one
 *   costs every recorded call an insert) grows by one, the key's.
 */
export const adminKeys: Migration = {
  version: 23,
  name: 'admin_keys; api_requests (key_id, ts, id) and (ts, id)',
  up: `
CREATE TABLE admin_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  scope TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at {{ts}} NOT NULL,
  revoked_at {{ts}},
  last_used_at {{ts}}
);
CREATE INDEX admin_keys_prefix ON admin_keys (prefix);
CREATE INDEX api_requests_key_ts ON api_requests (key_id, ts, id);
DROP INDEX api_requests_ts;
CREATE INDEX api_requests_ts_id ON api_requests (ts, id);
`,
};
