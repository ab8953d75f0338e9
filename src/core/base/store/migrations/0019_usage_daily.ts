import type { Migration } from './index.js';

/**
 * usage_daily: the recorder's daily sums per org, team, agent, user, virtual key ('' when the call used none),
 * provider and model; usage_daily_tags: the same sums per tag (a call counts once under each of its distinct tags,
 * an untagged call under ''), so a tag cut is bounded by the 32 tags a call may carry. Both are kept in the
 * transaction that writes the calls and usage_hourly (write.ts), so spend summaries and the report's LLM view read
 * ~24× fewer rows than usage_hourly and can be cut by key and tag, which usage_hourly cannot. Existing calls are
 * summed in from api_requests (the same counting as write.ts: refused apart from errors, unpriced calls not in
 * cost_usd, savings only of routed calls and cache hits).
 */
// The text below must render exactly as it was first applied (its checksum is recorded).
const COUNTERS = `
  requests {{bigint}} NOT NULL DEFAULT 0,
  errors {{bigint}} NOT NULL DEFAULT 0,
  refused {{bigint}} NOT NULL DEFAULT 0,
  unpriced_requests {{bigint}} NOT NULL DEFAULT 0,
  input_tokens {{bigint}} NOT NULL DEFAULT 0,
  cached_input_tokens {{bigint}} NOT NULL DEFAULT 0,
  cache_write_tokens {{bigint}} NOT NULL DEFAULT 0,
  output_tokens {{bigint}} NOT NULL DEFAULT 0,
  reasoning_tokens {{bigint}} NOT NULL DEFAULT 0,
  cost_usd {{money}} NOT NULL DEFAULT '0',
  routed_requests {{bigint}} NOT NULL DEFAULT 0,
  unknown_savings_requests {{bigint}} NOT NULL DEFAULT 0,
  savings_usd {{money}} NOT NULL DEFAULT '0',
  cache_hits {{bigint}} NOT NULL DEFAULT 0,
  cache_misses {{bigint}} NOT NULL DEFAULT 0,
  unknown_cache_savings_requests {{bigint}} NOT NULL DEFAULT 0,
  cache_savings_usd {{money}} NOT NULL DEFAULT '0'`;

const COUNTER_COLUMNS =
  'requests, errors, refused, unpriced_requests, input_tokens, cached_input_tokens, cache_write_tokens, ' +
  'output_tokens, reasoning_tokens, cost_usd, routed_requests, unknown_savings_requests, savings_usd, cache_hits, ' +
  'cache_misses, unknown_cache_savings_requests, cache_savings_usd';

const ROUTED = `(r.routed_model IS NOT NULL AND r.routed_model <> '')`;
const FAILED = `(r.error_class IS NOT NULL AND r.error_class <> '')`;
const SUMS = `COUNT(*),
  SUM(CASE WHEN r.error_class = 'refused' THEN 0 WHEN r.status_code >= 400 OR ${FAILED} THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.error_class = 'refused' THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.cost_usd IS NULL THEN 1 ELSE 0 END),
  SUM(r.input_tokens + r.tool_prompt_tokens), SUM(r.cached_input_tokens),
  SUM(r.cache_write_5m_tokens + r.cache_write_1h_tokens), SUM(r.output_tokens), SUM(r.reasoning_tokens),
  COALESCE(__SUM__(r.cost_usd), 0),
  SUM(CASE WHEN ${ROUTED} THEN 1 ELSE 0 END),
  SUM(CASE WHEN ${ROUTED} AND r.savings_usd IS NULL THEN 1 ELSE 0 END),
  COALESCE(__SUM__(CASE WHEN ${ROUTED} THEN r.savings_usd END), 0),
  SUM(CASE WHEN r.cache = 'hit' THEN 1 ELSE 0 END), SUM(CASE WHEN r.cache = 'miss' THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.cache = 'hit' AND r.cache_savings_usd IS NULL THEN 1 ELSE 0 END),
  COALESCE(__SUM__(CASE WHEN r.cache = 'hit' THEN r.cache_savings_usd END), 0)`;

const DIMS = 'org_id, team_id, agent_id, user_id, key_id, provider, model';
const R_DIMS = `r.org_id, r.team_id, r.agent_id, r.user_id, COALESCE(r.key_id, ''), r.provider, r.model`;

/** The back-fill of both tables, with the engine's UTC day, exact sum and tag list. */
function backfill(day: string, sum: string, tagsFrom: string, tag: string): string {
  const sums = SUMS.replaceAll('__SUM__', sum);
  return `
INSERT INTO usage_daily (day, ${DIMS}, ${COUNTER_COLUMNS})
SELECT ${day}, ${R_DIMS}, ${sums}
FROM api_requests r GROUP BY ${day}, ${R_DIMS};
INSERT INTO usage_daily_tags (day, tag, ${DIMS}, ${COUNTER_COLUMNS})
SELECT ${day}, ${tag}, ${R_DIMS}, ${sums}
FROM ${tagsFrom} GROUP BY ${day}, ${tag}, ${R_DIMS};
`;
}

export const usageDaily: Migration = {
  version: 19,
  name: 'usage_daily and usage_daily_tags: daily LLM spend by key and tag',
  up: `
CREATE TABLE usage_daily (
  day {{date}} NOT NULL,
  org_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,${COUNTERS},
  PRIMARY KEY (day, org_id, team_id, agent_id, user_id, key_id, provider, model)
);
CREATE TABLE usage_daily_tags (
  day {{date}} NOT NULL,
  tag TEXT NOT NULL,
  org_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,${COUNTERS},
  PRIMARY KEY (day, tag, org_id, team_id, agent_id, user_id, key_id, provider, model)
);
`,
  // One row per (call, distinct tag); a call without tags once, under ''.
  sqliteAfter: backfill(
    'substr(r.ts, 1, 10)',
    'decimal_sum',
    `api_requests r LEFT JOIN (SELECT DISTINCT a.id AS id, a.ts AS ts, j.value AS tag
       FROM api_requests a, json_each(CASE WHEN json_valid(a.tags) THEN a.tags ELSE '[]' END) j) t
     ON t.id = r.id AND t.ts = r.ts`,
    `COALESCE(t.tag, '')`,
  ),
  postgresAfter: backfill(
    `(r.ts AT TIME ZONE 'UTC')::date`,
    'SUM',
    `api_requests r LEFT JOIN LATERAL (SELECT DISTINCT j AS tag
       FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(r.tags) = 'array' THEN r.tags ELSE '[]' END) j) t
     ON TRUE`,
    `COALESCE(t.tag, '')`,
  ),
};
