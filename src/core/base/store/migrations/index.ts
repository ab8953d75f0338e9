import { initial } from './0001_initial.js';
import { cloudCosts } from './0003_cloud_costs.js';
import { resilience } from './0004_resilience.js';
import { spendControls } from './0005_spend_controls.js';
import { costIndexes } from './0006_cost_indexes.js';
import { spendGuarantees } from './0007_spend_guarantees.js';
import { usageRefused } from './0008_usage_refused.js';
import { cloudCostsRollup } from './0009_cloud_costs_rollup.js';
import { routing } from './0010_routing.js';
import { fallbacks } from './0011_fallbacks.js';
import { responseCache } from './0012_response_cache.js';
import { upstreams } from './0013_upstreams.js';
import { routePolicies } from './0014_route_policies.js';
import { costAnomalies } from './0015_cost_anomalies.js';
import { policies } from './0016_policies.js';
import { recommendations } from './0017_recommendations.js';
import { importedRecommendations } from './0018_imported_recommendations.js';
import { usageDaily } from './0019_usage_daily.js';
import { keyLifecycle } from './0020_key_lifecycle.js';
import { requestHash } from './0021_request_hash.js';
import { teamsOrgs } from './0022_teams_orgs.js';
import { adminKeys } from './0023_admin_keys.js';
import { alertDestinations } from './0024_alert_destinations.js';
import { cloudCostsResourceIndex } from './0025_cloud_costs_resource_index.js';
import { rateLimitNarrowing } from './0026_rate_limit_narrowing.js';

export interface Migration {
  version: number;
  name: string;
  /** DDL template with type tokens (see ddl.ts), applied to both engines. */
  up: string;
  /** Extra statements for PostgreSQL only (extensions, hypertables, engine-specific data fixes). */
  postgresAfter?: string;
  /** Extra statements for SQLite only (engine-specific data fixes). */
  sqliteAfter?: string;
}

/** The one migration history, in order. Append only: an applied migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  cloudCosts,
  resilience,
  spendControls,
  costIndexes,
  spendGuarantees,
  usageRefused,
  cloudCostsRollup,
  routing,
  fallbacks,
  responseCache,
  upstreams,
  routePolicies,
  costAnomalies,
  policies,
  recommendations,
  importedRecommendations,
  usageDaily,
  keyLifecycle,
  requestHash,
  teamsOrgs,
  adminKeys,
  alertDestinations,
  cloudCostsResourceIndex,
  rateLimitNarrowing,
];
