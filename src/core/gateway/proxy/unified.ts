/**
 * The OpenAI-format routes (`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`):
 * the model names the provider (`routeModel`), the request is translated for it, and
 * the answer translated back. Everything else (authentication, admission, the call
 * journal, forwarding, pricing, the record) is the passthrough's own machinery.
 */
import { LLM_PROVIDERS, type PricedProvider, type ProviderName } from '../model.js';
import type { PriceBook } from '../pricing/book.js';
import { responseContext, routeModel, TRANSLATIONS, type RegisteredUpstreams } from '../translate/index.js';
import { invalid, type ChatRequest, type EmbeddingsRequest, type UpstreamRequest } from '../translate/types.js';
import { openaiStream } from '../translate/openai/stream.js';
import { obj } from './providers/common.js';
import type { AnswerTranslation } from './translated.js';

export type UnifiedKind = 'chat' | 'embeddings' | 'models';

/** The route a request line asks for, undefined when it is none of the unified ones. */
export function unifiedKind(method: string | undefined, path: string): UnifiedKind | undefined {
  if (path === '/v1/chat/completions' && method === 'POST') return 'chat';
  if (path === '/v1/embeddings' && method === 'POST') return 'embeddings';
  if (path === '/v1/models' && method === 'GET') return 'models';
  return undefined;
}

export interface UnifiedRequest {
  upstream: UpstreamRequest;
  translation: AnswerTranslation;
}

/**
 * A client's OpenAI body → the provider's request and the way back; a TranslationError when it cannot be.
 * `upstreams`: the registry's OpenAI-compatible upstreams, which NAME/model reaches.
 */
export function translateUnified(
  kind: 'chat' | 'embeddings',
  json: unknown,
  upstreams?: RegisteredUpstreams,
): UnifiedRequest {
  if (!obj(json)) throw invalid('body', 'must be a JSON object');
  return kind === 'chat' ? chat(json as ChatRequest, upstreams) : embeddings(json as EmbeddingsRequest, upstreams);
}

function chat(req: ChatRequest, upstreams?: RegisteredUpstreams): UnifiedRequest {
  const route = routeModel(req.model, upstreams);
  const t = TRANSLATIONS[route.provider];
  const upstream = t.request(req, route.model);
  if (route.upstream) upstream.upstream = route.upstream;
  const ctx = responseContext(req);
  // OpenAI reports a stream's usage only when asked: the gateway asks, and hides
  // the answer from a client that did not, exactly as on the passthrough.
  const hide = route.provider === 'openai' && upstream.stream && !ctx.includeUsage;
  if (hide) upstream.body = { ...upstream.body, stream_options: { ...obj(req.stream_options), include_usage: true } };
  return {
    upstream,
    translation: {
      body: (json) => t.response(json, ctx),
      error: (json) => t.error(json),
      stream: () => (hide ? openaiStream(true) : t.stream(ctx)),
    },
  };
}

function embeddings(req: EmbeddingsRequest, upstreams?: RegisteredUpstreams): UnifiedRequest {
  const route = routeModel(req.model, upstreams);
  const t = TRANSLATIONS[route.provider];
  const upstream = t.embeddingsRequest(req, route.model);
  if (route.upstream) upstream.upstream = route.upstream;
  return {
    upstream,
    translation: {
      body: (json) => t.embeddingsResponse(json, req),
      error: (json) => t.error(json),
    },
  };
}

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: PricedProvider;
}

/**
 * The providers GET /v1/models lists: those with a provider key configured (config or environment),
 * since a call to any other needs the client's own key; when none is configured, clients bring
 * their own keys for every provider, so all are listed. Upstreams added beside the three built-in
 * providers join the list given to `listModels`.
 */
export function listedProviders(keys: Partial<Record<ProviderName, string>>): ProviderName[] {
  const configured = LLM_PROVIDERS.filter((p) => Boolean(keys[p]));
  return configured.length > 0 ? configured : [...LLM_PROVIDERS];
}

/**
 * The models the price book prices (shipped and `oco pricing set` rows) in force
 * now for the given providers, in OpenAI's list shape. A model the prefix table would not send to its
 * provider is listed in its explicit `provider/model` form, the name that reaches it.
 */
export function listModels(
  book: PriceBook,
  providers: readonly PricedProvider[] = LLM_PROVIDERS,
  now = Date.now(),
): { object: 'list'; data: ModelEntry[] } {
  const first = new Map<string, ModelEntry>();
  for (const v of book.allVersions()) {
    const from = Date.parse(v.effectiveFrom);
    if (from > now || !providers.includes(v.provider)) continue;
    const id = reaches(v.model, v.provider) ? v.model : `${v.provider}/${v.model}`;
    const created = Math.floor(from / 1000);
    const seen = first.get(id);
    if (!seen || created < seen.created) first.set(id, { id, object: 'model', created, owned_by: v.provider });
  }
  const data = [...first.values()].sort((a, b) => a.owned_by.localeCompare(b.owned_by) || a.id.localeCompare(b.id));
  return { object: 'list', data };
}

function reaches(model: string, provider: PricedProvider): boolean {
  try {
    return routeModel(model).provider === provider;
  } catch {
    return false;
  }
}
