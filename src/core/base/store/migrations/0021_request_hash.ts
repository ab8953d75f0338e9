import type { Migration } from './index.js';

/**
 * api_requests.request_hash: a SHA-256 of the client's body on the unified routes (hex, never the
 * body), on the first attempt of each call. Two calls with the same hash, org, provider and model
 * asked the same thing, so the `enable-cache` recommendation can tell which calls the response cache
 * would have answered. NULL on passthrough calls (the cache does not serve them), fallback attempts and
 * calls recorded before this column. No index: the rule reads a window of api_requests by time.
 */
export const requestHash: Migration = {
  version: 21,
  name: 'api_requests.request_hash',
  up: `
ALTER TABLE api_requests ADD COLUMN request_hash TEXT;
`,
};
