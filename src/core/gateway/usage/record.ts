import type { PricedProvider, StoredAttribution } from '../model.js';
import type { TokenUsage } from '../pricing/types.js';

/**
 * One call as stored in api_requests: ids, counts, money and timings only.
 * Built from parsed usage, never from bodies, and never holding a key,
 * so whatever writes a record (database, spill file) cannot leak either.
 */
export interface UsageRecord extends StoredAttribution, TokenUsage {
  id: string;
  ts: string;
  /** The built-in provider, or the upstream's own name for an OpenAI-compatible one. */
  provider: PricedProvider;
  model: string;
  endpoint: string;
  /** Decimal string, or null when the model is unpriced. */
  costUsd: string | null;
  /** Null when unknown: a call the daemon died during (errorClass 'interrupted'). */
  latencyMs: number | null;
  ttfbMs: number | null;
  statusCode: number | null;
  streamed: boolean;
  estimated: boolean;
  errorClass: string | null;
  /**
   * Smart routing (the unified endpoint): the model the client asked for, and the model called
   * instead. Absent or null on a call that was not routed (records written before routing existed).
   */
  originalModel?: string | null;
  routedModel?: string | null;
  /** Routing's saving as a decimal string (original model's price − paid); null when unknown or not routed. */
  savingsUsd?: string | null;
  /** The registered deployment (`oco route providers add --kind …`) that served the call; null: the built-in. */
  deployment?: string | null;
  /**
   * The response cache (the unified endpoint): 'hit' (answered from the cache, cost 0, never sent upstream) or
   * 'miss' (looked up and not found, then called); absent or null when the cache was not consulted.
   */
  cache?: 'hit' | 'miss' | null;
  /** A hit's saving: what the original call cost, as a decimal string; null when unknown or not a hit. */
  cacheSavingsUsd?: string | null;
  /**
   * SHA-256 (hex) of the client's body on the unified routes, first attempt only: equal hashes in an org,
   * provider and model are repeated identical requests (what `enable-cache` counts). Never the body itself.
   */
  requestHash?: string | null;
}

export const RECORD_COLUMNS = [
  'id',
  'ts',
  'provider',
  'model',
  'endpoint',
  'org_id',
  'team_id',
  'agent_id',
  'user_id',
  'key_id',
  'tags',
  'input_tokens',
  'cached_input_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
  'output_tokens',
  'reasoning_tokens',
  'tool_prompt_tokens',
  'cost_usd',
  'latency_ms',
  'ttfb_ms',
  'status_code',
  'streamed',
  'estimated',
  'error_class',
  'original_model',
  'routed_model',
  'savings_usd',
  'deployment',
  'cache',
  'cache_savings_usd',
  'request_hash',
] as const;

export function recordValues(r: UsageRecord): Array<string | number | boolean | null> {
  return [
    r.id,
    r.ts,
    r.provider,
    r.model,
    r.endpoint,
    r.orgId,
    r.teamId,
    r.agentId,
    r.userId,
    r.keyId,
    JSON.stringify(r.tags),
    r.inputTokens,
    r.cachedInputTokens,
    r.cacheWrite5mTokens,
    r.cacheWrite1hTokens,
    r.outputTokens,
    r.reasoningTokens,
    r.toolPromptTokens,
    r.costUsd,
    r.latencyMs,
    r.ttfbMs,
    r.statusCode,
    r.streamed,
    r.estimated,
    r.errorClass,
    r.originalModel ?? null,
    r.routedModel ?? null,
    r.savingsUsd ?? null,
    r.deployment ?? null,
    r.cache ?? null,
    r.cacheSavingsUsd ?? null,
    r.requestHash ?? null,
  ];
}
