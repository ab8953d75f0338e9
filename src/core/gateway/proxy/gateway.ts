import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Pool, request } from 'undici';
import type { KeyCache } from '../keys/cache.js';
import { notAllowedBody, permits, refusedBy, type ScopedAllowList } from '../keys/allow.js';
import type { AllowListLookup } from '../keys/entity-lists.js';
import { looksLikeVirtualKey, type VirtualKey } from '../keys/service.js';
import type { PriceBook } from '../pricing/book.js';
import type { Store } from '../../base/store/types.js';
import type { CallJournal } from '../usage/call-journal.js';
import type { Recorder } from '../usage/recorder.js';
import type { AdminRoute, AdmissionControl, AdmissionRequest } from './admission.js';
import type { Attribution, ProviderName } from '../model.js';
import { parseTierOverrides } from '../routing/tiers.js';
import type { Strategy } from '../routing/strategy.js';
import type { RoutePolicyLookup } from '../routing/policies.js';
import { TranslationError, type UpstreamRequest } from '../translate/types.js';
import { handleAdmin } from './admin.js';
import { resolveAttribution } from './attribution.js';
import { CallFinisher, type Call, type GatewayObserver } from './call.js';
import { ProviderHealth } from './provider-health.js';
import type { Readiness } from '../../base/metrics/health.js';
import { Exchange, type ExchangeSettings } from './exchange.js';
import { HOP_BY_HOP, OCO_HEADERS, firstHeader, readBody, sendError, sendJson } from './http-util.js';
import { requestTextChars } from './outcome.js';
import { PROVIDERS, type ProviderAdapter, type RequestInfo } from './providers/index.js';
import { bearer, obj, tryParse } from './providers/common.js';
import { CircuitBreakers, type BreakerSettings } from './breaker.js';
import { DEFAULT_RETRY, Fallbacks, type Attempt, type Forward, type RetrySettings } from './fallback.js';
import { ChatRouter, type Routed } from './routing.js';
import { listedProviders, listModels, unifiedKind, type UnifiedKind, type UnifiedRequest } from './unified.js';
import { safeEqual } from './secret.js';
import {
  DEFAULT_REGISTRY_TTL_MS,
  storeDirectory,
  type ResolvedUpstream,
  type UpstreamDirectory,
} from '../upstreams/directory.js';
import { coolDownMs } from '../upstreams/select.js';
import { cacheKey, type CacheKind } from '../cache/key.js';
import { cacheMode, type CacheMode } from '../cache/policy.js';
import { requestText, scopeHash } from '../cache/semantic.js';
import type { ResponseCache } from '../cache/response-cache.js';
import { serveCached } from './cached.js';
import type { CallTracer } from './trace-hooks.js';

export interface GatewaySettings {
  baseUrls: Record<ProviderName, string>;
  /** Provider keys added when a client sends none; held in memory only. */
  providerKeys: Partial<Record<ProviderName, string>>;
  proxyApiKey?: string;
  adminApiKey?: string;
  maxBodyBytes: number;
  upstreamTimeoutMs: number;
  /** When a spend control itself fails (not refuses): admit the call (true) or answer 503 (false). */
  admissionFailOpen: boolean;
  /** Smart routing on /v1/chat/completions when neither X-OCO-Route nor a key/team strategy applies (default off). */
  routeStrategy?: Strategy;
  /** route.tiers: tier models replacing the price book's defaults. */
  routeTiers?: string;
  /** Where registered upstreams' key variables (`--key-env`) are read; the process's environment by default. */
  env?: NodeJS.ProcessEnv;
  /** How long a read of the upstream registry serves calls before it is read again (2 s). */
  upstreamsTtlMs?: number;
  /** Retries and backoff on the unified routes (route.retries, route.retryBaseMs, route.retryMaxWaitMs). */
  retry?: RetrySettings;
  /** The circuit breaker per upstream (route.breakerFailures, route.breakerCooldownMs). */
  breaker?: BreakerSettings;
}

const DEFAULT_BREAKER: BreakerSettings = { failures: 5, cooldownMs: 30_000 };

export interface GatewayDeps {
  settings: GatewaySettings;
  store: Store;
  recorder: Recorder;
  /** Where each forwarded call leaves an intent and each ended call its record, before anything else can lose them. */
  journal?: CallJournal;
  prices: () => PriceBook;
  keys: KeyCache;
  /** Team and org allow-lists, kept in memory by the daemon (`AllowListCache`); keys carry their own. */
  allowLists?: AllowListLookup;
  logger: Logger;
  admission?: AdmissionControl[];
  adminRoutes?: AdminRoute[];
  /** Routing strategies per virtual key and per team, kept in memory by the daemon (`RoutePolicyCache`). */
  routePolicies?: RoutePolicyLookup;
  /** The response cache of the unified routes (cache.enabled); absent when off. */
  cache?: ResponseCache;
  /** OpenTelemetry spans of each proxied call; absent (the common case) when tracing is off. */
  tracer?: CallTracer;
  version: string;
  /** The metrics of every call (metrics.enabled); absent when off. */
  observer?: GatewayObserver;
  /** GET /metrics on this listener (absent when metrics are off or served on metrics.port). */
  metrics?: (req: IncomingMessage, res: ServerResponse) => void;
  /** What GET /health/ready checks (store, Redis, recorder); absent: only the store is pinged. */
  readiness?: () => Promise<Readiness>;
}

const PROXY_PREFIX = '/v1/proxy/';

type Auth = { key?: VirtualKey; presented?: 'header' | 'slot' | 'invalid'; via?: 'proxy-key' };
const NO_AUTH: Auth = Object.freeze({});
const INVALID: Auth = Object.freeze({ presented: 'invalid' as const });
const VIA_PROXY_KEY: Auth = Object.freeze({ via: 'proxy-key' as const });
/** The one answer to a key that is not accepted, whatever the reason: telling them apart would help a guesser. */
const INVALID_KEY_MESSAGE =
  'the key is not valid: X-OCO-Key must be the proxy key or an active virtual key,' +
  ' and an oco key in the provider key slot must be an active virtual key';
/** Compared with when no proxy key is configured, so that check costs the same either way. */
const UNSET_PROXY_KEY = randomUUID();
const BEARER = /^bearer\s+/i;

/**
 * Virtual-key-shaped values in the provider's credential headers (a
 * Bearer scheme stripped) and query parameter; provider keys are not.
 */
function slotKeys(req: IncomingMessage, adapter: ProviderAdapter, query: string): string[] {
  const found: string[] = [];
  for (const h of adapter.credentialHeaders) {
    const raw = firstHeader(req.headers[h]);
    const v = raw === undefined ? undefined : raw.replace(BEARER, '');
    if (v !== undefined && looksLikeVirtualKey(v)) found.push(v.trim());
  }
  const param = adapter.credentialQueryParam;
  if (param && query)
    for (const v of new URLSearchParams(query).getAll(param)) if (looksLikeVirtualKey(v)) found.push(v.trim());
  return found;
}

/**
 * The query without virtual keys in the credential parameter (they
 * are oco's, never the provider's); other parameters byte for byte.
 */
function withoutSlotKeys(query: string, param: string | undefined): string {
  if (!param || !query) return query;
  const kept = query.split('&').filter((pair) => {
    const [name, value] = new URLSearchParams(pair).entries().next().value ?? [];
    return !(name === param && value !== undefined && looksLikeVirtualKey(value));
  });
  return kept.join('&');
}

interface Upstream {
  pool: Pool;
  basePath: string;
  adapter: ProviderAdapter;
}

/** Every provider's credential headers, none of which a unified call forwards as sent. */
const CREDENTIAL_HEADERS = new Set(Object.values(PROVIDERS).flatMap((p) => p.credentialHeaders));
/** The Messages API version a unified call asks for when the client names none. */
const ANTHROPIC_VERSION = '2023-06-01';

function newCall(
  id: string,
  start: number,
  wire: ProviderName,
  endpoint: string,
  info: RequestInfo,
  attribution: Attribution,
  requestChars: number,
): Call {
  const at = new Date();
  return {
    id,
    start,
    at,
    ts: at.toISOString(),
    provider: wire,
    wire,
    endpoint,
    info,
    attribution,
    requestChars,
    tickets: [],
    ttfb: null,
    streamed: false,
  };
}

/**
 * Whose routing strategy applies to a chat call: its virtual key, and its team as attribution
 * resolves it (the key's team, else X-Team-ID). A malformed team header names no team here; the
 * call is refused for it right after, by attribution.
 */
function routeSubject(req: IncomingMessage, auth: Auth): { keyId?: string; teamId?: string } {
  const attr = resolveAttribution(req.headers, auth.key, undefined);
  return { keyId: auth.key?.id, teamId: attr.ok ? attr.value.teamId : undefined };
}

/** What an attempt is priced and allowed under: a registered upstream's NAME, else the built-in provider. */
function attemptProvider(a: Attempt): string {
  return a.unified.upstream.upstream ?? a.provider;
}

function keyList(key: VirtualKey): ScopedAllowList {
  return { scope: 'key', name: key.name, models: key.allowedModels, providers: key.allowedProviders };
}

/** Where a proxied URL goes. */
interface Target {
  providerName: ProviderName;
  upstream: Upstream | undefined;
  pathAndQuery: string;
  endpoint: string;
  query: string;
}

/** An admission control's refusal, as the client gets it. */
interface Refusal {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What a unified call asks of the response cache: its route, the cache's mode, the request as routed. */
interface CacheAsk {
  kind: CacheKind;
  mode: CacheMode;
  request: unknown;
}

/** What every attempt of one unified call shares. */
interface UnifiedContext {
  routed: Routed | undefined;
  /** The routing strategy applied to a chat call (answered in X-OCO-Route). */
  strategy: Strategy | undefined;
  /** The first attempt's provider: the client's own key is sent to it only. */
  firstProvider: ProviderName;
  /** The first attempt's model: a later attempt on it is a retry, on another model a fallback. */
  firstModel: string;
  asked: CacheAsk;
  /** SHA-256 of the client's body, recorded on the first attempt (repeated requests, `enable-cache`). */
  requestHash: string;
}

/** What the semantic cache's own embedding call carries of the caller's request: oco's credentials and attribution. */
const EMBED_HEADERS = ['x-oco-key', 'x-org-id', 'x-team-id', 'x-agent-id', 'x-user-id', 'x-oco-tags'];

/** A call ready to forward. */
interface Prepared {
  call: Call;
  upstream: Upstream;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The client's body size, which the journal's worst case is based on. */
  bodyBytes: number;
  /** Headers admission adds to the answer (rate-limit state). */
  extraHeaders: Record<string, string>;
  rewrite: boolean;
}

/**
 * The gateway: routes, authentication, forwarding with per-upstream keep-alive
 * pools, usage extraction, exact pricing, admission (when controls exist) and
 * recording through the off-path recorder. Bodies are forwarded as received
 * and returned byte for byte; only counts and ids leave the request path.
 */
export class Gateway {
  readonly server: Server;
  readonly startedAt = Date.now();
  private inFlight = 0;
  private readonly upstreams: Record<ProviderName, Upstream>;
  private readonly admission: AdmissionControl[];
  private readonly finisher: CallFinisher;
  private readonly exchange: ExchangeSettings;
  private readonly router: ChatRouter;
  /** The providers whose models GET /v1/models lists. */
  private readonly modelProviders: readonly ProviderName[];
  private readonly directory: UpstreamDirectory;
  /** Keep-alive pools of registered upstreams, opened on their first call. */
  private readonly registeredPools = new Map<string, Upstream>();
  private poolsGeneration = 0;
  private readonly fallbacks: Fallbacks;
  /** The last success and error of each upstream (GET /health/providers). */
  readonly providerHealth = new ProviderHealth();

  constructor(private readonly deps: GatewayDeps) {
    this.admission = deps.admission ?? [];
    this.router = new ChatRouter({
      store: deps.store,
      prices: deps.prices,
      logger: deps.logger,
      strategy: deps.settings.routeStrategy ?? 'off',
      tierOverrides: parseTierOverrides(deps.settings.routeTiers),
      policies: deps.routePolicies,
    });
    this.modelProviders = listedProviders(deps.settings.providerKeys);
    this.finisher = new CallFinisher({
      ...deps,
      observers: deps.observer ? [this.providerHealth, deps.observer] : [this.providerHealth],
    });
    const s = deps.settings;
    this.directory = storeDirectory(deps.store, {
      builtins: s.baseUrls,
      env: s.env ?? process.env,
      logger: deps.logger,
      ttlMs: s.upstreamsTtlMs ?? DEFAULT_REGISTRY_TTL_MS,
    });
    this.exchange = {
      finisher: this.finisher,
      upstreamTimeoutMs: s.upstreamTimeoutMs,
      onUpstreamStatus: (call, status, headers) => {
        if (status === 429 && call.upstreamId)
          this.directory.rotation.markRateLimited(call.upstreamId, Date.now() + coolDownMs(headers));
      },
    };
    this.upstreams = Object.fromEntries(
      (Object.keys(PROVIDERS) as ProviderName[]).map((name) => [name, this.newUpstream(s.baseUrls[name], name)]),
    ) as Record<ProviderName, Upstream>;
    this.fallbacks = new Fallbacks({
      store: deps.store,
      logger: deps.logger,
      retry: s.retry ?? DEFAULT_RETRY,
      breakers: new CircuitBreakers(s.breaker ?? DEFAULT_BREAKER),
      exchange: this.exchange,
      // A registered upstream has a breaker of its own; a built-in provider one for all its deployments
      // (a deployment answering 429 leaves the rotation on its own: directory.rotation).
      upstreamId: (a) =>
        a.unified.upstream.upstream ? `upstream:${a.unified.upstream.upstream}` : `builtin:${a.provider}`,
    });
    this.server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => this.handle(req, res));
  }

  private newUpstream(baseUrl: string, wire: ProviderName): Upstream {
    const s = this.deps.settings;
    const url = new URL(baseUrl);
    const pool = new Pool(url.origin, {
      connections: 512,
      keepAliveTimeout: 30_000,
      headersTimeout: s.upstreamTimeoutMs,
      bodyTimeout: s.upstreamTimeoutMs,
      connectTimeout: Math.min(s.upstreamTimeoutMs, 10_000),
    });
    return { pool, basePath: url.pathname.replace(/\/+$/, ''), adapter: PROVIDERS[wire] };
  }

  /**
   * Where a translated call goes: the registered OpenAI-compatible upstream it named (NAME/model),
   * else one of the built-in provider's default and registered deployments that serve the model,
   * picked by weight among those in rotation (`exclude`: ids a caller has tried already). Upstreams
   * whose key variable is not set are skipped; `missingKey` names the variable when none is left.
   */
  upstreamFor(
    up: Pick<UpstreamRequest, 'provider' | 'upstream'>,
    model: string,
    exclude?: ReadonlySet<string>,
  ): { target: ResolvedUpstream; upstream: Upstream } | { missingKey: ResolvedUpstream } | undefined {
    const d = this.directory;
    const custom = up.upstream === undefined ? undefined : d.custom(up.upstream);
    const candidates = up.upstream === undefined ? d.deploymentsOf(up.provider, model) : custom ? [custom] : [];
    const target = d.rotation.pick(
      candidates.filter((c) => !c.keyMissing),
      { exclude },
    );
    if (!target) {
      const missing = candidates.find((c) => c.keyMissing);
      return missing ? { missingKey: missing } : undefined;
    }
    if (target.kind === 'builtin') return { target, upstream: this.upstreams[target.wire] };
    if (this.poolsGeneration !== d.generation) this.closeRemovedPools();
    const k = `${target.id}\u0000${target.baseUrl}`;
    let upstream = this.registeredPools.get(k);
    if (!upstream) {
      upstream = this.newUpstream(target.baseUrl, target.wire);
      this.registeredPools.set(k, upstream);
    }
    return { target, upstream };
  }

  /** Pools of upstreams removed (or moved to another URL) since the last look: closed once their calls end. */
  private closeRemovedPools(): void {
    this.poolsGeneration = this.directory.generation;
    const live = new Set(this.directory.registered().map((u) => `${u.id}\u0000${u.baseUrl}`));
    for (const [k, u] of this.registeredPools) {
      if (live.has(k)) continue;
      this.registeredPools.delete(k);
      void u.pool.close().catch(() => {});
    }
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Calls ended (answered, refused or cut) since start. */
  get served(): number {
    return this.finisher.served;
  }

  get active(): number {
    return this.inFlight;
  }

  /** Stops accepting, lets in-flight calls finish up to timeoutMs, then cuts what is left. */
  async drain(timeoutMs: number): Promise<{ cut: number }> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const cut = this.inFlight;
    this.server.closeAllConnections();
    await closed;
    // Calls cut short settle and record on their close handlers; give them a turn.
    for (let i = 0; i < 50 && this.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
    const pools = [...Object.values(this.upstreams), ...this.registeredPools.values()];
    await Promise.all(pools.map((u) => u.pool.close().catch(() => {})));
    return { cut };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url.startsWith(PROXY_PREFIX)) {
      this.inFlight++;
      res.once('close', () => this.inFlight--);
      this.deps.tracer?.request(req, res);
      void this.proxy(req, res, url).catch((err: Error) => {
        this.deps.logger.error({ err: { message: err.message, stack: err.stack } }, 'proxy handler failed');
        sendError(res, 500, 'internal_error', 'the gateway failed to handle the request', 'unknown');
      });
      return;
    }
    const path = url.split('?', 1)[0]!;
    const kind = unifiedKind(req.method, path);
    if (kind) {
      this.inFlight++;
      res.once('close', () => this.inFlight--);
      this.deps.tracer?.request(req, res);
      void this.unified(req, res, kind).catch((err: Error) => {
        this.deps.logger.error({ err: { message: err.message, stack: err.stack } }, 'unified handler failed');
        sendError(res, 500, 'internal_error', 'the gateway failed to handle the request', 'unknown');
      });
      return;
    }
    if (path === '/health' && req.method === 'GET') {
      const r = this.deps.recorder.snapshot();
      sendJson(res, 200, {
        status: 'ok',
        pid: process.pid,
        version: this.deps.version,
        engine: this.deps.store.engine,
        uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
        requests_served: this.served,
        in_flight: this.inFlight,
        records_queued: r.queued,
        spill_files: r.spillFiles,
      });
      return;
    }
    if (path === '/health/ready' && req.method === 'GET') {
      void this.ready().then((r) => sendJson(res, r.status === 'ready' ? 200 : 503, r));
      return;
    }
    if (path === '/health/providers' && req.method === 'GET') {
      const r = this.providerHealth.report();
      sendJson(res, r.status === 'ok' ? 200 : 503, r);
      return;
    }
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD') && this.deps.metrics) {
      this.deps.metrics(req, res);
      return;
    }
    if (path === '/health/db' && req.method === 'GET') {
      void this.deps.store.ping().then(
        () => sendJson(res, 200, { status: 'ok', engine: this.deps.store.engine }),
        (err: Error) =>
          sendJson(res, 503, {
            status: 'unavailable',
            engine: this.deps.store.engine,
            error: err.message.replace(/\/\/[^@\s]*@/g, '//****@'),
          }),
      );
      return;
    }
    if (path.startsWith('/api/v1/') || path === '/api/v1') {
      void handleAdmin(req, res, path, url, {
        adminApiKey: this.deps.settings.adminApiKey,
        store: this.deps.store,
        routes: this.deps.adminRoutes ?? [],
      }).catch((err: Error) => {
        this.deps.logger.error({ err: { message: err.message } }, 'admin handler failed');
        sendError(res, 500, 'internal_error', 'the admin API failed to handle the request', randomUUID());
      });
      return;
    }
    sendError(
      res,
      404,
      'not_found',
      `no route ${req.method} ${path};` +
        ' the gateway serves /health, /health/ready, /health/providers, /health/db, /metrics,' +
        ' /v1/proxy/{openai,anthropic,gemini}/…,' +
        ' POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models and /api/v1/…',
      randomUUID(),
    );
  }

  private async proxy(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const start = performance.now();
    const id = randomUUID();
    const target = this.route(url);
    if (!target.upstream) {
      sendError(
        res,
        404,
        'not_found',
        `unknown provider "${target.providerName}"; use /v1/proxy/openai/, /v1/proxy/anthropic/ or /v1/proxy/gemini/`,
        id,
      );
      return;
    }
    const p = await this.prepare(req, res, target, id, start);
    if (!p) return;
    this.journalIntent(p.call, p.bodyBytes);
    const { call, upstream } = p;
    const options = {
      path: p.path,
      method: (req.method ?? 'GET') as 'GET',
      headers: p.headers,
      body: p.body.length > 0 ? p.body : null,
    };
    await new Promise<void>((done) =>
      new Exchange(call, res, upstream.adapter, p.extraHeaders, p.rewrite, this.exchange, done).start(
        upstream.pool,
        options,
      ),
    );
  }

  /** /v1/proxy/<provider><endpoint>?<query> → the provider's upstream (undefined for an unknown provider). */
  private route(url: string): Target {
    const rest = url.slice(PROXY_PREFIX.length);
    const slash = rest.indexOf('/');
    const providerName = (slash === -1 ? rest.split('?', 1)[0] : rest.slice(0, slash)) as ProviderName;
    const upstream = Object.hasOwn(this.upstreams, providerName) ? this.upstreams[providerName] : undefined;
    const pathAndQuery = slash === -1 ? '/' : rest.slice(slash);
    const q = pathAndQuery.indexOf('?');
    const endpoint = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
    const query = q === -1 ? '' : pathAndQuery.slice(q + 1);
    return { providerName, upstream, pathAndQuery, endpoint, query };
  }

  /**
   * Everything before forwarding: authentication, the body, attribution, admission,
   * the upstream request. Undefined when the gateway has already answered.
   */
  private async prepare(
    req: IncomingMessage,
    res: ServerResponse,
    t: Target,
    id: string,
    start: number,
  ): Promise<Prepared | undefined> {
    const upstream = t.upstream!;
    const adapter = upstream.adapter;
    const client = await this.readClient(req, res, adapter, t.query, id);
    if (!client) return undefined;
    const { auth, body, json } = client;
    const presented = auth.presented;
    const info = adapter.requestInfo(t.endpoint, json);
    const attr = resolveAttribution(req.headers, auth.key, info.user);
    if (!attr.ok) return void sendError(res, 400, 'invalid_request', attr.message, id);
    // Before admission and before any upstream byte: a model outside the allow-lists reaches no provider.
    const lists = this.listsFor(auth.key, attr);
    if (lists.length > 0) {
      // A GET/HEAD that names no model (listing models, reading a file) is checked on its provider only; any other
      // call that names none is refused under a model list: the empty name matches no pattern.
      const bodyless = info.model === 'unknown' && (req.method === 'GET' || req.method === 'HEAD');
      const by = bodyless
        ? lists.find((l) => l.providers && !l.providers.includes(adapter.name))
        : refusedBy(lists, adapter.name, info.model === 'unknown' ? '' : info.model);
      if (by) return void sendJson(res, 403, notAllowedBody(by, adapter.name, info.model, id), { 'x-request-id': id });
    }
    const chars = json === undefined ? body.length : requestTextChars(json);
    const call = newCall(id, start, adapter.name, t.endpoint, info, attr.value, chars);
    if (this.deps.tracer) call.trace = this.deps.tracer.call(req, call);
    const extraHeaders: Record<string, string> = {};
    if (this.admission.length > 0) {
      const refusal = await this.admit(call, body.length, extraHeaders, json);
      if (refusal) return void this.refuse(call, res, refusal);
    }

    const prepared = json !== undefined ? adapter.prepareRequest(t.endpoint, json, info) : undefined;
    const outBody = prepared ? prepared.body : body;
    const keyInSlot = presented === 'slot';
    const headers = this.upstreamHeaders(req, adapter, t.query, keyInSlot);
    const forwardQuery = keyInSlot ? withoutSlotKeys(t.query, adapter.credentialQueryParam) : t.query;
    const path =
      upstream.basePath +
      (forwardQuery === t.query ? t.pathAndQuery : forwardQuery ? `${t.endpoint}?${forwardQuery}` : t.endpoint);
    if (outBody.length > 0 || req.headers['content-length'] !== undefined)
      headers['content-length'] = String(outBody.length);
    return {
      call,
      upstream,
      path,
      headers,
      body: outBody,
      bodyBytes: body.length,
      extraHeaders,
      rewrite: prepared?.rewriteStream === true,
    };
  }

  /**
   * Authentication (a virtual key in X-OCO-Key or the SDK's own key slot, else the
   * shared proxy key) and the body. Undefined when the gateway has already answered.
   */
  private async readClient(
    req: IncomingMessage,
    res: ServerResponse,
    adapter: ProviderAdapter,
    query: string,
    id: string,
  ): Promise<{ auth: Auth; body: Buffer; json: unknown } | undefined> {
    const pending = this.authenticate(req, adapter, query);
    const auth = pending instanceof Promise ? await pending : pending;
    if (auth.presented === 'invalid') return void sendError(res, 401, 'proxy_auth_error', INVALID_KEY_MESSAGE, id);
    if (!auth.key && this.deps.settings.proxyApiKey && !(auth.via === 'proxy-key'))
      return void sendError(
        res,
        401,
        'proxy_auth_error',
        'this gateway requires X-OCO-Key (the proxy key or a virtual key)',
        id,
      );
    const body =
      req.method === 'GET' || req.method === 'HEAD'
        ? Buffer.alloc(0)
        : await readBody(req, this.deps.settings.maxBodyBytes);
    if (body === 'aborted') return undefined;
    if (body === 'too_large') {
      return void sendError(
        res,
        413,
        'request_too_large',
        `request body exceeds the gateway limit of ${this.deps.settings.maxBodyBytes} bytes (proxy.maxBodyBytes)`,
        id,
        { connection: 'close' },
      );
    }
    const json =
      body.length > 0 && (body[0] === 0x7b || body[0] === 0x5b) ? tryParse(body.toString('utf8')) : undefined;
    return { auth, body, json };
  }

  /** An OpenAI-format call: translated, then forwarded and finished like a passthrough call. */
  private async unified(req: IncomingMessage, res: ServerResponse, kind: UnifiedKind): Promise<void> {
    const start = performance.now();
    const id = randomUUID();
    const client = await this.readClient(req, res, PROVIDERS.openai, '', id);
    if (!client) return;
    await this.directory.fresh();
    if (kind === 'models') {
      // Registered OpenAI-compatible upstreams are configured by definition: their priced models are listed too.
      const providers = [...this.modelProviders, ...this.directory.routable.keys()];
      return void sendJson(res, 200, listModels(this.deps.prices(), providers), { 'x-request-id': id });
    }
    const cache = cacheMode(req.headers['x-oco-cache'], kind, client.json);
    if (typeof cache === 'object') return void sendError(res, 400, 'invalid_request', cache.invalid, id);
    if (cache === 'semantic' && this.deps.cache && !this.deps.cache.semantic)
      return void sendError(
        res,
        400,
        'invalid_request',
        'X-OCO-Cache: semantic needs the semantic cache, which is off on this gateway (cache.semanticModel is unset)',
        id,
      );
    let routed: Routed | undefined;
    let strategy: Strategy | undefined;
    let attempts: Attempt[];
    try {
      // Routing decides before admission, so budgets and rate limits reserve for the model actually called.
      if (kind === 'chat') {
        let subject: ReturnType<typeof routeSubject> | undefined;
        const who = () => (subject ??= routeSubject(req, client.auth));
        const header = req.headers['x-oco-route'];
        // The strategy applied goes back in X-OCO-Route (header, key, team or config: the client can tell).
        strategy = this.router.strategy(header, who).strategy;
        routed = this.router.route(header, client.json, who, {
          clientKey: client.auth.presented !== 'slot' && Boolean(bearer(req.headers.authorization)),
          configured: this.modelProviders,
        });
      }
      const requested = obj(client.json)?.model as string;
      const keys = this.deps.settings.providerKeys;
      const plan = (json: unknown) =>
        this.fallbacks.plan(kind, json, req.headers['x-oco-fallbacks'], requested, {
          keyFor: (p) => !!keys[p],
          upstreams: this.directory.routable,
        });
      attempts = await plan(routed ? routed.request : client.json);
      const lists = this.listsFor(client.auth.key, resolveAttribution(req.headers, client.auth.key, undefined));
      if (lists.length > 0) {
        // Routing never picks a model outside the lists: the requested model is called instead.
        if (routed?.route && refusedBy(lists, attemptProvider(attempts[0]!), attempts[0]!.model)) {
          routed = undefined;
          attempts = await plan(client.json);
        }
        const first = attempts[0]!;
        const by = refusedBy(lists, attemptProvider(first), first.model);
        if (by)
          return void sendJson(res, 403, notAllowedBody(by, attemptProvider(first), first.model, id), {
            'x-request-id': id,
          });
        // A fallback outside the lists is skipped.
        attempts = attempts.filter((a) => lists.every((l) => permits(l, attemptProvider(a), a.model)));
      }
    } catch (err) {
      if (!(err instanceof TranslationError)) throw err;
      return void sendJson(res, 400, err.toOpenAIError(), { 'x-request-id': id });
    }
    // Each attempt (a retry, a fallback) is admitted, journaled and recorded as a call of its own.
    const ctx: UnifiedContext = {
      routed,
      strategy,
      firstProvider: attempts[0]!.provider,
      firstModel: attempts[0]!.model,
      asked: { kind, mode: cache, request: routed ? routed.request : client.json },
      // The body's bytes, hashed natively (under half a JSON parse of them): never the body, no canonical JSON walk.
      requestHash: createHash('sha256').update(client.body).digest('hex'),
    };
    await this.fallbacks.run(
      res,
      attempts,
      { id, start },
      {
        prepare: (a, attemptId, attemptStart, n) =>
          this.prepareUnified(req, res, client, a, attemptId, attemptStart, n, ctx),
      },
    );
  }

  /**
   * Attribution, admission, the journal intent and the upstream request of one attempt of a translated
   * call, judged on the provider's request as the passthrough would judge the same request.
   */
  private async prepareUnified(
    req: IncomingMessage,
    res: ServerResponse,
    client: { auth: Auth; json: unknown },
    attempt: Attempt,
    id: string,
    start: number,
    n: number,
    ctx: UnifiedContext,
  ): Promise<Forward | undefined> {
    const { routed } = ctx;
    const up = attempt.unified.upstream;
    const adapter = PROVIDERS[up.provider];
    const endpoint = up.path.split('?', 1)[0]!;
    const info = adapter.requestInfo(endpoint, up.body);
    const found = this.upstreamFor(up, info.model);
    if (!found || 'missingKey' in found) return void this.noUpstream(res, up, found?.missingKey, id);
    const { target, upstream } = found;
    const user = obj(client.json)?.user;
    if (!info.user && typeof user === 'string' && user) info.user = user;
    const attr = resolveAttribution(req.headers, client.auth.key, info.user);
    if (!attr.ok) return void sendError(res, 400, 'invalid_request', attr.message, id);
    const call = newCall(id, start, adapter.name, endpoint, info, attr.value, requestTextChars(up.body));
    call.via = ctx.asked.kind;
    if (n > 1) this.deps.observer?.attempt(call, attempt.model === ctx.firstModel ? 'retry' : 'fallback');
    if (this.deps.tracer) call.trace = this.deps.tracer.call(req, call);
    call.provider = target.provider;
    call.upstreamId = target.id;
    if (target.deployment) call.deployment = target.deployment;
    // The first attempt is the one the cache would answer: fallbacks are neither looked up nor kept.
    if (n === 1) call.requestHash = ctx.requestHash;
    const body = Buffer.from(JSON.stringify(up.body));
    // Which model answered, and on which attempt: the client names the model, so the header does too.
    const extraHeaders: Record<string, string> = { 'x-oco-model': attempt.model, 'x-oco-attempts': String(n) };
    // The strategy applied (header, key, team or config), so the client can tell why a model was called.
    if (ctx.strategy) extraHeaders['x-oco-route'] = ctx.strategy;
    if (routed?.route) call.route = routed.route;
    // A hit needs no budget: it is answered here, before admission, and reaches no provider. Only the
    // first attempt asks: a fallback's answer is not the requested model's, and is not kept either.
    const cache = this.deps.cache;
    if (
      n === 1 &&
      cache &&
      (await this.fromCache(cache, call, req, res, client.auth, attempt.unified, ctx.asked, extraHeaders))
    )
      return undefined;
    if (this.admission.length > 0) {
      const refusal = await this.admit(call, body.length, extraHeaders, up.body);
      if (refusal) return void this.refuse(call, res, refusal);
    }
    const headers = this.unifiedHeaders(req, adapter, client.auth, target, attempt.provider !== ctx.firstProvider);
    headers['content-length'] = String(body.length);
    this.journalIntent(call, body.length);
    // An OpenAI-compatible base URL ends with its version (…/v1, as its SDK setting does); a built-in's before it.
    const path =
      upstream.basePath + (target.kind === 'openai-compatible' ? up.path.replace(/^\/v1(?=\/)/, '') : up.path);
    const options = { path, method: 'POST' as const, headers, body };
    return { call, pool: upstream.pool, options, extraHeaders };
  }

  /**
   * The response cache's part in a unified call: true when it answered (a hit). A miss asks the
   * translated exchange to keep its answer; a bypass (X-OCO-Cache: off, a call that is not
   * repeatable, a cache that failed) is only shown in the X-OCO-Cache response header.
   */
  private async fromCache(
    cache: ResponseCache,
    call: Call,
    req: IncomingMessage,
    res: ServerResponse,
    auth: Auth,
    u: UnifiedRequest,
    asked: CacheAsk,
    extraHeaders: Record<string, string>,
  ): Promise<boolean> {
    const request = obj(asked.request);
    if (asked.mode === 'bypass' || !request) {
      extraHeaders['x-oco-cache'] = 'bypass';
      return false;
    }
    const owner = { orgId: call.attribution.orgId, provider: call.provider, model: call.info.model, kind: asked.kind };
    const key = cacheKey({ ...owner, request });
    const found = await cache.lookup(key, owner.orgId);
    if (found === 'failed') {
      extraHeaders['x-oco-cache'] = 'bypass';
      return false;
    }
    if (found) {
      serveCached(call, res, found, request, extraHeaders, this.finisher);
      return true;
    }
    let vector: { scope: string; vector: Float32Array } | undefined;
    if (asked.mode === 'semantic' && cache.semantic) {
      const v = await this.embed(req, auth, requestText(request));
      if (v) {
        vector = { scope: scopeHash({ ...owner, request }), vector: v };
        const near = await cache.nearest(owner.orgId, vector.scope, v);
        const hit = near && (await cache.lookup(near.keyHash, owner.orgId));
        if (near && hit && hit !== 'failed') {
          serveCached(call, res, hit, request, extraHeaders, this.finisher, near.similarity);
          return true;
        }
      }
    }
    call.cache = { state: 'miss', savingsUsd: null };
    extraHeaders['x-oco-cache'] = 'miss';
    u.translation.keep = (body, costUsd) => cache.keep(key, owner, body, costUsd, vector);
    return false;
  }

  /**
   * The embedding of a request's text for the semantic cache, asked of this gateway's own
   * /v1/embeddings with the caller's oco credentials and attribution, so it is admitted, billed
   * and recorded as the caller's own call (and exact-cached like any). The provider key is the
   * configured one unless the caller's key slot held a virtual key. Undefined when it fails: the
   * call then goes on as an exact-match miss.
   */
  private async embed(req: IncomingMessage, auth: Auth, text: string): Promise<Float32Array | undefined> {
    const s = this.deps.cache?.semantic;
    const addr = this.server.address() as AddressInfo | null;
    if (!s || !text || !addr) return undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const h of EMBED_HEADERS) {
      const v = firstHeader(req.headers[h]);
      if (v !== undefined) headers[h] = v;
    }
    if (auth.presented === 'slot' && req.headers.authorization) headers.authorization = req.headers.authorization;
    const host = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}/v1/embeddings`;
    try {
      const r = await request(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: s.model, input: text, ...(s.dimensions ? { dimensions: s.dimensions } : {}) }),
        headersTimeout: this.deps.settings.upstreamTimeoutMs,
        bodyTimeout: this.deps.settings.upstreamTimeoutMs,
      });
      const json = (await r.body.json()) as { data?: Array<{ embedding?: unknown }> };
      const v = json.data?.[0]?.embedding;
      if (r.statusCode !== 200 || !Array.isArray(v)) return undefined;
      return Float32Array.from(v as number[]);
    } catch {
      return undefined;
    }
  }

  /**
   * The client's headers as the passthrough forwards them, minus every credential:
   * the unified routes take the provider key from OpenAI's slot (unless it held a
   * virtual key) and put it where the provider expects one, else the configured key.
   */
  private unifiedHeaders(
    req: IncomingMessage,
    adapter: ProviderAdapter,
    auth: Auth,
    target: ResolvedUpstream,
    configuredOnly = false,
  ): Record<string, string> {
    const out: Record<string, string> = {};
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (HOP_BY_HOP.has(name) || OCO_HEADERS.has(name) || CREDENTIAL_HEADERS.has(name)) continue;
      out[name] = out[name] === undefined ? raw[i + 1]! : `${out[name]}, ${raw[i + 1]}`;
    }
    out['accept-encoding'] = 'identity';
    out['content-type'] = 'application/json';
    if (adapter.name === 'anthropic') out['anthropic-version'] ??= ANTHROPIC_VERSION;
    // A fallback on another provider than the one the client's key was sent for gets the configured key only.
    const fromClient = auth.presented === 'slot' || configuredOnly ? undefined : bearer(req.headers.authorization);
    // A registered upstream with its own key always uses it; an OpenAI-compatible one never gets a built-in's key.
    const configured = target.kind === 'openai-compatible' ? undefined : this.deps.settings.providerKeys[adapter.name];
    const key = target.key ?? (fromClient || configured);
    if (key) {
      const [h, v] = adapter.credentialHeader(key);
      out[h] = v;
    }
    return out;
  }

  /**
   * No upstream can take the call: its key variable is not set where the gateway runs (503, naming the
   * variable, never a value), or its upstream was removed a moment ago (404). Nothing forwarded or recorded.
   */
  private noUpstream(
    res: ServerResponse,
    up: Pick<UpstreamRequest, 'provider' | 'upstream'>,
    missing: ResolvedUpstream | undefined,
    id: string,
  ): void {
    const name = up.upstream ?? up.provider;
    const error = missing
      ? {
          message:
            `upstream ${missing.name} has no key: the environment variable ${missing.keyEnv} is not set where the` +
            ' gateway runs; set it and restart the gateway (oco proxy restart)',
          type: 'upstream_unavailable',
          param: null,
          code: 'upstream_key_missing',
        }
      : {
          message: `no upstream named ${name} is registered now (oco route providers list)`,
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        };
    sendJson(res, missing ? 503 : 404, { error }, { 'x-request-id': id });
  }

  /** The allow-lists a call must pass (its key's, its team's, its org's); none when nothing restricts it. */
  private listsFor(key: VirtualKey | undefined, attr: ReturnType<typeof resolveAttribution>): ScopedAllowList[] {
    if (!this.deps.allowLists) return key && (key.allowedModels || key.allowedProviders) ? [keyList(key)] : [];
    // An attribution header the call is refused for right after names no team or org: the key's list still applies.
    if (!attr.ok) return key && (key.allowedModels || key.allowedProviders) ? [keyList(key)] : [];
    return this.deps.allowLists.listsFor(key, attr.value);
  }

  /** Readiness as the daemon defines it, else the store alone. */
  private ready(): Promise<Readiness> {
    if (this.deps.readiness) return this.deps.readiness();
    return this.deps.store.ping().then(
      () => ({ status: 'ready', checks: { store: { ok: true } } }),
      () => ({ status: 'degraded', checks: { store: { ok: false } } }),
    );
  }

  /** A refusal goes back verbatim, and is recorded. */
  private refuse(call: Call, res: ServerResponse, refused: Refusal): void {
    if (this.deps.observer) {
      const e = obj(obj(refused.body)?.error);
      const reason = typeof e?.code === 'string' ? e.code : typeof e?.type === 'string' ? e.type : 'refused';
      this.deps.observer.refused(call, reason, typeof e?.scope === 'string' ? e.scope : undefined);
    }
    const text = JSON.stringify(refused.body);
    res.writeHead(refused.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-request-id': call.id,
      ...refused.headers,
    });
    res.end(text);
    this.finisher.finish(call, { status: refused.status, usage: undefined, errorClass: 'refused', estimated: false });
  }

  /** From here the provider may bill the call: if the daemon dies before it ends, the next start bills it from this. */
  private journalIntent(call: Call, bodyBytes: number): void {
    if (!this.deps.journal) return;
    const a = call.attribution;
    call.intent = this.deps.journal.intent({
      id: call.id,
      ts: call.ts,
      provider: call.provider,
      model: call.info.model,
      endpoint: call.endpoint,
      attribution: {
        orgId: a.orgId,
        teamId: a.teamId,
        agentId: a.agentId,
        userId: a.userId,
        keyId: a.keyId ?? null,
        tags: a.tags,
      },
      estimatedInputTokens: Math.ceil(bodyBytes / 4),
      maxOutputTokens: call.info.maxOutputTokens ?? null,
      admitted: call.tickets.length > 0,
    });
  }

  /**
   * Who the call is from; a promise only when a virtual key must
   * be looked up (the common call needs no turn of the loop).
   * Any X-OCO-Key must be the shared proxy key or an active virtual key, and any virtual-key-shaped credential in the
   * SDK's key slot an active virtual key: otherwise INVALID, one answer whatever the reason. The shared key is compared
   * (against a placeholder when none is configured) and the virtual key looked up the same way for every value, so the
   * time taken tells at most whether the value had the virtual key's format.
   */
  private authenticate(req: IncomingMessage, adapter: ProviderAdapter, query: string): Auth | Promise<Auth> {
    const header = req.headers['x-oco-key'];
    const ocoKey = header === undefined ? undefined : (firstHeader(header) ?? '');
    const inSlot = slotKeys(req, adapter, query);
    if (ocoKey === undefined && inSlot.length === 0) return NO_AUTH;
    const shared = this.deps.settings.proxyApiKey;
    const viaShared = ocoKey !== undefined && safeEqual(ocoKey, shared ?? UNSET_PROXY_KEY) && shared !== undefined;
    if (viaShared && inSlot.length === 0) return VIA_PROXY_KEY;
    return this.verifyPresented(viaShared ? undefined : ocoKey, inSlot, viaShared);
  }

  private async verifyPresented(ocoKey: string | undefined, inSlot: string[], viaShared: boolean): Promise<Auth> {
    const fromHeader = ocoKey === undefined ? undefined : await this.deps.keys.lookup(ocoKey);
    if (ocoKey !== undefined && !fromHeader) return INVALID;
    let fromSlot: VirtualKey | undefined;
    for (const v of inSlot) {
      const k = await this.deps.keys.lookup(v);
      if (!k) return INVALID;
      fromSlot ??= k;
    }
    return {
      key: fromHeader ?? fromSlot,
      presented: inSlot.length > 0 ? 'slot' : 'header',
      via: viaShared ? 'proxy-key' : undefined,
    };
  }

  private upstreamHeaders(
    req: IncomingMessage,
    adapter: ProviderAdapter,
    query: string,
    keyInSlot: boolean,
  ): Record<string, string> {
    const out: Record<string, string> = {};
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (HOP_BY_HOP.has(name) || OCO_HEADERS.has(name)) continue;
      if (keyInSlot && adapter.credentialHeaders.includes(name)) continue;
      out[name] = out[name] === undefined ? raw[i + 1]! : `${out[name]}, ${raw[i + 1]}`;
    }
    // Compressed responses could not be read for usage; loopback and LAN gain nothing from compression anyway.
    out['accept-encoding'] = 'identity';
    if (keyInSlot || !adapter.hasCredential(req.headers, query)) {
      const configured = this.deps.settings.providerKeys[adapter.name];
      if (configured) {
        const [h, v] = adapter.credentialHeader(configured);
        out[h] = v;
      }
    }
    return out;
  }

  private async admit(
    call: Call,
    bodyBytes: number,
    extraHeaders: Record<string, string>,
    body: unknown,
  ): Promise<Refusal | undefined> {
    if (!call.trace) return this.admitAll(call, bodyBytes, extraHeaders, body);
    const span = call.trace.admission(this.admission.length);
    const refusal = await this.admitAll(call, bodyBytes, extraHeaders, body);
    span.end(refusal?.status);
    return refusal;
  }

  private async admitAll(
    call: Call,
    bodyBytes: number,
    extraHeaders: Record<string, string>,
    body: unknown,
  ): Promise<Refusal | undefined> {
    const req: AdmissionRequest = {
      requestId: call.id,
      provider: call.provider,
      wire: call.wire,
      model: call.info.model,
      attribution: call.attribution,
      estimatedInputTokens: Math.ceil(bodyBytes / 4),
      endpoint: call.endpoint,
      body,
      maxOutputTokens: call.info.maxOutputTokens,
      now: new Date(),
    };
    for (const control of this.admission) {
      let d;
      try {
        d = await control.admit(req);
      } catch (err) {
        this.deps.logger.warn(
          {
            err: { message: (err as Error).message },
            requestId: call.id,
            failOpen: this.deps.settings.admissionFailOpen,
          },
          'admission control failed',
        );
        if (this.deps.settings.admissionFailOpen) continue;
        return {
          status: 503,
          body: {
            error: {
              type: 'admission_unavailable',
              message: 'spend controls are unavailable and OCO_BUDGET_FAIL_OPEN is false',
              request_id: call.id,
            },
          },
        };
      }
      if (!d.admitted) return { status: d.status, body: d.body, headers: { ...extraHeaders, ...d.headers } };
      call.tickets.push({ control, ticket: d.ticket });
      if (d.headers) Object.assign(extraHeaders, d.headers);
    }
    return undefined;
  }
}
