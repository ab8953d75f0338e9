/**
 * Daily LLM spend per team, per agent and per model (USD), for anomaly detection, from the hourly
 * rollup. From the first day the gateway recorded anything, a day without calls costs 0. A day with
 * calls whose price is unknown is partial: its cost is not known, so it is neither judged nor used
 * as a baseline (never counted as if those calls were free).
 */
import type { CostSeries, SeriesSource } from '../../base/anomaly/service.js';
import { dayAfter, type SeriesPoint } from '../../base/anomaly/detect.js';
import { money } from '../../base/money.js';
import type { Store } from '../../base/store/types.js';

/** The cuts of LLM spend judged, each its own family of series: dimension → column. */
const DIMENSIONS = { team: 'team_id', agent: 'agent_id', model: 'model' } as const;

export const llmSpendSeries: SeriesSource = async (store: Store, from: string, to: string) => {
  const d = store.dialect;
  const start = await store.get<{ first: string | null }>(`SELECT ${d.utcDay('MIN(hour)')} AS first FROM usage_hourly`);
  if (!start?.first) return [];
  const first = start.first > from ? start.first : from;
  const out: CostSeries[] = [];
  for (const [dimension, column] of Object.entries(DIMENSIONS)) {
    const day = d.utcDay('hour');
    const rows = await store.all<{ day: string; k: string; amount: string | null; unpriced: unknown }>(
      `SELECT ${day} AS day, ${column} AS k, ${d.sumMoney('cost_usd')} AS amount, SUM(unpriced_requests) AS unpriced
       FROM usage_hourly WHERE hour >= $1 AND hour < $2 GROUP BY ${day}, ${column}`,
      [`${first}T00:00:00.000Z`, `${dayAfter(to)}T00:00:00.000Z`],
    );
    const byKey = new Map<string, Map<string, SeriesPoint>>();
    for (const r of rows) {
      const points = byKey.get(r.k) ?? byKey.set(r.k, new Map()).get(r.k)!;
      points.set(r.day, { day: r.day, amount: money(r.amount ?? 0), partial: Number(r.unpriced) > 0 });
    }
    for (const [k, byDay] of byKey) {
      const points: SeriesPoint[] = [];
      for (let day = first; day <= to; day = dayAfter(day)) points.push(byDay.get(day) ?? { day, amount: money(0) });
      out.push({ domain: 'llm', dimension, labels: { [dimension]: k }, currency: 'USD', points });
    }
  }
  return out;
};
