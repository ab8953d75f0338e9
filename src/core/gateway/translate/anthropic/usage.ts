/**
 * Anthropic usage → OpenAI `usage`. Anthropic's input_tokens excludes cache reads and
 * writes; OpenAI's prompt_tokens includes them (cached_tokens ⊂ prompt_tokens), so the
 * three are added. Thinking tokens are inside output_tokens, as reasoning tokens are
 * inside OpenAI's completion_tokens. Pricing uses the passthrough's parser unchanged.
 */
import { obj, num } from '../../proxy/providers/common.js';
import { anthropicUsage } from '../../proxy/providers/anthropic/usage.js';
import type { UsageFound } from '../../proxy/providers/types.js';
import type { OpenAIUsage } from '../types.js';

export function toOpenAIUsage(u: unknown): OpenAIUsage | undefined {
  const x = obj(u);
  if (!x) return undefined;
  const cacheRead = num(x.cache_read_input_tokens);
  const cacheWrite = num(x.cache_creation_input_tokens);
  const prompt = num(x.input_tokens) + cacheRead + cacheWrite;
  const completion = num(x.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
    completion_tokens_details: { reasoning_tokens: num(obj(x.output_tokens_details)?.thinking_tokens) },
  };
}

/** The TokenUsage the gateway prices, exactly as for a passthrough call. */
export function usageFound(u: unknown, model: string | undefined): UsageFound | undefined {
  const usage = anthropicUsage(u);
  return usage ? { usage, model } : undefined;
}
