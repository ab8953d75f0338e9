/**
 * Recommendation rules over recorded LLM calls (the gateway's rule table for `oco optimize`).
 * - switch-model: an agent whose calls on a model are short and simple (small prompts, small
 *   outputs, on average) → the economy model of the same provider (the routing tier table, so
 *   route.tiers overrides apply), the saving priced from its actual token volumes by class at
 *   today's price book, for both models.
 * - failed-calls: calls that failed (provider errors, timeouts; not the client's own cancels nor
 *   oco's refusals) but were billed: their cost is waste.
 * - enable-cache (enable-cache.ts): repeated identical requests (by the recorded body hash) the response
 *   cache would have answered.
 * Retries look like any call.
 */
import { money, type Money } from '../../base/money.js';
import { perMonth, type Candidate, type Rule, type RuleContext } from '../../base/recommend/model.js';
import type { Store } from '../../base/store/types.js';
import { isProviderName, type ProviderName } from '../model.js';
import { emptyUsage, loadPriceBook, type PriceBook, type TokenUsage } from '../pricing/index.js';
import { parseTierOverrides, tierTable } from '../routing/tiers.js';
import { enableCacheRule } from './enable-cache.js';

function num(ctx: RuleContext, key: string): number {
  return Number(ctx.setting(key));
}

type Volume = {
  org_id: string;
  team_id: string;
  agent_id: string;
  provider: string;
  model: string;
  calls: unknown;
  input: unknown;
  cached: unknown;
  cache_write: unknown;
  output: unknown;
  reasoning: unknown;
  cost: string | null;
  unpriced: unknown;
};

/** The token classes usage_hourly keeps, and the usage field each is priced as (cache writes as 5-minute ones). */
const CLASSES = [
  ['input', 'inputTokens'],
  ['cached', 'cachedInputTokens'],
  ['cache_write', 'cacheWrite5mTokens'],
  ['output', 'outputTokens'],
  ['reasoning', 'reasoningTokens'],
] as const satisfies ReadonlyArray<readonly [keyof Volume, keyof TokenUsage]>;

/** Probe size: small enough that no long-context tier applies, large enough to be exact in decimals. */
const PROBE = 1_000;

/**
 * What the volume costs on `model`: each class's tokens at its base rate (priced as a 1,000-token
 * probe, so a window's total never selects a long-context tier its short calls never reached).
 */
function priceVolume(book: PriceBook, provider: ProviderName, model: string, v: Volume, at: Date): Money | null {
  let total = money(0);
  for (const [col, field] of CLASSES) {
    const tokens = Number(v[col]);
    if (tokens === 0) continue;
    const probe = book.price(provider, model, { ...emptyUsage(), [field]: PROBE }, at).costUsd;
    if (!probe) return null;
    total = total.plus(probe.times(tokens).dividedBy(PROBE));
  }
  return total;
}

function isChatModel(book: PriceBook, provider: ProviderName, model: string, at: Date): boolean {
  const output = book.version(provider, model, at)?.tiers[0]?.prices.output;
  return output !== undefined && !money(output).isZero();
}

async function volumes(store: Store, ctx: RuleContext): Promise<Volume[]> {
  const d = store.dialect;
  return store.all<Volume>(
    `SELECT org_id, team_id, agent_id, provider, model, SUM(requests) - SUM(refused) AS calls,
       SUM(input_tokens) AS input, SUM(cached_input_tokens) AS cached, SUM(cache_write_tokens) AS cache_write,
       SUM(output_tokens) AS output, SUM(reasoning_tokens) AS reasoning, ${d.sumMoney('cost_usd')} AS cost,
       SUM(unpriced_requests) AS unpriced
     FROM usage_hourly WHERE hour >= $1 AND hour < $2
     GROUP BY org_id, team_id, agent_id, provider, model`,
    [ctx.from.toISOString(), ctx.to.toISOString()],
  );
}

const who = (team: string, agent: string) => `agent ${agent} (team ${team})`;

export const switchModelRule: Rule = {
  id: 'switch-model',
  domain: 'llm',
  action: 'switch-model',
  description:
    "An agent's short, simple calls on a dearer model, priced on the provider's economy model " +
    'at their actual token volumes.',
  thresholds: [
    'optimize.switchModelMaxInputTokens',
    'optimize.switchModelMaxOutputTokens',
    'optimize.switchModelMinRequests',
    'optimize.minMonthlySavings',
  ],
  async evaluate(store, ctx) {
    const maxIn = num(ctx, 'optimize.switchModelMaxInputTokens');
    const maxOut = num(ctx, 'optimize.switchModelMaxOutputTokens');
    const minCalls = num(ctx, 'optimize.switchModelMinRequests');
    const minSavings = money(num(ctx, 'optimize.minMonthlySavings'));
    const book = await loadPriceBook(store);
    const tiers = tierTable(book, parseTierOverrides(ctx.setting('route.tiers') as string | undefined), ctx.now);
    const out: Candidate[] = [];
    for (const v of await volumes(store, ctx)) {
      const calls = Number(v.calls);
      if (!isProviderName(v.provider) || calls < minCalls) continue;
      const provider = v.provider;
      const target = tiers[provider].economy?.model;
      if (!target || !isChatModel(book, provider, v.model, ctx.now)) continue;
      if (book.family(provider, v.model) === book.family(provider, target)) continue;
      const avgIn = (Number(v.input) + Number(v.cached) + Number(v.cache_write)) / calls;
      const avgOut = (Number(v.output) + Number(v.reasoning)) / calls;
      if (avgIn > maxIn || avgOut > maxOut) continue;
      const current = priceVolume(book, provider, v.model, v, ctx.now);
      const cheaper = priceVolume(book, provider, target, v, ctx.now);
      if (!current || !cheaper) continue;
      const saved = current.minus(cheaper);
      const monthly = perMonth(saved, ctx.days);
      if (!saved.isPositive() || monthly.lt(minSavings) || monthly.isZero()) continue;
      out.push({
        provider,
        account: v.org_id,
        resourceId: `team/${v.team_id}/agent/${v.agent_id}/model/${v.model}`,
        resourceType: 'llm-agent-model',
        region: null,
        action: 'switch-model',
        title: `Switch ${who(v.team_id, v.agent_id)} from ${v.model} to ${target}`,
        rationale:
          `${calls} calls in ${ctx.days} days averaging ${Math.round(avgIn)} prompt and ${Math.round(avgOut)} ` +
          `output tokens: short, simple calls. Their tokens cost ${current.toDecimalPlaces(2).toFixed(2)} USD on ` +
          `${v.model} and ${cheaper.toDecimalPlaces(2).toFixed(2)} USD on ${target} at today's prices; ` +
          `${monthly.toDecimalPlaces(2).toFixed(2)} USD a month saved if the answers are good enough.`,
        currency: 'USD',
        monthlySavings: monthly,
        keyFigure: monthly,
        confidence: 0.6,
        effort: 'low',
        restartNeeded: false,
        rollbackPossible: true,
        evidence: {
          calls,
          unpricedCalls: Number(v.unpriced),
          inputTokens: Number(v.input),
          cachedInputTokens: Number(v.cached),
          cacheWriteTokens: Number(v.cache_write),
          outputTokens: Number(v.output),
          reasoningTokens: Number(v.reasoning),
          recordedCostUsd: v.cost === null ? null : money(v.cost).toFixed(),
          currentModel: v.model,
          currentCostUsd: current.toFixed(),
          targetModel: target,
          targetCostUsd: cheaper.toFixed(),
          windowDays: ctx.days,
        },
      });
    }
    return out;
  },
};

/** A failed call: the provider's error status or an error class, other than the client's cancel and oco's refusal. */
const FAILED =
  "(status_code >= 400 OR (error_class IS NOT NULL AND error_class NOT IN ('client_cancelled', 'refused')))";

export const failedCallsRule: Rule = {
  id: 'failed-calls',
  domain: 'llm',
  action: 'reduce-failures',
  description: 'Calls that failed but were billed (timeouts, broken streams, provider errors after tokens).',
  thresholds: ['optimize.failedCallsMinPercent', 'optimize.minMonthlySavings'],
  async evaluate(store, ctx) {
    const minPercent = num(ctx, 'optimize.failedCallsMinPercent');
    const minSavings = money(num(ctx, 'optimize.minMonthlySavings'));
    const d = store.dialect;
    const rows = await store.all<{
      org_id: string;
      team_id: string;
      agent_id: string;
      provider: string;
      model: string;
      calls: unknown;
      failed: unknown;
      unknown_cost: unknown;
      waste: string | null;
    }>(
      `SELECT org_id, team_id, agent_id, provider, model,
         SUM(CASE WHEN error_class = 'refused' THEN 0 ELSE 1 END) AS calls,
         SUM(CASE WHEN ${FAILED} THEN 1 ELSE 0 END) AS failed,
         SUM(CASE WHEN ${FAILED} AND cost_usd IS NULL THEN 1 ELSE 0 END) AS unknown_cost,
         ${d.sumMoney(`CASE WHEN ${FAILED} THEN cost_usd END`)} AS waste
       FROM api_requests WHERE ts >= $1 AND ts < $2
       GROUP BY org_id, team_id, agent_id, provider, model`,
      [ctx.from.toISOString(), ctx.to.toISOString()],
    );
    const out: Candidate[] = [];
    for (const r of rows) {
      const calls = Number(r.calls);
      const failed = Number(r.failed);
      const waste = money(r.waste ?? 0);
      if (failed === 0 || !waste.isPositive() || (failed / calls) * 100 < minPercent) continue;
      const monthly = perMonth(waste, ctx.days);
      if (monthly.lt(minSavings)) continue;
      const unknown = Number(r.unknown_cost);
      out.push({
        provider: r.provider,
        account: r.org_id,
        resourceId: `team/${r.team_id}/agent/${r.agent_id}/model/${r.model}`,
        resourceType: 'llm-agent-model',
        region: null,
        action: 'reduce-failures',
        title: `Fix failing calls of ${who(r.team_id, r.agent_id)} on ${r.model}`,
        rationale:
          `${failed} of ${calls} calls in ${ctx.days} days failed after being billed ` +
          `${waste.toDecimalPlaces(2).toFixed(2)} USD` +
          (unknown > 0 ? ` (and ${unknown} more failed calls whose cost is unknown)` : '') +
          `: ${monthly.toDecimalPlaces(2).toFixed(2)} USD a month paid for nothing. ` +
          'Look at their timeouts, max_tokens and the errors in oco spend requests.',
        currency: 'USD',
        monthlySavings: monthly,
        keyFigure: monthly,
        confidence: 0.5,
        effort: 'medium',
        restartNeeded: false,
        rollbackPossible: true,
        evidence: {
          calls,
          failedCalls: failed,
          failedCallsCostUnknown: unknown,
          failedCostUsd: waste.toFixed(),
          windowDays: ctx.days,
        },
      });
    }
    return out;
  },
};

/** The gateway's rule table. */
export const LLM_RULES: readonly Rule[] = [switchModelRule, failedCallsRule, enableCacheRule];
