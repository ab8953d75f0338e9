/**
 * The routing decision: strategy + request → the model to call, and why. Pure and synchronous:
 * the price book, the tier table and any measured latencies are handed in, nothing is read here.
 *
 * - off: the requested model, always (also what `X-OCO-Route: off` asks for);
 * - cost: the score's tier model of the requested provider, unless it would cost more than the
 *   requested model for this request (never routes up in price);
 * - quality: the requested model, unless the score says premium and the requested model is
 *   cheaper than the provider's premium model (then that one);
 * - latency: among the tier's models of every candidate provider, the lowest measured median
 *   latency; with none measured, the cost decision, saying so.
 */
import { UsageError } from '../../base/errors.js';
import type { Money } from '../../base/money.js';
import { LLM_PROVIDERS, type ProviderName } from '../model.js';
import { emptyUsage, type PriceBook, type TokenUsage } from '../pricing/index.js';
import { routeModel } from '../translate/model-route.js';
import type { ChatRequest } from '../translate/types.js';
import { extractFeatures, type RequestFeatures } from './features.js';
import { scoreFeatures, type Contribution, type Tier } from './score.js';
import type { TierTable } from './tiers.js';

export const STRATEGIES = ['off', 'cost', 'quality', 'latency'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Output tokens assumed when a request names no limit, to compare two models' prices for it. */
export const DEFAULT_OUTPUT_ESTIMATE = 1024;

export interface MeasuredLatency {
  medianMs: number;
  samples: number;
}

export interface RouteContext {
  book: PriceBook;
  tiers: TierTable;
  /** Median latency of recent successful calls, keyed `provider/model` (the latency strategy only). */
  latencies?: ReadonlyMap<string, MeasuredLatency>;
  /** Providers the latency strategy may move a call to (default: all). */
  providers?: readonly ProviderName[];
  at?: Date;
}

export interface RouteDecision {
  strategy: Strategy;
  score: number;
  features: RequestFeatures;
  contributions: Contribution[];
  tier: Tier;
  requestedModel: string;
  chosenModel: string;
  provider: ProviderName;
  /** The chosen model differs from the requested one. */
  routed: boolean;
  reason: string;
}

export function parseStrategy(value: string, where = 'strategy'): Strategy {
  const v = value.trim().toLowerCase();
  if ((STRATEGIES as readonly string[]).includes(v)) return v as Strategy;
  throw new UsageError(`${where}: "${value}" is not a routing strategy`, { hint: `Use ${STRATEGIES.join(', ')}.` });
}

export function decideRoute(req: ChatRequest, strategy: Strategy, ctx: RouteContext): RouteDecision {
  const route = routeModel(req.model);
  const features = extractFeatures(req);
  const { score, tier, contributions } = scoreFeatures(features);
  const base = { strategy, score, features, contributions, tier, requestedModel: req.model };
  const done = (chosen: string, provider: ProviderName, reason: string): RouteDecision => {
    const chosenModel = chosen === route.model && provider === route.provider ? req.model : modelName(chosen, provider);
    return { ...base, chosenModel, provider, routed: chosenModel !== req.model, reason };
  };
  const at = ctx.at ?? new Date();
  const usage = estimateUsage(features);
  const price = (provider: ProviderName, model: string) => ctx.book.price(provider, model, usage, at).costUsd;

  if (strategy === 'off') return done(route.model, route.provider, 'routing off: the requested model is pinned');
  const requestedPrice = price(route.provider, route.model);

  const cost = (prefix = ''): RouteDecision => {
    const target = ctx.tiers[route.provider][tier];
    if (!target) return done(route.model, route.provider, `${prefix}no ${tier} model for ${route.provider}: kept`);
    if (target.model === route.model) return done(route.model, route.provider, `${prefix}already the ${tier} model`);
    const targetPrice = price(route.provider, target.model);
    if (!requestedPrice) return done(route.model, route.provider, `${prefix}${req.model} has no price: kept`);
    if (!targetPrice) return done(route.model, route.provider, `${prefix}${target.model} has no price: kept`);
    if (targetPrice.gte(requestedPrice))
      return done(
        route.model,
        route.provider,
        `${prefix}the ${tier} model ${target.model} would cost ${usd(targetPrice)}, ` +
          `not less than ${req.model}'s ${usd(requestedPrice)}: never routed up in price`,
      );
    return done(
      target.model,
      route.provider,
      `${prefix}score ${score} → ${tier}: ${target.model} (${usd(targetPrice)} for this request) ` +
        `instead of ${req.model} (${usd(requestedPrice)})`,
    );
  };

  switch (strategy) {
    case 'cost':
      return cost();
    case 'quality': {
      const premium = ctx.tiers[route.provider].premium;
      if (tier !== 'premium')
        return done(route.model, route.provider, `score ${score} → ${tier}: requested model kept`);
      if (!premium || premium.model === route.model)
        return done(route.model, route.provider, `score ${score} → premium: ${req.model} kept`);
      const premiumPrice = price(route.provider, premium.model);
      if (!requestedPrice || !premiumPrice || premiumPrice.lte(requestedPrice))
        return done(
          route.model,
          route.provider,
          `score ${score} → premium: ${req.model} is not below ${premium.model}`,
        );
      return done(
        premium.model,
        route.provider,
        `score ${score} → premium: ${premium.model} instead of the cheaper ${req.model}`,
      );
    }
    case 'latency': {
      const measured: Array<{ provider: ProviderName; model: string; m: MeasuredLatency }> = [];
      for (const provider of ctx.providers ?? LLM_PROVIDERS) {
        const t = ctx.tiers[provider][tier];
        const m = t && ctx.latencies?.get(`${provider}/${t.model}`);
        if (t && m && m.samples > 0) measured.push({ provider, model: t.model, m });
      }
      if (measured.length === 0) return cost(`no latency recorded for the ${tier} models; cost strategy: `);
      measured.sort((a, b) => a.m.medianMs - b.m.medianMs || a.model.localeCompare(b.model));
      const best = measured[0]!;
      const others = measured
        .slice(1)
        .map((c) => `${c.provider}/${c.model} ${c.m.medianMs} ms`)
        .join(', ');
      return done(
        best.model,
        best.provider,
        `score ${score} → ${tier}: lowest median latency ${best.m.medianMs} ms over ${best.m.samples} calls` +
          (others ? ` (${others})` : ''),
      );
    }
  }
}

/** The usage the price comparison assumes: the prompt estimate in, max output (or the default) out. */
export function estimateUsage(f: RequestFeatures): TokenUsage {
  return { ...emptyUsage(), inputTokens: f.promptTokens, outputTokens: f.maxOutputTokens ?? DEFAULT_OUTPUT_ESTIMATE };
}

/** A model name that routes to its provider on the unified endpoint: `provider/model` when no prefix claims it. */
function modelName(model: string, provider: ProviderName): string {
  try {
    if (routeModel(model).provider === provider) return model;
  } catch {
    // no prefix claims it: name the provider
  }
  return `${provider}/${model}`;
}

function usd(m: Money): string {
  return `$${m.toSignificantDigits(4).toFixed()}`;
}
