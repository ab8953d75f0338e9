/**
 * Pricing for the gateway and for spend controls.
 *
 * For spend controls (reserve-then-settle): load a book once with
 * `loadPriceBook(store)` (cheap; reload it when prices change), then
 * - `priceUsage(book, provider, model, usage, at)` prices a hypothetical call
 *   exactly, e.g. `{ ...emptyUsage(), inputTokens: est, outputTokens: maxOut }`
 *   for a worst case; it returns null for a model without a price;
 * - `modelLimits(book, provider, model)` gives the model's max output tokens
 *   (and context window), to bound a call that does not name max_tokens.
 * Dated snapshots resolve to their family (gpt-4o-2024-08-06 → gpt-4o).
 */
import type { Money } from '../../base/money.js';
import type { PricedProvider } from '../model.js';
import type { ModelLimits, PriceBook } from './book.js';
import type { TokenUsage } from './types.js';

export { PriceBook, loadPriceBook, type ModelLimits, type PriceResult } from './book.js';
export { emptyUsage, totalTokens, promptTokens, TOKEN_CLASSES, type TokenUsage, type TokenClass } from './types.js';

export function priceUsage(
  book: PriceBook,
  provider: PricedProvider,
  model: string,
  usage: TokenUsage,
  at: Date = new Date(),
): Money | null {
  return book.price(provider, model, usage, at).costUsd;
}

export function modelLimits(book: PriceBook, provider: PricedProvider, model: string): ModelLimits {
  return book.limitsOf(provider, model);
}
