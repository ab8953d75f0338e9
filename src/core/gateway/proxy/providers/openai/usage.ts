import { emptyUsage, type TokenUsage } from '../../../pricing/types.js';
import { num, obj } from '../common.js';
import type { UsageFound } from '../types.js';

/**
 * OpenAI usage in either shape: chat/completions/embeddings (prompt_tokens,
 * completion_tokens) or the Responses API (input_tokens, output_tokens).
 * Cached tokens are inside the prompt count and reasoning tokens inside the
 * completion count, so both are subtracted to bill each token once.
 */
export function openaiUsage(u: unknown): TokenUsage | undefined {
  const x = obj(u);
  if (!x) return undefined;
  const usage = emptyUsage();
  if (x.input_tokens !== undefined || x.output_tokens !== undefined) {
    const cached = num(obj(x.input_tokens_details)?.cached_tokens);
    const reasoning = num(obj(x.output_tokens_details)?.reasoning_tokens);
    usage.cachedInputTokens = cached;
    usage.inputTokens = Math.max(0, num(x.input_tokens) - cached);
    usage.reasoningTokens = reasoning;
    usage.outputTokens = Math.max(0, num(x.output_tokens) - reasoning);
    return usage;
  }
  if (x.prompt_tokens === undefined && x.completion_tokens === undefined) return undefined;
  const cached = num(obj(x.prompt_tokens_details)?.cached_tokens);
  const reasoning = num(obj(x.completion_tokens_details)?.reasoning_tokens);
  usage.cachedInputTokens = cached;
  usage.inputTokens = Math.max(0, num(x.prompt_tokens) - cached);
  usage.reasoningTokens = reasoning;
  usage.outputTokens = Math.max(0, num(x.completion_tokens) - reasoning);
  return usage;
}

export function openaiUsageFromBody(json: unknown): UsageFound | undefined {
  const body = obj(json);
  if (!body) return undefined;
  // A Responses API object nests under `response` only in stream events; bodies carry usage at the top.
  const usage = openaiUsage(body.usage);
  if (!usage) return undefined;
  return { usage, model: typeof body.model === 'string' ? body.model : undefined };
}
