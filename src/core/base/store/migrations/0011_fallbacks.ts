import type { Migration } from './index.js';

/**
 * Fallbacks on the unified endpoint: per model (as a client names it), the ordered models tried when
 * it answers 429 or 5xx, times out or cannot be reached. `fallbacks` is a JSON array of model names.
 * The daemon re-reads the table every few seconds, so a change applies without a restart.
 */
export const fallbacks: Migration = {
  version: 11,
  name: 'route_fallbacks: ordered fallback models per model',
  up: `
CREATE TABLE route_fallbacks (
  model TEXT PRIMARY KEY,
  fallbacks TEXT NOT NULL,
  updated_at {{ts}} NOT NULL
);
`,
};
