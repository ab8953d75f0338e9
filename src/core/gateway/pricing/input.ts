import { UsageError } from '../../base/errors.js';
import type { PricedProvider } from '../model.js';
import { parseTimeOrDuration } from '../usage/time.js';
import { guessProvider, parseProvider, parseRate } from './service.js';
import type { ClassPrices, TokenClass } from './types.js';

/** `oco pricing set`'s rate flags and the token class each sets (the admin API's body fields, `-` or `_`). */
export const RATE_FLAGS: ReadonlyArray<readonly [string, TokenClass]> = [
  ['input', 'input'],
  ['cached-input', 'cached_input'],
  ['cache-write-5m', 'cache_write_5m'],
  ['cache-write-1h', 'cache_write_1h'],
  ['output', 'output'],
  ['reasoning', 'reasoning'],
  ['tool-prompt', 'tool_prompt'],
];

export interface PriceInput {
  provider: PricedProvider;
  model: string;
  prices: ClassPrices;
  minContextTokens: number;
  effectiveFrom: Date;
}

/**
 * The one reading of a price change, for `oco pricing set` (flags) and `POST /api/v1/pricing` (body): rates as
 * decimal strings (or numbers, from JSON) of USD per 1M tokens, `min-context` a whole number ≥ 0,
 * `effective-from` an ISO-8601 time or a duration back from now (default now).
 */
export function parsePriceInput(input: Record<string, unknown>, now = new Date()): PriceInput {
  const model = input.model;
  if (typeof model !== 'string' || model.trim() === '')
    throw new UsageError('model: a model name is required', { details: { flag: 'model' } });
  const provider = parseProvider(
    input.provider === undefined ? guessProvider(model) : String(input.provider),
    '--provider',
  );
  const prices: ClassPrices = {};
  for (const [flag, cls] of RATE_FLAGS) {
    const v = input[flag];
    if (v === undefined) continue;
    if (typeof v !== 'string' && typeof v !== 'number')
      throw new UsageError(`--${flag} must be a decimal number of USD per 1M tokens`, { details: { flag } });
    prices[cls] = parseRate(String(v), `--${flag}`);
  }
  const minCtx = input['min-context'] ?? 0;
  if (!Number.isInteger(Number(minCtx)) || Number(minCtx) < 0 || (typeof minCtx === 'string' && !/^\d+$/.test(minCtx)))
    throw new UsageError(`--min-context must be a whole number of tokens ≥ 0 (got "${String(minCtx)}")`, {
      details: { flag: 'min-context' },
    });
  const eff = input['effective-from'];
  if (eff !== undefined && typeof eff !== 'string')
    throw new UsageError('--effective-from must be an ISO-8601 time or a duration', {
      details: { flag: 'effective-from' },
    });
  return {
    provider,
    model,
    prices,
    minContextTokens: Number(minCtx),
    effectiveFrom: eff ? parseTimeOrDuration(eff, 'effective-from', 'past', now) : now,
  };
}
