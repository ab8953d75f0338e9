/**
 * Breach webhooks: a JSON POST in oco's one webhook scheme (src/core/base/webhook.ts),
 * with a bounded number of retries on network errors, 408, 429 and 5xx.
 */
import { postWebhook, type DeliveryResult } from '../../base/webhook.js';

export type { DeliveryResult };

export interface NotifyOptions {
  secret?: string;
  retryDelaysMs?: readonly number[];
  timeoutMs?: number;
}

export async function postBreachWebhook(
  url: string,
  event: string,
  payload: unknown,
  options: NotifyOptions = {},
): Promise<DeliveryResult> {
  return postWebhook(url, event, JSON.stringify(payload), {
    secret: options.secret,
    retryDelaysMs: (options.retryDelaysMs ?? [500, 2000, 5000]).slice(0, 5),
    timeoutMs: options.timeoutMs,
    userAgent: 'oco-dr',
  });
}
