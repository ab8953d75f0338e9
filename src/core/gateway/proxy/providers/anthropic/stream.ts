import { obj, textChars, tryParse } from '../common.js';
import type { StreamTracker, UsageFound } from '../types.js';
import { anthropicUsage } from './usage.js';

/**
 * message_start carries the input side (and a first output count);
 * message_delta carries cumulative counts, so the last one replaces, never adds.
 * The usage is final once a message_delta has arrived.
 */
export function anthropicTracker(): StreamTracker {
  let start: Record<string, unknown> | undefined;
  let last: Record<string, unknown> | undefined;
  let model: string | undefined;
  let chars = 0;
  return {
    onEvent(data, event) {
      if (event === 'ping') return data;
      const ev = obj(tryParse(data));
      if (!ev) return data;
      const type = ev.type ?? event;
      if (type === 'message_start') {
        const m = obj(ev.message);
        start = obj(m?.usage);
        if (typeof m?.model === 'string') model = m.model;
      } else if (type === 'message_delta') {
        const u = obj(ev.usage);
        if (u) last = { ...last, ...u };
      } else if (type === 'content_block_delta') {
        chars += textChars(ev.delta);
      }
      return data;
    },
    result(): UsageFound | undefined {
      if (!last) return undefined;
      const usage = anthropicUsage({ ...start, ...last });
      return usage ? { usage, model } : undefined;
    },
    generatedChars: () => chars,
    knownInputTokens() {
      const u = start ? anthropicUsage(start) : undefined;
      return u ? u.inputTokens + u.cachedInputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens : undefined;
    },
  };
}
