/**
 * The complexity score: a weighted sum of feature signals, each signal 0..1, the weights summing
 * to 1, so the score is 0..1. The table is the whole rule; docs/gateway.md prints it.
 */
import type { RequestFeatures } from './features.js';

export const TIERS = ['economy', 'standard', 'premium'] as const;
export type Tier = (typeof TIERS)[number];

export interface ScoreWeight {
  feature: keyof RequestFeatures;
  weight: number;
  /** The feature's signal, 0..1 (saturating: more than `at` counts as 1). */
  signal(f: RequestFeatures): number;
  /** What a full signal means, for explanations. */
  full: string;
}

const ramp = (v: number, at: number) => (v >= at ? 1 : v / at);

export const SCORE_WEIGHTS: readonly ScoreWeight[] = [
  { feature: 'reasoningCues', weight: 0.25, signal: (f) => ramp(f.reasoningCues.length, 2), full: '2 cues' },
  { feature: 'promptTokens', weight: 0.2, signal: (f) => ramp(f.promptTokens, 8000), full: '8,000 tokens' },
  { feature: 'codeBlocks', weight: 0.15, signal: (f) => ramp(f.codeBlocks, 3), full: '3 code blocks' },
  { feature: 'toolCount', weight: 0.1, signal: (f) => ramp(f.toolCount, 5), full: '5 tools' },
  { feature: 'messages', weight: 0.1, signal: (f) => ramp(f.messages, 20), full: '20 messages' },
  {
    feature: 'maxOutputTokens',
    weight: 0.1,
    signal: (f) => (f.maxOutputTokens === null ? 0 : ramp(f.maxOutputTokens, 4000)),
    full: '4,000 output tokens',
  },
  { feature: 'images', weight: 0.05, signal: (f) => (f.images > 0 ? 1 : 0), full: 'any image' },
  { feature: 'jsonSchema', weight: 0.05, signal: (f) => (f.jsonSchema ? 1 : 0), full: 'a JSON schema' },
];

/** A score below `below` picks the tier; the last tier takes the rest. */
export const TIER_THRESHOLDS: ReadonlyArray<{ tier: Tier; below: number }> = [
  { tier: 'economy', below: 0.2 },
  { tier: 'standard', below: 0.45 },
  { tier: 'premium', below: Infinity },
];

export interface Contribution {
  feature: keyof RequestFeatures;
  weight: number;
  signal: number;
  contribution: number;
}

export interface Score {
  score: number;
  tier: Tier;
  contributions: Contribution[];
}

export function scoreFeatures(f: RequestFeatures): Score {
  let score = 0;
  const contributions: Contribution[] = [];
  for (const w of SCORE_WEIGHTS) {
    const signal = w.signal(f);
    const contribution = round(signal * w.weight);
    score += contribution;
    contributions.push({ feature: w.feature, weight: w.weight, signal: round(signal), contribution });
  }
  score = Math.min(1, round(score));
  return { score, tier: tierOf(score), contributions };
}

export function tierOf(score: number): Tier {
  for (const t of TIER_THRESHOLDS) if (score < t.below) return t.tier;
  return 'premium';
}

/** Four decimals: enough to explain a decision, and stable in snapshots (no 0.30000000000000004). */
function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
