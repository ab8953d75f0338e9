/**
 * The daemon's anomaly check: every interval (and once shortly after start), judge the last days of
 * every series and send each anomaly not yet sent to the configured webhook, once, signed like every
 * oco webhook. Without a webhook the anomalies are only stored and logged.
 */
import type { Money } from '../money.js';
import type { Store } from '../store/types.js';
import { postWebhook } from '../webhook.js';
import { dayAfter } from './detect.js';
import { checkAnomalies, markNotified, unnotified, type Anomaly, type SeriesSource } from './service.js';
import { startPeriodic, type PeriodicRun } from '../periodic.js';

/** Days judged on each run: a provider restates its recent days, so the last week is looked at again. */
const RECHECK_DAYS = 7;
/** Older anomalies found for the first time (a first run over history) are stored, not sent. */
const SEND_WITHIN_DAYS = 7;

export interface AnomalyMonitorOptions {
  intervalMs: number;
  minImpact: Money;
  webhookUrl?: string;
  secret?: string;
  retryDelaysMs?: readonly number[];
  onFound?: (a: Anomaly) => void;
  onError?: (err: unknown) => void;
  /** Delay of the first run after start. */
  firstRunMs?: number;
}

/** One run: check the recent days, then send what has not been sent. Returns the anomalies sent. */
export async function runAnomalyCheck(
  store: Store,
  sources: SeriesSource[],
  o: Omit<AnomalyMonitorOptions, 'intervalMs'>,
  now = new Date(),
): Promise<Anomaly[]> {
  const today = now.toISOString().slice(0, 10);
  const to = dayAfter(today, -1);
  const r = await checkAnomalies(store, sources, {
    from: dayAfter(to, -(RECHECK_DAYS - 1)),
    to,
    minImpact: o.minImpact,
  });
  for (const a of r.anomalies) if (a.new) o.onFound?.(a);
  const sent: Anomaly[] = [];
  for (const a of await unnotified(store)) {
    const recent = a.lastDay >= dayAfter(today, -SEND_WITHIN_DAYS);
    if (o.webhookUrl && recent) {
      const body = JSON.stringify({ type: 'cost.anomaly', anomaly: a });
      const d = await postWebhook(o.webhookUrl, 'cost.anomaly', body, {
        secret: o.secret,
        retryDelaysMs: o.retryDelaysMs ?? [1000, 5000, 15000],
        userAgent: 'oco-anomalies',
      });
      // Not delivered: tried again on the next run.
      if (!d.delivered) {
        o.onError?.(new Error(`anomaly webhook ${d.target ?? ''} failed: ${d.error ?? 'unknown error'}`));
        continue;
      }
      sent.push(a);
    } else if (o.webhookUrl) {
      // Too old to be news: recorded as handled so a webhook configured later does not replay history.
    } else continue;
    await markNotified(store, a.id, now);
  }
  return sent;
}

export function startAnomalyMonitor(store: Store, sources: SeriesSource[], o: AnomalyMonitorOptions): PeriodicRun {
  return startPeriodic(() => runAnomalyCheck(store, sources, o), {
    intervalMs: o.intervalMs,
    firstRunMs: o.firstRunMs ?? 5000,
    onError: o.onError,
  });
}
