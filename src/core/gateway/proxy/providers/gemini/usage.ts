import { emptyUsage, type TokenUsage } from '../../../pricing/types.js';
import { num, obj } from '../common.js';
import type { UsageFound } from '../types.js';

/**
 * promptTokenCount includes cachedContentTokenCount (subtracted); thoughts are
 * billed as output but are not inside candidatesTokenCount (kept apart as reasoning);
 * tool-use prompt tokens are their own class.
 */
export function geminiUsage(u: unknown): TokenUsage | undefined {
  const x = obj(u);
  if (!x) return undefined;
  const usage = emptyUsage();
  const cached = num(x.cachedContentTokenCount);
  usage.cachedInputTokens = cached;
  usage.inputTokens = Math.max(0, num(x.promptTokenCount) - cached);
  usage.outputTokens = num(x.candidatesTokenCount);
  usage.reasoningTokens = num(x.thoughtsTokenCount);
  usage.toolPromptTokens = num(x.toolUsePromptTokenCount);
  return usage;
}

/** A generateContent body, or the JSON array a non-SSE streamGenerateContent returns (the last usageMetadata wins). */
export function geminiUsageFromBody(json: unknown): UsageFound | undefined {
  const items = Array.isArray(json) ? json : [json];
  for (let i = items.length - 1; i >= 0; i--) {
    const b = obj(items[i]);
    const usage = geminiUsage(b?.usageMetadata);
    if (usage) return { usage, model: typeof b?.modelVersion === 'string' ? b.modelVersion : undefined };
  }
  return undefined;
}
