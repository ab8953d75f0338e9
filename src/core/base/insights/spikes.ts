/**
 * Cost spikes as insights: the daily series the wings offer for anomaly detection (LLM spend per
 * team, agent and model from usage_hourly; cloud cost per provider, account and service from
 * cloud_costs_daily), judged by the anomaly detector over the insight window. Nothing is stored:
 * `oco anomalies` and the daemon's monitor keep the record; an insight is a read.
 */
import { BASELINE_DAYS, dayAfter, detectAnomalies } from '../anomaly/detect.js';
import type { SeriesSource } from '../anomaly/service.js';
import { money } from '../money.js';
import type { Store } from '../store/types.js';
import { DAY_MS, dayOf, dayStart, type Insight, type InsightContext, type InsightSource } from './model.js';

/** The insight source over the series sources the caller passes in (the wings'). */
export function spikeInsights(series: readonly SeriesSource[]): InsightSource {
  return {
    kind: 'cost-spike',
    domain: 'llm',
    description:
      'Days whose spend exceeds the same weekday’s median of the 28 days before by 3.5 robust standard ' +
      'deviations and by anomalies.minImpact (the anomaly detector), per team, agent and model (LLM) and per ' +
      'provider, account and service (cloud).',
    async evaluate(store: Store, ctx: InsightContext): Promise<Insight[]> {
      const first = dayOf(ctx.from);
      // Whole days only, and not today: it is still being billed.
      const last = dayOf(new Date(Math.min(ctx.to.getTime() - 1, Date.parse(dayStart(dayOf(ctx.now))) - DAY_MS)));
      if (last < first) return [];
      const minImpact = money(String(ctx.setting('anomalies.minImpact') ?? 50));
      const all = (await Promise.all(series.map((s) => s(store, dayAfter(first, -BASELINE_DAYS), last)))).flat();
      const out: Insight[] = [];
      for (const s of all) {
        const labels = Object.entries(s.labels);
        const name = labels.map(([k, v]) => `${k} ${v}`).join(', ');
        for (const a of detectAnomalies(
          s.points.filter((p) => p.day <= last),
          { minImpact, from: first },
        )) {
          if (a.kind !== 'spike') continue;
          const days = a.firstDay === a.lastDay ? a.firstDay : `${a.firstDay}..${a.lastDay}`;
          out.push({
            id: `cost-spike:${s.domain}:${labels.map(([k, v]) => `${k}=${v}`).join(',')}:${a.firstDay}`,
            domain: s.domain,
            kind: 'cost-spike',
            // Double what was expected (or more) on the last day is more than noise with a cause to find.
            severity: a.actual.gte(a.expected.times(2)) ? 'critical' : 'warning',
            title: `${s.domain === 'llm' ? 'LLM spend' : 'Cloud cost'} spike for ${name} on ${days}`,
            impact: a.impact.toFixed(),
            currency: s.currency,
            numbers: {
              firstDay: a.firstDay,
              lastDay: a.lastDay,
              lastDayCost: a.actual.toFixed(),
              expectedCost: a.expected.toFixed(),
              excessCost: a.impact.toFixed(),
              score: a.score,
            },
            period: { from: dayStart(a.firstDay), to: dayStart(dayAfter(a.lastDay)) },
            action: `oco anomalies --domain ${s.domain} --since ${a.firstDay}`,
          });
        }
      }
      return out;
    },
  };
}
