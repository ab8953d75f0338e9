import { snakeCaseKeys } from '../../base/json-keys.js';
import type { KeyLimits } from './lifecycle.js';
import type { VirtualKey } from './service.js';

/** A key's budget and rpm limit as `keys get/create/update` print them (amounts as exact decimal text). */
export interface LimitsView {
  budget: { id: string; limitUsd: string; period: string; rollingSeconds: number | null; hard: boolean } | null;
  rpm: { id: string; limit: number } | null;
}

export function limitsView(l: KeyLimits): LimitsView {
  const b = l.budget;
  return {
    budget: b
      ? { id: b.id, limitUsd: b.limitUsd.toFixed(), period: b.period, rollingSeconds: b.rollingSeconds, hard: b.hard }
      : null,
    rpm: l.rateLimit ? { id: l.rateLimit.id, limit: l.rateLimit.limit } : null,
  };
}

/**
 * The admin API's spelling of a CLI document: snake_case keys, except inside `metadata`, whose
 * keys are the user's own and are kept exactly as given.
 */
export function apiKeyView(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(apiKeyView);
  const out = snakeCaseKeys<Record<string, unknown>>(v);
  if (v && typeof v === 'object' && 'metadata' in v) out.metadata = (v as VirtualKey).metadata;
  return out;
}
