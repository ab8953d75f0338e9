/**
 * The LLM view of `oco report`: spend from usage_daily, the rows `oco spend summary` reads for whole days (so the
 * totals agree to the last digit), the period, its comparison and the daily trends in one read,
 * budgets as `oco budgets list` shows them, and the last drill-down level (the calls) from api_requests, keyset-paged
 * on (ts, id).
 */
import { money, type Money } from '../../base/money.js';
import type { DrillStep, Period } from '../../base/report/model.js';
import type { LlmSource, SpendSlice } from '../../base/report/sources.js';
import type { Store } from '../../base/store/types.js';
import { listBudgets } from '../spend/repo.js';
import { budgetStatuses } from '../spend/service.js';
import { dailyByKey, listRequests, type UsageFilter } from './summary.js';

const DIMENSIONS = ['team', 'agent', 'model', 'provider', 'user', 'org', 'key', 'tag'] as const;
type ReportDimension = (typeof DIMENSIONS)[number];

function filterOf(path: DrillStep[]): UsageFilter {
  return Object.fromEntries(path.map((s) => [s.by, s.key])) as UsageFilter;
}

interface Acc {
  cost: Money;
  requests: number;
  unpriced: number;
}

function slice(byKey: Map<string, Acc>, total: Acc): SpendSlice {
  const line = (a: Acc) => ({
    costUsd: a.cost.toFixed(),
    byCurrency: a.requests > 0 ? [{ currency: 'USD', amount: a.cost.toFixed() }] : [],
    requests: a.requests,
    unpricedRequests: a.unpriced,
  });
  return { rows: [...byKey].map(([key, a]) => ({ key, ...line(a) })), total: line(total) };
}

const acc = (): Acc => ({ cost: money(0), requests: 0, unpriced: 0 });

function add(a: Acc, r: { costUsd: string; requests: number; unpricedRequests: number }): void {
  a.cost = a.cost.plus(r.costUsd);
  a.requests += r.requests;
  a.unpriced += r.unpricedRequests;
}

const inPeriod = (p: Period, day: string) => day >= p.from && day < p.to;

/**
 * The period, the comparison and the daily trend from one read of usage_daily (report periods are whole UTC days):
 * per key and day, summed exactly here. The total is the sum of the keys, except under a tag cut (a call with two
 * tags is in two rows), where a second read of the untagged rollup gives each call once.
 */
async function spend(store: Store, p: Period, compare: Period, by: string, path: DrillStep[]) {
  const filter = filterOf(path);
  const ranges = [p, compare];
  const rows = await dailyByKey(store, { ranges, groupBy: by as ReportDimension, filter });
  const now = new Map<string, Acc>();
  const before = new Map<string, Acc>();
  const nowTotal = acc();
  const beforeTotal = acc();
  const daily: Array<{ key: string | null; day: string; costUsd: string | null }> = [];
  const totalDays = new Map<string, Money>();
  for (const r of rows) {
    const k = r.key!;
    if (inPeriod(p, r.day)) {
      add(now.get(k) ?? now.set(k, acc()).get(k)!, r);
      add(nowTotal, r);
      daily.push({ key: k, day: r.day, costUsd: r.costUsd });
      totalDays.set(r.day, (totalDays.get(r.day) ?? money(0)).plus(r.costUsd));
    }
    if (inPeriod(compare, r.day)) {
      add(before.get(k) ?? before.set(k, acc()).get(k)!, r);
      add(beforeTotal, r);
    }
  }
  let totalDaily = [...totalDays].map(([day, m]) => ({ day, costUsd: m.toFixed() as string | null }));
  if (by === 'tag' && filter.tag === undefined) {
    nowTotal.cost = money(0);
    nowTotal.requests = nowTotal.unpriced = 0;
    beforeTotal.cost = money(0);
    beforeTotal.requests = beforeTotal.unpriced = 0;
    totalDaily = [];
    for (const r of await dailyByKey(store, { ranges, groupBy: null, filter })) {
      if (inPeriod(p, r.day)) {
        add(nowTotal, r);
        totalDaily.push({ day: r.day, costUsd: r.costUsd });
      }
      if (inPeriod(compare, r.day)) add(beforeTotal, r);
    }
  }
  return { now: slice(now, nowTotal), before: slice(before, beforeTotal), daily, totalDaily };
}

export const llmReportSource: LlmSource = {
  dimensions: DIMENSIONS,
  drill: ['team', 'agent', 'model'],
  defaultBy: 'team',
  spend,
  async summary(store, p, by, path) {
    return (await spend(store, p, p, by, path)).now;
  },
  async daily(store, p, by, path) {
    const r = await spend(store, p, p, by ?? 'team', path);
    return by === null ? r.totalDaily.map((d) => ({ key: null, ...d })) : r.daily;
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
