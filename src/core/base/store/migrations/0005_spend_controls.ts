import type { Migration } from './index.js';

/**
 * Spend controls: the ledger of admitted calls (the source of truth that Redis
 * counters and in-process counters are rebuilt from), budget resets, and the
 * uniqueness that makes each alert threshold fire once per period even with
 * several daemons.
 */
export const spendControls: Migration = {
  version: 5,
  name: 'spend controls',
  up: `
CREATE TABLE spend_events (
  request_id TEXT PRIMARY KEY,
  ts {{ts}} NOT NULL,
  expires_at {{ts}} NOT NULL,
  state TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  org_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  key_id TEXT,
  tags TEXT NOT NULL DEFAULT ',',
  reserved_usd {{money}} NOT NULL,
  cost_usd {{money}},
  updated_at {{ts}} NOT NULL DEFAULT {{now}}
);
CREATE INDEX spend_events_ts ON spend_events (ts);
CREATE INDEX spend_events_state ON spend_events (state, expires_at);
CREATE INDEX spend_events_org_ts ON spend_events (org_id, ts);
CREATE INDEX spend_events_team_ts ON spend_events (team_id, ts);
CREATE INDEX spend_events_agent_ts ON spend_events (agent_id, ts);
CREATE INDEX spend_events_key_ts ON spend_events (key_id, ts);

ALTER TABLE budgets ADD COLUMN reset_at {{ts}};
CREATE UNIQUE INDEX budgets_identity ON budgets (scope, entity_id, COALESCE(provider, ''), COALESCE(model, ''));

ALTER TABLE budget_alerts ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX budget_alerts_dedupe ON budget_alerts (dedupe_key);

CREATE UNIQUE INDEX rate_limits_identity ON rate_limits (scope, entity_id, kind);
`,
};
