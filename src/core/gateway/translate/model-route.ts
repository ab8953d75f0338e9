/**
 * Which provider serves a model name on the OpenAI-format routes. The prefix table is
 * the whole rule; `provider/model` names the provider explicitly (and is the only way
 * to reach a model whose name no prefix claims, e.g. `gemini/text-embedding-004`).
 */
import { isProviderName, LLM_PROVIDERS, type ProviderName } from '../model.js';
import { TRANSLATE_CODES, TranslationError } from './types.js';

export interface ModelRoute {
  /** The wire format: a registered OpenAI-compatible upstream speaks OpenAI's. */
  provider: ProviderName;
  /** The model name the provider is sent (the explicit form's prefix removed). */
  model: string;
  /** The registered OpenAI-compatible upstream (`oco route providers add`) named as NAME/model. */
  upstream?: string;
}

/** The OpenAI-compatible upstreams registered now, by name, with the models each serves (null: any). */
export type RegisteredUpstreams = ReadonlyMap<string, { models: readonly string[] | null }>;

const NONE: RegisteredUpstreams = new Map();

/** First match wins. */
export const MODEL_PREFIXES: ReadonlyArray<{ pattern: RegExp; shown: string; provider: ProviderName }> = [
  { pattern: /^gpt-/, shown: 'gpt-*', provider: 'openai' },
  { pattern: /^o1/, shown: 'o1*', provider: 'openai' },
  { pattern: /^o3/, shown: 'o3*', provider: 'openai' },
  { pattern: /^o4/, shown: 'o4*', provider: 'openai' },
  { pattern: /^text-embedding-/, shown: 'text-embedding-*', provider: 'openai' },
  { pattern: /^claude-/, shown: 'claude-*', provider: 'anthropic' },
  { pattern: /^gemini-/, shown: 'gemini-*', provider: 'gemini' },
];

/** `upstreams`: the registry's OpenAI-compatible upstreams, reached only in the explicit NAME/model form. */
export function routeModel(name: unknown, upstreams: RegisteredUpstreams = NONE): ModelRoute {
  if (typeof name !== 'string' || name === '') throw unknownModel(String(name ?? ''), upstreams);
  const slash = name.indexOf('/');
  if (slash > 0) {
    const provider = name.slice(0, slash);
    const model = name.slice(slash + 1);
    if (model === '') throw unknownModel(name, upstreams);
    if (isProviderName(provider)) return { provider, model };
    const custom = upstreams.get(provider);
    if (!custom) throw unknownModel(name, upstreams);
    if (custom.models && !custom.models.includes(model)) throw notServed(provider, model, custom.models);
    return { provider: 'openai', model, upstream: provider };
  }
  const hit = MODEL_PREFIXES.find((p) => p.pattern.test(name));
  if (!hit) throw unknownModel(name, upstreams);
  return { provider: hit.provider, model: name };
}

function notServed(upstream: string, model: string, models: readonly string[]): TranslationError {
  return new TranslationError(
    TRANSLATE_CODES.unknownModel,
    'model',
    `upstream ${upstream} does not serve model ${JSON.stringify(model)}; its models (--models): ${models.join(', ')}`,
    undefined,
    `Call one of them as ${upstream}/<model>, or widen the list:` +
      ` oco route providers remove ${upstream}, then add it again.`,
    { accepted: models.map((m) => `${upstream}/${m}`).join(', ') },
  );
}

function unknownModel(name: string, upstreams: RegisteredUpstreams): TranslationError {
  const explicit = [...LLM_PROVIDERS, ...upstreams.keys()].map((p) => `${p}/<model>`);
  const accepted = [...MODEL_PREFIXES.map((p) => p.shown), ...explicit].join(', ');
  return new TranslationError(
    TRANSLATE_CODES.unknownModel,
    'model',
    `model ${JSON.stringify(name)} is not routed to any provider; accepted: ${accepted}`,
    undefined,
    'Name the provider explicitly, e.g. anthropic/claude-sonnet-4-5.',
    { accepted },
  );
}
