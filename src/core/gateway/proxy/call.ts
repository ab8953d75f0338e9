import type { Logger } from 'pino';
import { money, type Money } from '../../base/money.js';
import type { Attribution, PricedProvider, ProviderName } from '../model.js';
import type { PriceBook } from '../pricing/book.js';
import { emptyUsage, promptTokens, type TokenUsage } from '../pricing/types.js';
import { routingSavings } from '../routing/savings.js';
import type { CallJournal, IntentMark } from '../usage/call-journal.js';
import type { UsageRecord } from '../usage/record.js';
import type { Recorder } from '../usage/recorder.js';
import type { AdmissionControl, SettleInfo } from './admission.js';
import { CLIENT_CANCELLED } from './outcome.js';
import type { CallRoute } from './routing.js';
import type { RequestInfo, UsageFound } from './providers/index.js';
import type { CallTrace } from './trace-hooks.js';

/** One call's bookkeeping from arrival to record. */
export interface Call {
  id: string;
  start: number;
  /** Arrival time; ts is its ISO form (the record's). */
  at: Date;
  ts: string;
  /** What the call is priced and recorded under: the built-in, or an OpenAI-compatible upstream's own name. */
  provider: PricedProvider;
  /** The wire format it speaks: the adapter that reads its usage, the translation of its answer. */
  wire: ProviderName;
  /** The registered deployment that serves it (`oco route providers add --kind …`); absent: the built-in. */
  deployment?: string;
  /** The opaque id of the upstream it was sent to, whose 429 takes it out of rotation (unified routes). */
  upstreamId?: string;
  endpoint: string;
  info: RequestInfo;
  attribution: Attribution;
  requestChars: number;
  tickets: Array<{ control: AdmissionControl; ticket: unknown }>;
  ttfb: number | null;
  streamed: boolean;
  /** Its intent in the call journal, once forwarded. */
  intent?: IntentMark;
  /** Set when smart routing sent the call to another model than the client asked for. */
  route?: CallRoute;
  /**
   * Set when the response cache was consulted: a hit was answered from it (cost 0, never sent
   * upstream; savingsUsd is the original call's cost, null when unknown), a miss was called.
   */
  cache?: { state: 'hit' | 'miss'; savingsUsd: string | null };
  /** SHA-256 of the client's body (unified routes, first attempt): recorded so repeated requests can be counted. */
  requestHash?: string;
  /** The unified route that took the call; absent: the native passthrough (/v1/proxy/…). */
  via?: 'chat' | 'embeddings';
  /** When the request left for the upstream (performance.now()); absent when it never did (refused, cached). */
  sentAt?: number;
  /** Its spans, when tracing is on. */
  trace?: CallTrace;
}

/**
 * Told of every ended call (metrics): the record as queued, the exact cost, the time since arrival and
 * since the request was sent upstream (ms). Runs on the request path: it must stay O(1).
 */
export interface CallObserver {
  ended(call: Call, record: UsageRecord, cost: Money | null, latencyMs: number): void;
}

/** What the gateway tells its metrics besides ended calls. */
export interface GatewayObserver extends CallObserver {
  /** An admission control refused the call (`reason`: its error code; `scope`: the budget's or limit's scope). */
  refused(call: Call, reason: string, scope: string | undefined): void;
  /** A unified call's attempt after the first: the same model again (retry) or the next one (fallback). */
  attempt(call: Call, kind: 'retry' | 'fallback'): void;
}

export interface CallEnd {
  status: number;
  usage: UsageFound | undefined;
  errorClass: string | null;
  estimated: boolean;
}

/** What the response headers (or trailers) show. */
export interface CallOutcome {
  cost: string | undefined;
  latencyMs: number;
  /** The tokens the call was billed for (what a cached answer reports when its stream carried no usage). */
  usage: TokenUsage;
}

export interface FinisherDeps {
  prices: () => PriceBook;
  recorder: Recorder;
  journal?: CallJournal;
  logger: Logger;
  /** Told of each ended call: the provider health the gateway keeps, and the metrics when they are on. */
  observers?: readonly CallObserver[];
}

/**
 * The one end of every call, whichever path it took: prices it, settles its
 * admission tickets, journals and queues its record. Callers run it before
 * the client sees the end, so a record is journaled before a kill could
 * leave an answered call looking interrupted.
 */
export class CallFinisher {
  served = 0;
  private readonly unpricedLogged = new Set<string>();

  constructor(private readonly deps: FinisherDeps) {}

  finish(call: Call, o: CallEnd): CallOutcome {
    const latency = performance.now() - call.start;
    this.served++;
    const recording = call.trace?.recording();
    const usage: TokenUsage = o.usage?.usage ?? emptyUsage();
    const model = o.usage?.model ?? call.info.model;
    // A cache hit reached no provider: it cost nothing, whatever the model's price.
    const cost = call.cache?.state === 'hit' ? money(0) : this.price(call, model, usage);
    const costText = cost === null ? null : cost.toFixed();
    if (call.tickets.length > 0) this.settle(call, cost, usage, o);
    const a = call.attribution;
    const record: UsageRecord = {
      id: call.id,
      ts: call.ts,
      provider: call.provider,
      model,
      endpoint: call.endpoint,
      orgId: a.orgId,
      teamId: a.teamId,
      agentId: a.agentId,
      userId: a.userId,
      keyId: a.keyId ?? null,
      tags: a.tags,
      ...usage,
      costUsd: costText,
      latencyMs: Math.round(latency),
      ttfbMs: call.ttfb === null ? null : Math.round(call.ttfb),
      statusCode: o.status,
      streamed: call.streamed,
      estimated: o.estimated,
      errorClass: o.errorClass,
    };
    if (call.deployment) record.deployment = call.deployment;
    if (call.requestHash) record.requestHash = call.requestHash;
    if (call.route) this.routed(record, call, call.route, usage, cost);
    if (call.cache) {
      record.cache = call.cache.state;
      record.cacheSavingsUsd = call.cache.state === 'hit' ? call.cache.savingsUsd : null;
    }
    // Journaled before it is queued: the recorder reports it durable
    // to the journal, possibly at once (a full queue spills).
    this.deps.journal?.finished(record, call.intent, call.tickets.length > 0, call.info.model);
    this.deps.recorder.enqueue(record);
    if (this.deps.observers) for (const o of this.deps.observers) o.ended(call, record, cost, latency);
    recording?.end(o, model, usage, costText);
    // One line per call is an access log: debug level, so the default hot path does not pay for it.
    if (this.deps.logger.isLevelEnabled('debug')) {
      this.deps.logger.debug(
        {
          requestId: call.id,
          provider: call.provider,
          model,
          endpoint: call.endpoint,
          status: o.status,
          ms: record.latencyMs,
          costUsd: costText,
          streamed: call.streamed,
          estimated: o.estimated,
          errorClass: o.errorClass,
        },
        'request',
      );
    }
    return { cost: costText ?? undefined, latencyMs: Math.round(latency * 1000) / 1000, usage };
  }

  /**
   * A routed call records the model asked for and the one called, and what routing saved: the requested
   * model's price for the token counts this call used minus what was paid; unknown (null) when either price is.
   */
  private routed(record: UsageRecord, call: Call, route: CallRoute, usage: TokenUsage, paid: Money | null): void {
    const answered = { provider: call.provider, model: record.model };
    const s = routingSavings(this.deps.prices(), usage, route.original, answered, call.at);
    record.originalModel = route.originalModel;
    record.routedModel = route.routedModel;
    record.savingsUsd = s.originalCostUsd && paid ? s.originalCostUsd.minus(paid).toFixed() : null;
  }

  /** The price in force at the call's start: the answering model's, else the requested one's. */
  private price(call: Call, model: string, usage: TokenUsage): Money | null {
    const book = this.deps.prices();
    let cost: Money | null = book.price(call.provider, model, usage, call.at).costUsd;
    if (cost === null && model !== call.info.model)
      cost = book.price(call.provider, call.info.model, usage, call.at).costUsd;
    if (cost === null) this.noteUnpriced(call.provider, model);
    return cost;
  }

  private settle(call: Call, cost: Money | null, usage: TokenUsage, o: CallEnd): void {
    const info: SettleInfo = {
      costUsd: cost,
      inputTokens: promptTokens(usage),
      outputTokens: usage.outputTokens + usage.reasoningTokens,
      totalTokens: promptTokens(usage) + usage.outputTokens + usage.reasoningTokens,
      failed: o.status >= 400 || (o.errorClass !== null && o.errorClass !== CLIENT_CANCELLED),
    };
    for (const t of call.tickets) {
      t.control
        .settle(t.ticket, info)
        .catch((err: Error) =>
          this.deps.logger.warn({ err: { message: err.message }, requestId: call.id }, 'admission settle failed'),
        );
    }
  }

  private noteUnpriced(provider: PricedProvider, model: string): void {
    const k = `${provider}/${model}`;
    if (this.unpricedLogged.has(k)) return;
    this.unpricedLogged.add(k);
    this.deps.logger.warn(
      { provider, model },
      'no price for this model: calls are recorded with a null cost (see "oco pricing unpriced", "oco pricing set")',
    );
  }
}
