/**
 * Every top-level OpenAI chat-completions field, and what each translated provider
 * does with it. A field a provider cannot honour is refused (400 naming the field and
 * the provider), never dropped; a field missing from this table is refused too, so a
 * new OpenAI field is never silently ignored. A value equal to OpenAI's default
 * (n: 1, logprobs: false, …) asks for nothing and passes.
 */
import type { ProviderName } from '../model.js';
import { unsupported } from './types.js';

type Rule =
  /** request.ts translates it. */
  | 'mapped'
  /** Dropped on purpose: it changes nothing the provider returns. The reason is the documentation. */
  | { ignored: string }
  /** Refused unless `accepts(value)`; `why` goes into the error. */
  | { accepts: (v: unknown) => boolean; why: string; hint?: string };

type Translated = Exclude<ProviderName, 'openai'>;

const absentOr =
  (...ok: unknown[]) =>
  (v: unknown): boolean =>
    v === null || v === undefined || ok.includes(v);
const never = { accepts: absentOr(), why: 'the provider has no such option' };
const zero = { accepts: absentOr(0), why: 'the provider has no such penalty' };
const textOnly = {
  accepts: (v: unknown) => v == null || (Array.isArray(v) && v.every((m) => m === 'text')),
  why: 'only text output is translated',
};
const legacyFunctions = {
  accepts: absentOr(),
  why: 'the legacy functions API is not translated',
  hint: 'Use tools and tool_choice.',
};
const bookkeeping = {
  ignored: 'OpenAI-side bookkeeping (stored completions, routing hints); the answer is the same without it',
};

export const FIELD_RULES = {
  model: { anthropic: 'mapped', gemini: 'mapped' },
  messages: { anthropic: 'mapped', gemini: 'mapped' },
  max_tokens: { anthropic: 'mapped', gemini: 'mapped' },
  max_completion_tokens: { anthropic: 'mapped', gemini: 'mapped' },
  stop: { anthropic: 'mapped', gemini: 'mapped' },
  temperature: { anthropic: 'mapped', gemini: 'mapped' },
  top_p: { anthropic: 'mapped', gemini: 'mapped' },
  n: {
    anthropic: { accepts: absentOr(1), why: 'one choice per call only', hint: 'Send n separate requests.' },
    gemini: 'mapped',
  },
  stream: { anthropic: 'mapped', gemini: 'mapped' },
  stream_options: { anthropic: 'mapped', gemini: 'mapped' },
  tools: { anthropic: 'mapped', gemini: 'mapped' },
  tool_choice: { anthropic: 'mapped', gemini: 'mapped' },
  parallel_tool_calls: {
    anthropic: 'mapped',
    gemini: { accepts: absentOr(true), why: 'parallel function calls cannot be turned off' },
  },
  response_format: { anthropic: 'mapped', gemini: 'mapped' },
  presence_penalty: { anthropic: zero, gemini: 'mapped' },
  frequency_penalty: { anthropic: zero, gemini: 'mapped' },
  seed: { anthropic: never, gemini: 'mapped' },
  user: {
    anthropic: 'mapped',
    gemini: { ignored: 'read by the gateway for attribution; Gemini has no end-user field' },
  },
  safety_identifier: {
    anthropic: 'mapped',
    gemini: { ignored: 'an abuse-monitoring id; Gemini has no end-user field' },
  },
  logprobs: {
    anthropic: { accepts: absentOr(false), why: 'no log probabilities' },
    gemini: { accepts: absentOr(false), why: 'log probabilities are not translated' },
  },
  top_logprobs: { anthropic: never, gemini: never },
  logit_bias: { anthropic: never, gemini: never },
  modalities: { anthropic: textOnly, gemini: textOnly },
  audio: { anthropic: never, gemini: never },
  prediction: { anthropic: never, gemini: never },
  web_search_options: { anthropic: never, gemini: never },
  reasoning_effort: {
    anthropic: { accepts: absentOr(), why: 'extended thinking is not translated from reasoning_effort' },
    gemini: { accepts: absentOr(), why: 'thinking budgets are not translated from reasoning_effort' },
  },
  verbosity: { anthropic: never, gemini: never },
  functions: { anthropic: legacyFunctions, gemini: legacyFunctions },
  function_call: { anthropic: legacyFunctions, gemini: legacyFunctions },
  store: {
    anthropic: { accepts: absentOr(false), why: 'completions are not stored' },
    gemini: { accepts: absentOr(false), why: 'completions are not stored' },
  },
  metadata: { anthropic: bookkeeping, gemini: bookkeeping },
  prompt_cache_key: { anthropic: bookkeeping, gemini: bookkeeping },
  // Cache lifetimes and retention are promises about data the other providers would not keep.
  prompt_cache_options: { anthropic: never, gemini: never },
  prompt_cache_retention: { anthropic: never, gemini: never },
  moderation: { anthropic: never, gemini: never },
  service_tier: {
    anthropic: { accepts: absentOr('auto', 'default'), why: 'service tiers are not translated' },
    gemini: { accepts: absentOr('auto', 'default'), why: 'service tiers are not translated' },
  },
} satisfies Record<string, Record<Translated, Rule>>;

/** Throws for the first field of `body` the provider cannot honour. */
export function checkFields(body: Record<string, unknown>, provider: Translated): void {
  for (const [field, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const rule = (FIELD_RULES as Record<string, Record<Translated, Rule>>)[field]?.[provider];
    if (rule === undefined) throw unsupported(field, provider, 'the field is not translated');
    if (rule === 'mapped' || 'ignored' in rule) continue;
    if (!rule.accepts(value)) throw unsupported(field, provider, rule.why, rule.hint);
  }
}
