import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { KeyCache } from '../keys/cache.js';
import { looksLikeVirtualKey, type VirtualKey } from '../keys/service.js';
import type { PriceBook } from '../pricing/book.js';
import { emptyUsage, promptTokens, type TokenUsage } from '../pricing/types.js';
import type { Money } from '../../base/money.js';
import type { Store } from '../../base/store/types.js';
import type { CallJournal, IntentMark } from '../usage/call-journal.js';
import type { UsageRecord } from '../usage/record.js';
import type { Recorder } from '../usage/recorder.js';
import type { AdminRoute, AdmissionControl, AdmissionRequest, SettleInfo } from './admission.js';
import type { Attribution, ProviderName } from '../model.js';
import { handleAdmin } from './admin.js';
import { resolveAttribution } from './attribution.js';
import { HOP_BY_HOP, OCO_HEADERS, drained, firstHeader, readBody, sendError, sendJson } from './http-util.js';
import { PROVIDERS, type ProviderAdapter, type RequestInfo, type StreamTracker, type UsageFound } from './providers/index.js';
import { tryParse } from './providers/common.js';
import { SseSplitter, formatEvent } from './sse.js';
import { safeEqual } from './secret.js';
import { callUpstream } from './upstream.js';

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
}

export interface GatewayDeps {
  settings: GatewaySettings;
  store: Store;
  recorder: Recorder;
  /** Where each forwarded call leaves an intent and each ended call its record, before anything else can lose them. */
  journal?: CallJournal;
  prices: () => PriceBook;
  keys: KeyCache;
  logger: Logger;
  admission?: AdmissionControl[];
  adminRoutes?: AdminRoute[];
  version: string;
}

const PROXY_PREFIX = '/v1/proxy/';
const STREAM_TRAILERS = 'X-Cost-USD, X-Latency-Ms';
const REQUEST_TEXT_KEYS = new Set(['content', 'text', 'input', 'prompt', 'system', 'instructions']);

type Auth = { key?: VirtualKey; presented?: 'header' | 'slot' | 'invalid'; via?: 'proxy-key' };
const NO_AUTH: Auth = Object.freeze({});
const INVALID: Auth = Object.freeze({ presented: 'invalid' as const });
const VIA_PROXY_KEY: Auth = Object.freeze({ via: 'proxy-key' as const });
/** The one answer to a key that is not accepted, whatever the reason: telling them apart would help a guesser. */
const INVALID_KEY_MESSAGE = 'the key is not valid: X-OCO-Key must be the proxy key or an active virtual key, and an oco key in the provider key slot must be an active virtual key';
/** Compared with when no proxy key is configured, so that check costs the same either way. */
const UNSET_PROXY_KEY = randomUUID();
const BEARER = /^bearer\s+/i;

/** Virtual-key-shaped values in the provider's credential headers (a Bearer scheme stripped) and query parameter; provider keys are not. */
function slotKeys(req: IncomingMessage, adapter: ProviderAdapter, query: string): string[] {
  const found: string[] = [];
  for (const h of adapter.credentialHeaders) {
    const raw = firstHeader(req.headers[h]);
    const v = raw === undefined ? undefined : raw.replace(BEARER, '');
    if (v !== undefined && looksLikeVirtualKey(v)) found.push(v.trim());
  }
  const param = adapter.credentialQueryParam;
  if (param && query) for (const v of new URLSearchParams(query).getAll(param)) if (looksLikeVirtualKey(v)) found.push(v.trim());
  return found;
}

/** The query without virtual keys in the credential parameter (they are oco's, never the provider's); other parameters byte for byte. */
function withoutSlotKeys(query: string, param: string | undefined): string {
  if (!param || !query) return query;
  const kept = query.split('&').filter((pair) => {
    const [name, value] = new URLSearchParams(pair).entries().next().value ?? [];
    return !(name === param && value !== undefined && looksLikeVirtualKey(value));
  });
  return kept.join('&');
}

interface StreamState {
  tracker: StreamTracker;
  splitter: SseSplitter;
  sse: boolean;
  rewrite: boolean;
  raw: Buffer[];
  rawSize: number;
}

interface Upstream {
  pool: Pool;
  basePath: string;
  adapter: ProviderAdapter;
}

/** One call's bookkeeping from arrival to record. */
interface Call {
  id: string;
  start: number;
  /** Arrival time; ts is its ISO form (the record's). */
  at: Date;
  ts: string;
  provider: ProviderName;
  endpoint: string;
  info: RequestInfo;
  attribution: Attribution;
  requestChars: number;
  tickets: Array<{ control: AdmissionControl; ticket: unknown }>;
  ttfb: number | null;
  streamed: boolean;
  /** Its intent in the call journal, once forwarded. */
  intent?: IntentMark;
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
  served = 0;
  private inFlight = 0;
  private readonly upstreams: Record<ProviderName, Upstream>;
  private readonly unpricedLogged = new Set<string>();
  private readonly admission: AdmissionControl[];

  constructor(private readonly deps: GatewayDeps) {
    this.admission = deps.admission ?? [];
    const s = deps.settings;
    this.upstreams = Object.fromEntries(
      (Object.keys(PROVIDERS) as ProviderName[]).map((name) => {
        const url = new URL(s.baseUrls[name]);
        const pool = new Pool(url.origin, {
          connections: 512,
          keepAliveTimeout: 30_000,
          headersTimeout: s.upstreamTimeoutMs,
          bodyTimeout: s.upstreamTimeoutMs,
          connectTimeout: Math.min(s.upstreamTimeoutMs, 10_000),
        });
        return [name, { pool, basePath: url.pathname.replace(/\/+$/, ''), adapter: PROVIDERS[name] }];
      }),
    ) as Record<ProviderName, Upstream>;
    this.server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => this.handle(req, res));
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
    await Promise.all(Object.values(this.upstreams).map((u) => u.pool.close().catch(() => {})));
    return { cut };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url.startsWith(PROXY_PREFIX)) {
      this.inFlight++;
      res.once('close', () => this.inFlight--);
      void this.proxy(req, res, url).catch((err: Error) => {
        this.deps.logger.error({ err: { message: err.message, stack: err.stack } }, 'proxy handler failed');
        sendError(res, 500, 'internal_error', 'the gateway failed to handle the request', 'unknown');
      });
      return;
    }
    const path = url.split('?', 1)[0]!;
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
    if (path === '/health/db' && req.method === 'GET') {
      void this.deps.store.ping().then(
        () => sendJson(res, 200, { status: 'ok', engine: this.deps.store.engine }),
        (err: Error) => sendJson(res, 503, { status: 'unavailable', engine: this.deps.store.engine, error: err.message.replace(/\/\/[^@\s]*@/g, '//****@') }),
      );
      return;
    }
    if (path.startsWith('/api/v1/') || path === '/api/v1') {
      void handleAdmin(req, res, path, url, {
        adminApiKey: this.deps.settings.adminApiKey,
        store: this.deps.store,
        prices: this.deps.prices,
        routes: this.deps.adminRoutes ?? [],
      }).catch((err: Error) => {
        this.deps.logger.error({ err: { message: err.message } }, 'admin handler failed');
        sendError(res, 500, 'internal_error', 'the admin API failed to handle the request', randomUUID());
      });
      return;
    }
    sendError(res, 404, 'not_found', `no route ${req.method} ${path}; the gateway serves /health, /health/db, /v1/proxy/{openai,anthropic,gemini}/… and /api/v1/…`, randomUUID());
  }

  private async proxy(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const start = performance.now();
    const id = randomUUID();
    const rest = url.slice(PROXY_PREFIX.length);
    const slash = rest.indexOf('/');
    const providerName = (slash === -1 ? rest.split('?', 1)[0] : rest.slice(0, slash)) as ProviderName;
    const upstream = this.upstreams[providerName];
    if (!upstream || !Object.hasOwn(this.upstreams, providerName)) {
      sendError(res, 404, 'not_found', `unknown provider "${providerName}"; use /v1/proxy/openai/, /v1/proxy/anthropic/ or /v1/proxy/gemini/`, id);
      return;
    }
    const pathAndQuery = slash === -1 ? '/' : rest.slice(slash);
    const q = pathAndQuery.indexOf('?');
    const endpoint = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
    const query = q === -1 ? '' : pathAndQuery.slice(q + 1);
    const adapter = upstream.adapter;

    // Authentication: a virtual key (X-OCO-Key, or in the SDK's own key slot), else the shared proxy key.
    const auth = this.authenticate(req, adapter, query);
    const { key, presented, via } = auth instanceof Promise ? await auth : auth;
    if (presented === 'invalid') {
      sendError(res, 401, 'proxy_auth_error', INVALID_KEY_MESSAGE, id);
      return;
    }
    if (!key && this.deps.settings.proxyApiKey && !(via === 'proxy-key')) {
      sendError(res, 401, 'proxy_auth_error', 'this gateway requires X-OCO-Key (the proxy key or a virtual key)', id);
      return;
    }

    const body = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : await readBody(req, this.deps.settings.maxBodyBytes);
    if (body === 'aborted') return;
    if (body === 'too_large') {
      sendError(res, 413, 'request_too_large', `request body exceeds the gateway limit of ${this.deps.settings.maxBodyBytes} bytes (proxy.maxBodyBytes)`, id, { connection: 'close' });
      return;
    }
    const json = body.length > 0 && (body[0] === 0x7b || body[0] === 0x5b) ? tryParse(body.toString('utf8')) : undefined;
    const info = adapter.requestInfo(endpoint, json);
    const attr = resolveAttribution(req.headers, key, info.user);
    if (!attr.ok) {
      sendError(res, 400, 'invalid_request', attr.message, id);
      return;
    }
    const at = new Date();
    const call_: Call = {
      id,
      start,
      at,
      ts: at.toISOString(),
      provider: adapter.name,
      endpoint,
      info,
      attribution: attr.value,
      requestChars: json === undefined ? body.length : requestTextChars(json),
      tickets: [],
      ttfb: null,
      streamed: false,
    };

    const extraHeaders: Record<string, string> = {};
    if (this.admission.length > 0) {
      const refused = await this.admit(call_, body.length, extraHeaders, json);
      if (refused) {
        const text = JSON.stringify(refused.body);
        res.writeHead(refused.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': id, ...refused.headers });
        res.end(text);
        this.finish(call_, { status: refused.status, usage: undefined, errorClass: 'refused', estimated: false, upstreamCalled: false });
        return;
      }
    }

    const prepared = json !== undefined ? adapter.prepareRequest(endpoint, json, info) : undefined;
    const outBody = prepared ? prepared.body : body;
    const keyInSlot = presented === 'slot';
    const headers = this.upstreamHeaders(req, adapter, query, keyInSlot);
    const forwardQuery = keyInSlot ? withoutSlotKeys(query, adapter.credentialQueryParam) : query;
    const upstreamPath = upstream.basePath + (forwardQuery === query ? pathAndQuery : forwardQuery ? `${endpoint}?${forwardQuery}` : endpoint);
    if (outBody.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = String(outBody.length);
    // From here the provider may bill the call: if the daemon dies before it ends, the next start bills it from this.
    if (this.deps.journal) {
      const a = call_.attribution;
      call_.intent = this.deps.journal.intent({
        id,
        ts: call_.ts,
        provider: call_.provider,
        model: info.model,
        endpoint,
        attribution: { orgId: a.orgId, teamId: a.teamId, agentId: a.agentId, userId: a.userId, keyId: a.keyId ?? null, tags: a.tags },
        estimatedInputTokens: Math.ceil(body.length / 4),
        maxOutputTokens: info.maxOutputTokens ?? null,
        admitted: call_.tickets.length > 0,
      });
    }

    const failClass = (err: Error & { code?: string }): { status: number; type: 'upstream_timeout' | 'upstream_unreachable'; errorClass: string } => {
      const timeout = err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_CONNECT_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT';
      return timeout ? { status: 504, type: 'upstream_timeout', errorClass: 'upstream_timeout' } : { status: 502, type: 'upstream_unreachable', errorClass: err.code === 'UND_ERR_SOCKET' ? 'upstream_reset' : 'upstream_unreachable' };
    };

    await new Promise<void>((done) => {
      let status = 0;
      let resHeaders: Record<string, string | string[]> = {};
      let contentType = '';
      let streaming: StreamState | undefined;
      const chunks: Buffer[] = [];
      let finished = false;
      let clientGone = false;
      const end = () => {
        finished = true;
        done();
      };

      const call = callUpstream(
        upstream.pool,
        { path: upstreamPath, method: (req.method ?? 'GET') as 'GET', headers, body: outBody.length > 0 ? outBody : null },
        {
          onStart: (statusCode, upHeaders) => {
            status = statusCode;
            for (const k in upHeaders) {
              const v = upHeaders[k];
              if (v !== undefined && !HOP_BY_HOP.has(k)) resHeaders[k] = v;
            }
            resHeaders['x-request-id'] = id;
            Object.assign(resHeaders, extraHeaders);
            const ct = upHeaders['content-type'];
            contentType = (Array.isArray(ct) ? ct[0] : ct) ?? '';
            const sse = contentType.startsWith('text/event-stream');
            if (sse || (info.stream && statusCode < 300)) {
              streaming = this.openStream(call_, res, statusCode, resHeaders, sse, prepared?.rewriteStream === true, adapter);
            }
          },
          onData: (chunk) => {
            if (call_.ttfb === null) call_.ttfb = performance.now() - start;
            if (!streaming) {
              chunks.push(chunk);
              return true;
            }
            return this.streamChunk(streaming, res, chunk, () => call.resume());
          },
          onEnd: () => {
            if (streaming) {
              this.closeStream(call_, streaming, res, status, null, adapter);
              return end();
            }
            const payload = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            const ok = status < 400;
            const found = ok && contentType.includes('json') ? adapter.usageFromBody(tryParse(payload.toString('utf8'))) : undefined;
            const outcome = this.finish(call_, {
              status,
              // A success without usage (Gemini embeddings, non-JSON answers) is billed on an estimate of its input.
              usage: found ?? (ok ? { usage: { ...emptyUsage(), inputTokens: Math.ceil(call_.requestChars / 4) } } : undefined),
              errorClass: ok ? null : status === 429 ? 'rate_limited' : `upstream_${status >= 500 ? '5xx' : '4xx'}`,
              estimated: ok && !found,
              upstreamCalled: true,
            });
            if (!clientGone) {
              resHeaders['content-length'] = String(payload.length);
              if (outcome.cost) resHeaders['x-cost-usd'] = outcome.cost;
              resHeaders['x-latency-ms'] = String(outcome.latencyMs);
              res.writeHead(status, resHeaders);
              // Small bodies go out as latin1 text (byte for byte the same): Node then sends headers and body in one write, not a writev.
              if (payload.length <= 65_536) res.end(payload.toString('latin1'), 'latin1');
              else res.end(payload);
            }
            end();
          },
          onError: (err) => {
            if (clientGone) {
              if (streaming) this.closeStream(call_, streaming, res, status, 'client_cancelled', adapter);
              // Cancelled before any answer: the provider has read the prompt and bills it, so the call costs at least its input.
              else this.finish(call_, { status: 499, usage: { usage: { ...emptyUsage(), inputTokens: Math.ceil(call_.requestChars / 4) } }, errorClass: 'client_cancelled', estimated: true, upstreamCalled: true });
              return end();
            }
            const f = failClass(err);
            if (streaming) {
              this.closeStream(call_, streaming, res, status, f.errorClass, adapter);
              return end();
            }
            const message = status > 0 ? `${adapter.name} closed the response early` : f.type === 'upstream_timeout' ? `${adapter.name} did not answer within ${this.deps.settings.upstreamTimeoutMs} ms` : `${adapter.name} upstream unreachable (${err.code ?? err.name})`;
            sendError(res, f.status, f.type, message, id, extraHeaders);
            this.finish(call_, { status: f.status, usage: undefined, errorClass: f.errorClass, estimated: false, upstreamCalled: true });
            end();
          },
        },
      );
      res.once('close', () => {
        if (finished || res.writableFinished) return;
        clientGone = true;
        call.abort(new Error('client closed the connection'));
      });
    });
  }

  private openStream(call: Call, res: ServerResponse, status: number, headers: Record<string, string | string[]>, sse: boolean, rewrite: boolean, adapter: ProviderAdapter): StreamState {
    call.streamed = true;
    headers.trailer = STREAM_TRAILERS;
    res.writeHead(status, headers);
    res.flushHeaders();
    return { tracker: adapter.createTracker(rewrite), splitter: new SseSplitter(), sse, rewrite, raw: [], rawSize: 0 };
  }

  /** Forwards one upstream chunk (rewritten when the gateway asked for extra usage); false means wait for drain. */
  private streamChunk(st: StreamState, res: ServerResponse, chunk: Buffer, resume: () => void): boolean {
    let out: Buffer | string = chunk;
    if (st.sse) {
      const events = st.splitter.push(chunk);
      if (st.rewrite) {
        let text = '';
        for (const ev of events) {
          const r = st.tracker.onEvent(ev.data, ev.event);
          if (r !== false) text += formatEvent(ev, r);
        }
        out = text;
      } else {
        for (const ev of events) st.tracker.onEvent(ev.data, ev.event);
      }
    } else if (st.rawSize < 16 * 1024 * 1024) {
      st.raw.push(chunk);
      st.rawSize += chunk.length;
    }
    if (out.length === 0 || res.destroyed) return true;
    if (res.write(out)) return true;
    void drained(res).then(resume);
    return false;
  }

  private closeStream(call: Call, st: StreamState, res: ServerResponse, status: number, errorClass: string | null, adapter: ProviderAdapter): void {
    if (!errorClass && res.destroyed) errorClass = 'client_cancelled';
    if (st.sse && st.rewrite && !errorClass) {
      const tail = st.splitter.rest();
      if (tail.trim()) res.write(tail);
    }
    let found: UsageFound | undefined = st.tracker.result();
    if (!st.sse && !found && st.raw.length > 0) found = adapter.usageFromBody(tryParse(Buffer.concat(st.raw).toString('utf8')));
    const ok = status < 400;
    let usage = found;
    let estimated = false;
    if (!found && ok) {
      estimated = true;
      const u = emptyUsage();
      u.inputTokens = st.tracker.knownInputTokens() ?? Math.ceil(call.requestChars / 4);
      u.outputTokens = Math.ceil(st.tracker.generatedChars() / 4);
      usage = { usage: u };
    }
    const outcome = this.finish(call, {
      status,
      usage,
      errorClass: errorClass ?? (ok ? null : status === 429 ? 'rate_limited' : `upstream_${status >= 500 ? '5xx' : '4xx'}`),
      estimated,
      upstreamCalled: true,
    });
    if (res.destroyed) return;
    if (errorClass === 'upstream_reset' || errorClass === 'upstream_timeout' || errorClass === 'upstream_unreachable') {
      // The upstream cut the stream: cut the client's too, so its SDK sees an incomplete stream rather than a clean end.
      res.destroy();
      return;
    }
    const trailers: Record<string, string> = { 'X-Latency-Ms': String(outcome.latencyMs) };
    if (outcome.cost) trailers['X-Cost-USD'] = outcome.cost;
    res.addTrailers(trailers);
    res.end();
  }

  /**
   * Who the call is from; a promise only when a virtual key must be looked up (the common call needs no turn of the loop).
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
    return { key: fromHeader ?? fromSlot, presented: inSlot.length > 0 ? 'slot' : 'header', via: viaShared ? 'proxy-key' : undefined };
  }

  private upstreamHeaders(req: IncomingMessage, adapter: ProviderAdapter, query: string, keyInSlot: boolean): Record<string, string> {
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

  private async admit(call: Call, bodyBytes: number, extraHeaders: Record<string, string>, body: unknown): Promise<{ status: number; body: unknown; headers?: Record<string, string> } | undefined> {
    const req: AdmissionRequest = {
      requestId: call.id,
      provider: call.provider,
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
        this.deps.logger.warn({ err: { message: (err as Error).message }, requestId: call.id, failOpen: this.deps.settings.admissionFailOpen }, 'admission control failed');
        if (this.deps.settings.admissionFailOpen) continue;
        return { status: 503, body: { error: { type: 'admission_unavailable', message: 'spend controls are unavailable and OCO_BUDGET_FAIL_OPEN is false', request_id: call.id } } };
      }
      if (!d.admitted) return { status: d.status, body: d.body, headers: { ...extraHeaders, ...d.headers } };
      call.tickets.push({ control, ticket: d.ticket });
      if (d.headers) Object.assign(extraHeaders, d.headers);
    }
    return undefined;
  }

  /** Prices, settles admission tickets and queues the record; returns what the response headers show. */
  private finish(call: Call, o: { status: number; usage: UsageFound | undefined; errorClass: string | null; estimated: boolean; upstreamCalled: boolean }): { cost: string | undefined; latencyMs: number } {
    const latency = performance.now() - call.start;
    this.served++;
    const usage: TokenUsage = o.usage?.usage ?? emptyUsage();
    const model = o.usage?.model ?? call.info.model;
    const at = call.at;
    const book = this.deps.prices();
    let cost: Money | null = book.price(call.provider, model, usage, at).costUsd;
    if (cost === null && model !== call.info.model) cost = book.price(call.provider, call.info.model, usage, at).costUsd;
    if (cost === null) this.noteUnpriced(call.provider, model);
    const costText = cost === null ? null : cost.toFixed();
    if (call.tickets.length > 0) {
      const info: SettleInfo = {
        costUsd: cost,
        inputTokens: promptTokens(usage),
        outputTokens: usage.outputTokens + usage.reasoningTokens,
        totalTokens: promptTokens(usage) + usage.outputTokens + usage.reasoningTokens,
        failed: o.status >= 400 || o.errorClass !== null && o.errorClass !== 'client_cancelled',
      };
      for (const t of call.tickets) {
        t.control.settle(t.ticket, info).catch((err: Error) => this.deps.logger.warn({ err: { message: err.message }, requestId: call.id }, 'admission settle failed'));
      }
    }
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
      inputTokens: usage.inputTokens,
      cachedInputTokens: usage.cachedInputTokens,
      cacheWrite5mTokens: usage.cacheWrite5mTokens,
      cacheWrite1hTokens: usage.cacheWrite1hTokens,
      outputTokens: usage.outputTokens,
      reasoningTokens: usage.reasoningTokens,
      toolPromptTokens: usage.toolPromptTokens,
      costUsd: costText,
      latencyMs: Math.round(latency),
      ttfbMs: call.ttfb === null ? null : Math.round(call.ttfb),
      statusCode: o.status,
      streamed: call.streamed,
      estimated: o.estimated,
      errorClass: o.errorClass,
    };
    // Journaled before it is queued: the recorder reports it durable to the journal, possibly at once (a full queue spills).
    this.deps.journal?.finished(record, call.intent, call.tickets.length > 0, call.info.model);
    this.deps.recorder.enqueue(record);
    // One line per call is an access log: debug level, so the default hot path does not pay for it.
    if (this.deps.logger.isLevelEnabled('debug')) {
      this.deps.logger.debug({ requestId: call.id, provider: call.provider, model, endpoint: call.endpoint, status: o.status, ms: record.latencyMs, costUsd: costText, streamed: call.streamed, estimated: o.estimated, errorClass: o.errorClass }, 'request');
    }
    return { cost: costText ?? undefined, latencyMs: Math.round(latency * 1000) / 1000 };
  }

  private noteUnpriced(provider: ProviderName, model: string): void {
    const k = `${provider}/${model}`;
    if (this.unpricedLogged.has(k)) return;
    this.unpricedLogged.add(k);
    this.deps.logger.warn({ provider, model }, 'no price for this model: calls are recorded with a null cost (see "oco pricing unpriced", "oco pricing set")');
  }
}

function requestTextChars(v: unknown, depth = 0): number {
  if (depth > 12 || v === null || typeof v !== 'object') return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'string') {
      if (REQUEST_TEXT_KEYS.has(k) || Array.isArray(v)) n += x.length;
    } else if (Array.isArray(x) && REQUEST_TEXT_KEYS.has(k)) {
      for (const item of x) n += typeof item === 'string' ? item.length : requestTextChars(item, depth + 1);
    } else if (typeof x === 'object') n += requestTextChars(x, depth + 1);
  }
  return n;
}
