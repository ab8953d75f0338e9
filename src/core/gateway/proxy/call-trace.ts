/**
 * OpenTelemetry spans of proxied calls (loaded only when tracing is on: `src/daemon/tracing.ts`).
 * Per request a server span (`POST /v1/chat/completions`), continuing the client's W3C traceparent; under it,
 * per call (each attempt of a unified call is one), `oco.admission`, the upstream client span
 * (`chat gpt-4o`, GenAI semantic conventions) and `oco.record`. Spans carry counts, ids, models, statuses
 * and the exact cost; never a prompt, an answer, a header value, a query string or a key.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Dispatcher, Pool } from 'undici';
import type { PricedProvider } from '../model.js';
import { promptTokens, type TokenUsage } from '../pricing/types.js';
import type { Call, CallEnd } from './call.js';
import type { CallTrace, CallTracer, RecordTrace } from './trace-hooks.js';

export interface CallTraceSettings {
  /** tracing.propagateUpstream: send the upstream span's traceparent to the provider. */
  propagateUpstream: boolean;
}

/**
 * `gen_ai.provider.name` of the built-in providers (semantic conventions 1.37+; `gen_ai.system` before, set too
 * while backends move). A registered OpenAI-compatible upstream is named by its own registered name.
 */
const PROVIDER_NAMES: Record<string, string> = { openai: 'openai', anthropic: 'anthropic', gemini: 'gcp.gemini' };

/** Endpoint (its last path segment, or Gemini's `:method`) → `gen_ai.operation.name`; anything else: `chat`. */
const OPERATIONS: Array<[RegExp, string]> = [
  [/embeddings$|:(batchE|e)mbedContents?$/, 'embeddings'],
  [/:(stream)?generateContent$/i, 'generate_content'],
  [/\/completions$/, 'chat'],
  [/\/messages$/, 'chat'],
  [/\/responses$/, 'chat'],
];

function operation(endpoint: string): string {
  if (endpoint === '/v1/completions') return 'text_completion';
  for (const [re, name] of OPERATIONS) if (re.test(endpoint)) return name;
  return 'chat';
}

function providerName(p: PricedProvider): string {
  return PROVIDER_NAMES[p] ?? p;
}

/** Method and path only: a query string can carry a key (Gemini's `?key=`). */
function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

const propagator = new W3CTraceContextPropagator();

/**
 * Epoch milliseconds with the monotonic clock's precision. Every time is given explicitly: the SDK would start
 * each span from Date.now() (whole milliseconds), so a child could appear to end after its sibling that ended later.
 */
function now(): number {
  return performance.timeOrigin + performance.now();
}
/** undici keeps a pool's origin under this symbol; read only for `server.address`, never required. */
const poolOrigins = new WeakMap<Pool, URL | null>();

function originOf(pool: Pool): URL | null {
  let o = poolOrigins.get(pool);
  if (o === undefined) {
    const sym = Object.getOwnPropertySymbols(pool).find((s) => s.description === 'url');
    const v = sym ? (pool as unknown as Record<symbol, unknown>)[sym] : undefined;
    o = v instanceof URL ? v : null;
    poolOrigins.set(pool, o);
  }
  return o;
}

/** The request's server span, which the calls it becomes report their outcome to. */
class RequestSpan {
  readonly context: Context;

  constructor(readonly span: Span) {
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }
}

class OneCall implements CallTrace, RecordTrace {
  private client: Span | undefined;
  private record: Span | undefined;
  private recordStart = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly settings: CallTraceSettings,
    private readonly parent: RequestSpan,
    private readonly call: Call,
    /** A call whose request had no span of its own (not expected): it ends the span it was given. */
    private readonly owned = false,
  ) {}

  /** What the call asked for, on its upstream span (the GenAI semantic conventions' inference span). */
  private requestAttributes(): Attributes {
    const c = this.call;
    const provider = providerName(c.provider);
    const a: Attributes = {
      'gen_ai.operation.name': operation(c.endpoint),
      'gen_ai.provider.name': provider,
      'gen_ai.system': provider,
      'gen_ai.request.model': c.info.model,
    };
    if (c.info.stream) a['gen_ai.request.stream'] = true;
    if (c.info.maxOutputTokens !== undefined) a['gen_ai.request.max_tokens'] = c.info.maxOutputTokens;
    if (c.deployment) a['oco.deployment'] = c.deployment;
    return a;
  }

  admission(controls: number): { end(refusedStatus: number | undefined): void } {
    const span = this.tracer.startSpan(
      'oco.admission',
      {
        kind: SpanKind.INTERNAL,
        startTime: now(),
        attributes: { 'oco.admission.controls': controls },
      },
      this.parent.context,
    );
    return {
      end(refusedStatus) {
        span.setAttribute('oco.admission.admitted', refusedStatus === undefined);
        if (refusedStatus !== undefined) span.setAttribute('http.response.status_code', refusedStatus);
        span.end(now());
      },
    };
  }

  upstream(pool: Pool, options: Dispatcher.DispatchOptions): void {
    const c = this.call;
    const attributes = this.requestAttributes();
    attributes['http.request.method'] = options.method;
    const origin = originOf(pool);
    if (origin) {
      attributes['server.address'] = origin.hostname;
      attributes['server.port'] = Number(origin.port || (origin.protocol === 'https:' ? 443 : 80));
      attributes['url.full'] = `${origin.origin}${pathOf(options.path)}`;
    }
    const name = `${attributes['gen_ai.operation.name']} ${c.info.model}`;
    this.client = this.tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, startTime: now(), attributes },
      this.parent.context,
    );
    const headers = options.headers;
    if (this.settings.propagateUpstream && headers && typeof headers === 'object' && !Array.isArray(headers)) {
      // The provider sees oco's upstream span as the parent, in place of whatever the client sent.
      const h = headers as Record<string, string>;
      delete h.traceparent;
      delete h.tracestate;
      propagator.inject(trace.setSpan(ROOT_CONTEXT, this.client), h, defaultTextMapSetter);
    }
  }

  recording(): RecordTrace {
    this.recordStart = now();
    this.record = this.tracer.startSpan(
      'oco.record',
      { kind: SpanKind.INTERNAL, startTime: this.recordStart, attributes: { 'oco.request_id': this.call.id } },
      this.parent.context,
    );
    return this;
  }

  end(o: CallEnd, model: string, usage: TokenUsage, costUsd: string | null): void {
    // Few attributes per span, each set once: the SDK checks every value and the exporter encodes every key,
    // which is most of what tracing costs a call.
    const c = this.call;
    const client = this.client;
    if (client) {
      const answered: Attributes = {
        'gen_ai.response.model': model,
        'gen_ai.usage.input_tokens': promptTokens(usage),
        'gen_ai.usage.output_tokens': usage.outputTokens + usage.reasoningTokens,
        'http.response.status_code': o.status,
      };
      if (usage.cachedInputTokens > 0) answered['gen_ai.usage.cache_read.input_tokens'] = usage.cachedInputTokens;
      if (usage.reasoningTokens > 0) answered['gen_ai.usage.reasoning.output_tokens'] = usage.reasoningTokens;
      // Exact decimal text, as recorded; absent when the price is unknown (never 0 for "unknown").
      if (costUsd !== null) answered['oco.cost_usd'] = costUsd;
      if (o.errorClass) answered['error.type'] = o.errorClass;
      if (c.streamed && c.ttfb !== null) {
        answered['gen_ai.response.time_to_first_chunk'] = c.ttfb / 1000;
        client.addEvent('oco.first_byte', performance.timeOrigin + c.start + c.ttfb);
      }
      client.setAttributes(answered);
      if (o.status >= 400 || o.errorClass) client.setStatus({ code: SpanStatusCode.ERROR });
      // The upstream's part ended when the call's recording began.
      client.end(this.recordStart);
    }
    const record = this.record;
    if (record) {
      const a = c.attribution;
      // oco.request_id was given when the span started.
      const recorded: Attributes = {
        'oco.org_id': a.orgId,
        'oco.team_id': a.teamId,
        'oco.agent_id': a.agentId,
        'oco.streamed': c.streamed,
        'oco.estimated': o.estimated,
      };
      if (costUsd !== null) recorded['oco.cost_usd'] = costUsd;
      if (c.cache) recorded['oco.cache'] = c.cache.state;
      if (c.route) recorded['oco.routed_from'] = c.route.originalModel;
      if (o.errorClass) recorded['error.type'] = o.errorClass;
      record.setAttributes(recorded);
      record.end(now());
    }
    // The request's span carries the last call's outcome (the answer the client got), for views of root spans.
    const outcome: Attributes = {
      'oco.request_id': c.id,
      'gen_ai.request.model': c.info.model,
      'gen_ai.response.model': model,
      'oco.team_id': c.attribution.teamId,
      'oco.agent_id': c.attribution.agentId,
    };
    if (costUsd !== null) outcome['oco.cost_usd'] = costUsd;
    if (o.errorClass) outcome['error.type'] = o.errorClass;
    this.parent.span.setAttributes(outcome);
    if (this.owned) this.parent.span.end(now());
  }
}

class Tracing implements CallTracer {
  private readonly requests = new WeakMap<IncomingMessage, RequestSpan>();

  constructor(
    private readonly tracer: Tracer,
    private readonly settings: CallTraceSettings,
  ) {}

  request(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = pathOf(req.url);
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const span = this.tracer.startSpan(
      `${method} ${path}`,
      {
        kind: SpanKind.SERVER,
        startTime: now(),
        attributes: { 'http.request.method': method, 'url.path': path },
      },
      parent,
    );
    this.requests.set(req, new RequestSpan(span));
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      // A server span is an error for 5xx only: a 4xx is the client's (HTTP semantic conventions).
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!res.writableFinished) span.setAttribute('oco.client_closed', true);
      span.end(now());
    });
  }

  call(req: IncomingMessage, call: Call): CallTrace {
    const parent = this.requests.get(req);
    if (parent) return new OneCall(this.tracer, this.settings, parent, call);
    const own = new RequestSpan(this.tracer.startSpan('oco.call', { kind: SpanKind.INTERNAL, startTime: now() }));
    return new OneCall(this.tracer, this.settings, own, call, true);
  }
}

export function createCallTracer(tracer: Tracer, settings: CallTraceSettings): CallTracer {
  return new Tracing(tracer, settings);
}
