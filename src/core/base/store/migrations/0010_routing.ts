import type { Migration } from './index.js';

/**
 * Smart routing on the unified endpoint: each call records the model the client asked for, the
 * model it was routed to (null when not routed) and what routing saved (null when unknown, never
 * 0). The hourly rollups count routed calls and sum their known savings, so spend summaries show
 * both without reading api_requests.
 */
export const routing: Migration = {
  version: 10,
  name: 'api_requests and usage_hourly: routed model and savings',
  up: `
ALTER TABLE api_requests ADD COLUMN original_model TEXT;
ALTER TABLE api_requests ADD COLUMN routed_model TEXT;
ALTER TABLE api_requests ADD COLUMN savings_usd {{money}};
ALTER TABLE usage_hourly ADD COLUMN routed_requests {{bigint}} NOT NULL DEFAULT 0;
ALTER TABLE usage_hourly ADD COLUMN unknown_savings_requests {{bigint}} NOT NULL DEFAULT 0;
ALTER TABLE usage_hourly ADD COLUMN savings_usd {{money}} NOT NULL DEFAULT '0';
`,
};
