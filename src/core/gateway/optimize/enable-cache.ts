/**
 * enable-cache: repeated identical requests the response cache would have answered, had it been on
 * for them. The gateway records a SHA-256 of each unified call's body (api_requests.request_hash, first
 * attempt only; never the body). Calls the cache did not see (cache column NULL: the cache off, or the
 * call bypassed it, e.g. a chat call without temperature 0) are replayed through the cache's own rules,
 * per org, provider, model and hash in time order: a successful answer (status 200, no error) is kept for
 * cache.ttlSeconds; a later equal call before it expires would have been a hit at no cost, so its recorded
 * cost is the saving. Equal means byte-identical bodies: the cache also ignores `stream`, `user` and key
 * order, so this counts no more than it would catch. Entries the cache would drop early (cache.maxEntries,
 * cache.maxBytes) and passthrough calls (/v1/proxy/…, which the cache does not serve) are not judged.
 */
import { money, type Money } from '../../base/money.js';
import { perMonth, type Candidate, type Rule, type RuleContext } from '../../base/recommend/model.js';
import type { Store } from '../../base/store/types.js';

function num(ctx: RuleContext, key: string): number {
  return Number(ctx.setting(key));
}

/** Calls the response cache did not see, with a hash, other than oco's own refusals (they reached no provider). */
const uncached = (t: string) =>
  `${t}request_hash IS NOT NULL AND ${t}cache IS NULL AND (${t}error_class IS NULL OR ${t}error_class <> 'refused')`;

type Repeat = {
  org_id: string;
  team_id: string;
  agent_id: string;
  provider: string;
  model: string;
  request_hash: string;
  ms: unknown;
  status_code: unknown;
  error_class: string | null;
  cost_usd: string | null;
};

/** The calls of every request sent at least twice in the window, in time order. */
async function repeatedCalls(store: Store, ctx: RuleContext): Promise<Repeat[]> {
  const d = store.dialect;
  return store.all<Repeat>(
    `SELECT a.org_id, a.team_id, a.agent_id, a.provider, a.model, a.request_hash, ${d.epochMs('a.ts')} AS ms,
       a.status_code, a.error_class, a.cost_usd
     FROM api_requests a
     JOIN (SELECT org_id, provider, model, request_hash FROM api_requests WHERE ts >= $1 AND ts < $2 AND ${uncached('')}
           GROUP BY org_id, provider, model, request_hash HAVING COUNT(*) > 1) r
       ON a.org_id = r.org_id AND a.provider = r.provider AND a.model = r.model AND a.request_hash = r.request_hash
     WHERE a.ts >= $1 AND a.ts < $2 AND ${uncached('a.')}
     ORDER BY a.org_id, a.provider, a.model, a.request_hash, ${d.epochMs('a.ts')}, a.id`,
    [ctx.from.toISOString(), ctx.to.toISOString()],
  );
}

type Agent = {
  org: string;
  team: string;
  agent: string;
  provider: string;
  model: string;
  hits: number;
  unknown: number;
  saving: Money;
  requests: Set<string>;
};

export const enableCacheRule: Rule = {
  id: 'enable-cache',
  domain: 'llm',
  action: 'enable-cache',
  description:
    "An agent's repeated identical requests (by body hash) the response cache would have answered at no cost.",
  thresholds: ['optimize.cacheMinRepeats', 'cache.ttlSeconds', 'optimize.minMonthlySavings'],
  async evaluate(store, ctx) {
    const minRepeats = num(ctx, 'optimize.cacheMinRepeats');
    const ttlSeconds = num(ctx, 'cache.ttlSeconds');
    const minSavings = money(num(ctx, 'optimize.minMonthlySavings'));
    const agents = new Map<string, Agent>();
    let request = '';
    let expires = -Infinity;
    for (const c of await repeatedCalls(store, ctx)) {
      const k = JSON.stringify([c.org_id, c.provider, c.model, c.request_hash]);
      if (k !== request) [request, expires] = [k, -Infinity];
      const at = Number(c.ms);
      if (at < expires) {
        const ak = JSON.stringify([c.org_id, c.team_id, c.agent_id, c.provider, c.model]);
        const a =
          agents.get(ak) ??
          agents
            .set(ak, {
              org: c.org_id,
              team: c.team_id,
              agent: c.agent_id,
              provider: c.provider,
              model: c.model,
              hits: 0,
              unknown: 0,
              saving: money(0),
              requests: new Set(),
            })
            .get(ak)!;
        a.hits++;
        a.requests.add(c.request_hash);
        if (c.cost_usd === null) a.unknown++;
        else a.saving = a.saving.plus(c.cost_usd);
      } else if (Number(c.status_code) === 200 && c.error_class === null) {
        // Only a successful answer is kept; a hit does not extend its entry's life.
        expires = at + ttlSeconds * 1000;
      }
    }
    const out: Candidate[] = [];
    for (const a of agents.values()) {
      if (a.hits < minRepeats || !a.saving.isPositive()) continue;
      const monthly = perMonth(a.saving, ctx.days);
      if (monthly.lt(minSavings)) continue;
      out.push({
        provider: a.provider,
        account: a.org,
        resourceId: `team/${a.team}/agent/${a.agent}/model/${a.model}`,
        resourceType: 'llm-agent-model',
        region: null,
        action: 'enable-cache',
        title: `Answer repeated requests of agent ${a.agent} (team ${a.team}) on ${a.model} from the cache`,
        rationale:
          `${a.hits} calls in ${ctx.days} days repeated one of ${a.requests.size} identical requests within ` +
          `${ttlSeconds} s of an answered one, without the response cache: it would have answered them at no ` +
          `cost, saving the ${a.saving.toDecimalPlaces(2).toFixed(2)} USD they were billed ` +
          `(${monthly.toDecimalPlaces(2).toFixed(2)} USD a month)` +
          (a.unknown > 0 ? `, plus ${a.unknown} repeats whose cost is unknown` : '') +
          '. Set cache.enabled and send X-OCO-Cache: on (chat calls are cached by default only at temperature 0), ' +
          'unless these calls want a fresh answer each time.',
        currency: 'USD',
        monthlySavings: monthly,
        keyFigure: monthly,
        confidence: 0.6,
        effort: 'low',
        restartNeeded: false,
        rollbackPossible: true,
        evidence: {
          repeatedCalls: a.hits,
          distinctRequests: a.requests.size,
          repeatCostUsd: a.saving.toFixed(),
          repeatsCostUnknown: a.unknown,
          ttlSeconds,
          windowDays: ctx.days,
        },
      });
    }
    return out;
  },
};
