/**
 * The one recommendation model every source produces, shaped like AWS Cost Optimization Hub's
 * normalised recommendation: what to do (action) to which resource, why (rationale with the evidence
 * numbers), what it saves per month (exact decimal in the cost's currency, null when unknown), how
 * sure oco is, and what doing it costs (effort, restart, rollback). Rules live in the wings
 * (cloud costs, gateway) and are passed in as a table; this module knows no wing's tables.
 */
import type { Money } from '../money.js';
import type { Store } from '../store/types.js';

/**
 * Cost Optimization Hub's actions, plus two for rules whose fix saves nothing by itself or is not a
 * resource change: `add-tags` (untagged spend) and `reduce-failures` (LLM calls that failed but cost).
 */
export const ACTIONS = [
  'stop',
  'delete',
  'rightsize',
  'migrate-to-spot',
  'purchase-commitment',
  'switch-model',
  'upgrade-generation',
  'schedule-off-hours',
  'enable-cache',
  'add-tags',
  'reduce-failures',
] as const;
export type Action = (typeof ACTIONS)[number];

export const STATUSES = ['open', 'accepted', 'dismissed', 'resolved'] as const;
export type Status = (typeof STATUSES)[number];

export type Effort = 'very-low' | 'low' | 'medium' | 'high';
export type Domain = 'cloud' | 'llm';

/** What a rule finds: one recommendation before it is stored. */
export interface Candidate {
  provider: string;
  account: string | null;
  resourceId: string | null;
  resourceType: string;
  region: string | null;
  action: Action;
  title: string;
  /** Why, with the evidence numbers in words. */
  rationale: string;
  currency: string;
  /** Savings per month: the evidence window scaled to 30 days; null when oco cannot know it. */
  monthlySavings: Money | null;
  /**
   * The number whose movement makes the evidence change "materially" (a dismissed recommendation
   * reopens): the savings when known, otherwise the rule's own key figure (e.g. monthly untagged spend).
   */
  keyFigure: Money;
  /** 0–1. */
  confidence: number;
  effort: Effort;
  restartNeeded: boolean;
  rollbackPossible: boolean;
  /** The evidence numbers, as printable values (decimal strings for money). */
  evidence: Record<string, string | number | null>;
  /**
   * Who found it when that is not the rule itself: an imported provider recommendation names its
   * service (e.g. "aws-cost-optimization-hub"). Such a finding's known savings win a merge.
   */
  source?: string;
}

/** What a rule may read besides the store: the window and its thresholds. */
export interface RuleContext {
  /** The evidence window: [from, to) as instants; cloud rules use the days from..to−1. */
  from: Date;
  to: Date;
  days: number;
  /** A configuration value (thresholds are configuration keys, see docs/optimize.md). */
  setting(key: string): string | number | undefined;
  now: Date;
}

/** One row of a wing's rule table. */
export interface Rule {
  id: string;
  domain: Domain;
  action: Action;
  description: string;
  /** The configuration keys of its thresholds. */
  thresholds: readonly string[];
  evaluate(store: Store, ctx: RuleContext): Promise<Candidate[]>;
}

/** Monthly = window total × 30 / window days (exact: the division is Decimal's at 40 digits, then rounded). */
export function perMonth(total: Money, days: number): Money {
  return total.times(30).dividedBy(days).toDecimalPlaces(6);
}

export interface Recommendation {
  id: string;
  ruleId: string;
  domain: Domain;
  provider: string;
  account: string | null;
  resourceId: string | null;
  resourceType: string;
  region: string | null;
  action: Action;
  title: string;
  rationale: string;
  currency: string;
  monthlySavings: string | null;
  confidence: number;
  effort: Effort;
  restartNeeded: boolean;
  rollbackPossible: boolean;
  status: Status;
  statusReason: string | null;
  evidence: Record<string, string | number | null>;
  createdAt: string;
  updatedAt: string;
  lastSeenAt: string;
}

export interface HistoryEntry {
  status: Status;
  reason: string | null;
  at: string;
}
