/**
 * Savings opportunities as insights: the open recommendations `oco optimize run` (and the daemon's
 * optimize job) stored, for the actions an insight names: model switches, caching, failed calls
 * that were billed (error and retry waste) and commitment coverage. Their figures are the rules'
 * own (docs/optimize.md): reading them here keeps one definition of each saving.
 */
import type { Action, Recommendation } from '../recommend/model.js';
import { listRecommendations } from '../recommend/service.js';
import type { Store } from '../store/types.js';
import { DAY_MS, type Insight, type InsightContext, type InsightDomain, type InsightSource } from './model.js';

/** Recommendation action → insight kind. */
const KINDS: ReadonlyArray<{ action: Action; kind: string; domain: InsightDomain }> = [
  { action: 'switch-model', kind: 'model-switch', domain: 'llm' },
  { action: 'enable-cache', kind: 'cache-opportunity', domain: 'llm' },
  { action: 'reduce-failures', kind: 'error-waste', domain: 'llm' },
  { action: 'purchase-commitment', kind: 'commitment-coverage', domain: 'cloud' },
];

function period(r: Recommendation): Insight['period'] {
  const to = new Date(r.lastSeenAt);
  const days = typeof r.evidence.windowDays === 'number' ? r.evidence.windowDays : null;
  // Cloud rules judge whole days up to the day before the run; the evidence window is what they read.
  const from = days === null ? new Date(r.createdAt) : new Date(to.getTime() - days * DAY_MS);
  return { from: from.toISOString(), to: to.toISOString() };
}

export const recommendationInsights: InsightSource = {
  kind: 'recommendation',
  domain: 'llm',
  description:
    'Open recommendations of oco optimize seen during the window: model switches, caching, failed calls ' +
    'that were billed, commitment coverage; the saving is the rule’s monthly one.',
  async evaluate(store: Store, ctx: InsightContext): Promise<Insight[]> {
    const recs = await listRecommendations(store, { statuses: ['open'] });
    const out: Insight[] = [];
    for (const r of recs) {
      const k = KINDS.find((x) => x.action === r.action);
      if (!k || new Date(r.lastSeenAt) < ctx.from) continue;
      out.push({
        id: `${k.kind}:${r.id}`,
        domain: k.domain,
        kind: k.kind,
        severity: k.kind === 'error-waste' ? 'warning' : 'info',
        title: r.title,
        impact: r.monthlySavings,
        currency: r.currency,
        numbers: { ...r.evidence, monthlySavings: r.monthlySavings, recommendation: r.id },
        period: period(r),
        action: `oco optimize report --domain ${k.domain} --provider ${r.provider}`,
      });
    }
    return out;
  },
};
