/**
 * enable-cache: repeated identical requests the response cache would have answered, had it been on
 * for them. The gateway records a SHA-256 of each unified call's body (api_requests.request_hash, first
 * attempt only; never the body). Calls the cache did not see (cache column NULL: the cache off, or the
 * call bypassed it, e.g. a chat call without temperature 0) are replayed through the cache's own rules,
 * per org, provider, model and hash in arrival order: a successful answer (status 200, no error) is kept
 * once it is complete (arrival + latency) for cache.ttlSeconds, a later answer to the same request
 * replacing it; an equal call arriving while it is kept would have been a hit at no cost, so its recorded
 * cost is the saving (calls in flight together all miss, as they would). Equal means byte-identical
 * bodies: the cache also ignores `stream`, `user` and key order, so such near-equal calls are not
 * counted. Entries the cache would drop early (cache.maxEntries, cache.maxBytes) are not simulated, and
 * passthrough calls (/v1/proxy/…, which the cache does not serve) are not judged.
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

/**
 * Arrival times are recorded in whole milliseconds (truncated) and latencies rounded: an answer's end is
 * known to about 1.5 ms, so a call arriving within 2 ms of it counts as after it.
 */
const CLOCK_SLACK_MS = 2;

type Repeat = {
  org_id: string;
  team_id: string;
  agent_id: string;
  provider: string;
  model: string;
  request_hash: string;
  ms: unknown;
  latency_ms: unknown;
  status_code: unknown;
  error_class: string | null;
  cost_usd: string | null;
};

/** The calls of every request sent at least twice in the window, in time order. */
async function repeatedCalls(store: Store, ctx: RuleContext): Promise<Repeat[]> {
  const d = store.dialect;
  return store.all<Repeat>(
    `SELECT a.org_id, a.team_id, a.agent_id, a.provider, a.model, a.request_hash, ${d.epochMs('a.ts')} AS ms,
       a.latency_ms, a.status_code, a.error_class, a.cost_usd
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
    const ttl = ttlSeconds * 1000;
    let request = '';
    /** The simulated entry of the current request: kept from `from` until `until` (epoch ms). */
    let entry = { from: Infinity, until: -Infinity };
    for (const c of await repeatedCalls(store, ctx)) {
      const k = JSON.stringify([c.org_id, c.provider, c.model, c.request_hash]);
      if (k !== request) [request, entry] = [k, { from: Infinity, until: -Infinity }];
      const at = Number(c.ms);
      if (entry.from <= at && at < entry.until) {
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
        // Only a successful answer is kept, when it is complete; a later one replaces the entry (its TTL
        // starts again), an earlier one still pending or kept stays servable from its own time. Hits do
        // not extend an entry's life.
        const kept = at + Math.max(0, Number(c.latency_ms ?? 0) - CLOCK_SLACK_MS);
        entry =
          entry.until > at
            ? { from: Math.min(entry.from, kept), until: Math.max(entry.until, kept + ttl) }
            : { from: kept, until: kept + ttl };
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
