/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI chat.completion.chunk SSE.
 * Every event is a partial GenerateContentResponse: its candidates' text parts are
 * content deltas, and a functionCall part arrives whole, so it becomes one tool call
 * delta (id, name and all arguments) at the next tool index of its choice. The first
 * event of each choice carries the role; finishReason gives the finish chunk. Gemini
 * sends no end marker: the usage chunk (when asked) and [DONE] go out at the end of
 * the upstream stream. usageMetadata is cumulative, so the last one wins.
 */
import { obj, tryParse } from '../../proxy/providers/common.js';
import { geminiTracker } from '../../proxy/providers/gemini/stream.js';
import {
  nowSeconds,
  sseData,
  SSE_DONE,
  type ChatCompletionChunk,
  type ResponseContext,
  type StreamTranslator,
} from '../types.js';
import { finishReason } from './finish.js';
import { readCandidate } from './response.js';
import { toOpenAIUsage } from './usage.js';

type Choice = ChatCompletionChunk['choices'][number];

export function geminiStream(ctx: ResponseContext): StreamTranslator {
  let id = 'chatcmpl-unknown';
  let model = ctx.model;
  const tracker = geminiTracker();
  let usage: unknown;
  let done = false;
  const created = ctx.created ?? nowSeconds();
  const started = new Set<number>();
  const toolCount = new Map<number, number>();

  const chunk = (choice: Choice): string => {
    const c: ChatCompletionChunk = { id, object: 'chat.completion.chunk', created, model, choices: [choice] };
    if (ctx.includeUsage) c.usage = null;
    return sseData(c);
  };

  return {
    push(data, event) {
      if (done) return '';
      tracker.onEvent(data, event);
      const res = obj(tryParse(data));
      if (!res) return '';
      if (obj(res.error)) {
        done = true;
        const e = obj(res.error) ?? {};
        return sseData({
          error: { message: String(e.message ?? 'upstream error'), type: String(e.status ?? 'api_error') },
        });
      }
      if (typeof res.responseId === 'string') id = res.responseId;
      if (typeof res.modelVersion === 'string') model = res.modelVersion;
      if (res.usageMetadata) usage = res.usageMetadata;
      let out = '';
      const candidates: unknown[] = Array.isArray(res.candidates) ? res.candidates : [];
      candidates.forEach((raw, i) => {
        const c = obj(raw) ?? {};
        const index = typeof c.index === 'number' ? c.index : i;
        const { text, toolCalls } = readCandidate(c);
        const delta: Choice['delta'] = {};
        if (!started.has(index)) {
          started.add(index);
          delta.role = 'assistant';
          // OpenAI opens a text answer with content "" and a tool-call answer with none: a client
          // assembling the stream then ends with content null, as the non-stream answer has.
          if (toolCalls.length === 0) delta.content = '';
        }
        if (text !== '') delta.content = text;
        if (toolCalls.length > 0) {
          const first = toolCount.get(index) ?? 0;
          toolCount.set(index, first + toolCalls.length);
          delta.tool_calls = toolCalls.map((t, k) => ({ index: first + k, ...t }));
        }
        if (Object.keys(delta).length > 0) out += chunk({ index, delta, finish_reason: null, logprobs: null });
        if (c.finishReason) {
          out += chunk({
            index,
            delta: {},
            finish_reason: finishReason(c.finishReason, (toolCount.get(index) ?? 0) > 0),
            logprobs: null,
          });
        }
      });
      if (candidates.length === 0 && obj(res.promptFeedback)?.blockReason) {
        out += chunk({
          index: 0,
          delta: { role: 'assistant', content: '' },
          finish_reason: 'content_filter',
          logprobs: null,
        });
      }
      return out;
    },
    end() {
      if (done) return '';
      done = true;
      let out = '';
      const u = ctx.includeUsage ? toOpenAIUsage(usage) : undefined;
      if (u) out += sseData({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: u });
      return out + SSE_DONE;
    },
    usage: () => tracker.result(),
    tracker,
  };
}
