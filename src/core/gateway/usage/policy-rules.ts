/**
 * The LLM rule kinds of `oco policy` (data + SQL over this wing's tables): allowed models per
 * team, maximum cost per request, maximum share of spend on premium models. Spend comes from the
 * hourly rollup (usage_hourly), single calls from api_requests (calls older than the call
 * retention are compacted away: a request-cost rule judges only the calls still kept). Amounts
 * are USD, summed exactly and compared as decimals; a call whose price is unknown has no cost
 * and is never counted as free.
 */
import { dayAfter } from '../../base/anomaly/detect.js';
import { money, type Money } from '../../base/money.js';
import { amount, matchesAny, percent, scopeFilter, share } from '../../base/policy/match.js';
import type { Finding, PolicyDefinition, RuleKind, RuleSet, Window } from '../../base/policy/types.js';
import type { SqlParam, Store } from '../../base/store/types.js';

/** Scope keys → columns of usage_hourly and api_requests (the same names in both). */
const SCOPE = { provider: 'provider', team: 'team_id', agent: 'agent_id' };

type Spend = { team: string; model: string; requests: unknown; unpriced: unknown; cost: string | null };

/** Spend per team and model over the window and scope. */
async function spendByTeamModel(store: Store, policy: PolicyDefinition, w: Window): Promise<Spend[]> {
  const params: SqlParam[] = [`${w.from}T00:00:00.000Z`, `${dayAfter(w.to)}T00:00:00.000Z`];
  const scope = scopeFilter(policy.scope, SCOPE, params);
  return store.all<Spend>(
    `SELECT team_id AS team, model, SUM(requests) AS requests, SUM(unpriced_requests) AS unpriced,
       ${store.dialect.sumMoney('cost_usd')} AS cost
     FROM usage_hourly WHERE hour >= $1 AND hour < $2${scope}
     GROUP BY team_id, model`,
    params,
  );
}

const allowedModels: RuleKind = {
  domain: 'llm',
  summary: 'LLM calls only to the listed models.',
  async evaluate(store, policy, w) {
    const allowed = policy.models as string[];
    const rows = await spendByTeamModel(store, policy, w);
    return rows
      .filter((r) => !matchesAny(allowed, r.model) && Number(r.requests) > 0)
      .map((r) => {
        const cost = money(r.cost ?? 0).toFixed();
        return {
          subject: `team=${r.team}|model=${r.model}`,
          labels: { team: r.team, model: r.model },
          message: `team ${r.team} made ${Number(r.requests)} calls to ${r.model} (${cost} USD), a model not allowed`,
          evidence: { requests: String(Number(r.requests)), cost, currency: 'USD' },
        };
      });
  },
};

const maxRequestCost: RuleKind = {
  domain: 'llm',
  summary: 'No single LLM call costs more than the limit (USD).',
  async evaluate(store, policy, w) {
    const limit = amount(policy.limit);
    const d = store.dialect;
    const params: SqlParam[] = [`${w.from}T00:00:00.000Z`, `${dayAfter(w.to)}T00:00:00.000Z`];
    const scope = scopeFilter(policy.scope, SCOPE, params);
    // The SQL filter is only a coarse one (a float comparison in SQLite, a hair below the limit so no call over it
    // is missed); the exact comparison is the decimal one below.
    params.push(limit.times('0.999999').toNumber());
    const rows = await store.all<{ team: string; agent: string; model: string; cost: string }>(
      `SELECT team_id AS team, agent_id AS agent, model, cost_usd AS cost FROM api_requests
       WHERE ts >= $1 AND ts < $2${scope} AND cost_usd IS NOT NULL AND ${d.orderMoney('cost_usd')} > $${params.length}`,
      params,
    );
    const groups = new Map<string, { team: string; agent: string; model: string; calls: number; max: string }>();
    for (const r of rows) {
      const cost = money(r.cost);
      if (cost.lte(limit)) continue;
      const key = JSON.stringify([r.team, r.agent, r.model]);
      const g = groups.get(key) ?? { team: r.team, agent: r.agent, model: r.model, calls: 0, max: '0' };
      g.calls++;
      if (cost.gt(g.max)) g.max = cost.toFixed();
      groups.set(key, g);
    }
    return [...groups.values()].map((g): Finding => ({
      subject: `team=${g.team}|agent=${g.agent}|model=${g.model}`,
      labels: { team: g.team, agent: g.agent, model: g.model },
      message:
        `${g.calls} call(s) of agent ${g.agent} (team ${g.team}) to ${g.model} cost more than ` +
        `${limit.toFixed()} USD each, up to ${g.max} USD`,
      evidence: { calls: String(g.calls), maxCost: g.max, limit: limit.toFixed(), currency: 'USD' },
    }));
  },
};

const premiumShare: RuleKind = {
  domain: 'llm',
  summary: "At most the given share of each team's LLM spend on premium models.",
  async evaluate(store, policy, w) {
    const premium = policy.models as string[];
    const maxShare = amount(policy.maxShare);
    const teams = new Map<string, { premium: Money; total: Money; unpriced: number }>();
    for (const r of await spendByTeamModel(store, policy, w)) {
      const t = teams.get(r.team) ?? { premium: money(0), total: money(0), unpriced: 0 };
      const cost = money(r.cost ?? 0);
      t.total = t.total.plus(cost);
      t.unpriced += Number(r.unpriced);
      if (matchesAny(premium, r.model)) t.premium = t.premium.plus(cost);
      teams.set(r.team, t);
    }
    const out: Finding[] = [];
    for (const [team, t] of teams) {
      const s = share(t.premium, t.total);
      if (s === null || s.lte(maxShare)) continue;
      out.push({
        subject: `team=${team}`,
        labels: { team },
        message:
          `${percent(s)} of team ${team}'s LLM spend is on premium models (${t.premium.toFixed()} of ` +
          `${t.total.toFixed()} USD), above the maximum of ${percent(maxShare)}`,
        evidence: {
          premiumCost: t.premium.toFixed(),
          totalCost: t.total.toFixed(),
          share: s.toDecimalPlaces(6).toFixed(),
          maxShare: maxShare.toFixed(),
          currency: 'USD',
          // Calls of unknown price are in neither sum: the share is of the spend oco can price.
          ...(t.unpriced > 0 ? { unpricedCalls: String(t.unpriced) } : {}),
        },
      });
    }
    return out;
  },
};

export const llmPolicyRules: RuleSet = {
  domain: 'llm',
  kinds: {
    'allowed-models': allowedModels,
    'max-request-cost': maxRequestCost,
    'premium-share': premiumShare,
  },
  // No LLM rule kind names tag keys.
  tagKeys: async () => [],
};
