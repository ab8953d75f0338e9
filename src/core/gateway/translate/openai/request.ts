/**
 * OpenAI needs no translation: the body goes as sent, with only the model renamed when
 * the client used the explicit `openai/<model>` form. OpenAI judges its own fields.
 */
import type { ChatRequest, UpstreamRequest } from '../types.js';

export function toOpenAIRequest(req: ChatRequest, upstreamModel: string): UpstreamRequest {
  return {
    provider: 'openai',
    path: '/v1/chat/completions',
    body: { ...req, model: upstreamModel },
    stream: Boolean(req.stream),
  };
}
