/**
 * The daemon's periodic DR check, self-contained: every interval it evaluates
 * the stored policies against the cluster and reports each new breach once (to
 * onBreach and, when dr.webhookUrl is set, to the webhook) until it clears; a
 * cleared breach is reported as resolved. An unreachable cluster is reported as
 * a check error, not as a breach. One check runs at a time; with no active
 * policy in the store a check does nothing.
 */
import type { OcoConfig } from '../../base/config/resolve.js';
import type { Store } from '../../base/store/types.js';
import { connectKube } from '../k8s/client.js';
import { VeleroClient } from '../velero/resources.js';
import { listPlans } from '../velero/records.js';
import { postBreachWebhook, type DeliveryResult } from './notify.js';
import { drStatus, type DrStatus, type Finding, type BreachKind } from './status.js';

export interface BreachEvent {
  event: 'dr.breach' | 'dr.resolved';
  policy: string;
  context: string;
  namespace: string;
  breaches: Finding<BreachKind>[];
  at: string;
}

export interface DrMonitorOptions {
  intervalMs?: number;
  onBreach?: (e: BreachEvent) => void;
  onError?: (err: unknown) => void;
  onCheck?: (s: DrStatus) => void;
  onDelivery?: (r: DeliveryResult, e: BreachEvent) => void;
  /** Client to use instead of the configured kube context (tests, several clusters). */
  client?: VeleroClient;
  retryDelaysMs?: readonly number[];
}

export interface DrMonitor {
  stop(): Promise<void>;
  /** Runs one check now (the timer keeps its rhythm). */
  checkNow(): Promise<DrStatus | undefined>;
}

export function startDrMonitor(config: OcoConfig, store: Store, options: DrMonitorOptions = {}): DrMonitor {
  const intervalMs = options.intervalMs ?? config.int('dr.checkIntervalSeconds') * 1000;
  const webhook = config.string('dr.webhookUrl');
  const secret = config.string('webhook.secret');
  const open = new Map<string, string>(); // policy -> signature of its reported breaches
  let client = options.client;
  let running: Promise<DrStatus | undefined> | undefined;
  let stopped = false;

  const emit = async (e: BreachEvent) => {
    options.onBreach?.(e);
    if (webhook) {
      const r = await postBreachWebhook(webhook, e.event, e, { secret, retryDelaysMs: options.retryDelaysMs });
      options.onDelivery?.(r, e);
    }
  };

  const check = async (): Promise<DrStatus | undefined> => {
    try {
      // a daemon on a machine without DR policies never touches (or needs) a cluster
      if ((await listPlans(store, 'policy', 'active')).length === 0) return undefined;
      client ??= new VeleroClient(await connectKube(config), config.string('velero.namespace') ?? 'velero');
      const status = await drStatus(client, store);
      options.onCheck?.(status);
      const at = status.checkedAt;
      for (const p of status.policies) {
        const sig = p.breaches
          .map((b) => b.kind)
          .sort()
          .join(',');
        const prev = open.get(p.policy);
        if (!p.ok && prev !== sig) {
          open.set(p.policy, sig);
          await emit({
            event: 'dr.breach',
            policy: p.policy,
            context: status.context,
            namespace: status.namespace,
            breaches: p.breaches,
            at,
          });
        } else if (p.ok && prev !== undefined) {
          open.delete(p.policy);
          await emit({
            event: 'dr.resolved',
            policy: p.policy,
            context: status.context,
            namespace: status.namespace,
            breaches: [],
            at,
          });
        }
      }
      return status;
    } catch (err) {
      options.onError?.(err);
      return undefined;
    }
  };

  const checkNow = () => {
    running ??= check().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void checkNow();
  }, intervalMs);
  timer.unref();
  void checkNow();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    checkNow,
  };
}
