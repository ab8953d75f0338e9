/**
 * The daemon's policy check: every interval (and after each scheduled cost ingest), every enabled
 * policy is checked against the stored data as `oco policy check` does, and each violation this run
 * opened is logged and sent once to the configured webhook (signed like every oco webhook). A
 * violation still open on the next run is not sent again; one resolved and found again is new.
 */
import type { Store } from '../store/types.js';
import { postWebhook } from '../webhook.js';
import { checkPolicies, type Violation } from './check.js';
import type { RuleSet } from './types.js';
import { startPeriodic, type PeriodicRun } from '../periodic.js';

export interface PolicyMonitorOptions {
  intervalMs: number;
  webhookUrl?: string;
  secret?: string;
  retryDelaysMs?: readonly number[];
  onOpened?: (v: Violation) => void;
  onError?: (err: unknown) => void;
  firstRunMs?: number;
}

/** One run: check, then report what it opened. Returns the violations this run opened. */
export async function runPolicyCheck(
  store: Store,
  sets: RuleSet[],
  o: Omit<PolicyMonitorOptions, 'intervalMs'>,
  now = new Date(),
): Promise<Violation[]> {
  const r = await checkPolicies(store, sets, { failOn: 'critical', now });
  const opened = r.violations.filter((v) => Date.parse(v.openedAt) === now.getTime());
  for (const v of opened) {
    o.onOpened?.(v);
    if (!o.webhookUrl) continue;
    const d = await postWebhook(
      o.webhookUrl,
      'policy.violation',
      JSON.stringify({ type: 'policy.violation', violation: v }),
      {
        secret: o.secret,
        retryDelaysMs: o.retryDelaysMs ?? [1000, 5000, 15000],
        userAgent: 'oco-policy',
      },
    );
    if (!d.delivered) o.onError?.(new Error(`policy webhook ${d.target ?? ''} failed: ${d.error ?? 'unknown error'}`));
  }
  return opened;
}

export function startPolicyMonitor(store: Store, sets: RuleSet[], o: PolicyMonitorOptions): PeriodicRun {
  return startPeriodic(() => runPolicyCheck(store, sets, o), {
    intervalMs: o.intervalMs,
    firstRunMs: o.firstRunMs ?? 10_000,
    onError: o.onError,
  });
}
