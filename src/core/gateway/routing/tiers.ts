/**
 * Tier → model, per provider. The defaults come from the price book: within each provider's
 * current model line (CURRENT_LINES, the one thing named here), the cheapest priced chat model is
 * economy, the dearest premium and the middle one standard, ranked on a reference call of
 * 3,000 input and 1,000 output tokens (small enough that no long-context price tier applies).
 * A model priced with `oco pricing set` joins its line.
 * The `route.tiers` configuration key overrides any of them (`economy.openai=gpt-4.1-mini,…`).
 */
import { ConfigError } from '../../base/errors.js';
import { Money } from '../../base/money.js';
import { isProviderName, LLM_PROVIDERS, type ProviderName } from '../model.js';
import { emptyUsage, type PriceBook } from '../pricing/index.js';
import { TIERS, type Tier } from './score.js';

/** Each provider's current generation of chat models, by name; older lines are only reached by override. */
export const CURRENT_LINES: Record<ProviderName, RegExp> = {
  openai: /^gpt-5(-[a-z]+)?$/,
  anthropic: /^claude-(haiku|sonnet|opus)-4-5$/,
  gemini: /^gemini-2\.5-[a-z-]+$/,
};

export interface TierModel {
  model: string;
  /** Where the choice came from: the price book's ranking, or the route.tiers key. */
  source: 'priceBook' | 'config';
}

export type TierTable = Record<ProviderName, Record<Tier, TierModel | null>>;

/** The reference call the line is ranked on: the usual 3:1 input:output mix, below every context tier. */
const REFERENCE = { ...emptyUsage(), inputTokens: 3_000, outputTokens: 1_000 };

/** The price of the reference call, or null for a model without a price. */
export function referencePrice(book: PriceBook, provider: ProviderName, model: string, at: Date): Money | null {
  return book.price(provider, model, REFERENCE, at).costUsd;
}

export function tierTable(book: PriceBook, overrides: TierOverrides = {}, at: Date = new Date()): TierTable {
  const ranked = new Map<ProviderName, Array<{ model: string; price: Money }>>();
  const seen = new Set<string>();
  for (const v of book.allVersions()) {
    if (!isProviderName(v.provider)) continue; // an OpenAI-compatible upstream has no tiers
    const line = CURRENT_LINES[v.provider];
    if (!line.test(v.model) || seen.has(`${v.provider}/${v.model}`)) continue;
    seen.add(`${v.provider}/${v.model}`);
    const output = v.tiers[0]?.prices.output;
    if (output === undefined || new Money(output).isZero()) continue; // embeddings
    const price = referencePrice(book, v.provider, v.model, at);
    if (!price) continue;
    const list = ranked.get(v.provider) ?? [];
    list.push({ model: v.model, price });
    ranked.set(v.provider, list);
  }
  const table = {} as TierTable;
  for (const provider of LLM_PROVIDERS) {
    const list = (ranked.get(provider) ?? []).sort((a, b) => a.price.cmp(b.price) || a.model.localeCompare(b.model));
    const pick = (i: number): TierModel | null => (list[i] ? { model: list[i]!.model, source: 'priceBook' } : null);
    table[provider] = {
      economy: pick(0),
      standard: pick(Math.floor((list.length - 1) / 2)),
      premium: pick(list.length - 1),
    };
    for (const tier of TIERS) {
      const model = overrides[provider]?.[tier];
      if (model) table[provider][tier] = { model, source: 'config' };
    }
  }
  return table;
}

export type TierOverrides = Partial<Record<ProviderName, Partial<Record<Tier, string>>>>;

/** `economy.openai=gpt-4.1-mini,premium.anthropic=claude-opus-4-1` → overrides; a bad entry names the key. */
export function parseTierOverrides(text: string | undefined, key = 'route.tiers'): TierOverrides {
  const out: TierOverrides = {};
  if (!text) return out;
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = /^([a-z]+)\.([a-z]+)=(\S+)$/.exec(entry);
    const tier = m?.[1] as Tier | undefined;
    const provider = m?.[2];
    if (!m || !TIERS.includes(tier!) || !isProviderName(provider!)) {
      throw new ConfigError(`${key}: "${entry}" is not TIER.PROVIDER=MODEL`, {
        hint: `Tiers: ${TIERS.join(', ')}; providers: ${LLM_PROVIDERS.join(', ')}; e.g. economy.openai=gpt-4.1-mini.`,
      });
    }
    (out[provider] ??= {})[tier!] = m[3]!;
  }
  return out;
}
