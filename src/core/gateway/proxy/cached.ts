import type { ServerResponse } from 'node:http';
import type { CachedAnswer } from '../cache/backend.js';
import { replayStream } from '../cache/stream.js';
import type { ChatCompletion } from '../translate/types.js';
import type { Call, CallFinisher } from './call.js';
import { obj } from './providers/common.js';

/**
 * Answers a call from the response cache: the stored body as it was sent, or, for a stream
 * request, replayed as OpenAI's stream of it. Recorded as a hit: status 200, cost 0, no tokens,
 * and the original call's cost as its saving. No provider is called and no budget is reserved.
 */
export function serveCached(
  call: Call,
  res: ServerResponse,
  hit: CachedAnswer,
  request: unknown,
  extraHeaders: Record<string, string>,
  finisher: CallFinisher,
  similarity?: number,
): void {
  call.cache = { state: 'hit', savingsUsd: hit.costUsd };
  // A hit called no model: it is not counted as a routed call (its X-OCO-Model header still says which model).
  call.route = undefined;
  const r = obj(request);
  // Only a chat completion streams; the body is parsed only to replay it.
  const completion = r?.stream === true ? (obj(JSON.parse(hit.body)) as ChatCompletion | undefined) : undefined;
  const asStream = completion?.object === 'chat.completion';
  call.streamed = asStream;
  const text = asStream ? replayStream(completion!, obj(r?.stream_options)?.include_usage === true) : hit.body;
  const outcome = finisher.finish(call, { status: 200, usage: undefined, errorClass: null, estimated: false });
  const headers: Record<string, string> = {
    ...extraHeaders,
    'content-type': asStream ? 'text/event-stream; charset=utf-8' : 'application/json',
    'x-request-id': call.id,
    'x-oco-cache': 'hit',
    'x-cost-usd': outcome.cost ?? '0',
    'x-latency-ms': String(outcome.latencyMs),
  };
  if (hit.costUsd !== null) headers['x-oco-cache-saved-usd'] = hit.costUsd;
  // A semantic hit: how close the earlier request was (cosine similarity of their embeddings).
  if (similarity !== undefined) headers['x-oco-cache-similarity'] = similarity.toFixed(4);
  if (!asStream) headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(200, headers);
  res.end(text);
}
