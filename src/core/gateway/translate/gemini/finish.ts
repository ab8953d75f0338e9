import type { FinishReason } from '../types.js';

/**
 * Gemini finishReason → OpenAI finish_reason. Every blocking reason is content_filter;
 * the rest have no OpenAI counterpart and end as stop. A candidate that called a
 * function and stopped normally finishes as tool_calls (Gemini says STOP).
 */
export const FINISH_REASONS: Record<string, FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  LANGUAGE: 'stop',
  OTHER: 'stop',
  MALFORMED_FUNCTION_CALL: 'stop',
  UNEXPECTED_TOOL_CALL: 'stop',
  TOO_MANY_TOOL_CALLS: 'stop',
  FINISH_REASON_UNSPECIFIED: 'stop',
};

export function finishReason(reason: unknown, calledTools: boolean): FinishReason {
  const mapped = (typeof reason === 'string' ? FINISH_REASONS[reason] : undefined) ?? 'stop';
  return mapped === 'stop' && reason === 'STOP' && calledTools ? 'tool_calls' : mapped;
}
