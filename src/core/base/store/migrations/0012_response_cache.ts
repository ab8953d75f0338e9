import type { Migration } from './index.js';

/**
 * The response cache of the unified endpoint. `response_cache` holds answers, never requests:
 * the key is a SHA-256 over the normalised request, provider, model and org, and the row keeps
 * that hash, the org, provider and model, the answer as the client received it, its size, what
 * the original call cost (the saving a hit makes; NULL when unknown) and its times.
 * `semantic_cache` (the opt-in semantic cache) holds, per entry, an embedding vector of the request's text
 * (derived from the prompt, though not the prompt), the org and a hash of the request's other fields.
 * Each call records whether it was a cache hit or miss and what a hit saved; the hourly rollups
 * count hits and misses and sum the known savings, so summaries read them without api_requests.
 */
export const responseCache: Migration = {
  version: 12,
  name: 'response_cache; api_requests and usage_hourly: cache hits, misses and savings',
  up: `
CREATE TABLE response_cache (
  key_hash TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  body_bytes {{bigint}} NOT NULL,
  cost_usd {{money}},
  created_at {{ts}} NOT NULL,
  expires_at {{ts}} NOT NULL
);
CREATE INDEX response_cache_created ON response_cache (created_at);
CREATE INDEX response_cache_org_model ON response_cache (org_id, model);
CREATE TABLE semantic_cache (
  key_hash TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  scope_hash TEXT NOT NULL,
  vector TEXT NOT NULL,
  created_at {{ts}} NOT NULL,
  expires_at {{ts}} NOT NULL
);
CREATE INDEX semantic_cache_scope ON semantic_cache (org_id, scope_hash);
ALTER TABLE api_requests ADD COLUMN cache TEXT;
ALTER TABLE api_requests ADD COLUMN cache_savings_usd {{money}};
ALTER TABLE usage_hourly ADD COLUMN cache_hits {{bigint}} NOT NULL DEFAULT 0;
ALTER TABLE usage_hourly ADD COLUMN cache_misses {{bigint}} NOT NULL DEFAULT 0;
ALTER TABLE usage_hourly ADD COLUMN unknown_cache_savings_requests {{bigint}} NOT NULL DEFAULT 0;
ALTER TABLE usage_hourly ADD COLUMN cache_savings_usd {{money}} NOT NULL DEFAULT '0';
`,
};
