/**
 * What the report reads from each wing, injected by the command and the daemon (base imports no wing): each spend
 * source answers over rollups only (usage_hourly, cloud_costs_daily); the last drill-down levels are the exceptions
 * each source names.
 */
import type { Store } from '../store/types.js';
import type { Amount, BackupsView, BudgetLine, DrillStep, Period, RecentPage } from './model.js';

/** One key's sums over a period, as the wing's own summary computes them. */
export interface SpendLine {
  key: string | null;
  costUsd: string | null;
  byCurrency: Amount[];
  requests?: number;
  unpricedRequests?: number;
}

export interface SpendSlice {
  rows: SpendLine[];
  total: Omit<SpendLine, 'key'>;
}

export interface SpendSource {
  /** Dimensions `--by` accepts for this view (`tag:KEY`: any tag:<key>). */
  dimensions: readonly string[];
  /** The drill-down levels, top first (a level's rows filter the next one). */
  drill: readonly string[];
  /** Dimensions without a daily rollup: their rows' trends are unknown (null), not 0. */
  noTrend?: readonly string[];
  /** The default dimension. */
  defaultBy: string;
  summary(store: Store, period: Period, by: string, path: DrillStep[]): Promise<SpendSlice>;
  /** USD per key and UTC day (null when unknown); `by` null: one series for the whole slice. */
  daily(
    store: Store,
    period: Period,
    by: string | null,
    path: DrillStep[],
  ): Promise<Array<{ key: string | null; day: string; costUsd: string | null }>>;
  /**
   * The period, the comparison and the trend in one pass (instead of summary twice and daily); `totalDaily` is the
   * whole slice's series when the rows' sum is not it (a call under two tags). A source that reads the extra periods
   * (`also`, the movers' weeks) in the same pass returns their slices in `also`, in order, and the period's currencies
   * without a rate in `missingRates`.
   */
  spend?(
    store: Store,
    period: Period,
    compare: Period,
    by: string,
    path: DrillStep[],
    also?: Period[],
  ): Promise<{
    now: SpendSlice;
    before: SpendSlice;
    daily: Array<{ key: string | null; day: string; costUsd: string | null }>;
    totalDaily?: Array<{ day: string; costUsd: string | null }>;
    also?: SpendSlice[];
    missingRates?: string[];
  }>;
  /** Currencies the slice holds without a USD rate (cloud). */
  missingRates?(store: Store, period: Period): Promise<string[]>;
}

export interface LlmSource extends SpendSource {
  budgets(store: Store, now: Date): Promise<Omit<BudgetLine, 'nearLimit'>[]>;
  /** The calls below the last level, newest first, keyset-paged (never an offset). */
  recent(store: Store, path: DrillStep[], page: { limit: number; cursor?: string }): Promise<RecentPage>;
}

export interface BackupsSource {
  status(store: Store, period: Period, now: Date): Promise<Omit<BackupsView, 'view'>>;
}

export interface ReportSources {
  llm?: LlmSource;
  cloud?: SpendSource;
  backups?: BackupsSource;
}
