/**
 * The report model: one typed structure per view, built from the rollups by `build.ts` and rendered by the CLI as
 * text, CSV or Markdown (and, later, by the interactive view). Amounts are exact decimal strings; a figure oco cannot
 * know is null, never 0. Keys are field names only (no data-keyed maps), so the admin API can spell the same document
 * in snake_case and a saved report reads back whichever spelling it was saved in.
 */

export const VIEWS = ['llm', 'cloud', 'savings', 'policies', 'anomalies', 'backups'] as const;
export type View = (typeof VIEWS)[number];

/** The `format` field of every report document; a saved report with another one is refused by --compare-to. */
export const REPORT_FORMAT = 'oco-report/1';

/** Whole UTC days, [from, to): `to` is the day after the last one. */
export interface Period {
  from: string;
  to: string;
  days: number;
}

export interface Amount {
  currency: string;
  amount: string;
}

/** One step of a drill-down path: the dimension and the key chosen at that level. */
export interface DrillStep {
  by: string;
  key: string;
}

/** One key's spend over the period, with the previous period's and the daily trend. */
export interface SpendRow {
  key: string | null;
  /** In USD; null when a currency of this row has no rate (cloud) — unknown, not 0. */
  costUsd: string | null;
  /** Exact sums as billed, per currency (LLM spend is USD). */
  byCurrency: Amount[];
  /** LLM calls (null for cloud costs). */
  requests: number | null;
  /** LLM calls without a price: their cost is not in costUsd (null for cloud costs). */
  unpricedRequests: number | null;
  /** The comparison period's cost for the same key ('0' when the key had none there); null when unknown. */
  previousCostUsd: string | null;
  /** costUsd − previousCostUsd, signed; null when either is unknown. */
  deltaUsd: string | null;
  /** The change in percent of the previous cost, two decimals; null when the previous cost is 0 or unknown. */
  deltaPct: string | null;
  /** USD per day of the period, oldest first (the sparkline); null on a day whose cost is unknown. */
  trend: Array<string | null>;
}

export type SpendTotal = Omit<SpendRow, 'key'>;

export interface BudgetLine {
  id: string;
  name: string | null;
  scope: string;
  entityId: string;
  limitUsd: string;
  spentUsd: string;
  reservedUsd: string;
  remainingUsd: string;
  usedPct: number;
  resetsAt: string | null;
  state: string;
  /** At or above 80 % of the limit. */
  nearLimit: boolean;
}

interface SpendViewBase {
  /** The dimension the rows are cut by. */
  by: string;
  /** The drill-down path that led here (empty at the top). */
  path: DrillStep[];
  /** The next drill-down level below `by`, or null at the last one. */
  next: string | null;
  rows: SpendRow[];
  total: SpendTotal;
}

export interface LlmView extends SpendViewBase {
  view: 'llm';
  budgets: BudgetLine[];
}

/** A key whose cost moved most between the last 7 days of the period and the 7 before. */
export interface Mover {
  key: string | null;
  previousWeekUsd: string | null;
  lastWeekUsd: string | null;
  deltaUsd: string | null;
}

export interface CloudView extends SpendViewBase {
  view: 'cloud';
  /** Total USD per day of the period. */
  daily: Array<{ day: string; costUsd: string | null }>;
  movers: Mover[];
  /** Currencies without a configured rate: their rows have no USD figure. */
  missingRates: string[];
}

export interface SavingsItem {
  id: string;
  title: string;
  provider: string;
  action: string;
  currency: string;
  monthlySavings: string | null;
}

export interface SavingsView {
  view: 'savings';
  open: number;
  /** Known monthly savings of open recommendations, per currency. */
  monthlySavings: Amount[];
  /** Open recommendations whose saving is unknown (not in monthlySavings). */
  unknownSavings: number;
  /** Largest known savings first. */
  top: SavingsItem[];
}

export interface PoliciesView {
  view: 'policies';
  open: number;
  bySeverity: Array<{ severity: string; open: number }>;
  /** Most severe first. */
  top: Array<{ id: string; policy: string; severity: string; subject: string; message: string; openedAt: string }>;
}

export interface AnomaliesView {
  view: 'anomalies';
  /** Stored anomalies whose last day is in the period, newest first. */
  recent: Array<{
    id: string;
    domain: string;
    kind: string;
    series: string;
    firstDay: string;
    lastDay: string;
    currency: string;
    actual: string;
    expected: string;
    impact: string;
  }>;
}

export interface BackupsView {
  view: 'backups';
  /** The newest Completed backup per schedule, as last observed. */
  schedules: Array<{
    schedule: string;
    context: string;
    namespace: string;
    lastSuccessAt: string | null;
    lastPhase: string | null;
  }>;
  /** Backups observed Failed / PartiallyFailed / FailedValidation in the period, newest first. */
  failed: Array<{ name: string; schedule: string | null; phase: string; at: string | null }>;
  /** DR policies against their RPO, from the newest Completed backup of their schedule. */
  drPolicies: Array<{
    policy: string;
    rpo: string;
    lastBackupAt: string | null;
    ageSeconds: number | null;
    /** false also when no Completed backup of the policy was ever observed (nothing to restore). */
    withinRpo: boolean;
    nextRunAt: string | null;
  }>;
}

export interface ReportViews {
  llm?: LlmView;
  cloud?: CloudView;
  savings?: SavingsView;
  policies?: PoliciesView;
  anomalies?: AnomaliesView;
  backups?: BackupsView;
}

export interface Report {
  format: typeof REPORT_FORMAT;
  generatedAt: string;
  period: Period;
  /** What the deltas are against: the previous period of equal length, another period, or a saved report. */
  comparison: { kind: 'previous' | 'period' | 'file'; period: Period; file: string | null };
  views: ReportViews;
}

/** A page of the last drill-down level: the calls themselves, newest first, keyset-paged. */
export interface RecentRequest {
  id: string;
  ts: string;
  provider: string;
  model: string;
  teamId: string;
  agentId: string;
  userId: string;
  costUsd: string | null;
  inputTokens: number;
  outputTokens: number;
  statusCode: number | null;
}

export interface RecentPage {
  path: DrillStep[];
  requests: RecentRequest[];
  nextCursor: string | null;
}
