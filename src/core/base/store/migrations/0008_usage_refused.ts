import type { Migration } from './index.js';

/**
 * Calls refused by oco itself (a budget or a rate limit: error_class 'refused') get their own
 * count in the hourly rollups; until now they were counted as errors, which read as failures of
 * the provider. Hours whose calls are still in api_requests are split exactly; refusals of hours
 * already compacted out of api_requests cannot be told apart and stay in errors.
 */
const SPLIT = (sameHour: string) => `
UPDATE usage_hourly SET
  refused = (SELECT COUNT(*) FROM api_requests r WHERE r.error_class = 'refused' AND ${sameHour}
    AND r.org_id = usage_hourly.org_id AND r.team_id = usage_hourly.team_id AND r.agent_id = usage_hourly.agent_id
    AND r.user_id = usage_hourly.user_id AND r.provider = usage_hourly.provider AND r.model = usage_hourly.model),
  errors = errors - (SELECT COUNT(*) FROM api_requests r WHERE r.error_class = 'refused' AND ${sameHour}
    AND r.org_id = usage_hourly.org_id AND r.team_id = usage_hourly.team_id AND r.agent_id = usage_hourly.agent_id
    AND r.user_id = usage_hourly.user_id AND r.provider = usage_hourly.provider AND r.model = usage_hourly.model)
WHERE errors > 0;
`;

export const usageRefused: Migration = {
  version: 8,
  name: 'usage_hourly: refused calls counted apart from errors',
  up: `
ALTER TABLE usage_hourly ADD COLUMN refused {{bigint}} NOT NULL DEFAULT 0;
`,
  // The hour of a call, per engine: TEXT ISO timestamps in SQLite, TIMESTAMPTZ in PostgreSQL.
  sqliteAfter: SPLIT(`substr(r.ts, 1, 13) = substr(usage_hourly.hour, 1, 13)`),
  postgresAfter: SPLIT(`r.ts >= usage_hourly.hour AND r.ts < usage_hourly.hour + interval '1 hour'`),
};
