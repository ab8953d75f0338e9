import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Connection-level headers a proxy must not forward (RFC 9110 §7.6.1), plus
 * ones it recomputes; `expect: 100-continue` is answered by the gateway itself.
 */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

/** Headers addressed to the gateway itself: attribution and its key, never sent upstream. */
export const OCO_HEADERS = new Set([
  'x-oco-key',
  'x-oco-route',
  'x-oco-fallbacks',
  'x-oco-cache',
  'x-oco-tags',
  'x-org-id',
  'x-team-id',
  'x-agent-id',
  'x-user-id',
]);

export type ErrorType =
  | 'proxy_auth_error'
  | 'invalid_request'
  | 'request_too_large'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'upstream_unavailable'
  | 'not_found'
  | 'admin_disabled'
  | 'admin_auth_error'
  | 'internal_error';

/** Errors the gateway makes itself, in one shape: {"error":{"type","message","request_id"}}. */
export function sendError(
  res: ServerResponse,
  status: number,
  type: ErrorType,
  message: string,
  requestId: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { type, message, request_id: requestId } });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    ...extra,
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(data);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Reads a request body up to max bytes; 'too_large' past it, 'aborted' when the client went away. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too_large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (declared > max) return Promise.resolve('too_large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        resolve('too_large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', () => {
      if (!done) resolve('aborted');
      done = true;
    });
    req.on('close', () => {
      if (!done && !req.complete) resolve('aborted');
      done = true;
    });
  });
}

/** Resolves when the response can take more data, or when the client is gone. */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
