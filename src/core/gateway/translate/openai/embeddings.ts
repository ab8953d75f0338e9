import type { EmbeddingsRequest, EmbeddingsResponse, Translated, UpstreamRequest } from '../types.js';
import { fromOpenAIResponse } from './response.js';

export function toOpenAIEmbeddings(req: EmbeddingsRequest, upstreamModel: string): UpstreamRequest {
  return { provider: 'openai', path: '/v1/embeddings', body: { ...req, model: upstreamModel }, stream: false };
}

export function fromOpenAIEmbeddings(json: unknown): Translated<EmbeddingsResponse> {
  return fromOpenAIResponse(json as EmbeddingsResponse);
}
