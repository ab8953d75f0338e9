import type { Migration } from './index.js';

/**
 * Routing strategies chosen per virtual key and per team (`oco route set`). One row per subject:
 * scope `key` names an api_keys id, scope `team` a team id as attribution spells it. The daemon
 * reads the whole table every few seconds; a request never queries it.
 */
export const routePolicies: Migration = {
  version: 14,
  name: 'route_policies: routing strategy per virtual key and per team',
  up: `
CREATE TABLE route_policies (
  scope TEXT NOT NULL,
  subject TEXT NOT NULL,
  strategy TEXT NOT NULL,
  updated_at {{ts}} NOT NULL,
  PRIMARY KEY (scope, subject)
);
`,
};
