import { randomUUID } from 'node:crypto';
import type { Money } from '../../base/money.js';
import type { Store } from '../../base/store/types.js';
import { destinationFor } from '../../base/notify/destinations.js';
import { sendNotice, type SendOptions } from '../../base/notify/send.js';
import { postWebhook } from '../../base/webhook.js';
import { budgetNotice } from '../alerts/budget-notice.js';
import type { Refusal } from './ledger.js';
import type { Budget } from './model.js';
import type { PeriodWindow } from './period.js';
import { countFrom, recordAlert } from './repo.js';

export interface AlertLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AlertOptions {
  /** OCO_WEBHOOK_SECRET: signs every webhook body; never logged or stored. */
  secret?: string;
  /** Delays before each retry of a failed delivery. */
  retryDelaysMs?: readonly number[];
  timeoutMs?: number;
  /** Deliveries waiting or in flight beyond this are dropped (and logged): alerts never grow memory without bound. */
  maxQueued?: number;
  /**
   * Where destination secrets are read (environment, state directory): with it, each alert also goes to the budget's
   * routed destination or the default one (`oco alerts destinations`), as a message for people.
   */
  notify?: SendOptions;
}

export interface AlertStats {
  recorded: number;
  webhooksDelivered: number;
  webhooksFailed: number;
  webhooksDropped: number;
}

/**
 * Alerts: a log line, a budget_alerts row and an optional webhook when a
 * threshold is crossed or a call is refused. Everything here runs after the
 * request path has returned (callers do not await it). A unique dedupe key per
 * (budget, period, threshold) makes each threshold fire once per period even
 * across daemons and restarts; refusals are recorded at most once a minute per budget.
 */
export class AlertManager {
  readonly stats: AlertStats = { recorded: 0, webhooksDelivered: 0, webhooksFailed: 0, webhooksDropped: 0 };
  private fired = new Set<string>();
  private inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly logger: AlertLogger,
    private readonly options: AlertOptions = {},
  ) {}

  /** After a call settled: fires every threshold the budget's spend has reached and that has not fired this period. */
  checkThresholds(budget: Budget, window: PeriodWindow, spent: Money, now: Date): void {
    if (budget.alertThresholds.length === 0 || budget.limitUsd.isZero()) return;
    const pct = spent.div(budget.limitUsd).times(100);
    const period = periodKey(budget, window, now);
    for (const t of budget.alertThresholds) {
      if (pct.lt(t)) break; // thresholds are sorted ascending
      const dedupeKey = `threshold:${budget.id}:${period}:${t}`;
      if (!this.remember(dedupeKey)) continue;
      this.track(
        this.emit(budget, {
          kind: 'threshold',
          dedupeKey,
          thresholdPct: t,
          periodStart: countFrom(budget, window),
          spent,
          details: { used_pct: pct.toDecimalPlaces(2).toNumber(), resets_at: window.end?.toISOString() ?? null },
        }),
      );
    }
  }

  /** After a refusal by a budget. */
  refused(refusal: Refusal, requestId: string, now: Date): void {
    const minute = Math.floor(now.getTime() / 60_000);
    const dedupeKey = `refused:${refusal.budget.id}:${minute}`;
    if (!this.remember(dedupeKey)) return;
    this.track(
      this.emit(refusal.budget, {
        kind: 'refused',
        dedupeKey,
        thresholdPct: null,
        periodStart: countFrom(refusal.budget, refusal.window),
        spent: refusal.spent,
        details: {
          request_id: requestId,
          reserved_usd: refusal.reserved.toFixed(),
          resets_at: refusal.resetsAt?.toISOString() ?? null,
        },
      }),
    );
  }

  /** Waits for pending records and deliveries, up to a deadline (daemon shutdown). */
  async drain(deadlineMs = 5000): Promise<void> {
    const all = Promise.allSettled([...this.inFlight]);
    await Promise.race([all, new Promise((r) => setTimeout(r, deadlineMs).unref())]);
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }

  /**
   * Keys of alerts already fired by this process; the database's unique key is the real guard, this only saves queries.
   */
  private remember(key: string): boolean {
    if (this.fired.has(key)) return false;
    if (this.fired.size >= 50_000) this.fired.clear();
    this.fired.add(key);
    return true;
  }

  private track(p: Promise<void>): void {
    if (this.inFlight.size >= (this.options.maxQueued ?? 1000)) {
      this.stats.webhooksDropped++;
      this.logger.warn({ queued: this.inFlight.size }, 'budget alert queue full: alert dropped');
      return;
    }
    const tracked = p
      .catch((err) => this.logger.warn({ err: (err as Error).message }, 'budget alert failed'))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async emit(
    budget: Budget,
    a: {
      kind: 'threshold' | 'refused';
      dedupeKey: string;
      thresholdPct: number | null;
      periodStart: Date;
      spent: Money;
      details: Record<string, unknown>;
    },
  ): Promise<void> {
    const now = new Date();
    const isNew = await recordAlert(
      this.store,
      {
        budgetId: budget.id,
        kind: a.kind,
        thresholdPct: a.thresholdPct,
        periodStart: a.periodStart.toISOString(),
        spentUsd: a.spent.toFixed(),
        limitUsd: budget.limitUsd.toFixed(),
        details: a.details,
        dedupeKey: a.dedupeKey,
      },
      now,
    );
    if (!isNew) return; // another daemon (or an earlier run) already fired it
    this.stats.recorded++;
    const event = a.kind === 'threshold' ? 'budget.threshold' : 'budget.refused';
    this.logger.warn(
      {
        event,
        budget_id: budget.id,
        scope: budget.scope,
        entity_id: budget.entityId,
        threshold_pct: a.thresholdPct,
        spent_usd: a.spent.toFixed(),
        limit_usd: budget.limitUsd.toFixed(),
      },
      a.kind === 'threshold'
        ? `budget ${budget.scope}/${budget.entityId} reached ${a.thresholdPct}% of ${budget.limitUsd.toFixed()} USD`
        : `budget ${budget.scope}/${budget.entityId} refused a call`,
    );
    if (this.closed) return;
    const payload = {
      id: randomUUID(),
      type: event,
      created_at: now.toISOString(),
      budget: {
        id: budget.id,
        name: budget.name,
        scope: budget.scope,
        entity_id: budget.entityId,
        provider: budget.provider,
        model: budget.model,
        limit_usd: budget.limitUsd.toFixed(),
        period: budget.period,
        hard: budget.hard,
      },
      threshold_pct: a.thresholdPct,
      spent_usd: a.spent.toFixed(),
      period_start: a.periodStart.toISOString(),
      ...a.details,
    };
    await Promise.all([
      budget.webhookUrl ? this.deliver(budget.webhookUrl, event, JSON.stringify(payload)) : undefined,
      this.notifyDestination(budget, a.kind, a.thresholdPct, payload),
    ]);
  }

  /** The message for people to the budget's destination; a failure is logged by name and reason, never the secret. */
  private async notifyDestination(
    budget: Budget,
    kind: 'threshold' | 'refused',
    thresholdPct: number | null,
    payload: Record<string, unknown>,
  ): Promise<void> {
    if (!this.options.notify) return;
    const d = await destinationFor(this.store, budget.id);
    if (!d) return;
    try {
      const notice = await budgetNotice(this.store, budget, { kind, thresholdPct, payload });
      await sendNotice(d, notice, {
        retryDelaysMs: this.options.retryDelaysMs ?? [1000, 5000],
        timeoutMs: this.options.timeoutMs,
        defaultSigningSecret: this.options.secret,
        ...this.options.notify,
      });
      this.stats.webhooksDelivered++;
    } catch (err) {
      this.stats.webhooksFailed++;
      const e = err as { code?: string; message?: string };
      this.logger.warn({ destination: d.name, code: e.code, error: e.message }, 'budget alert to destination failed');
    }
  }

  private async deliver(url: string, event: string, body: string): Promise<void> {
    const r = await postWebhook(url, event, body, {
      secret: this.options.secret,
      retryDelaysMs: this.options.retryDelaysMs ?? [1000, 5000, 30_000],
      timeoutMs: this.options.timeoutMs,
      userAgent: 'oco-alerts',
    });
    if (r.delivered) {
      this.stats.webhooksDelivered++;
      return;
    }
    this.stats.webhooksFailed++;
    this.logger.warn({ event, webhook: r.target, error: r.error }, 'budget alert webhook failed after retries');
  }
}

/**
 * What "once per period" means per period kind: the calendar window, each rolling
 * window length, the whole life of a total budget; a reset starts a new one.
 */
function periodKey(b: Budget, w: PeriodWindow, now: Date): string {
  const reset = b.resetAt ? `@${b.resetAt.toISOString()}` : '';
  if (b.period === 'rolling') return `r${Math.floor(now.getTime() / ((b.rollingSeconds ?? 1) * 1000))}${reset}`;
  return `${w.key}${reset}`;
}
