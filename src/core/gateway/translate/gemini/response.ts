/**
 * Gemini GenerateContentResponse → OpenAI chat.completion, one choice per candidate.
 * Text parts are joined (thought parts are left out: they are counted in
 * reasoning_tokens, as OpenAI does with its own reasoning); functionCall parts become
 * tool_calls with arguments as a JSON string. A prompt blocked before any candidate
 * is one empty choice finishing with content_filter.
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
import { toolCallId } from './ids.js';
import { toOpenAIUsage, usageFound } from './usage.js';

export interface CandidateDelta {
  text: string;
  toolCalls: ToolCall[];
}

/** What one candidate (or one streamed piece of it) says, in OpenAI terms. */
export function readCandidate(candidate: Record<string, unknown>): CandidateDelta {
  let text = '';
  const toolCalls: ToolCall[] = [];
  const parts = obj(candidate.content)?.parts;
  for (const raw of Array.isArray(parts) ? parts : []) {
    const p = obj(raw);
    if (!p) continue;
    if (typeof p.text === 'string' && p.thought !== true) text += p.text;
    const call = obj(p.functionCall);
    if (call) {
      toolCalls.push({
        id: toolCallId(call.id, p.thoughtSignature),
        type: 'function',
        function: { name: String(call.name), arguments: JSON.stringify(call.args ?? {}) },
      });
    }
  }
  return { text, toolCalls };
}

export function fromGeminiResponse(json: unknown, ctx: ResponseContext): Translated<ChatCompletion> {
  const res = obj(json) ?? {};
  const candidates: Record<string, unknown>[] = (Array.isArray(res.candidates) ? res.candidates : []).map(
    (c: unknown) => obj(c) ?? {},
  );
  const choices: ChatCompletion['choices'] = candidates.map((c, i) => {
    const { text, toolCalls } = readCandidate(c);
    return {
      index: typeof c.index === 'number' ? c.index : i,
      message: {
        role: 'assistant',
        content: text !== '' ? text : null,
        refusal: null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      },
      finish_reason: finishReason(c.finishReason, toolCalls.length > 0),
      logprobs: null,
    };
  });
  if (choices.length === 0 && obj(res.promptFeedback)?.blockReason) {
    choices.push({
      index: 0,
      message: { role: 'assistant', content: null, refusal: null },
      finish_reason: 'content_filter',
      logprobs: null,
    });
  }
  const model = typeof res.modelVersion === 'string' ? res.modelVersion : undefined;
  const usage = toOpenAIUsage(res.usageMetadata);
  return {
    body: {
      id: typeof res.responseId === 'string' ? res.responseId : 'chatcmpl-unknown',
      object: 'chat.completion',
      created: ctx.created ?? nowSeconds(),
      model: model ?? ctx.model,
      choices,
      ...(usage ? { usage } : {}),
    },
    usage: usageFound(res.usageMetadata, model),
  };
}

/** Google API status → OpenAI error type, as data. */
export const ERROR_TYPES: Record<string, string> = {
  INVALID_ARGUMENT: 'invalid_request_error',
  FAILED_PRECONDITION: 'invalid_request_error',
  OUT_OF_RANGE: 'invalid_request_error',
  UNAUTHENTICATED: 'authentication_error',
  PERMISSION_DENIED: 'permission_error',
  NOT_FOUND: 'not_found_error',
  RESOURCE_EXHAUSTED: 'rate_limit_error',
  INTERNAL: 'api_error',
  UNAVAILABLE: 'api_error',
  DEADLINE_EXCEEDED: 'api_error',
};

/** Gemini's error body (`{error: {code, message, status}}`) → OpenAI's; the HTTP status is kept by the caller. */
export function fromGeminiError(json: unknown): OpenAIErrorBody {
  const e = obj(obj(json)?.error) ?? {};
  const status = typeof e.status === 'string' ? e.status : undefined;
  return {
    error: {
      message: typeof e.message === 'string' ? e.message : 'upstream error',
      type: (status && ERROR_TYPES[status]) ?? 'api_error',
      param: null,
      code: status ?? null,
    },
  };
}
