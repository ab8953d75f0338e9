import type { ServerResponse } from 'node:http';
import type { Call, CallFinisher, CallOutcome } from './call.js';
import { drained } from './http-util.js';
import { CLIENT_CANCELLED, classifyStatus, cutsStream, estimateUsage } from './outcome.js';
import { tryParse } from './providers/common.js';
import type { ProviderAdapter, StreamTracker, UsageFound } from './providers/index.js';
import { SseSplitter, formatEvent, type SseEvent } from './sse.js';
import type { UpstreamCall } from './upstream.js';

const STREAM_TRAILERS = 'X-Cost-USD, X-Latency-Ms';
/** A non-SSE stream is kept for its usage up to this size; past it the usage is estimated. */
const RAW_KEEP_BYTES = 16 * 1024 * 1024;

/**
 * A response forwarded chunk by chunk as it arrives: the provider's tracker
 * reads usage from the SSE events (and hides what the gateway asked for on
 * its own), cost and latency follow as trailers.
 */
export class StreamedResponse {
  protected readonly splitter = new SseSplitter();
  private readonly raw: Buffer[] = [];
  private rawSize = 0;

  /** Sends the head at once: a stream's client sees its headers before the first event. */
  constructor(
    private readonly call: Call,
    private readonly res: ServerResponse,
    private readonly status: number,
    headers: Record<string, string | string[]>,
    private readonly sse: boolean,
    private readonly rewrite: boolean,
    private readonly adapter: ProviderAdapter,
    protected readonly tracker: StreamTracker,
  ) {
    call.streamed = true;
    headers.trailer = STREAM_TRAILERS;
    res.writeHead(status, headers);
    res.flushHeaders();
  }

  /** Forwards one upstream chunk (rewritten when the gateway asked for extra usage); false means wait for drain. */
  chunk(chunk: Buffer, upstream: UpstreamCall): boolean {
    let out: Buffer | string = chunk;
    if (this.sse) {
      const events = this.splitter.push(chunk);
      if (this.rewrite) {
        out = this.rewriteEvents(events);
      } else {
        for (const ev of events) this.tracker.onEvent(ev.data, ev.event);
      }
    } else if (this.rawSize < RAW_KEEP_BYTES) {
      this.raw.push(chunk);
      this.rawSize += chunk.length;
    }
    const res = this.res;
    if (out.length === 0 || res.destroyed) return true;
    if (res.write(out)) return true;
    void drained(res).then(() => upstream.resume());
    return false;
  }

  /** Ends the stream: records it, then trailers and the end (or a cut, when the upstream cut it). */
  close(errorClass: string | null, finisher: CallFinisher): void {
    const res = this.res;
    if (!errorClass && res.destroyed) errorClass = CLIENT_CANCELLED;
    if (this.sse && this.rewrite && !errorClass) {
      const tail = this.tail();
      if (tail.trim()) res.write(tail);
    }
    const found = this.usage();
    const ok = this.status < 400;
    const estimated = !found && ok;
    const outcome = finisher.finish(this.call, {
      status: this.status,
      usage: estimated
        ? estimateUsage(this.call.requestChars, this.tracker.knownInputTokens(), this.tracker.generatedChars())
        : found,
      errorClass: errorClass ?? classifyStatus(this.status),
      estimated,
    });
    this.finished(outcome, !errorClass && this.status === 200);
    if (res.destroyed) return;
    if (cutsStream(errorClass)) {
      // The upstream cut the stream: cut the client's too, so its
      // SDK sees an incomplete stream rather than a clean end.
      res.destroy();
      return;
    }
    const trailers: Record<string, string> = { 'X-Latency-Ms': String(outcome.latencyMs) };
    if (outcome.cost) trailers['X-Cost-USD'] = outcome.cost;
    res.addTrailers(trailers);
    res.end();
  }

  /** After the record: `clean` when the whole answer reached the client and the call succeeded. */
  protected finished(_outcome: CallOutcome, _clean: boolean): void {}

  /** What the client is sent for the events of one chunk, when the stream is rewritten. */
  protected rewriteEvents(events: SseEvent[]): string {
    let text = '';
    for (const ev of events) {
      const r = this.tracker.onEvent(ev.data, ev.event);
      if (r !== false) text += formatEvent(ev, r);
    }
    return text;
  }

  /** What is sent after the last event of a rewritten stream that ended cleanly. */
  protected tail(): string {
    return this.splitter.rest();
  }

  private usage(): UsageFound | undefined {
    const found = this.tracker.result();
    if (found || this.sse || this.raw.length === 0) return found;
    return this.adapter.usageFromBody(tryParse(Buffer.concat(this.raw).toString('utf8')));
  }
}
