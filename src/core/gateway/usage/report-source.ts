/**
 * The LLM view of `oco report`: spend from usage_hourly, the rows and hours `oco spend summary` reads (so the totals
 * agree to the last digit; one exact sum per query instead of summarize's six), daily trends from the same rollup,
 * budgets as `oco budgets list` shows them, and the last drill-down level (the calls) from api_requests, keyset-paged
 * on (ts, id).
 */
import { money, type Money } from '../../base/money.js';
import type { DrillStep, Period } from '../../base/report/model.js';
import type { LlmSource } from '../../base/report/sources.js';
import type { Store } from '../../base/store/types.js';
import { listBudgets } from '../spend/repo.js';
import { budgetStatuses } from '../spend/service.js';
import { costByKey, dailyCost, listRequests, type UsageFilter } from './summary.js';

/** usage_hourly holds no key or tag columns: those cuts are not offered (they would need a scan of api_requests). */
const DIMENSIONS = ['team', 'agent', 'model', 'provider', 'user', 'org'] as const;
type Dimension = (typeof DIMENSIONS)[number];

const start = (day: string) => new Date(`${day}T00:00:00.000Z`);

function filterOf(path: DrillStep[]): UsageFilter {
  return Object.fromEntries(path.map((s) => [s.by, s.key])) as UsageFilter;
}

/** Per key, and the total as the exact sum of the keys (every call has each attribution column). */
async function summary(store: Store, p: Period, by: string, path: DrillStep[]) {
  const rows = await costByKey(store, {
    from: start(p.from),
    to: start(p.to),
    groupBy: by as Dimension,
    filter: filterOf(path),
  });
  const line = (r: { costUsd: string; requests: number; unpricedRequests: number }) => ({
    costUsd: r.costUsd,
    byCurrency: r.requests > 0 ? [{ currency: 'USD', amount: r.costUsd }] : [],
    requests: r.requests,
    unpricedRequests: r.unpricedRequests,
  });
  const total = line({
    costUsd: rows.reduce((s, r) => s.plus(r.costUsd), money(0)).toFixed(),
    requests: rows.reduce((n, r) => n + r.requests, 0),
    unpricedRequests: rows.reduce((n, r) => n + r.unpricedRequests, 0),
  });
  return { rows: rows.map((r) => ({ key: r.key, ...line(r) })), total };
}

export const llmReportSource: LlmSource = {
  dimensions: DIMENSIONS,
  drill: ['team', 'agent', 'model'],
  defaultBy: 'team',
  summary,
  async daily(store, p, by, path) {
    const rows = await dailyCost(store, {
      from: start(p.from),
      to: start(p.to),
      groupBy: (by ?? 'team') as Dimension,
      filter: filterOf(path),
    });
    if (by !== null) return rows;
    // the whole slice's series: its teams' summed per day (every call has a team)
    const days = new Map<string, Money>();
    for (const r of rows) days.set(r.day, (days.get(r.day) ?? money(0)).plus(r.costUsd));
    return [...days].map(([day, m]) => ({ key: null, day, costUsd: m.toFixed() }));
  },
  async budgets(store, now) {
    const statuses = await budgetStatuses(store, await listBudgets(store), now);
    return statuses.map((b) => ({
      id: b.id,
      name: b.name,
      scope: b.scope,
      entityId: b.entityId,
      limitUsd: b.limitUsd,
      spentUsd: b.spentUsd,
      reservedUsd: b.reservedUsd,
      remainingUsd: b.remainingUsd,
      usedPct: b.usedPct,
      resetsAt: b.resetsAt,
      state: b.state,
    }));
  },
  async recent(store, path, page) {
    const r = await listRequests(store, { limit: page.limit, cursor: page.cursor, filter: filterOf(path) });
    return {
      path,
      requests: r.requests.map((q) => ({
        id: q.id,
        ts: q.ts,
        provider: q.provider,
        model: q.model,
        teamId: q.teamId,
        agentId: q.agentId,
        userId: q.userId,
        costUsd: q.costUsd,
        inputTokens: q.inputTokens,
        outputTokens: q.outputTokens,
        statusCode: q.statusCode,
      })),
      nextCursor: r.nextCursor,
    };
  },
};
