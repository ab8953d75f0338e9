import type { Migration } from './index.js';

/** The design's schema, shaped for the gateway, spend controls, cloud costs and resilience modules. */
export const initial: Migration = {
  version: 1,
  name: 'initial schema',
  up: `
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at {{ts}} NOT NULL DEFAULT {{now}}
);

CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  org_id TEXT,
  name TEXT NOT NULL,
  created_at {{ts}} NOT NULL DEFAULT {{now}}
);

CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  team_id TEXT,
  org_id TEXT,
  name TEXT NOT NULL,
  created_at {{ts}} NOT NULL DEFAULT {{now}}
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  org_id TEXT,
  team_id TEXT,
  agent_id TEXT,
  user_id TEXT,
  created_at {{ts}} NOT NULL DEFAULT {{now}},
  expires_at {{ts}},
  revoked_at {{ts}},
  last_used_at {{ts}}
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);

CREATE TABLE model_pricing (
  id {{serial}},
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  token_class TEXT NOT NULL,
  min_context_tokens {{bigint}} NOT NULL DEFAULT 0,
  usd_per_mtok {{money}} NOT NULL,
  effective_from {{ts}} NOT NULL,
  source TEXT NOT NULL DEFAULT 'builtin',
  created_at {{ts}} NOT NULL DEFAULT {{now}},
  UNIQUE (provider, model, token_class, min_context_tokens, effective_from)
);
CREATE INDEX model_pricing_lookup ON model_pricing (provider, model, effective_from);

CREATE TABLE api_requests (
  id TEXT NOT NULL,
  ts {{ts}} NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  endpoint TEXT,
  org_id TEXT NOT NULL DEFAULT 'default',
  team_id TEXT NOT NULL DEFAULT 'default',
  agent_id TEXT NOT NULL DEFAULT 'default',
  user_id TEXT NOT NULL DEFAULT 'default',
  key_id TEXT,
  tags {{json}},
  input_tokens {{bigint}} NOT NULL DEFAULT 0,
  cached_input_tokens {{bigint}} NOT NULL DEFAULT 0,
  cache_write_5m_tokens {{bigint}} NOT NULL DEFAULT 0,
  cache_write_1h_tokens {{bigint}} NOT NULL DEFAULT 0,
  output_tokens {{bigint}} NOT NULL DEFAULT 0,
  reasoning_tokens {{bigint}} NOT NULL DEFAULT 0,
  tool_prompt_tokens {{bigint}} NOT NULL DEFAULT 0,
  cost_usd {{money}},
  latency_ms INTEGER,
  ttfb_ms INTEGER,
  status_code INTEGER,
  streamed {{bool}} NOT NULL DEFAULT {{false}},
  estimated {{bool}} NOT NULL DEFAULT {{false}},
  error_class TEXT,
  PRIMARY KEY (id, ts)
);
CREATE INDEX api_requests_ts ON api_requests (ts);
CREATE INDEX api_requests_org_ts ON api_requests (org_id, ts);
CREATE INDEX api_requests_team_ts ON api_requests (team_id, ts);
CREATE INDEX api_requests_agent_ts ON api_requests (agent_id, ts);
CREATE INDEX api_requests_model_ts ON api_requests (model, ts);

CREATE TABLE usage_hourly (
  hour {{ts}} NOT NULL,
  org_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  requests {{bigint}} NOT NULL DEFAULT 0,
  errors {{bigint}} NOT NULL DEFAULT 0,
  unpriced_requests {{bigint}} NOT NULL DEFAULT 0,
  input_tokens {{bigint}} NOT NULL DEFAULT 0,
  cached_input_tokens {{bigint}} NOT NULL DEFAULT 0,
  cache_write_tokens {{bigint}} NOT NULL DEFAULT 0,
  output_tokens {{bigint}} NOT NULL DEFAULT 0,
  reasoning_tokens {{bigint}} NOT NULL DEFAULT 0,
  cost_usd {{money}} NOT NULL DEFAULT '0',
  PRIMARY KEY (hour, org_id, team_id, agent_id, user_id, provider, model)
);

CREATE TABLE budgets (
  id TEXT PRIMARY KEY,
  name TEXT,
  scope TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  provider TEXT,
  model TEXT,
  limit_usd {{money}} NOT NULL,
  period TEXT NOT NULL,
  rolling_seconds {{bigint}},
  timezone TEXT NOT NULL DEFAULT 'UTC',
  hard {{bool}} NOT NULL DEFAULT {{true}},
  alert_thresholds {{json}},
  webhook_url TEXT,
  created_at {{ts}} NOT NULL DEFAULT {{now}},
  updated_at {{ts}} NOT NULL DEFAULT {{now}}
);
CREATE INDEX budgets_scope ON budgets (scope, entity_id);

CREATE TABLE budget_alerts (
  id TEXT PRIMARY KEY,
  budget_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  threshold_pct INTEGER,
  period_start {{ts}},
  spent_usd {{money}},
  limit_usd {{money}},
  details {{json}},
  created_at {{ts}} NOT NULL DEFAULT {{now}}
);
CREATE INDEX budget_alerts_budget ON budget_alerts (budget_id, created_at);

CREATE TABLE rate_limits (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  limit_value {{bigint}} NOT NULL,
  window_seconds INTEGER NOT NULL DEFAULT 60,
  created_at {{ts}} NOT NULL DEFAULT {{now}}
);

CREATE TABLE cloud_costs (
  provider TEXT NOT NULL,
  source TEXT NOT NULL,
  ingest_run_id TEXT,
  billing_account_id TEXT,
  sub_account_id TEXT,
  sub_account_name TEXT,
  charge_period_start {{ts}} NOT NULL,
  charge_period_end {{ts}} NOT NULL,
  usage_date {{date}} NOT NULL,
  charge_category TEXT,
  charge_description TEXT,
  service_name TEXT,
  service_category TEXT,
  resource_id TEXT,
  resource_name TEXT,
  resource_type TEXT,
  region_id TEXT,
  sku_id TEXT,
  pricing_quantity {{decimal}},
  pricing_unit TEXT,
  consumed_quantity {{decimal}},
  consumed_unit TEXT,
  billed_cost {{money}} NOT NULL,
  effective_cost {{money}},
  list_cost {{money}},
  contracted_cost {{money}},
  billing_currency TEXT NOT NULL DEFAULT 'USD',
  tags {{json}}
);
CREATE INDEX cloud_costs_period ON cloud_costs (charge_period_start);
CREATE INDEX cloud_costs_source_period ON cloud_costs (source, charge_period_start);
CREATE INDEX cloud_costs_service ON cloud_costs (provider, service_name, charge_period_start);
CREATE INDEX cloud_costs_account ON cloud_costs (sub_account_id, charge_period_start);

CREATE TABLE ingest_runs (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  provider TEXT NOT NULL,
  window_from {{date}},
  window_to {{date}},
  status TEXT NOT NULL,
  started_at {{ts}} NOT NULL,
  finished_at {{ts}},
  rows_written {{bigint}} NOT NULL DEFAULT 0,
  requests_made INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  details {{json}}
);
CREATE INDEX ingest_runs_source ON ingest_runs (source, started_at);

CREATE TABLE currency_rates (
  currency TEXT PRIMARY KEY,
  usd_per_unit {{decimal}} NOT NULL,
  updated_at {{ts}} NOT NULL DEFAULT {{now}}
);

CREATE TABLE optimization_recommendations (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  account_id TEXT,
  resource_id TEXT,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  details {{json}},
  estimated_monthly_savings_usd {{money}},
  status TEXT NOT NULL DEFAULT 'open',
  created_at {{ts}} NOT NULL DEFAULT {{now}},
  updated_at {{ts}} NOT NULL DEFAULT {{now}}
);

CREATE TABLE governance_policies (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  definition {{json}} NOT NULL,
  severity TEXT NOT NULL DEFAULT 'medium',
  enabled {{bool}} NOT NULL DEFAULT {{true}},
  created_at {{ts}} NOT NULL DEFAULT {{now}},
  updated_at {{ts}} NOT NULL DEFAULT {{now}}
);

CREATE TABLE policy_violations (
  id TEXT PRIMARY KEY,
  policy_id TEXT NOT NULL REFERENCES governance_policies (id) ON DELETE CASCADE,
  resource_id TEXT,
  details {{json}},
  detected_at {{ts}} NOT NULL DEFAULT {{now}},
  resolved_at {{ts}}
);

CREATE TABLE backup_jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  cluster_context TEXT,
  velero_namespace TEXT,
  phase TEXT,
  params {{json}},
  started_at {{ts}} NOT NULL DEFAULT {{now}},
  finished_at {{ts}},
  duration_ms {{bigint}},
  exit_code INTEGER,
  error TEXT
);
CREATE INDEX backup_jobs_started ON backup_jobs (started_at);

CREATE TABLE backup_records (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  cluster_context TEXT NOT NULL DEFAULT '',
  velero_namespace TEXT NOT NULL,
  phase TEXT,
  schedule_name TEXT,
  storage_location TEXT,
  included_namespaces {{json}},
  items_backed_up {{bigint}},
  total_items {{bigint}},
  errors INTEGER,
  warnings INTEGER,
  started_at {{ts}},
  completed_at {{ts}},
  expires_at {{ts}},
  observed_at {{ts}} NOT NULL DEFAULT {{now}},
  UNIQUE (cluster_context, velero_namespace, kind, name)
);

CREATE TABLE dr_plans (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  definition {{json}} NOT NULL,
  status TEXT NOT NULL DEFAULT 'active',
  last_result {{json}},
  created_at {{ts}} NOT NULL DEFAULT {{now}},
  updated_at {{ts}} NOT NULL DEFAULT {{now}}
);
`,
  // Time-series tables become hypertables where TimescaleDB is installed in the database; plain tables otherwise.
  postgresAfter: `
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM create_hypertable('api_requests', 'ts', if_not_exists => TRUE, migrate_data => TRUE);
    PERFORM create_hypertable('cloud_costs', 'charge_period_start', if_not_exists => TRUE, migrate_data => TRUE);
  END IF;
END
$$;
`,
};
