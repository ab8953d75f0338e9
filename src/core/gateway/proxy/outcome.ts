import { emptyUsage } from '../pricing/types.js';
import type { PricedProvider } from '../model.js';
import type { UsageFound } from './providers/index.js';

/**
 * How a call ended, worked out in one place for both the buffered and the
 * streamed path: the record's error class, and for a failure the gateway
 * answers itself, the client's status, error type and message.
 */
export type FailureType = 'upstream_timeout' | 'upstream_unreachable';

export interface Failure {
  errorClass: 'upstream_timeout' | 'upstream_reset' | 'upstream_unreachable';
  status: 502 | 504;
  type: FailureType;
}

const TIMEOUT: Failure = Object.freeze({ errorClass: 'upstream_timeout', status: 504, type: 'upstream_timeout' });
const RESET: Failure = Object.freeze({ errorClass: 'upstream_reset', status: 502, type: 'upstream_unreachable' });
const UNREACHABLE: Failure = Object.freeze({
  errorClass: 'upstream_unreachable',
  status: 502,
  type: 'upstream_unreachable',
});

/** undici error code → failure; any code not listed (refused, DNS, TLS…) is unreachable. */
const FAILURES: ReadonlyMap<string, Failure> = new Map([
  ['UND_ERR_HEADERS_TIMEOUT', TIMEOUT],
  ['UND_ERR_CONNECT_TIMEOUT', TIMEOUT],
  ['UND_ERR_BODY_TIMEOUT', TIMEOUT],
  ['UND_ERR_SOCKET', RESET],
]);

/** The client went away before the call ended; 499 is what the record shows when it had no answer yet. */
export const CLIENT_CANCELLED = 'client_cancelled';
export const CLIENT_CANCELLED_STATUS = 499;

/** Error classes after which a started stream is cut rather than ended cleanly. */
const CUTS_STREAM: ReadonlySet<string> = new Set([TIMEOUT.errorClass, RESET.errorClass, UNREACHABLE.errorClass]);

export function classifyFailure(err: Error & { code?: string }): Failure {
  return (err.code === undefined ? undefined : FAILURES.get(err.code)) ?? UNREACHABLE;
}

/** What the gateway tells the client when the upstream failed; status is the upstream's if it had answered. */
export function failureMessage(
  f: Failure,
  err: Error & { code?: string },
  provider: PricedProvider,
  status: number,
  timeoutMs: number,
): string {
  if (status > 0) return `${provider} closed the response early`;
  if (f.type === 'upstream_timeout') return `${provider} did not answer within ${timeoutMs} ms`;
  return `${provider} upstream unreachable (${err.code ?? err.name})`;
}

export function cutsStream(errorClass: string | null): boolean {
  return errorClass !== null && CUTS_STREAM.has(errorClass);
}

/** Status-specific classes first, then by status class; null for a success. */
const STATUS_CLASSES: ReadonlyMap<number, string> = new Map([[429, 'rate_limited']]);

export function classifyStatus(status: number): string | null {
  if (status < 400) return null;
  return STATUS_CLASSES.get(status) ?? (status >= 500 ? 'upstream_5xx' : 'upstream_4xx');
}

/**
 * Usage when the provider reported none: the input the provider said it read
 * (when it said so before the end), else a quarter of the request's text
 * characters; a quarter of the generated characters as output.
 */
export function estimateUsage(requestChars: number, knownInputTokens?: number, generatedChars = 0): UsageFound {
  const u = emptyUsage();
  u.inputTokens = knownInputTokens ?? Math.ceil(requestChars / 4);
  u.outputTokens = Math.ceil(generatedChars / 4);
  return { usage: u };
}

const REQUEST_TEXT_KEYS = new Set(['content', 'text', 'input', 'prompt', 'system', 'instructions']);

/** Characters of text in a request body (the keys that carry prompt text), the base of an input estimate. */
export function requestTextChars(v: unknown, depth = 0): number {
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
