/**
 * Anthropic Messages SSE → OpenAI chat.completion.chunk SSE.
 * message_start opens the stream (the role chunk); text_delta → content deltas;
 * a tool_use block start → a tool call delta with its id and name, its
 * input_json_delta pieces → argument deltas at the same tool index (a call whose input
 * came as nothing but empty pieces, as a call without arguments does, gets the block
 * start's input, "{}", when its block stops: OpenAI never sends empty arguments); message_delta
 * → the finish_reason chunk; message_stop → the usage chunk when asked, then [DONE].
 * Thinking and signature deltas carry nothing OpenAI's chunk can hold.
 * Usage counts in message_delta are cumulative, so the last value replaces.
 */
import { obj, tryParse } from '../../proxy/providers/common.js';
import { anthropicTracker } from '../../proxy/providers/anthropic/stream.js';
import {
  nowSeconds,
  sseData,
  SSE_DONE,
  type ChatCompletionChunk,
  type ResponseContext,
  type StreamTranslator,
} from '../types.js';
import { finishReason } from './finish.js';
import { toOpenAIUsage } from './usage.js';

export function anthropicStream(ctx: ResponseContext): StreamTranslator {
  let id = 'chatcmpl-unknown';
  let model = ctx.model;
  const tracker = anthropicTracker();
  let usage: Record<string, unknown> = {};
  let done = false;
  const created = ctx.created ?? nowSeconds();
  /** Anthropic content block index → OpenAI tool call index. */
  const toolIndex = new Map<number, number>();
  /** Tool calls (OpenAI index) that have had some argument text. */
  const withArguments = new Set<number>();
  /** The input each tool_use block started with (the API sends {}), kept for a block that streams none. */
  const startInput = new Map<number, unknown>();

  const chunk = (
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null,
  ): string => {
    const c: ChatCompletionChunk = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    };
    if (ctx.includeUsage) c.usage = null;
    return sseData(c);
  };

  const finish = (): string => {
    if (done) return '';
    done = true;
    let out = '';
    if (ctx.includeUsage) {
      const u = toOpenAIUsage(usage);
      if (u) out += sseData({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: u });
    }
    return out + SSE_DONE;
  };

  return {
    push(data, event) {
      if (done) return '';
      tracker.onEvent(data, event);
      const ev = obj(tryParse(data));
      if (!ev) return '';
      const type = ev.type ?? event;
      switch (type) {
        case 'message_start': {
          const m = obj(ev.message) ?? {};
          if (typeof m.id === 'string') id = m.id;
          if (typeof m.model === 'string') model = m.model;
          const u = obj(m.usage);
          if (u) usage = { ...usage, ...u };
          return chunk({ role: 'assistant', content: '' });
        }
        case 'content_block_start': {
          const b = obj(ev.content_block);
          if (b?.type === 'tool_use') {
            const index = toolIndex.size;
            toolIndex.set(Number(ev.index), index);
            startInput.set(index, b.input);
            return chunk({
              tool_calls: [
                { index, id: String(b.id), type: 'function', function: { name: String(b.name), arguments: '' } },
              ],
            });
          }
          if (b?.type === 'text' && typeof b.text === 'string' && b.text !== '') return chunk({ content: b.text });
          return '';
        }
        case 'content_block_delta': {
          const d = obj(ev.delta);
          if (d?.type === 'text_delta' && typeof d.text === 'string') return chunk({ content: d.text });
          if (d?.type === 'input_json_delta' && typeof d.partial_json === 'string') {
            const index = toolIndex.get(Number(ev.index));
            if (index === undefined || d.partial_json === '') return '';
            withArguments.add(index);
            return chunk({ tool_calls: [{ index, function: { arguments: d.partial_json } }] });
          }
          return '';
        }
        case 'content_block_stop': {
          const index = toolIndex.get(Number(ev.index));
          if (index === undefined || withArguments.has(index)) return '';
          withArguments.add(index);
          return chunk({
            tool_calls: [{ index, function: { arguments: JSON.stringify(startInput.get(index) ?? {}) } }],
          });
        }
        case 'message_delta': {
          const u = obj(ev.usage);
          if (u) {
            // null means "not reported in this event", not zero.
            for (const [k, v] of Object.entries(u)) if (v !== null) usage[k] = v;
          }
          const stop = obj(ev.delta)?.stop_reason;
          return stop ? chunk({}, finishReason(stop)) : '';
        }
        case 'message_stop':
          return finish();
        case 'error': {
          done = true;
          const e = obj(ev.error) ?? {};
          return sseData({
            error: { message: String(e.message ?? 'upstream error'), type: String(e.type ?? 'api_error') },
          });
        }
        default:
          return '';
      }
    },
    end: () => finish(),
    usage: () => tracker.result(),
    tracker,
  };
}
