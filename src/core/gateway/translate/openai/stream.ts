/**
 * OpenAI chunks pass through unchanged, each re-framed as one `data:` event; usage
 * is read by the passthrough's own tracker, so a translated call prices the same way.
 */
import { openaiTracker } from '../../proxy/providers/openai/stream.js';
import { SSE_DONE, type StreamTranslator } from '../types.js';

export function openaiStream(): StreamTranslator {
  const tracker = openaiTracker(false);
  let done = false;
  return {
    push(data, event) {
      if (done) return '';
      if (data.trim() === '[DONE]') {
        done = true;
        return SSE_DONE;
      }
      tracker.onEvent(data, event);
      return `data: ${data}\n\n`;
    },
    end: () => (done ? '' : ((done = true), SSE_DONE)),
    usage: () => tracker.result(),
    tracker,
  };
}
