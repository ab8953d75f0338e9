import type { Migration } from './index.js';

/**
 * Kubernetes resilience: DR policies are unique by name (apply updates them in
 * place); status and health read the newest records and jobs of a kind.
 */
export const resilience: Migration = {
  version: 4,
  name: 'resilience',
  up: `
CREATE UNIQUE INDEX dr_plans_policy_name ON dr_plans (name) WHERE kind = 'policy';
CREATE INDEX dr_plans_kind ON dr_plans (kind, created_at);
CREATE INDEX backup_records_phase ON backup_records (kind, phase, completed_at);
CREATE INDEX backup_jobs_kind ON backup_jobs (kind, name, started_at);
`,
};
