/**
 * The OpenAI-format translation layer: one entry per provider, each built from the
 * same four modules in its folder (request, response, stream, usage) plus embeddings.
 * Pure functions and stateful stream translators, no I/O: the HTTP routes
 * (`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`) sit on top of this.
 */
import type { ProviderName } from '../model.js';
import { toAnthropicEmbeddings } from './anthropic/embeddings.js';
import { toAnthropicRequest, type RequestOptions } from './anthropic/request.js';
import { fromAnthropicError, fromAnthropicResponse } from './anthropic/response.js';
import { anthropicStream } from './anthropic/stream.js';
import { fromGeminiEmbeddings, toGeminiEmbeddings } from './gemini/embeddings.js';
import { toGeminiRequest } from './gemini/request.js';
import { fromGeminiError, fromGeminiResponse } from './gemini/response.js';
import { geminiStream } from './gemini/stream.js';
import { routeModel } from './model-route.js';
import { fromOpenAIEmbeddings, toOpenAIEmbeddings } from './openai/embeddings.js';
import { toOpenAIRequest } from './openai/request.js';
import { fromOpenAIResponse } from './openai/response.js';
import { openaiStream } from './openai/stream.js';
import type {
  ChatCompletion,
  ChatRequest,
  EmbeddingsRequest,
  OpenAIErrorBody,
  EmbeddingsResponse,
  ResponseContext,
  StreamTranslator,
  Translated,
  UpstreamRequest,
} from './types.js';

export interface ProviderTranslation {
  request(req: ChatRequest, upstreamModel: string, opts?: RequestOptions): UpstreamRequest;
  response(json: unknown, ctx: ResponseContext): Translated<ChatCompletion>;
  stream(ctx: ResponseContext): StreamTranslator;
  embeddingsRequest(req: EmbeddingsRequest, upstreamModel: string): UpstreamRequest;
  embeddingsResponse(json: unknown, req: EmbeddingsRequest): Translated<EmbeddingsResponse>;
  /** A non-2xx answer's body in OpenAI's error shape (the status is kept). */
  error(json: unknown): OpenAIErrorBody;
}

export const TRANSLATIONS: Record<ProviderName, ProviderTranslation> = {
  openai: {
    request: toOpenAIRequest,
    response: (json) => fromOpenAIResponse(json as ChatCompletion),
    stream: () => openaiStream(),
    embeddingsRequest: toOpenAIEmbeddings,
    embeddingsResponse: (json) => fromOpenAIEmbeddings(json),
    error: (json) => json as OpenAIErrorBody,
  },
  anthropic: {
    request: toAnthropicRequest,
    response: fromAnthropicResponse,
    stream: anthropicStream,
    embeddingsRequest: toAnthropicEmbeddings,
    embeddingsResponse: toAnthropicEmbeddings,
    error: fromAnthropicError,
  },
  gemini: {
    request: (req, model) => toGeminiRequest(req, model),
    response: fromGeminiResponse,
    stream: geminiStream,
    embeddingsRequest: toGeminiEmbeddings,
    embeddingsResponse: fromGeminiEmbeddings,
    error: fromGeminiError,
  },
};

/** A chat request routed by its model and translated for the provider that serves it. */
export function translateChatRequest(req: ChatRequest, opts?: RequestOptions): UpstreamRequest {
  const route = routeModel(req.model);
  return TRANSLATIONS[route.provider].request(req, route.model, opts);
}

/** The context the response side needs, taken from the client's request. */
export function responseContext(req: ChatRequest): ResponseContext {
  return { model: req.model, includeUsage: req.stream_options?.include_usage === true };
}

export function translateEmbeddingsRequest(req: EmbeddingsRequest): UpstreamRequest {
  const route = routeModel(req.model);
  return TRANSLATIONS[route.provider].embeddingsRequest(req, route.model);
}

export { routeModel, MODEL_PREFIXES, type ModelRoute, type RegisteredUpstreams } from './model-route.js';
export { FIELD_RULES } from './fields.js';
export { TRANSLATE_CODES, TranslationError } from './types.js';
export type * from './types.js';
