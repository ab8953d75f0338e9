import { createHmac } from 'node:crypto';

/**
 * oco's one webhook scheme, used by budget alerts and DR breaches alike: a JSON
 * POST with X-OCO-Event, X-OCO-Timestamp and, when a secret is set,
 * X-OCO-Signature = sha256=HMAC-SHA256(secret, "<timestamp>.<body>"), retried
 * with bounded delays on network errors, timeouts, 408, 429 and 5xx.
 */
export const SIGNATURE_HEADER = 'x-oco-signature';
export const TIMESTAMP_HEADER = 'x-oco-timestamp';

/** The signature a receiver recomputes: HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed "sha256=". */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Webhook URLs often carry a token in their path (Slack, Teams): only the origin is ever shown or logged. */
export function maskWebhook(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.pathname === '/' && !u.search ? u.origin : `${u.origin}/…`;
  } catch {
    return '…';
  }
}

export interface WebhookOptions {
  /** webhook.secret: signs the body; never logged or stored. */
  secret?: string;
  /** Delays before each retry of a failed delivery. */
  retryDelaysMs: readonly number[];
  timeoutMs?: number;
  /** Sent as User-Agent: which part of oco is calling. */
  userAgent: string;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  /** Masked target (only the origin), safe to log. */
  target: string | null;
  /** The last failure (HTTP status, timeout or network code), safe to log. */
  error?: string;
}

/** POSTs one JSON body, signed afresh at each attempt (the timestamp is part of the signature). */
export async function postWebhook(
  url: string,
  event: string,
  body: string,
  options: WebhookOptions,
): Promise<DeliveryResult> {
  const delays = options.retryDelaysMs;
  let lastError = '';
  let attempts = 0;
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, delays[attempt - 1]));
    attempts++;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': options.userAgent,
      'x-oco-event': event,
      [TIMESTAMP_HEADER]: timestamp,
    };
    if (options.secret) headers[SIGNATURE_HEADER] = signWebhook(options.secret, timestamp, body);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { delivered: true, attempts, target: maskWebhook(url) };
      lastError = `HTTP ${res.status}`;
      // A 4xx other than 408/429 will not change on retry.
      if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
    } catch (err) {
      lastError =
        (err as Error).name === 'TimeoutError'
          ? 'timeout'
          : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
    }
  }
  return { delivered: false, attempts, target: maskWebhook(url), error: lastError };
}
