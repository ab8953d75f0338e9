import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderName } from '../../model.js';
import type { TokenUsage } from '../../pricing/types.js';

/** What the gateway learns from a request body; never the content itself. */
export interface RequestInfo {
  model: string;
  /** The client asked for a stream (stream: true, :streamGenerateContent). */
  stream: boolean;
  /** The OpenAI `user` field, used as the user id when no header gives one. */
  user?: string;
  maxOutputTokens?: number;
}

export interface UsageFound {
  usage: TokenUsage;
  /** The model the provider says answered (a dated snapshot), when it says. */
  model?: string;
}

/** Reads usage out of a stream, one SSE event at a time, and may rewrite the events. */
export interface StreamTracker {
  /**
   * One complete event's data (the joined `data:` lines) and its `event:` name.
   * Returns false to drop the event from what the client receives (only used when rewriting).
   */
  onEvent(data: string, event: string | undefined): string | false;
  /** Usage if the provider's final usage arrived; undefined otherwise. */
  result(): UsageFound | undefined;
  /** Characters of generated text seen, for an estimate when the final usage never came. */
  generatedChars(): number;
  /** The provider's input count if it arrived before the end (Anthropic message_start). */
  knownInputTokens(): number | undefined;
}

/** One upstream provider as data: how credentials travel, where the model and usage are. */
export interface ProviderAdapter {
  name: ProviderName;
  baseUrlKey: string;
  credentialKey: string;
  /** Whether the client already sent a credential for the provider. */
  hasCredential(headers: IncomingHttpHeaders, query: string): boolean;
  /** Header to add when the client sent none and a key is configured. */
  credentialHeader(key: string): [string, string];
  /** Header names that can carry a credential (for virtual keys sent in the SDK's apiKey slot). */
  credentialHeaders: readonly string[];
  /** A query parameter that can carry the key too (Gemini's `?key=`), looked at for virtual keys like the headers. */
  credentialQueryParam?: string;
  requestInfo(path: string, json: unknown): RequestInfo;
  /**
   * A changed request body when the gateway must ask for more than the client did
   * (OpenAI include_usage); `rewriteStream` then tells the tracker to hide the extra.
   */
  prepareRequest(path: string, json: unknown, info: RequestInfo): { body: Buffer; rewriteStream: boolean } | undefined;
  usageFromBody(json: unknown): UsageFound | undefined;
  createTracker(rewrite: boolean): StreamTracker;
}
