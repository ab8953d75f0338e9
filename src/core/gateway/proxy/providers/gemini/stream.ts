import { obj, textChars, tryParse } from '../common.js';
import type { StreamTracker, UsageFound } from '../types.js';
import { geminiUsage } from './usage.js';

/** Every chunk may carry usageMetadata; the last one is the total. */
export function geminiTracker(): StreamTracker {
  let found: UsageFound | undefined;
  let chars = 0;
  let sawFinish = false;
  return {
    onEvent(data) {
      const ev = obj(tryParse(data));
      if (!ev) return data;
      chars += textChars(ev.candidates);
      if (Array.isArray(ev.candidates) && ev.candidates.some((c: unknown) => obj(c)?.finishReason)) sawFinish = true;
      const usage = geminiUsage(ev.usageMetadata);
      if (usage) found = { usage, model: typeof ev.modelVersion === 'string' ? ev.modelVersion : undefined };
      return data;
    },
    // Intermediate chunks carry running totals; only the one with the finish reason is final.
    result: () => (sawFinish ? found : undefined),
    generatedChars: () => chars,
    knownInputTokens() {
      if (!found) return undefined;
      const u = found.usage;
      return u.inputTokens + u.cachedInputTokens + u.toolPromptTokens;
    },
  };
}
