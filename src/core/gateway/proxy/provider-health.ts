import type { Money } from '../../base/money.js';
import type { UsageRecord } from '../usage/record.js';
import { CLIENT_CANCELLED } from './outcome.js';
import type { Call, CallObserver } from './call.js';

interface Seen {
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: { status: number | null; errorClass: string | null } | null;
  calls: number;
  errors: number;
}

export interface ProvidersHealth {
  status: 'ok' | 'degraded';
  providers: Record<string, Seen & { ok: boolean }>;
}

/**
 * The last success and the last error of each upstream (provider, or provider/deployment), from the
 * calls that reached it: an error is a 429, a 5xx or a failure to get an answer (timeout, connection);
 * a client that hung up and the request's own 4xx are neither. An upstream whose latest outcome is an
 * error is degraded until it answers again. O(1) per call, in memory, for /health/providers.
 */
export class ProviderHealth implements CallObserver {
  private readonly seen = new Map<string, Seen>();

  ended(call: Call, record: UsageRecord, _cost: Money | null, _latencyMs: number): void {
    if (call.sentAt === undefined || record.errorClass === CLIENT_CANCELLED) return;
    const name = call.deployment ? `${call.provider}/${call.deployment}` : call.provider;
    let s = this.seen.get(name);
    if (!s) {
      s = { lastSuccessAt: null, lastErrorAt: null, lastError: null, calls: 0, errors: 0 };
      this.seen.set(name, s);
    }
    s.calls++;
    const status = record.statusCode;
    const failed = status === null || status === 429 || status >= 500 || (record.errorClass !== null && status < 400);
    const at = new Date().toISOString();
    if (failed) {
      s.errors++;
      s.lastErrorAt = at;
      s.lastError = { status, errorClass: record.errorClass };
    } else s.lastSuccessAt = at;
  }

  report(): ProvidersHealth {
    const providers: ProvidersHealth['providers'] = {};
    let ok = true;
    for (const [name, s] of this.seen) {
      const up = s.lastErrorAt === null || (s.lastSuccessAt !== null && s.lastSuccessAt >= s.lastErrorAt);
      ok &&= up;
      providers[name] = { ok: up, ...s };
    }
    return { status: ok ? 'ok' : 'degraded', providers };
  }
}
