import type { OcoConfig } from '../../base/config/resolve.js';
import type { Candidate } from '../../base/recommend/model.js';
import type { CostRow, DayWindow, CloudProvider } from '../model.js';

export interface FetchProgress {
  onPage?: (info: { pages: number; requests: number; rows: number }) => void;
  logger?: { warn(msg: string): void };
}

/** One planned API call sequence, for --dry-run and the run record. */
export interface PlanStep {
  call: string;
  window: DayWindow;
  detail: string;
  /** Requests it makes at least (pages are not known before the first response). */
  minRequests: number;
  /** Requests that cost money, per request (AWS Cost Explorer: $0.01). */
  usdPerRequest?: string;
}

/**
 * The shape every provider folder shares: client.ts builds an authenticated SDK client
 * from the standard credentials, fetch.ts pages through the API, normalise.ts maps a page
 * to CostRows. This is what the ingest orchestrator sees of them.
 */
export interface CostSourceRun {
  readonly provider: CloudProvider;
  /** Rows are replaced per source and window: the source name is the provider name. */
  readonly source: string;
  /**
   * The part of a window the provider's API can serve, with a warning for each part left
   * out (AWS: Cost Explorer keeps 13 months of history). Only that part is fetched and
   * replaced, so rows stored earlier for the rest are kept. Throws a UsageError when the
   * API can serve none of it. Absent: the whole window.
   */
  available?(window: DayWindow, now?: Date): { window: DayWindow; warnings: string[] };
  plan(window: DayWindow): PlanStep[];
  /** Validates credentials without fetching costs (oco costs sources). */
  check(): Promise<{ identity: string }>;
  fetch(window: DayWindow, progress: FetchProgress): AsyncGenerator<CostRow[]>;
  /** HTTP requests made so far (AWS: each is billed). */
  readonly requests: number;
  /** Service keys with no ServiceCategory mapping, reported once per run. */
  readonly unmapped: ReadonlySet<string>;
  /** Things the run could not do but did not fail for (GCP: list prices the Catalog would not give). */
  readonly warnings?: readonly string[];
  close(): void;
}

export interface ProviderOptions {
  config: OcoConfig;
  /** Provider-specific flags from the command (group-by choices, scope, table). */
  flags?: Record<string, unknown>;
}

/** Whether a provider is configured, judged without a network call (credentials may still be wrong: check() says). */
export interface ConfiguredStatus {
  configured: boolean;
  /** Where the credentials come from, for `oco costs sources` (never a secret). */
  via: string;
  missing?: string;
  /** Only credentials are unseen, and the SDK's chain may still find some (an instance role). */
  credentialsOnly?: boolean;
}

/**
 * A provider's own recommendation service through its SDK (recommendations.ts in the provider's folder):
 * AWS Cost Optimization Hub, Azure Advisor, GCP Recommender. Its findings are normalised to the one
 * recommendation model; resource ids are spelled as the provider's cost rows spell them, so that oco's
 * own finding for the same resource and action merges with the imported one.
 */
export interface RecommendationSourceRun {
  readonly provider: CloudProvider;
  /** Names the import in the store and in each recommendation's sources, e.g. "aws-cost-optimization-hub". */
  readonly source: string;
  /** Every cost-saving recommendation the provider holds now; paging, throttling and retries are inside. */
  fetch(progress: FetchProgress): Promise<Candidate[]>;
  /** HTTP requests made so far. */
  readonly requests: number;
  /** What the import could not do but did not fail for (a location or category it was refused). */
  readonly warnings: readonly string[];
  close(): void;
}

export interface ProviderDescriptor {
  provider: CloudProvider;
  configured(config: OcoConfig, flags?: Record<string, unknown>): ConfiguredStatus;
  create(options: ProviderOptions): CostSourceRun;
  /** Whether the provider's recommendation service is configured (it may need other settings than costs). */
  recommendationsConfigured?(config: OcoConfig, flags?: Record<string, unknown>): ConfiguredStatus;
  recommendations?(options: ProviderOptions): RecommendationSourceRun;
}
