import { obj, textChars, tryParse } from '../common.js';
import type { StreamTracker, UsageFound } from '../types.js';
import { openaiUsage } from './usage.js';

/**
 * Chat/legacy completions carry usage in a last chunk (choices: []) when
 * stream_options.include_usage is set; the Responses API in response.completed.
 * When the gateway asked for include_usage itself, that chunk is dropped and the
 * `"usage":null` every other chunk then carries is removed, so the client gets
 * exactly the stream it asked for.
 */
export function openaiTracker(rewrite: boolean): StreamTracker {
  let found: UsageFound | undefined;
  let chars = 0;
  return {
    onEvent(data) {
      if (data === '[DONE]') return data;
      const ev = obj(tryParse(data));
      if (!ev) return data;
      if (ev.type === 'response.completed' || ev.type === 'response.incomplete' || ev.type === 'response.failed') {
        const r = obj(ev.response);
        const usage = openaiUsage(r?.usage);
        if (usage) found = { usage, model: typeof r?.model === 'string' ? r.model : undefined };
        return data;
      }
      if (typeof ev.type === 'string') {
        if (ev.type.endsWith('.delta') && typeof ev.delta === 'string') chars += ev.delta.length;
        return data;
      }
      chars += textChars(ev.choices);
      const usage = ev.usage ? openaiUsage(ev.usage) : undefined;
      if (usage) {
        found = { usage, model: typeof ev.model === 'string' ? ev.model : undefined };
        if (rewrite && Array.isArray(ev.choices) && ev.choices.length === 0) return false;
      }
      if (rewrite && ev.usage === null) return stripUsageNull(data);
      return data;
    },
    result: () => found,
    generatedChars: () => chars,
    knownInputTokens: () => undefined,
  };
}

function stripUsageNull(data: string): string {
  const tail = ',"usage":null}';
  if (data.endsWith(tail)) return `${data.slice(0, -tail.length)}}`;
  return data.replace(/,\s*"usage"\s*:\s*null(?=\s*[,}])|"usage"\s*:\s*null\s*,/, '');
}
