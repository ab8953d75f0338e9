import type { FinishReason } from '../types.js';

/**
 * Anthropic stop_reason → OpenAI finish_reason. pause_turn only follows server tools,
 * which are not translated; refusal is the classifier stopping the answer.
 */
export const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReason(stop: unknown): FinishReason {
  return (typeof stop === 'string' ? FINISH_REASONS[stop] : undefined) ?? 'stop';
}
