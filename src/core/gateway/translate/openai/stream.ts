/**
 * OpenAI chunks pass through unchanged, each re-framed as one `data:` event; usage
 * is read by the passthrough's own tracker, so a translated call prices the same way.
 * With `hideUsage` (the gateway asked for include_usage itself) that tracker drops the
 * usage chunk and the `"usage":null` fields, as on the passthrough.
 */
import { openaiTracker } from '../../proxy/providers/openai/stream.js';
import { SSE_DONE, type StreamTranslator } from '../types.js';

export function openaiStream(hideUsage = false): StreamTranslator {
  const tracker = openaiTracker(hideUsage);
  let done = false;
  return {
    push(data, event) {
      if (done) return '';
      if (data.trim() === '[DONE]') {
        done = true;
        return SSE_DONE;
      }
      const out = tracker.onEvent(data, event);
      return out === false ? '' : `data: ${out}\n\n`;
    },
    end: () => (done ? '' : ((done = true), SSE_DONE)),
    usage: () => tracker.result(),
    tracker,
  };
}
