import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { endBuffered, failBuffered, type BufferedAnswer } from './buffered.js';
import type { Call, CallFinisher } from './call.js';
import { HOP_BY_HOP } from './http-util.js';
import { CLIENT_CANCELLED, classifyFailure } from './outcome.js';
import type { ProviderAdapter } from './providers/index.js';
import { StreamedResponse } from './streamed.js';
import { callUpstream, type UpstreamCall, type UpstreamEvents } from './upstream.js';

/** What every exchange of one gateway shares. */
export interface ExchangeSettings {
  finisher: CallFinisher;
  upstreamTimeoutMs: number;
  /** Sees every upstream answer's status and headers as they arrive (a 429 takes a deployment out of rotation). */
  onUpstreamStatus?(call: Call, status: number, headers: IncomingHttpHeaders): void;
}

/**
 * One forwarded call from the upstream's first byte to its end. The answer is
 * streamed when the upstream sends SSE (or the client asked for a stream and
 * it succeeded), buffered otherwise; either way it ends in exactly one
 * finish. State lives in fields rather than closures: one object per call.
 */
export class Exchange implements UpstreamEvents, BufferedAnswer {
  status = 0;
  headers: Record<string, string | string[]> = {};
  contentType = '';
  readonly chunks: Buffer[] = [];
  protected stream: StreamedResponse | undefined;
  private finished = false;
  protected clientGone = false;
  private upstream!: UpstreamCall;

  constructor(
    protected readonly call: Call,
    protected readonly res: ServerResponse,
    protected readonly adapter: ProviderAdapter,
    protected readonly extraHeaders: Record<string, string>,
    private readonly rewrite: boolean,
    protected readonly settings: ExchangeSettings,
    private readonly done: () => void,
  ) {}

  /** Sends the request; a client that closes before the end aborts it. */
  start(pool: Pool, options: Dispatcher.DispatchOptions): void {
    this.call.sentAt = performance.now();
    this.call.trace?.upstream(pool, options);
    this.upstream = callUpstream(pool, options, this);
    this.res.once('close', () => {
      if (this.finished || this.res.writableFinished) return;
      this.clientGone = true;
      this.upstream.abort(new Error('client closed the connection'));
    });
  }

  onStart(status: number, upHeaders: IncomingHttpHeaders): void {
    this.status = status;
    this.settings.onUpstreamStatus?.(this.call, status, upHeaders);
    const headers = this.headers;
    for (const k in upHeaders) {
      const v = upHeaders[k];
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    }
    headers['x-request-id'] = this.call.id;
    Object.assign(headers, this.extraHeaders);
    const ct = upHeaders['content-type'];
    this.contentType = (Array.isArray(ct) ? ct[0] : ct) ?? '';
    const sse = this.contentType.startsWith('text/event-stream');
    if (sse || (this.call.info.stream && status < 300)) this.stream = this.openStream(status, headers, sse);
  }

  /** The answer streams: its head goes out now (undefined: it is read whole after all). */
  protected openStream(
    status: number,
    headers: Record<string, string | string[]>,
    sse: boolean,
  ): StreamedResponse | undefined {
    const tracker = this.adapter.createTracker(this.rewrite);
    return new StreamedResponse(this.call, this.res, status, headers, sse, this.rewrite, this.adapter, tracker);
  }

  /** The whole answer was read: record it and return it. */
  protected endAnswer(): void {
    endBuffered(this.call, this.res, this, this.adapter, this.settings.finisher, this.clientGone);
  }

  onData(chunk: Buffer): boolean {
    if (this.call.ttfb === null) this.call.ttfb = performance.now() - this.call.start;
    if (!this.stream) {
      this.chunks.push(chunk);
      return true;
    }
    return this.stream.chunk(chunk, this.upstream);
  }

  onEnd(): void {
    if (this.stream) this.stream.close(null, this.settings.finisher);
    else this.endAnswer();
    this.end();
  }

  onError(err: Error & { code?: string }): void {
    if (this.stream)
      this.stream.close(this.clientGone ? CLIENT_CANCELLED : classifyFailure(err).errorClass, this.settings.finisher);
    else
      failBuffered(
        this.call,
        this.res,
        err,
        this.status,
        this.extraHeaders,
        this.settings.finisher,
        this.settings.upstreamTimeoutMs,
        this.clientGone,
      );
    this.end();
  }

  protected end(): void {
    this.finished = true;
    this.done();
  }
}
