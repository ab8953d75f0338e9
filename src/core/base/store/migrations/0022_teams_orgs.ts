import type { Migration } from './index.js';

/**
 * Teams and orgs as managed objects, and temporary budget raises (issue #17).
 * - entities: one row per managed team or org, keyed by (scope, name); the name is the attribution label
 *   calls already carry (api_keys.team_id / org_id, X-Team-ID / X-Org-ID), so budgets, rate limits and
 *   allow-lists keep matching by label. A team names its org (parent_org); the allow-lists stay in
 *   entity_allow_lists (the managed object's list is that row). default_* are what a key created in the
 *   team (or, failing that, its org) gets when it names no budget or rpm of its own.
 * - budgets.raise_usd / raise_until: a raise added to limit_usd until raise_until; past it the row is
 *   ignored (the limit falls back by itself, no job needed). Existing rows get NULL: no raise.
 */
export const teamsOrgs: Migration = {
  version: 22,
  name: 'teams and orgs, budget raises',
  up: `
CREATE TABLE entities (
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  parent_org TEXT,
  description TEXT,
  metadata TEXT,
  default_rpm INTEGER,
  default_budget_usd {{money}},
  default_budget_period TEXT,
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL,
  PRIMARY KEY (scope, name)
);
CREATE INDEX entities_parent_org ON entities (parent_org);
ALTER TABLE budgets ADD COLUMN raise_usd {{money}};
ALTER TABLE budgets ADD COLUMN raise_until {{ts}};
`,
};
