/**
 * Fallbacks, retries and circuit breakers on the unified routes (`POST /v1/chat/completions`,
 * `POST /v1/embeddings`): the attempt loop. A call is tried on its model, retried there after a
 * jittered backoff (honouring Retry-After up to a cap), then on each fallback model in order, for as
 * long as attempts fail with 429, 5xx, a timeout or a connection error before anything reached the
 * client. Each attempt is a call of its own: own request id, own admission, own record. The native
 * passthrough (`/v1/proxy/…`) never comes here and never retries.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Dispatcher, Pool } from 'undici';
import type { Store } from '../../base/store/types.js';
import type { ProviderName } from '../model.js';
import { fallbackModelsProblem, fallbackTable, splitModels } from '../routing/fallbacks.js';
import { invalid, TranslationError } from '../translate/types.js';
import type { CircuitBreakers } from './breaker.js';
import type { Call, CallOutcome } from './call.js';
import type { ExchangeSettings } from './exchange.js';
import { firstHeader, sendError } from './http-util.js';
import { classifyFailure, classifyStatus, failureMessage, type Failure } from './outcome.js';
import { obj, tryParse } from './providers/common.js';
import { PROVIDERS } from './providers/index.js';
import { TranslatedExchange, UNREADABLE } from './translated.js';
import { translateUnified, type UnifiedRequest } from './unified.js';
import type { RegisteredUpstreams } from '../translate/index.js';

export interface RetrySettings {
  /** Retries of the same model before its fallbacks (route.retries). */
  retries: number;
  /** The first retry's backoff; doubled each time, with jitter (route.retryBaseMs). */
  retryBaseMs: number;
  /** The longest wait before a retry: a Retry-After past it skips to the next fallback (route.retryMaxWaitMs). */
  retryMaxWaitMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { retries: 1, retryBaseMs: 200, retryMaxWaitMs: 5000 };

/** How long the daemon reuses the stored fallback lists: a change applies within this. */
export const FALLBACK_LISTS_TTL_MS = 2000;

/** Answers worth another attempt: rate limited, or the provider failed. Any other 4xx is the request's fault. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** One model to try: the client's name for it and the translated request. */
export interface Attempt {
  model: string;
  provider: ProviderName;
  unified: UnifiedRequest;
}

/** An attempt ready to forward: admitted and journaled. */
export interface Forward {
  call: Call;
  pool: Pool;
  options: Dispatcher.DispatchOptions;
  extraHeaders: Record<string, string>;
}

export interface AttemptHost {
  /**
   * Attribution, admission, the journal intent and the upstream request of attempt `n` (1-based).
   * Undefined when the gateway has answered instead (a refusal ends the chain with that refusal).
   */
  prepare(attempt: Attempt, id: string, start: number, n: number): Promise<Forward | undefined>;
}

export interface FallbackDeps {
  store: Store;
  logger: Logger;
  retry: RetrySettings;
  breakers: CircuitBreakers;
  exchange: ExchangeSettings;
  /** The breaker's key for an attempt's upstream: opaque, so deployments and registered upstreams have their own. */
  upstreamId(attempt: Attempt): string;
}

/**
 * `Retry-After` in milliseconds: `retry-after-ms` (OpenAI's), else `retry-after` in seconds
 * (fractions allowed) or as an HTTP date; undefined when absent or unreadable.
 */
export function retryAfterMs(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const ms = Number(firstHeader(headers['retry-after-ms']));
  if (Number.isFinite(ms) && ms >= 0 && headers['retry-after-ms'] !== undefined) return ms;
  const raw = firstHeader(headers['retry-after'])?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff for retry `r` (0-based), jittered into its upper half so retries of many calls spread. */
export function backoffMs(r: number, baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * 2 ** r * (0.5 + random() / 2));
}

/** How long to wait before retrying the same model; undefined: its Retry-After is past the cap, move on now. */
export function retryWaitMs(s: RetrySettings, retryAfter: number | undefined, r: number): number | undefined {
  if (retryAfter !== undefined && retryAfter > s.retryMaxWaitMs) return undefined;
  return Math.min(s.retryMaxWaitMs, Math.max(retryAfter ?? 0, backoffMs(r, s.retryBaseMs)));
}

/**
 * `X-OCO-Fallbacks`: absent (the stored list applies), `none` (no fallback), or comma-separated
 * models, each one a provider claims; anything else is a 400 naming the header.
 */
export function parseFallbackHeader(header: string | string[] | undefined, model: string): string[] | undefined {
  if (header === undefined) return undefined;
  const v = (Array.isArray(header) ? header.join(',') : header).trim();
  if (v.toLowerCase() === 'none') return [];
  const models = splitModels(v);
  const problem = fallbackModelsProblem(models, model);
  if (problem) throw invalid('X-OCO-Fallbacks', `${problem}; or "none" to disable fallbacks`);
  return models;
}

/** What an attempt given up on left, for the client when no later attempt answers. */
interface Held {
  status: number;
  errorClass: string;
  retryAfterMs?: number;
  json?: unknown;
  failure?: { f: Failure; err: Error & { code?: string }; upstreamStatus: number };
  outcome?: CallOutcome;
}

/**
 * One attempt's exchange: the unified route's own, except that a retryable answer (429, 5xx) or a
 * failure before anything was sent is recorded and held instead of sent, so the next attempt can
 * answer. The decision is made on the status line: once a stream's head went out, nothing is held.
 */
export class AttemptExchange extends TranslatedExchange {
  held: Held | undefined;
  private holding = false;
  private retryAfter: number | undefined;

  /** Whether the client closed the connection during this attempt. */
  get gone(): boolean {
    return this.clientGone;
  }

  override onStart(status: number, headers: IncomingHttpHeaders): void {
    if (retryableStatus(status)) {
      this.holding = true;
      this.retryAfter = retryAfterMs(headers);
    }
    super.onStart(status, headers);
  }

  protected override openStream(status: number, headers: Record<string, string | string[]>, sse: boolean) {
    return this.holding ? undefined : super.openStream(status, headers, sse);
  }

  /** A held answer is recorded as the provider gave it, billed when it reports usage (cost 0 otherwise). */
  protected override endAnswer(): void {
    if (!this.holding) return super.endAnswer();
    const json = tryParse(Buffer.concat(this.chunks).toString('utf8'));
    const found = obj(json) ? PROVIDERS[this.call.wire].usageFromBody(json) : undefined;
    const errorClass = classifyStatus(this.status)!;
    const outcome = this.settings.finisher.finish(this.call, {
      status: this.status,
      usage: found,
      errorClass,
      estimated: false,
    });
    this.held = { status: this.status, errorClass, retryAfterMs: this.retryAfter, json, outcome };
  }

  override onError(err: Error & { code?: string }): void {
    if (this.stream || this.clientGone) return super.onError(err);
    const f = classifyFailure(err);
    this.settings.finisher.finish(this.call, {
      status: f.status,
      usage: undefined,
      errorClass: f.errorClass,
      estimated: false,
    });
    this.held = { status: f.status, errorClass: f.errorClass, failure: { f, err, upstreamStatus: this.status } };
    this.end();
  }

  /** Sends the held answer, as the unified route would have sent it: the last attempt's error. */
  replay(): void {
    const h = this.held!;
    const res = this.res;
    if (res.headersSent || res.destroyed) return;
    if (h.failure) {
      const { f, err, upstreamStatus } = h.failure;
      const message = failureMessage(f, err, this.call.provider, upstreamStatus, this.settings.upstreamTimeoutMs);
      return sendError(res, f.status, f.type, message, this.call.id, this.extraHeaders);
    }
    const text = JSON.stringify(obj(h.json) ? this.translation.error(h.json) : { error: UNREADABLE });
    const headers = this.headers;
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(text));
    if (h.outcome?.cost) headers['x-cost-usd'] = h.outcome.cost;
    if (h.outcome) headers['x-latency-ms'] = String(h.outcome.latencyMs);
    res.writeHead(h.status, headers);
    res.end(text);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The gateway's fallback machinery: the stored lists (re-read every few seconds), the per-request
 * plan (the model, then `X-OCO-Fallbacks` or its stored list) and the attempt loop.
 */
export class Fallbacks {
  private lists = new Map<string, string[]>();
  private listsAt = 0;
  private loading: Promise<void> | undefined;

  constructor(private readonly deps: FallbackDeps) {}

  /**
   * The attempts for one request, in order: the request as sent (a TranslationError, the client's
   * 400, when it cannot be translated), then each fallback it translates for. The list is the header's,
   * else the one stored for the model called, else the one for `requested` (the model before routing).
   */
  async plan(
    kind: 'chat' | 'embeddings',
    json: unknown,
    header: string | string[] | undefined,
    requested?: string,
    o: { keyFor?: (provider: ProviderName) => boolean; upstreams?: RegisteredUpstreams } = {},
  ): Promise<Attempt[]> {
    const keyFor = o.keyFor ?? (() => true);
    const first = translateUnified(kind, json, o.upstreams);
    const model = (json as { model: string }).model;
    const attempts: Attempt[] = [{ model, provider: first.upstream.provider, unified: first }];
    const fromHeader = parseFallbackHeader(header, model);
    const models = fromHeader ?? (await this.stored(model, requested));
    for (const m of models) {
      if (m === model) continue;
      try {
        const unified = translateUnified(kind, { ...(json as object), model: m }, o.upstreams);
        const provider = unified.upstream.provider;
        // The client's own key is for the first model's provider only: another one needs a configured key.
        if (provider !== first.upstream.provider && !keyFor(provider)) {
          this.deps.logger.warn(
            { model, fallback: m, provider },
            'fallback skipped: no configured key for its provider',
          );
          continue;
        }
        attempts.push({ model: m, provider, unified });
      } catch (err) {
        if (!(err instanceof TranslationError)) throw err;
        // A fallback that cannot take this request is passed over, not the client's error.
        this.deps.logger.warn(
          { model, fallback: m, reason: err.message },
          'fallback skipped: request not translatable',
        );
      }
    }
    return attempts;
  }

  /** The attempt loop; resolves once the client has its answer (or has gone). */
  async run(res: ServerResponse, attempts: Attempt[], first: { id: string; start: number }, host: AttemptHost) {
    const { retry, breakers, logger } = this.deps;
    let last: AttemptExchange | undefined;
    let n = 0;
    let reopen = Infinity;
    for (const a of attempts) {
      const upstream = this.deps.upstreamId(a);
      for (let r = 0; r <= retry.retries; r++) {
        if (res.destroyed || res.headersSent) return;
        if (!breakers.acquire(upstream)) {
          reopen = Math.min(reopen, breakers.retryAfterMs(upstream));
          logger.warn({ requestId: first.id, model: a.model, upstream }, 'circuit open: upstream skipped');
          break;
        }
        n++;
        const id = n === 1 ? first.id : randomUUID();
        const fwd = await host.prepare(a, id, n === 1 ? first.start : performance.now(), n);
        if (!fwd) return breakers.release(upstream);
        const ex = await this.attempt(res, fwd, a);
        if (!ex.held) return this.answered(upstream, ex);
        breakers.failure(upstream);
        last = ex;
        logger.info(
          { requestId: id, firstRequestId: first.id, attempt: n, model: a.model, status: ex.held.status },
          `attempt ${n} failed (${ex.held.errorClass})`,
        );
        if (ex.gone || r === retry.retries) break;
        const wait = retryWaitMs(retry, ex.held.retryAfterMs, r);
        if (wait === undefined) break;
        await sleep(wait);
      }
    }
    if (last) return last.replay();
    if (res.destroyed || res.headersSent) return;
    const seconds = Math.max(1, Math.ceil(reopen / 1000));
    sendError(
      res,
      503,
      'upstream_unavailable',
      `every upstream for ${attempts.map((a) => a.model).join(', ')} is failing (circuit open); ` +
        `retry after ${seconds} s or name other fallbacks in X-OCO-Fallbacks`,
      first.id,
      { 'retry-after': String(seconds) },
    );
  }

  private attempt(res: ServerResponse, fwd: Forward, a: Attempt): Promise<AttemptExchange> {
    return new Promise((resolve) => {
      const ex: AttemptExchange = new AttemptExchange(
        fwd.call,
        res,
        fwd.extraHeaders,
        this.deps.exchange,
        () => resolve(ex),
        a.unified.translation,
      );
      ex.start(fwd.pool, fwd.options);
    });
  }

  /** An attempt the client got: the upstream answered (or cut a started stream, a failure). */
  private answered(upstream: string, ex: AttemptExchange): void {
    const b = this.deps.breakers;
    if (ex.gone) b.release(upstream);
    else if (ex.status === 0 || ex.status >= 500) b.failure(upstream);
    else b.success(upstream);
  }

  /**
   * The stored list for a model. A table older than the TTL is re-read in the background while calls
   * keep using it; one older than twice the TTL (a first one, or after an idle spell) is waited for.
   * So a change applies within 2 × TTL whatever the traffic, and a busy gateway never waits.
   */
  private async stored(model: string, requested: string | undefined): Promise<string[]> {
    const age = Date.now() - this.listsAt;
    if (age >= FALLBACK_LISTS_TTL_MS) {
      this.loading ??= this.load();
      if (age >= 2 * FALLBACK_LISTS_TTL_MS) await this.loading;
    }
    return this.lists.get(model) ?? (requested === undefined ? undefined : this.lists.get(requested)) ?? [];
  }

  private async load(): Promise<void> {
    try {
      this.lists = await fallbackTable(this.deps.store);
    } catch (err) {
      // The lists in memory (none at first) keep applying; the next TTL tries again.
      this.deps.logger.warn({ err: { message: (err as Error).message } }, 'fallback lists not read');
    } finally {
      this.listsAt = Date.now();
      this.loading = undefined;
    }
  }
}
