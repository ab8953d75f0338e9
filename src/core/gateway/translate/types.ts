/**
 * The OpenAI chat-completions shapes the translation layer reads and writes, and its
 * typed errors. Only what translation touches is typed; the OpenAI SDK's own types
 * are checked against these in the tests, so a drift shows up there.
 */
import { UsageError } from '../../base/errors.js';
import type { ProviderName } from '../model.js';
import type { StreamTracker, UsageFound } from '../proxy/providers/types.js';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface TextPart {
  type: 'text';
  text: string;
}
export interface ImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}
export interface AudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: string };
}
export interface FilePart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
}
export type ContentPart = TextPart | ImagePart | AudioPart | FilePart | { type: 'refusal'; refusal: string };

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface FunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export interface ResponseFormat {
  type: 'text' | 'json_object' | 'json_schema';
  json_schema?: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null };
}

/** An OpenAI `POST /v1/chat/completions` body. Fields not named here are judged by `fields.ts`. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  user?: string;
  [key: string]: unknown;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: ToolCall[] };
    finish_reason: FinishReason;
    logprobs: null;
  }>;
  usage?: OpenAIUsage;
}

export interface ChunkToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string; tool_calls?: ChunkToolCall[] };
    finish_reason: FinishReason | null;
    logprobs?: null;
  }>;
  usage?: OpenAIUsage | null;
}

/** An OpenAI `POST /v1/embeddings` body. */
export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  [key: string]: unknown;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage?: { prompt_tokens: number; total_tokens: number };
}

/** What to send upstream: the path under the provider's base URL and the JSON body. */
export interface UpstreamRequest {
  /** The wire format (an OpenAI-compatible upstream's is openai). */
  provider: ProviderName;
  /** The registered OpenAI-compatible upstream that serves it (NAME/model); absent: the built-in provider. */
  upstream?: string;
  path: string;
  body: Record<string, unknown>;
  stream: boolean;
}

/** What the client is shown, and the provider's own usage for pricing (undefined when it reported none). */
export interface Translated<T> {
  body: T;
  usage: UsageFound | undefined;
}

/** Context a response translation needs from its request. */
export interface ResponseContext {
  /** The model the client asked for, used when the provider does not name one. */
  model: string;
  /** Unix seconds; injectable so tests are stable. */
  created?: number;
  includeUsage?: boolean;
}

/** Provider SSE events in, OpenAI `chat.completion.chunk` SSE text out. */
export interface StreamTranslator {
  /** One upstream event's data and event name; returns the SSE text to send (may be empty). */
  push(data: string, event?: string): string;
  /** The upstream stream ended: the usage chunk (if asked for) and `data: [DONE]`. */
  end(): string;
  /** The provider's final usage for pricing, read by the passthrough's own tracker (undefined until final). */
  usage(): UsageFound | undefined;
  /**
   * That tracker, fed every upstream event: what the gateway needs to estimate a
   * stream cut short (generated characters, input tokens known so far).
   */
  readonly tracker: StreamTracker;
}

export const TRANSLATE_CODES = {
  unsupported: 'OCO_TRANSLATE_UNSUPPORTED',
  invalid: 'OCO_TRANSLATE_INVALID',
  unknownModel: 'OCO_TRANSLATE_UNKNOWN_MODEL',
} as const;

/**
 * A request that cannot be translated as asked: an HTTP 400 naming the field (and the
 * provider, when it is the provider that cannot honour it). Nothing is forwarded.
 */
export class TranslationError extends UsageError {
  readonly field: string;
  readonly provider?: ProviderName;

  constructor(
    code: (typeof TRANSLATE_CODES)[keyof typeof TRANSLATE_CODES],
    field: string,
    message: string,
    provider?: ProviderName,
    hint?: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message, { code, hint, details: { field, ...(provider ? { provider } : {}), status: 400, ...extra } });
    this.field = field;
    this.provider = provider;
  }

  /** The body an OpenAI client expects for a rejected request (`param` names the field). */
  toOpenAIError(): { error: { message: string; type: 'invalid_request_error'; param: string; code: string } } {
    const message = this.hint ? `${this.message}. ${this.hint}` : this.message;
    return { error: { message, type: 'invalid_request_error', param: this.field, code: this.code } };
  }
}

/** A field the provider cannot honour. */
export function unsupported(field: string, provider: ProviderName, why: string, hint?: string): TranslationError {
  return new TranslationError(
    TRANSLATE_CODES.unsupported,
    field,
    `${field} is not supported by ${provider}: ${why}`,
    provider,
    hint,
  );
}

/** A request that is not a valid OpenAI request where translation needs it to be. */
export function invalid(field: string, message: string): TranslationError {
  return new TranslationError(TRANSLATE_CODES.invalid, field, `${field}: ${message}`);
}

export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** The text of a message's content (string or text parts); other parts are the caller's to handle. */
export function textOf(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** An OpenAI-style error body, for a provider's non-2xx answer translated for an OpenAI client. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
