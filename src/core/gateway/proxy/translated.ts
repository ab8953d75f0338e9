import type { ServerResponse } from 'node:http';
import type { ProviderName } from '../model.js';
import type { StreamTranslator } from '../translate/types.js';
import type { BufferedAnswer } from './buffered.js';
import { ChunkAssembler, usageOf } from '../cache/stream.js';
import type { Call, CallFinisher, CallOutcome } from './call.js';
import { Exchange, type ExchangeSettings } from './exchange.js';
import { classifyStatus, estimateUsage } from './outcome.js';
import { obj, tryParse } from './providers/common.js';
import { PROVIDERS, type UsageFound } from './providers/index.js';
import { SseSplitter, type SseEvent } from './sse.js';
import { StreamedResponse } from './streamed.js';

/** How one call on the OpenAI-format routes has its answer turned back into OpenAI's format. */
export interface AnswerTranslation {
  /** A 2xx JSON answer → the client's body and the provider's own usage. */
  body(json: unknown): { body: unknown; usage: UsageFound | undefined };
  /** A non-2xx answer → OpenAI's error shape (the status is kept). */
  error(json: unknown): unknown;
  /** A stream translator for this call; absent where the route never streams (embeddings). */
  stream?: () => StreamTranslator;
  /**
   * Set when the response cache keeps this call's answer: called once a 200 answer has
   * reached the client whole, with the OpenAI-format body and what the call cost.
   */
  keep?: (body: string, costUsd: string | null) => void;
}

export const UNREADABLE = {
  message: 'the provider answer could not be read',
  type: 'api_error',
  param: null,
  code: null,
};

/**
 * A forwarded call whose answer is translated: the same exchange (upstream
 * dispatch, pause/resume, disconnects, failures, one finish) with a
 * translation step where the passthrough returns bytes as they came.
 */
export class TranslatedExchange extends Exchange {
  constructor(
    call: Call,
    res: ServerResponse,
    extraHeaders: Record<string, string>,
    settings: ExchangeSettings,
    done: () => void,
    protected readonly translation: AnswerTranslation,
  ) {
    super(call, res, PROVIDERS[call.wire], extraHeaders, true, settings, done);
  }

  /** Only SSE is translated chunk by chunk; any other answer is read whole and translated as JSON. */
  protected override openStream(status: number, headers: Record<string, string | string[]>, sse: boolean) {
    if (!sse || !this.translation.stream) return undefined;
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    delete headers['content-length'];
    const keep = status === 200 ? this.translation.keep : undefined;
    return new TranslatedStream(this.call, this.res, status, headers, this.translation.stream(), keep);
  }

  protected override endAnswer(): void {
    endTranslated(this.call, this.res, this, this.translation, this.settings.finisher, this.clientGone);
  }
}

/** Provider SSE events in, OpenAI chunks out; usage from the translator's tracker (the passthrough's own). */
class TranslatedStream extends StreamedResponse {
  constructor(
    call: Call,
    res: ServerResponse,
    status: number,
    headers: Record<string, string | string[]>,
    private readonly translator: StreamTranslator,
    private readonly keep?: (body: string, costUsd: string | null) => void,
  ) {
    super(call, res, status, headers, true, true, PROVIDERS[call.wire], translator.tracker);
    // A streamed answer is cached as the completion its chunks add up to.
    if (keep) this.assembler = new ChunkAssembler();
  }

  private readonly assembler: ChunkAssembler | undefined;

  protected override rewriteEvents(events: SseEvent[]): string {
    let text = '';
    for (const ev of events) text += this.translator.push(ev.data, ev.event);
    this.assembler?.push(text);
    return text;
  }

  protected override tail(): string {
    const rest = this.splitter.rest();
    const last = rest.trim() ? this.rewriteEvents(new SseSplitter().push(`${rest}\n\n`)) : '';
    const end = this.translator.end();
    this.assembler?.push(end);
    return last + end;
  }

  protected override finished(outcome: CallOutcome, clean: boolean): void {
    if (!clean || !this.keep || !this.assembler) return;
    const completion = this.assembler.result(usageOf(outcome.usage));
    if (completion) this.keep(JSON.stringify(completion), outcome.cost ?? null);
  }
}

/** Records a complete answer, then sends its translation with cost and latency headers. */
function endTranslated(
  call: Call,
  res: ServerResponse,
  a: BufferedAnswer,
  t: AnswerTranslation,
  finisher: CallFinisher,
  clientGone: boolean,
): void {
  const json = tryParse(Buffer.concat(a.chunks).toString('utf8'));
  const ok = a.status < 400;
  const { body, usage: found } = translateBody(t, ok, json, call.wire);
  const outcome = finisher.finish(call, {
    status: a.status,
    usage: found ?? (ok ? estimateUsage(call.requestChars) : undefined),
    errorClass: classifyStatus(a.status),
    estimated: ok && !found,
  });
  if (clientGone) return;
  const text = JSON.stringify(body ?? { error: UNREADABLE });
  const headers = a.headers;
  headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(text));
  if (outcome.cost) headers['x-cost-usd'] = outcome.cost;
  headers['x-latency-ms'] = String(outcome.latencyMs);
  // An answer that cannot be shown in OpenAI's format is the gateway's 502;
  // the call is recorded as the provider answered it.
  res.writeHead(body === undefined && ok ? 502 : a.status, headers);
  res.end(text);
  if (a.status === 200 && body !== undefined) t.keep?.(text, outcome.cost ?? null);
}

/**
 * The client's body (undefined when the answer cannot be translated) and the provider's
 * usage: read by the passthrough's parser when translation fails, so the call is still billed.
 */
function translateBody(
  t: AnswerTranslation,
  ok: boolean,
  json: unknown,
  provider: ProviderName,
): { body: unknown; usage: UsageFound | undefined } {
  if (!obj(json)) return { body: undefined, usage: undefined };
  if (!ok) return { body: t.error(json), usage: undefined };
  try {
    return t.body(json);
  } catch {
    return { body: undefined, usage: PROVIDERS[provider].usageFromBody(json) };
  }
}
