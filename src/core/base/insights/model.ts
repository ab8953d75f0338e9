/**
 * The one insight model every source produces: a finding about LLM spend or cloud cost with its
 * numbers (exact decimal strings, null when oco cannot know them), the period it covers and the
 * oco command that acts on it. Insight functions live in the wings (gateway, cloud costs) and in
 * the base features whose tables they read (anomalies, recommendations), and are passed in as a
 * table; this module knows no wing's tables.
 */
import type { OcoConfig } from '../config/resolve.js';
import type { Store } from '../store/types.js';

export type InsightDomain = 'llm' | 'cloud';
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Insight {
  /** Stable for the same finding over the same period: kind plus what it is about. */
  id: string;
  domain: InsightDomain;
  kind: string;
  severity: Severity;
  title: string;
  /**
   * The money the insight is about, in `currency` (a spike's excess, a saving a month, what failed
   * calls cost, spend moved): the sort key. Null when oco cannot know it (unpriced calls, latency).
   */
  impact: string | null;
  currency: string | null;
  /** The evidence: decimal strings for money, counts and shares as numbers, null when unknown. */
  numbers: Record<string, string | number | null>;
  /** What the numbers cover, ISO-8601 instants, [from, to). */
  period: { from: string; to: string };
  /** The oco command that acts on it. */
  action: string;
}

/** What an insight function may read besides the store. */
export interface InsightContext {
  /** The window asked for, [from, to). */
  from: Date;
  to: Date;
  now: Date;
  /** A configuration value (thresholds are configuration keys, see docs/insights.md). */
  setting(key: string): string | number | boolean | undefined;
  /** The resolved configuration, for what depends on more than a threshold (which providers are configured). */
  config?: OcoConfig;
}

/** One row of an insight table. */
export interface InsightSource {
  kind: string;
  domain: InsightDomain;
  /** What it reads and when it speaks, for docs and --help. */
  description: string;
  evaluate(store: Store, ctx: InsightContext): Promise<Insight[]>;
}

export const DAY_MS = 86_400_000;

/** YYYY-MM-DD of an instant (UTC). */
export function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The instant a UTC day starts. */
export function dayStart(day: string): string {
  return `${day}T00:00:00.000Z`;
}

/** A share as a percentage with two decimals (exact decimal string), null when the whole is unknown or 0. */
export const PERCENT_PLACES = 2;
