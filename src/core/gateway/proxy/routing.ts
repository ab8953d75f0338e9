/**
 * Smart routing applied on `POST /v1/chat/completions`: the strategy a call asks for (the
 * `X-OCO-Route` header, else its virtual key's, else its team's, else `route.strategy`), the
 * decision (`routing/`), and what it needs kept
 * warm so the request path never waits on the store: the tier table (rebuilt when the price book
 * changes or gets old) and the measured latencies (refreshed in the background, at most once a TTL).
 */
import type { Logger } from 'pino';
import type { Store } from '../../base/store/types.js';
import { isProviderName, LLM_PROVIDERS, type ProviderName } from '../model.js';
import type { PriceBook } from '../pricing/book.js';
import { decideRoute, STRATEGIES, TIERS, tierTable, type Strategy, type TierTable } from '../routing/index.js';
import { LATENCY_WINDOW_MS } from '../routing/index.js';
import type { TierOverrides } from '../routing/tiers.js';
import type { MeasuredLatency } from '../routing/strategy.js';
import type { RoutePolicyLookup, StrategySource } from '../routing/policies.js';
import { routeModel } from '../translate/model-route.js';
import { invalid, type ChatRequest } from '../translate/types.js';
import { medianLatencies } from '../usage/latency.js';

/** How long measured latencies and the tier table are reused before they are read again. */
export const ROUTING_TTL_MS = 60_000;

/** What a routed call records: the model the client asked for (and its provider), and the one called. */
export interface CallRoute {
  originalModel: string;
  /** The requested model as its provider names it (what its price is looked up by). */
  original: { provider: ProviderName; model: string };
  routedModel: string;
}

export interface Routed {
  /** The request to translate: the client's, or a copy naming the chosen model. */
  request: ChatRequest;
  /** The model called, as the client would name it (the `X-OCO-Model` header). */
  model: string;
  /** Set only when the call goes to another model than the one requested. */
  route?: CallRoute;
}

/** The call's virtual key and team, asked for only when a policy could apply. */
export type Who = () => { keyId?: string; teamId?: string };
const NOBODY: Who = () => ({});

/** Which providers a call may be moved to. */
export interface Reach {
  /** The client sent its own provider key (not a virtual key) in OpenAI's key slot. */
  clientKey: boolean;
  /** Providers whose key the gateway has. */
  configured: readonly ProviderName[];
}

export class ChatRouter {
  private tiers?: { book: PriceBook; table: TierTable; at: number };
  private latencies?: ReadonlyMap<string, MeasuredLatency>;
  private latencyAt = 0;
  private refreshing = false;

  constructor(
    private readonly deps: {
      store: Store;
      prices: () => PriceBook;
      logger: Logger;
      strategy: Strategy;
      tierOverrides: TierOverrides;
      /** Per key and per team strategies, from memory (`RoutePolicyCache`); none: the header and config only. */
      policies?: RoutePolicyLookup;
    },
  ) {}

  /**
   * The strategy of a call, and where it came from: the header (any value: `off` pins), the
   * virtual key's, the team's, else the configured default. A header naming no strategy is a 400.
   */
  strategy(header: string | string[] | undefined, who: Who = NOBODY): { strategy: Strategy; source: StrategySource } {
    if (header !== undefined) return { strategy: parseHeader(header), source: 'header' };
    const policies = this.deps.policies;
    // Who the call is from is worked out only when some key or team has a strategy.
    const w = policies && policies.size > 0 ? who() : undefined;
    return (w && policies!.strategyFor(w.keyId, w.teamId)) ?? { strategy: this.deps.strategy, source: 'config' };
  }

  /**
   * The request as it is to be sent. `off` returns at once, without looking at the messages; a header
   * naming no strategy is a 400 (a TranslationError), as is a model no provider claims.
   */
  route(
    header: string | string[] | undefined,
    json: unknown,
    who: Who = NOBODY,
    reach: Reach = { clientKey: false, configured: LLM_PROVIDERS },
  ): Routed | undefined {
    const { strategy } = this.strategy(header, who);
    if (strategy === 'off') return undefined;
    const req = json as ChatRequest;
    // A body that is not a chat request is the translator's to refuse, with its own message.
    if (typeof req?.model !== 'string' || !Array.isArray(req.messages)) return undefined;
    // A registered OpenAI-compatible upstream (NAME/model) has no tiers: it is called as named.
    if (isUpstreamModel(req.model)) return { request: req, model: req.model };
    const now = Date.now();
    const book = this.deps.prices();
    const d = decideRoute(req, strategy, {
      book,
      tiers: this.tierTable(book, now),
      latencies: strategy === 'latency' ? this.measured(now) : undefined,
      // A key the client sent is for the requested model's provider: the call never moves to another
      // provider with it. Otherwise only providers with a configured key can take a moved call.
      providers: reach.clientKey ? [routeModel(req.model).provider] : reach.configured,
      at: new Date(now),
    });
    if (!d.routed) return { request: req, model: req.model };
    return {
      request: { ...req, model: d.chosenModel },
      model: d.chosenModel,
      route: { originalModel: req.model, original: routeModel(req.model), routedModel: d.chosenModel },
    };
  }

  private tierTable(book: PriceBook, now: number): TierTable {
    const t = this.tiers;
    if (t && t.book === book && now - t.at < ROUTING_TTL_MS) return t.table;
    const table = tierTable(book, this.deps.tierOverrides, new Date(now));
    this.tiers = { book, table, at: now };
    return table;
  }

  /** What was measured by the last refresh; a stale answer starts the next one, never waited for. */
  private measured(now: number): ReadonlyMap<string, MeasuredLatency> | undefined {
    if (now - this.latencyAt >= ROUTING_TTL_MS && !this.refreshing) void this.refresh(now);
    return this.latencies;
  }

  private async refresh(now: number): Promise<void> {
    this.refreshing = true;
    try {
      const table = this.tierTable(this.deps.prices(), now);
      const candidates = LLM_PROVIDERS.flatMap((provider) =>
        TIERS.flatMap((tier) => {
          const t = table[provider][tier];
          return t ? [{ provider, model: t.model }] : [];
        }),
      );
      this.latencies = await medianLatencies(this.deps.store, candidates, new Date(now - LATENCY_WINDOW_MS));
    } catch (err) {
      // Routing falls back to the cost decision without measurements; the next TTL tries again.
      this.deps.logger.warn({ err: { message: (err as Error).message } }, 'routing latencies not read');
    } finally {
      this.latencyAt = now;
      this.refreshing = false;
    }
  }
}

/** NAME/model where NAME is not a built-in provider: the upstream registry's (or nobody's: translation refuses it). */
function isUpstreamModel(model: string): boolean {
  const slash = model.indexOf('/');
  return slash > 0 && !isProviderName(model.slice(0, slash));
}

function parseHeader(header: string | string[]): Strategy {
  const v = (Array.isArray(header) ? header.join(',') : header).trim().toLowerCase();
  if ((STRATEGIES as readonly string[]).includes(v)) return v as Strategy;
  throw invalid('X-OCO-Route', `must be one of ${STRATEGIES.join(', ')}`);
}
