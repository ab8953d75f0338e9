import { emptyUsage, type TokenUsage } from '../../../pricing/types.js';
import { num, obj } from '../common.js';
import type { UsageFound } from '../types.js';

/**
 * Anthropic's input_tokens already excludes cache reads and writes, so the
 * classes add up without subtraction. Cache writes are split by TTL when the
 * API says (cache_creation.ephemeral_5m/1h); otherwise they are 5-minute writes.
 */
export function anthropicUsage(u: unknown): TokenUsage | undefined {
  const x = obj(u);
  if (!x) return undefined;
  const usage = emptyUsage();
  usage.inputTokens = num(x.input_tokens);
  usage.outputTokens = num(x.output_tokens);
  usage.cachedInputTokens = num(x.cache_read_input_tokens);
  const split = obj(x.cache_creation);
  if (split && (split.ephemeral_5m_input_tokens !== undefined || split.ephemeral_1h_input_tokens !== undefined)) {
    usage.cacheWrite5mTokens = num(split.ephemeral_5m_input_tokens);
    usage.cacheWrite1hTokens = num(split.ephemeral_1h_input_tokens);
  } else {
    usage.cacheWrite5mTokens = num(x.cache_creation_input_tokens);
  }
  return usage;
}

export function anthropicUsageFromBody(json: unknown): UsageFound | undefined {
  const body = obj(json);
  const usage = anthropicUsage(body?.usage);
  if (!usage) return undefined;
  return { usage, model: typeof body?.model === 'string' ? body.model : undefined };
}
