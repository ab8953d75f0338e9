import type { ServerResponse } from 'node:http';
import type { Call, CallFinisher } from './call.js';
import { sendError } from './http-util.js';
import {
  CLIENT_CANCELLED,
  CLIENT_CANCELLED_STATUS,
  classifyFailure,
  classifyStatus,
  estimateUsage,
  failureMessage,
} from './outcome.js';
import { tryParse } from './providers/common.js';
import type { ProviderAdapter } from './providers/index.js';

/** An upstream answer read to its end before the client sees any of it. */
export interface BufferedAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  contentType: string;
  chunks: Buffer[];
}

/**
 * Records a complete answer, then returns it byte for byte with its cost and
 * latency as headers (not at all when the client has gone meanwhile).
 */
export function endBuffered(
  call: Call,
  res: ServerResponse,
  a: BufferedAnswer,
  adapter: ProviderAdapter,
  finisher: CallFinisher,
  clientGone: boolean,
): void {
  const payload = a.chunks.length === 1 ? a.chunks[0]! : Buffer.concat(a.chunks);
  const ok = a.status < 400;
  const found =
    ok && a.contentType.includes('json') ? adapter.usageFromBody(tryParse(payload.toString('utf8'))) : undefined;
  const outcome = finisher.finish(call, {
    status: a.status,
    // A success without usage (Gemini embeddings, non-JSON answers) is billed on an estimate of its input.
    usage: found ?? (ok ? estimateUsage(call.requestChars) : undefined),
    errorClass: classifyStatus(a.status),
    estimated: ok && !found,
  });
  if (clientGone) return;
  const headers = a.headers;
  headers['content-length'] = String(payload.length);
  if (outcome.cost) headers['x-cost-usd'] = outcome.cost;
  headers['x-latency-ms'] = String(outcome.latencyMs);
  res.writeHead(a.status, headers);
  // Small bodies go out as latin1 text (byte for byte the same):
  // Node then sends headers and body in one write, not a writev.
  if (payload.length <= 65_536) res.end(payload.toString('latin1'), 'latin1');
  else res.end(payload);
}

/**
 * The upstream failed before its answer was complete and nothing has reached
 * the client: the gateway answers with its own error, or, when the client has
 * gone, bills the input the provider has already read.
 */
export function failBuffered(
  call: Call,
  res: ServerResponse,
  err: Error & { code?: string },
  status: number,
  extraHeaders: Record<string, string>,
  finisher: CallFinisher,
  timeoutMs: number,
  clientGone: boolean,
): void {
  if (clientGone) {
    finisher.finish(call, {
      status: CLIENT_CANCELLED_STATUS,
      usage: estimateUsage(call.requestChars),
      errorClass: CLIENT_CANCELLED,
      estimated: true,
    });
    return;
  }
  const f = classifyFailure(err);
  sendError(res, f.status, f.type, failureMessage(f, err, call.provider, status, timeoutMs), call.id, extraHeaders);
  finisher.finish(call, { status: f.status, usage: undefined, errorClass: f.errorClass, estimated: false });
}
