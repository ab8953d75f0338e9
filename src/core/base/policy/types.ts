/**
 * The shapes shared by the policy engine (this folder) and the wings that own each rule kind's
 * data. A wing offers a table of rule kinds (kind → evaluate); the command passes every wing's
 * table in, so the engine knows no wing's tables.
 */
import type { Store } from '../store/types.js';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The rank of a severity, for `--fail-on` (at or above). */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** One policy as written in the file (validated against policies.schema.json). */
export interface PolicyDefinition {
  name: string;
  kind: string;
  severity?: Severity;
  description?: string;
  enabled?: boolean;
  period?: string;
  scope?: Record<string, string>;
  /** The kind's own fields (tags, regions, limit, maxShare…). */
  [field: string]: unknown;
}

/** The days a check judges: [from, to], inclusive UTC days. */
export interface Window {
  from: string;
  to: string;
}

/**
 * What a rule kind reports about one subject: one account, service, team… that breaks the
 * policy. `subject` identifies it (with the policy name it is the violation's fingerprint);
 * `labels` name it for people and for SARIF's logical location; evidence values are exact
 * decimal strings or plain text, never floats.
 */
export interface Finding {
  subject: string;
  labels: Record<string, string>;
  message: string;
  evidence: Record<string, string | string[]>;
}

export type Domain = 'cloud' | 'llm';

export interface RuleKind {
  domain: Domain;
  /** One line for `oco policy list` and SARIF's rule help. */
  summary: string;
  evaluate(store: Store, policy: PolicyDefinition, window: Window): Promise<Finding[]>;
  /**
   * Fields whose values are tag keys: each is checked against the tag keys seen in the stored
   * data of the kind's domain (a close miss is a typo, see file.ts).
   */
  tagKeyFields?: string[];
}

/** A wing's rule kinds, and the tag keys its stored data carries (for the typo check). */
export interface RuleSet {
  domain: Domain;
  kinds: Record<string, RuleKind>;
  tagKeys(store: Store): Promise<string[]>;
}
