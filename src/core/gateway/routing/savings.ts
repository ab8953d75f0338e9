/**
 * What routing saved on one call: the original model's price for the token counts the call used,
 * minus what the routed model cost, in exact decimals (the price book's own arithmetic). Unknown
 * when either model has no price: never a guessed 0.
 */
import type { Money } from '../../base/money.js';
import type { PricedProvider } from '../model.js';
import type { PriceBook, TokenUsage } from '../pricing/index.js';

export interface ModelRef {
  provider: PricedProvider;
  model: string;
}

export interface Savings {
  originalCostUsd: Money | null;
  routedCostUsd: Money | null;
  /** original − routed (negative when the routed call cost more); null when either is unknown. */
  savingsUsd: Money | null;
}

export function routingSavings(
  book: PriceBook,
  usage: TokenUsage,
  original: ModelRef,
  routed: ModelRef,
  at: Date = new Date(),
): Savings {
  const originalCostUsd = book.price(original.provider, original.model, usage, at).costUsd;
  const routedCostUsd = book.price(routed.provider, routed.model, usage, at).costUsd;
  return {
    originalCostUsd,
    routedCostUsd,
    savingsUsd: originalCostUsd && routedCostUsd ? originalCostUsd.minus(routedCostUsd) : null,
  };
}
