/**
 * Which provider serves a model name on the OpenAI-format routes. The prefix table is
 * the whole rule; `provider/model` names the provider explicitly (and is the only way
 * to reach a model whose name no prefix claims, e.g. `gemini/text-embedding-004`).
 */
import { isProviderName, LLM_PROVIDERS, type ProviderName } from '../model.js';
import { TRANSLATE_CODES, TranslationError } from './types.js';

export interface ModelRoute {
  provider: ProviderName;
  /** The model name the provider is sent (the explicit form's prefix removed). */
  model: string;
}

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

export function routeModel(name: unknown): ModelRoute {
  if (typeof name !== 'string' || name === '') throw unknownModel(String(name ?? ''));
  const slash = name.indexOf('/');
  if (slash > 0) {
    const provider = name.slice(0, slash);
    const model = name.slice(slash + 1);
    if (isProviderName(provider) && model !== '') return { provider, model };
    throw unknownModel(name);
  }
  const hit = MODEL_PREFIXES.find((p) => p.pattern.test(name));
  if (!hit) throw unknownModel(name);
  return { provider: hit.provider, model: name };
}

function unknownModel(name: string): TranslationError {
  const accepted = [...MODEL_PREFIXES.map((p) => p.shown), ...LLM_PROVIDERS.map((p) => `${p}/<model>`)].join(', ');
  return new TranslationError(
    TRANSLATE_CODES.unknownModel,
    'model',
    `model ${JSON.stringify(name)} is not routed to any provider; accepted: ${accepted}`,
    undefined,
    'Name the provider explicitly, e.g. anthropic/claude-sonnet-4-5.',
    { accepted },
  );
}
