import type { PricedProvider } from '../model.js';

/**
 * Token counts of one call, by billing class, normalised across providers so
 * that each token is counted in exactly one class:
 * - inputTokens: prompt tokens billed at the plain input rate (cache reads and writes excluded);
 * - outputTokens: visible output, reasoning excluded (OpenAI's completion tokens minus reasoning;
 *   Gemini's candidates; Anthropic's output, which includes thinking: Anthropic does not split it);
 * - reasoningTokens: OpenAI reasoning tokens, Gemini thoughts (billed at the output rate unless priced apart);
 * - toolPromptTokens: Gemini tool-use prompt tokens (billed as input).
 */
export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  toolPromptTokens: number;
}

export const TOKEN_CLASSES = [
  'input',
  'cached_input',
  'cache_write_5m',
  'cache_write_1h',
  'output',
  'reasoning',
  'tool_prompt',
] as const;
export type TokenClass = (typeof TOKEN_CLASSES)[number];

/** Which usage field each class prices. */
export const CLASS_FIELD: Record<TokenClass, keyof TokenUsage> = {
  input: 'inputTokens',
  cached_input: 'cachedInputTokens',
  cache_write_5m: 'cacheWrite5mTokens',
  cache_write_1h: 'cacheWrite1hTokens',
  output: 'outputTokens',
  reasoning: 'reasoningTokens',
  tool_prompt: 'toolPromptTokens',
};

/** A class without its own price is billed at another class's rate. */
export const CLASS_FALLBACK: Partial<Record<TokenClass, TokenClass>> = {
  cached_input: 'input',
  cache_write_5m: 'input',
  cache_write_1h: 'cache_write_5m',
  reasoning: 'output',
  tool_prompt: 'input',
};

export function emptyUsage(): TokenUsage {
  return {
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    toolPromptTokens: 0,
  };
}

/** Prompt size that selects a context tier (>200k etc.): every input token the model read. */
export function promptTokens(u: TokenUsage): number {
  return u.inputTokens + u.cachedInputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens + u.toolPromptTokens;
}

export function totalTokens(u: TokenUsage): number {
  return promptTokens(u) + u.outputTokens + u.reasoningTokens;
}

/** USD per 1M tokens by class, as decimal strings. */
export type ClassPrices = Partial<Record<TokenClass, string>>;

/** One dated price version of a model: the base prices and tiers that apply above a prompt size. */
export interface PriceVersion {
  provider: PricedProvider;
  model: string;
  effectiveFrom: string;
  source: string;
  /** Sorted by minContextTokens ascending; the first has 0. */
  tiers: Array<{ minContextTokens: number; prices: ClassPrices }>;
}
