/**
 * Gemini usageMetadata → OpenAI `usage`. promptTokenCount already includes
 * cachedContentTokenCount (as OpenAI's prompt includes cached_tokens); tool-use prompt
 * tokens are input too. thoughtsTokenCount is billed as output but is not inside
 * candidatesTokenCount, so it is added to completion_tokens (OpenAI's reasoning
 * tokens are inside completion_tokens). Pricing uses the passthrough's parser unchanged.
 */
import { num, obj } from '../../proxy/providers/common.js';
import { geminiUsage } from '../../proxy/providers/gemini/usage.js';
import type { UsageFound } from '../../proxy/providers/types.js';
import type { OpenAIUsage } from '../types.js';

export function toOpenAIUsage(u: unknown): OpenAIUsage | undefined {
  const x = obj(u);
  if (!x) return undefined;
  const prompt = num(x.promptTokenCount) + num(x.toolUsePromptTokenCount);
  const thoughts = num(x.thoughtsTokenCount);
  const completion = num(x.candidatesTokenCount) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: num(x.cachedContentTokenCount) },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}

export function usageFound(u: unknown, model: string | undefined): UsageFound | undefined {
  const usage = geminiUsage(u);
  return usage ? { usage, model } : undefined;
}
