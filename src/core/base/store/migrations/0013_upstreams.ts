import type { Migration } from './index.js';

/**
 * The upstream registry (`oco route providers add`): OpenAI-compatible providers addressed as
 * NAME/model, and extra deployments of the built-in providers that calls are spread over by
 * weight. A row holds the NAME of the environment variable with the key, never a key. Each call
 * records which deployment served it (null: the built-in default, or a call made before this).
 */
export const upstreams: Migration = {
  version: 13,
  name: 'upstreams registry and api_requests.deployment',
  up: `
CREATE TABLE upstreams (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  base_url TEXT NOT NULL,
  key_env TEXT,
  models TEXT,
  weight INTEGER NOT NULL DEFAULT 1,
  created_at {{ts}} NOT NULL DEFAULT {{now}}
);
ALTER TABLE api_requests ADD COLUMN deployment TEXT;
`,
};
