/**
 * Breach webhooks: a JSON POST signed like every oco webhook (the shared scheme
 * of src/core/gateway/spend/alerts.ts: X-OCO-Timestamp, and X-OCO-Signature =
 * sha256=HMAC-SHA256(webhook.secret, "<timestamp>.<body>") when a secret is set),
 * with a bounded number of retries on network errors, 408, 429 and 5xx.
 */
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, maskWebhook, signWebhook } from '../../gateway/spend/alerts.js';

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  /** Masked target (only the origin) and the last error, safe to log. */
  target: string | null;
  error?: string;
}

export interface NotifyOptions {
  secret?: string;
  retryDelaysMs?: readonly number[];
  timeoutMs?: number;
}

export async function postWebhook(url: string, event: string, payload: unknown, options: NotifyOptions = {}): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  const delays = (options.retryDelaysMs ?? [500, 2000, 5000]).slice(0, 5);
  let lastError = '';
  let attempts = 0;
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, delays[attempt - 1]));
    attempts++;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'oco-dr', 'x-oco-event': event, [TIMESTAMP_HEADER]: timestamp };
    if (options.secret) headers[SIGNATURE_HEADER] = signWebhook(options.secret, timestamp, body);
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { delivered: true, attempts, target: maskWebhook(url) };
      lastError = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 408 && res.status !== 429) break; // the receiver refuses; retrying will not help
    } catch (err) {
      lastError = (err as Error).name === 'TimeoutError' ? 'timeout' : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
    }
  }
  return { delivered: false, attempts, target: maskWebhook(url), error: lastError };
}
