/**
 * The gateway's insight table (`oco insights`, docs/insights.md), each over the hourly rollup
 * usage_hourly for the window, never the call rows, except latency, which reads at most
 * LATENCY_SAMPLES recent calls per model through the (model, ts) index:
 * - top-spender: the teams and agents with the most spend, and their share of the window's spend;
 * - routing-savings: what smart routing saved (requested model → called model), and the routed calls
 *   whose saving is unknown;
 * - unpriced-calls: calls whose cost is unknown (no price for the model), per provider and model;
 * - latency-outlier: a model whose slow calls (95th percentile) take a multiple of its median.
 * Spikes, model switches, caching and failed-call waste come from the anomaly and recommendation
 * features (base/insights).
 */
import { money, type Money } from '../../base/money.js';
import type { Insight, InsightContext, InsightSource } from '../../base/insights/model.js';
import type { Store } from '../../base/store/types.js';
import { recentLatencies } from './latency.js';

const setting = (ctx: InsightContext, key: string) => Number(ctx.setting(key));

function window(ctx: InsightContext): { from: string; to: string } {
  return { from: ctx.from.toISOString(), to: ctx.to.toISOString() };
}

/** --since/--until of `oco spend summary` for the window. */
const spendWindow = (ctx: InsightContext) => `--since ${ctx.from.toISOString()} --until ${ctx.to.toISOString()}`;

/** Part of whole in percent, two decimals (null when the whole is 0). */
function percent(part: Money, whole: Money): string | null {
  return whole.isZero() ? null : part.dividedBy(whole).times(100).toDecimalPlaces(2).toFixed();
}

const DIMENSIONS = [
  { name: 'team', column: 'team_id' },
  { name: 'agent', column: 'agent_id' },
] as const;

export const topSpenders: InsightSource = {
  kind: 'top-spender',
  domain: 'llm',
  description:
    'The insights.topSpenders teams and agents with the most LLM spend in the window and their share of it ' +
    '(a warning from half of it); unpriced calls are counted, never as free.',
  async evaluate(store: Store, ctx: InsightContext): Promise<Insight[]> {
    const top = setting(ctx, 'insights.topSpenders');
    const d = store.dialect;
    const params = [ctx.from.toISOString(), ctx.to.toISOString()];
    const out: Insight[] = [];
    for (const dim of DIMENSIONS) {
      const rows = await store.all<{ k: string; cost: string | null; calls: unknown; unpriced: unknown }>(
        `SELECT ${dim.column} AS k, ${d.sumMoney('cost_usd')} AS cost, SUM(requests) - SUM(refused) AS calls,
           SUM(unpriced_requests) AS unpriced
         FROM usage_hourly WHERE hour >= $1 AND hour < $2 GROUP BY ${dim.column}`,
        params,
      );
      const total = rows.reduce((s, r) => s.plus(r.cost ?? 0), money(0));
      const unpricedTotal = rows.reduce((s, r) => s + Number(r.unpriced), 0);
      if (!total.isPositive()) continue;
      const ranked = rows
        .map((r) => ({ ...r, amount: money(r.cost ?? 0) }))
        .filter((r) => r.amount.isPositive())
        .sort((a, b) => b.amount.comparedTo(a.amount) || a.k.localeCompare(b.k))
        .slice(0, top);
      ranked.forEach((r, i) => {
        const share = percent(r.amount, total);
        const unpriced = Number(r.unpriced);
        out.push({
          id: `top-spender:${dim.name}=${r.k}`,
          domain: 'llm',
          kind: 'top-spender',
          severity: share !== null && money(share).gte(50) ? 'warning' : 'info',
          title: `${dim.name} ${r.k} is #${i + 1} in LLM spend: ${share}% of ${total.toFixed()} USD`,
          impact: r.amount.toFixed(),
          currency: 'USD',
          numbers: {
            [dim.name]: r.k,
            rank: i + 1,
            costUsd: r.amount.toFixed(),
            totalCostUsd: total.toFixed(),
            sharePercent: share,
            calls: Number(r.calls),
            unpricedCalls: unpriced,
            // With unpriced calls anywhere, every share is of the known spend only.
            totalUnpricedCalls: unpricedTotal,
          },
          period: window(ctx),
          action: `oco spend summary --by ${dim.name} ${spendWindow(ctx)}`,
        });
      });
    }
    return out;
  },
};

export const routingSavings: InsightSource = {
  kind: 'routing-savings',
  domain: 'llm',
  description:
    'What smart routing saved in the window (the requested model’s price minus the called one’s, recorded ' +
    'per call), with the routed calls whose saving is unknown (a price missing).',
  async evaluate(store: Store, ctx: InsightContext): Promise<Insight[]> {
    const d = store.dialect;
    const r = await store.get<{ routed: unknown; unknown: unknown; saved: string | null }>(
      `SELECT SUM(routed_requests) AS routed, SUM(unknown_savings_requests) AS unknown,
         ${d.sumMoney('savings_usd')} AS saved
       FROM usage_hourly WHERE hour >= $1 AND hour < $2`,
      [ctx.from.toISOString(), ctx.to.toISOString()],
    );
    const routed = Number(r?.routed ?? 0);
    if (routed === 0) return [];
    const unknown = Number(r?.unknown ?? 0);
    const saved = money(r?.saved ?? 0);
    // Every routed call's saving unknown: the total is unknown, not 0.
    const impact = unknown === routed ? null : saved.toFixed();
    return [
      {
        id: 'routing-savings',
        domain: 'llm',
        kind: 'routing-savings',
        severity: 'info',
        title:
          impact === null
            ? `Smart routing moved ${routed} calls; their savings are unknown (prices missing)`
            : `Smart routing saved ${saved.toFixed()} USD over ${routed} calls` +
              (unknown ? ` (${unknown} more with unknown savings)` : ''),
        impact,
        currency: 'USD',
        numbers: { routedCalls: routed, savingsUsd: impact, unknownSavingsCalls: unknown },
        period: window(ctx),
        action: 'oco spend requests --routed',
      },
    ];
  },
};

export const unpricedCalls: InsightSource = {
  kind: 'unpriced-calls',
  domain: 'llm',
  description:
    'Calls whose cost is unknown because their model has no price, per provider and model: their spend is ' +
    'missing from every total until a price is set.',
  async evaluate(store: Store, ctx: InsightContext): Promise<Insight[]> {
    const rows = await store.all<{ provider: string; model: string; unpriced: unknown; calls: unknown }>(
      `SELECT provider, model, SUM(unpriced_requests) AS unpriced, SUM(requests) - SUM(refused) AS calls
       FROM usage_hourly WHERE hour >= $1 AND hour < $2 GROUP BY provider, model
       HAVING SUM(unpriced_requests) > 0 ORDER BY provider, model`,
      [ctx.from.toISOString(), ctx.to.toISOString()],
    );
    return rows.map((r) => ({
      id: `unpriced-calls:${r.provider}/${r.model}`,
      domain: 'llm' as const,
      kind: 'unpriced-calls',
      severity: 'warning' as const,
      title: `${Number(r.unpriced)} calls to ${r.provider}/${r.model} have no price: their cost is unknown`,
      impact: null,
      currency: 'USD',
      numbers: { provider: r.provider, model: r.model, unpricedCalls: Number(r.unpriced), calls: Number(r.calls) },
      period: window(ctx),
      action: 'oco pricing unpriced',
    }));
  },
};

/** The nearest-rank percentile of ascending values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const latencyOutliers: InsightSource = {
  kind: 'latency-outlier',
  domain: 'llm',
  description:
    'A model whose 95th-percentile latency is at least insights.latencyOutlierRatio times its median, over ' +
    'its most recent successful calls in the window (at least insights.latencyMinSamples of them, at most 500).',
  async evaluate(store: Store, ctx: InsightContext): Promise<Insight[]> {
    const ratio = setting(ctx, 'insights.latencyOutlierRatio');
    const minSamples = setting(ctx, 'insights.latencyMinSamples');
    // The models come from the rollup; only models with calls in the window are sampled.
    const models = await store.all<{ provider: string; model: string }>(
      `SELECT provider, model FROM usage_hourly WHERE hour >= $1 AND hour < $2
       GROUP BY provider, model HAVING SUM(requests) - SUM(errors) - SUM(refused) >= $3 ORDER BY provider, model`,
      [ctx.from.toISOString(), ctx.to.toISOString(), minSamples],
    );
    const out: Insight[] = [];
    for (const m of models) {
      const ms = await recentLatencies(store, m.provider, m.model, ctx.from, ctx.to);
      if (ms.length < minSamples) continue;
      const p50 = median(ms);
      const p95 = percentile(ms, 95);
      if (p50 <= 0 || p95 < ratio * p50) continue;
      const slow = ms.filter((v) => v >= ratio * p50).length;
      out.push({
        id: `latency-outlier:${m.provider}/${m.model}`,
        domain: 'llm',
        kind: 'latency-outlier',
        severity: 'warning',
        title:
          `${m.provider}/${m.model}: slow calls take ${(p95 / p50).toFixed(1)}× the median ` +
          `(p95 ${p95} ms, median ${p50} ms)`,
        impact: null,
        currency: null,
        numbers: {
          provider: m.provider,
          model: m.model,
          samples: ms.length,
          medianMs: p50,
          p95Ms: p95,
          maxMs: ms[ms.length - 1]!,
          slowCalls: slow,
          ratio,
        },
        period: window(ctx),
        action: `oco spend summary --by model ${spendWindow(ctx)}`,
      });
    }
    return out;
  },
};

/** The gateway's insight table. */
export const LLM_INSIGHTS: readonly InsightSource[] = [topSpenders, routingSavings, unpricedCalls, latencyOutliers];
