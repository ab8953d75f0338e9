import type { ProviderName } from '../model.js';
import type { ClassPrices } from './types.js';

/**
 * The shipped price table, USD per 1M tokens, from the providers' public price
 * pages. Dated: a new price is a new entry with a later effectiveFrom, never an
 * edit, so costs recorded before it stay reproducible. Classes left out are billed
 * through CLASS_FALLBACK (cache read → input, reasoning → output…).
 */
export interface ShippedModel {
  provider: ProviderName;
  model: string;
  effectiveFrom: string;
  prices: ClassPrices;
  /** Prices that replace the base ones when the prompt is larger than the key (tokens). */
  tiers?: Record<number, ClassPrices>;
  maxOutputTokens: number;
  contextWindow: number;
}

const SINCE = '2024-01-01T00:00:00.000Z';

function openai(
  model: string,
  input: string,
  cached: string | undefined,
  output: string,
  maxOutputTokens: number,
  contextWindow: number,
): ShippedModel {
  return {
    provider: 'openai',
    model,
    effectiveFrom: SINCE,
    prices: { input, ...(cached ? { cached_input: cached } : {}), output },
    maxOutputTokens,
    contextWindow,
  };
}

/** Anthropic: cache writes cost 1.25× input for 5 minutes and 2× for 1 hour; reads 0.1×. */
function anthropic(
  model: string,
  input: string,
  w5m: string,
  w1h: string,
  read: string,
  output: string,
  maxOutputTokens: number,
  tiers?: ShippedModel['tiers'],
): ShippedModel {
  return {
    provider: 'anthropic',
    model,
    effectiveFrom: SINCE,
    prices: { input, cache_write_5m: w5m, cache_write_1h: w1h, cached_input: read, output },
    ...(tiers ? { tiers } : {}),
    maxOutputTokens,
    contextWindow: tiers ? 1_000_000 : 200_000,
  };
}

function gemini(
  model: string,
  input: string,
  cached: string | undefined,
  output: string,
  maxOutputTokens: number,
  contextWindow: number,
  tiers?: ShippedModel['tiers'],
): ShippedModel {
  return {
    provider: 'gemini',
    model,
    effectiveFrom: SINCE,
    prices: { input, ...(cached ? { cached_input: cached } : {}), output },
    ...(tiers ? { tiers } : {}),
    maxOutputTokens,
    contextWindow,
  };
}

export const SHIPPED_PRICES: readonly ShippedModel[] = [
  openai('gpt-5', '1.25', '0.125', '10', 128_000, 400_000),
  openai('gpt-5-mini', '0.25', '0.025', '2', 128_000, 400_000),
  openai('gpt-5-nano', '0.05', '0.005', '0.4', 128_000, 400_000),
  openai('gpt-4.1', '2', '0.5', '8', 32_768, 1_047_576),
  openai('gpt-4.1-mini', '0.4', '0.1', '1.6', 32_768, 1_047_576),
  openai('gpt-4.1-nano', '0.1', '0.025', '0.4', 32_768, 1_047_576),
  openai('gpt-4o', '2.5', '1.25', '10', 16_384, 128_000),
  openai('gpt-4o-mini', '0.15', '0.075', '0.6', 16_384, 128_000),
  openai('o1', '15', '7.5', '60', 100_000, 200_000),
  openai('o1-mini', '1.1', '0.55', '4.4', 65_536, 128_000),
  openai('o3', '2', '0.5', '8', 100_000, 200_000),
  openai('o3-mini', '1.1', '0.55', '4.4', 100_000, 200_000),
  openai('o4-mini', '1.1', '0.275', '4.4', 100_000, 200_000),
  openai('gpt-4-turbo', '10', undefined, '30', 4_096, 128_000),
  openai('gpt-4', '30', undefined, '60', 8_192, 8_192),
  openai('gpt-3.5-turbo', '0.5', undefined, '1.5', 4_096, 16_385),
  openai('gpt-3.5-turbo-instruct', '1.5', undefined, '2', 4_096, 4_096),
  openai('text-embedding-3-small', '0.02', undefined, '0', 0, 8_191),
  openai('text-embedding-3-large', '0.13', undefined, '0', 0, 8_191),
  openai('text-embedding-ada-002', '0.1', undefined, '0', 0, 8_191),

  anthropic('claude-opus-4-5', '5', '6.25', '10', '0.5', '25', 64_000),
  anthropic('claude-opus-4-1', '15', '18.75', '30', '1.5', '75', 32_000),
  anthropic('claude-opus-4', '15', '18.75', '30', '1.5', '75', 32_000),
  anthropic('claude-sonnet-4-5', '3', '3.75', '6', '0.3', '15', 64_000, {
    200_000: { input: '6', cache_write_5m: '7.5', cache_write_1h: '12', cached_input: '0.6', output: '22.5' },
  }),
  anthropic('claude-sonnet-4', '3', '3.75', '6', '0.3', '15', 64_000, {
    200_000: { input: '6', cache_write_5m: '7.5', cache_write_1h: '12', cached_input: '0.6', output: '22.5' },
  }),
  anthropic('claude-haiku-4-5', '1', '1.25', '2', '0.1', '5', 64_000),
  anthropic('claude-3-7-sonnet', '3', '3.75', '6', '0.3', '15', 64_000),
  anthropic('claude-3-5-sonnet', '3', '3.75', '6', '0.3', '15', 8_192),
  anthropic('claude-3-5-haiku', '0.8', '1', '1.6', '0.08', '4', 8_192),
  anthropic('claude-3-opus', '15', '18.75', '30', '1.5', '75', 4_096),
  anthropic('claude-3-haiku', '0.25', '0.3', '0.5', '0.03', '1.25', 4_096),

  gemini('gemini-2.5-pro', '1.25', '0.125', '10', 65_536, 1_048_576, {
    200_000: { input: '2.5', cached_input: '0.25', output: '15' },
  }),
  gemini('gemini-2.5-flash', '0.3', '0.03', '2.5', 65_536, 1_048_576),
  gemini('gemini-2.5-flash-lite', '0.1', '0.01', '0.4', 65_536, 1_048_576),
  gemini('gemini-2.0-flash', '0.1', '0.025', '0.4', 8_192, 1_048_576),
  gemini('gemini-2.0-flash-lite', '0.075', undefined, '0.3', 8_192, 1_048_576),
  gemini('gemini-1.5-pro', '1.25', '0.3125', '5', 8_192, 2_097_152, {
    128_000: { input: '2.5', cached_input: '0.625', output: '10' },
  }),
  gemini('gemini-1.5-flash', '0.075', '0.01875', '0.3', 8_192, 1_048_576, {
    128_000: { input: '0.15', cached_input: '0.0375', output: '0.6' },
  }),
  gemini('gemini-embedding-001', '0.15', undefined, '0', 0, 2_048),
];
