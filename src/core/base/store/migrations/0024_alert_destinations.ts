import type { Migration } from './index.js';

/**
 * Alert destinations (`oco alerts destinations`): named Slack, Teams, email or signed-webhook targets. `settings`
 * holds only what is not secret (SMTP host, sender, recipients); each secret (a Slack or Teams webhook URL, an SMTP
 * password, a signing key) is a reference, `{"env": "VAR"}` or `{"file": true}` (the destination's entry in the
 * private state directory's alert-secrets.json, 0600), so no secret reaches the database. alert_routes sends one
 * budget's alerts to a destination other than the default; alert_digest is the weekly spend digest's schedule (one
 * row), last_sent_for the scheduled instant last claimed, so two daemons send a digest once.
 */
export const alertDestinations: Migration = {
  version: 24,
  name: 'alert_destinations, alert_routes and alert_digest',
  up: `
CREATE TABLE alert_destinations (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  settings {{json}} NOT NULL,
  secrets {{json}} NOT NULL,
  is_default {{bool}} NOT NULL DEFAULT {{false}},
  created_at {{ts}} NOT NULL,
  updated_at {{ts}} NOT NULL
);
CREATE TABLE alert_routes (
  budget_id TEXT PRIMARY KEY,
  destination TEXT NOT NULL,
  created_at {{ts}} NOT NULL
);
CREATE TABLE alert_digest (
  id TEXT PRIMARY KEY,
  weekday {{bigint}} NOT NULL,
  at_time TEXT NOT NULL,
  timezone TEXT NOT NULL,
  destination TEXT,
  created_at {{ts}} NOT NULL,
  last_sent_for {{ts}}
);
`,
};
