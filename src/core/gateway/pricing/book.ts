import { Money, money } from '../../base/money.js';
import type { PricedProvider } from '../model.js';
import type { Queryable } from '../../base/store/types.js';
import { candidateNames } from './family.js';
import { SHIPPED_PRICES } from './table.js';
import {
  CLASS_FALLBACK,
  CLASS_FIELD,
  TOKEN_CLASSES,
  promptTokens,
  type ClassPrices,
  type PriceVersion,
  type TokenClass,
  type TokenUsage,
} from './types.js';

const MILLION = new Money(1_000_000);

export interface PriceResult {
  /** Exact cost, or null when no price is known for the model (never $0 for "unknown"). */
  costUsd: Money | null;
  /** The table entry that priced the call (the family), when one did. */
  pricedAs?: string;
  effectiveFrom?: string;
}

export interface ModelLimits {
  maxOutputTokens?: number;
  contextWindow?: number;
}

/**
 * Every price version known: the shipped table plus the rows in model_pricing
 * (oco pricing set/import). For one call, the version with the latest
 * effective date not after the call wins, whichever source it came from.
 */
export class PriceBook {
  private readonly versions = new Map<string, PriceVersion[]>();
  private readonly limits = new Map<string, ModelLimits>();
  private readonly resolved = new Map<string, string | null>();
  /** Effective dates as epoch ms, parallel to each versions list (parsed once, not per call). */
  private readonly effectiveMs = new Map<string, number[]>();

  constructor(dbVersions: PriceVersion[] = [], dbLimits: Map<string, ModelLimits> = new Map()) {
    for (const m of SHIPPED_PRICES) {
      const tiers = [{ minContextTokens: 0, prices: m.prices }];
      for (const [min, prices] of Object.entries(m.tiers ?? {})) tiers.push({ minContextTokens: Number(min), prices });
      this.add({ provider: m.provider, model: m.model, effectiveFrom: m.effectiveFrom, source: 'builtin', tiers });
      this.limits.set(key(m.provider, m.model), {
        maxOutputTokens: m.maxOutputTokens || undefined,
        contextWindow: m.contextWindow,
      });
    }
    for (const v of dbVersions) this.add(v);
    for (const [k, l] of dbLimits) this.limits.set(k, { ...this.limits.get(k), ...l });
    for (const [k, list] of this.versions) {
      list.sort((a, b) => Date.parse(a.effectiveFrom) - Date.parse(b.effectiveFrom));
      this.effectiveMs.set(
        k,
        list.map((v) => Date.parse(v.effectiveFrom)),
      );
    }
  }

  private add(v: PriceVersion): void {
    const k = key(v.provider, v.model);
    const list = this.versions.get(k) ?? [];
    list.push({ ...v, tiers: [...v.tiers].sort((a, b) => a.minContextTokens - b.minContextTokens) });
    this.versions.set(k, list);
  }

  /** The table name a model resolves to, or null when none is priced. */
  family(provider: PricedProvider, model: string): string | null {
    const k = key(provider, model);
    const hit = this.resolved.get(k);
    if (hit !== undefined) return hit;
    const found = candidateNames(model).find((n) => this.versions.has(key(provider, n))) ?? null;
    this.resolved.set(k, found);
    return found;
  }

  /** The version in force at a time; before the first one, the first one. */
  version(provider: PricedProvider, model: string, at: Date = new Date()): PriceVersion | undefined {
    const fam = this.family(provider, model);
    if (!fam) return undefined;
    const k = key(provider, fam);
    const list = this.versions.get(k)!;
    const eff = this.effectiveMs.get(k)!;
    const t = at.getTime();
    let chosen = list[0];
    for (let i = 0; i < list.length; i++) if (eff[i]! <= t) chosen = list[i];
    return chosen;
  }

  price(provider: PricedProvider, model: string, usage: TokenUsage, at: Date = new Date()): PriceResult {
    const v = this.version(provider, model, at);
    if (!v) return { costUsd: null };
    const prompt = promptTokens(usage);
    let tier = v.tiers[0]!;
    for (const t of v.tiers) if (prompt > t.minContextTokens) tier = t;
    const base = v.tiers[0]!.prices;
    let cost = new Money(0);
    for (const cls of TOKEN_CLASSES) {
      const n = usage[CLASS_FIELD[cls]];
      if (!n) continue;
      const rate = classRate(cls, tier.prices, base);
      if (rate === undefined) return { costUsd: null, pricedAs: v.model };
      cost = cost.plus(rateOf(rate).times(n));
    }
    return { costUsd: cost.div(MILLION), pricedAs: v.model, effectiveFrom: v.effectiveFrom };
  }

  limitsOf(provider: PricedProvider, model: string): ModelLimits {
    const fam = this.family(provider, model);
    return fam ? (this.limits.get(key(provider, fam)) ?? {}) : {};
  }

  /** Every known version, newest first per model, for listings. */
  allVersions(): PriceVersion[] {
    return [...this.versions.values()].flatMap((l) => [...l].reverse());
  }
}

const RATES = new Map<string, Money>();

/** Rates are few and reused on every call: parse each decimal string once. */
function rateOf(rate: string): Money {
  let m = RATES.get(rate);
  if (!m) {
    m = money(rate);
    if (RATES.size < 10_000) RATES.set(rate, m);
  }
  return m;
}

function classRate(cls: TokenClass, tier: ClassPrices, base: ClassPrices): string | undefined {
  let c: TokenClass | undefined = cls;
  for (let guard = 0; c && guard < 4; guard++) {
    const r = tier[c] ?? base[c];
    if (r !== undefined) return r;
    c = CLASS_FALLBACK[c];
  }
  return undefined;
}

function key(provider: string, model: string): string {
  return `${provider}\u0000${model}`;
}

/** Reads model_pricing into versions (one per provider, model and effective date). */
export async function loadPriceBook(db: Queryable): Promise<PriceBook> {
  const rows = await db.all<{
    provider: string;
    model: string;
    token_class: string;
    min_context_tokens: unknown;
    usd_per_mtok: unknown;
    effective_from: string;
    source: string;
  }>(
    'SELECT provider, model, token_class, min_context_tokens, usd_per_mtok, effective_from, source FROM model_pricing',
  );
  const byVersion = new Map<string, PriceVersion>();
  const limits = new Map<string, ModelLimits>();
  for (const r of rows) {
    const eff = new Date(r.effective_from).toISOString();
    if (r.token_class === 'max_output_tokens') {
      limits.set(key(r.provider, r.model), { maxOutputTokens: Number(r.usd_per_mtok) });
      continue;
    }
    const vk = `${key(r.provider, r.model)}\u0000${eff}`;
    let v = byVersion.get(vk);
    if (!v) {
      v = { provider: r.provider, model: r.model, effectiveFrom: eff, source: r.source, tiers: [] };
      byVersion.set(vk, v);
    }
    const min = Number(r.min_context_tokens);
    let tier = v.tiers.find((t) => t.minContextTokens === min);
    if (!tier) v.tiers.push((tier = { minContextTokens: min, prices: {} }));
    tier.prices[r.token_class as TokenClass] = money(String(r.usd_per_mtok)).toFixed();
  }
  const versions = [...byVersion.values()].filter((v) => v.tiers.some((t) => t.minContextTokens === 0));
  return new PriceBook(versions, limits);
}
