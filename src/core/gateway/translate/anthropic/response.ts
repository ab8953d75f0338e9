/**
 * Anthropic Message → OpenAI chat.completion. Text blocks are joined into `content`;
 * tool_use blocks become `tool_calls` with their ids and the input as a JSON string.
 * Thinking blocks have no place in OpenAI's message: they are counted, as OpenAI
 * counts its own reasoning, in completion_tokens_details.reasoning_tokens.
 */
import { obj } from '../../proxy/providers/common.js';
import {
  nowSeconds,
  type ChatCompletion,
  type OpenAIErrorBody,
  type ResponseContext,
  type ToolCall,
  type Translated,
} from '../types.js';
import { finishReason } from './finish.js';
import { toOpenAIUsage, usageFound } from './usage.js';

export function fromAnthropicResponse(json: unknown, ctx: ResponseContext): Translated<ChatCompletion> {
  const msg = obj(json) ?? {};
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of Array.isArray(msg.content) ? msg.content : []) {
    const b = obj(block);
    if (b?.type === 'text' && typeof b.text === 'string') texts.push(b.text);
    else if (b?.type === 'tool_use') {
      toolCalls.push({
        id: String(b.id),
        type: 'function',
        function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) },
      });
    }
  }
  const model = typeof msg.model === 'string' ? msg.model : ctx.model;
  const usage = toOpenAIUsage(msg.usage);
  return {
    body: {
      id: typeof msg.id === 'string' ? msg.id : 'chatcmpl-unknown',
      object: 'chat.completion',
      created: ctx.created ?? nowSeconds(),
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: texts.length > 0 ? texts.join('') : null,
            refusal: null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          finish_reason: finishReason(msg.stop_reason),
          logprobs: null,
        },
      ],
      ...(usage ? { usage } : {}),
    },
    usage: usageFound(msg.usage, typeof msg.model === 'string' ? msg.model : undefined),
  };
}

/**
 * Anthropic's error body (`{type: "error", error: {type, message}}`) → OpenAI's. The
 * error types already share OpenAI's names (invalid_request_error, rate_limit_error…);
 * the HTTP status is kept by the caller.
 */
export function fromAnthropicError(json: unknown): OpenAIErrorBody {
  const e = obj(obj(json)?.error) ?? {};
  const type = typeof e.type === 'string' ? e.type : 'api_error';
  return {
    error: { message: typeof e.message === 'string' ? e.message : 'upstream error', type, param: null, code: type },
  };
}
