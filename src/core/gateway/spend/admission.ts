import { Money } from '../../base/money.js';
import { isProviderName } from '../model.js';
import type { ModelLimits } from '../pricing/book.js';
import type { AdmissionControl, AdmissionDecision, AdmissionRequest, SettleInfo } from '../proxy/admission.js';
import type { Store } from '../../base/store/types.js';
import { AlertManager } from './alerts.js';
import { boundCall, type CallBound } from './estimate/index.js';
import { SpendJournal } from './journal.js';
import type { BudgetCharge, LedgerBackend, Refusal, ReserveResult } from './ledger.js';
import {
  activeRaise,
  budgetApplies,
  effectiveLimit,
  periodSpec,
  quotaBudget,
  rateLimitApplies,
  type Budget,
  type RateLimit,
} from './model.js';
import { formatResetDuration, periodWindow, type PeriodWindow } from './period.js';
import { rateLimitHeaders, type RateLimiterBackend, type RateResult, type RateStatus } from './ratelimit.js';
import { configVersion, listBudgets, listRateLimits, releaseStaleReservations } from './repo.js';

export interface SpendLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Cost of a call of that many tokens; null when the model has no price. With `bound`, an upper
 * bound: the input and output tokens are priced at the dearest class they could be billed in
 * (an Anthropic cache write costs up to 2× input, a reasoning token may be priced apart).
 */
export type CostEstimator = (req: {
  provider: AdmissionRequest['provider'];
  model: string;
  inputTokens: number;
  outputTokens: number;
  at: Date;
  bound?: boolean;
}) => Money | null;

/** What a call to a model without a price does under a hard budget (budget.unpricedModels). */
export type UnpricedPolicy = 'refuse' | 'allow';

export interface SpendAdmissionOptions {
  store: Store;
  ledger: LedgerBackend;
  rateLimiter: RateLimiterBackend;
  estimateCost: CostEstimator;
  /** The model's maximum output, when the request names no max_tokens. */
  maxOutputTokensOf?: (provider: AdmissionRequest['provider'], model: string) => number | undefined;
  /** The model's maximum output and context window, for the bound a hard budget reserves. */
  limitsOf?: (provider: AdmissionRequest['provider'], model: string) => ModelLimits;
  defaultMaxOutputTokens: number;
  unpricedModels?: UnpricedPolicy;
  failOpen: boolean;
  reservationTtlMs: number;
  logger: SpendLogger;
  alerts: AlertManager;
  journal: SpendJournal;
  /** How often budgets and limits are re-read from the store (CLI/API edits reach a running daemon). */
  reloadMs?: number;
  /** A backend call slower than this counts as the backend being down. */
  backendTimeoutMs?: number;
}

export interface SpendStats {
  admitted: number;
  refusedBudget: number;
  refusedRate: number;
  /** Calls admitted without a check because the backend failed and OCO_BUDGET_FAIL_OPEN=true. */
  failOpen: number;
  /** Calls refused because the backend failed and OCO_BUDGET_FAIL_OPEN=false. */
  failClosed: number;
  settled: number;
  /** Calls refused because no price is known for their model and a hard budget applies. */
  refusedUnpriced: number;
  /** Settled calls whose exact cost came out above the bound reserved for a hard budget. */
  overshoot: number;
}

interface Ticket {
  id: string;
  admittedAt: Date;
  req: AdmissionRequest;
  charges: BudgetCharge[];
  limits: RateLimit[];
  amount: Money;
  tokens: number;
  /** The amount is the call's upper bound (a hard budget applied): a cost above it is an overshoot. */
  bounded: boolean;
  settled: boolean;
}

const ZERO = new Money(0);

class BackendDown extends Error {}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new BackendDown(`no answer within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Budgets and rate limits on the gateway's request path. admit(): rate limits
 * first (cheap, and a call refused there must not hold budget), then the
 * worst-case cost is reserved in every applicable budget at once. settle():
 * the reservation becomes the actual cost, rate-limit tokens are corrected,
 * the ledger row is journaled, thresholds are checked — alerts never block.
 */
export class SpendAdmission implements AdmissionControl {
  readonly stats: SpendStats = {
    admitted: 0,
    refusedBudget: 0,
    refusedRate: 0,
    failOpen: 0,
    failClosed: 0,
    settled: 0,
    refusedUnpriced: 0,
    overshoot: 0,
  };
  /** provider/model pairs already warned about (once per model and process). */
  private readonly unpricedWarned = new Set<string>();
  /** Budgets as stored; `budgets` is the same list with each raise in force added to its limit. */
  private stored: Budget[] = [];
  private budgets: Budget[] = [];
  /** Epoch ms the next raise in force ends: `budgets` is rebuilt then, on the first call after it. */
  private raiseEdge = Infinity;
  private limits: RateLimit[] = [];
  /** The sliding-window limits (the rate limiter's) and the request quotas as ledger budgets (quotaBudget). */
  private windowLimits: RateLimit[] = [];
  private quotas: Budget[] = [];
  private version = '';
  private windows = new Map<string, PeriodWindow>();
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;

  private constructor(private readonly o: SpendAdmissionOptions) {}

  static async create(o: SpendAdmissionOptions): Promise<SpendAdmission> {
    const a = new SpendAdmission(o);
    if (o.ledger.name === 'memory') {
      // One daemon owns every reservation of the in-process backend: whatever a previous run left reserved is gone.
      const n = await releaseStaleReservations(o.store);
      if (n > 0) o.logger.info({ released: n }, 'released reservations left by a previous run');
    }
    await a.reload();
    a.reloadTimer = setInterval(
      () =>
        void a
          .reload()
          .catch((err) =>
            o.logger.warn({ err: (err as Error).message }, 'cannot reload budgets; keeping the previous ones'),
          ),
      o.reloadMs ?? 2000,
    );
    a.reloadTimer.unref();
    return a;
  }

  /** Re-reads budgets and rate limits when they changed; edited budgets get fresh counters. */
  async reload(): Promise<void> {
    if (this.reloading) return this.reloading;
    this.reloading = (async () => {
      const v = await configVersion(this.o.store);
      if (v === this.version) return;
      const [budgets, limits] = await Promise.all([listBudgets(this.o.store), listRateLimits(this.o.store)]);
      const quotas = limits.filter((l) => l.kind === 'requests').map(quotaBudget);
      const before = new Map([...this.budgets, ...this.quotas].map((b) => [b.id, b.updatedAt]));
      this.o.ledger.invalidate(
        [...budgets, ...quotas].filter((b) => before.has(b.id) && before.get(b.id) !== b.updatedAt).map((b) => b.id),
      );
      this.stored = budgets;
      this.applyRaises(new Date());
      this.limits = limits;
      this.windowLimits = limits.filter((l) => l.kind !== 'requests');
      this.quotas = quotas;
      this.version = v;
    })().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  /**
   * The budgets with their limits as they are at `now`: a raise in force is added (a new object, so the
   * ledgers' per-object caches see the new limit; counters keep their key, spend is unchanged). Run at load
   * and when the earliest raise ends, so a raise stops at its --until without a store read or a restart.
   */
  private applyRaises(now: Date): void {
    let edge = Infinity;
    this.budgets = this.stored.map((b) => {
      const r = activeRaise(b, now);
      if (!r) return b;
      edge = Math.min(edge, r.until.getTime());
      return { ...b, limitUsd: effectiveLimit(b, now) };
    });
    this.raiseEdge = edge;
  }

  async admit(req: AdmissionRequest): Promise<AdmissionDecision> {
    const now = req.now;
    const a = req.attribution;
    if (now.getTime() >= this.raiseEdge) this.applyRaises(now);
    if (this.limits.length === 0 && this.budgets.length === 0) return this.admitUnchecked(req);
    const limits = this.windowLimits.filter((l) => rateLimitApplies(l, req.provider, req.model, a));
    const budgets = this.budgets.filter((b) => budgetApplies(b, req.provider, req.model, a));
    for (const q of this.quotas) if (budgetApplies(q, req.provider, req.model, a)) budgets.push(q);
    // Only a USD budget needs a price: a request quota counts calls, priced or not.
    const hard = budgets.find((b) => b.hard && b.unit !== 'requests');
    // A hard budget reserves an upper bound of the call (estimate/); anything else a quick estimate.
    const bound = hard ? await this.bound(req) : undefined;
    const quickIn = Math.max(0, Math.ceil(req.estimatedInputTokens));
    const quickOut =
      req.maxOutputTokens ?? this.o.maxOutputTokensOf?.(req.provider, req.model) ?? this.o.defaultMaxOutputTokens;
    const inTokens = bound?.inputTokens ?? quickIn;
    const maxOut = bound?.outputTokens ?? quickOut;
    // Token rate limits keep the quick estimate (corrected at settle): a bound that takes a whole
    // context window for an audio clip would hold a tokens-per-minute limit for nothing.
    const tokens = quickIn + quickOut;
    const expiresAt = new Date(now.getTime() + this.o.reservationTtlMs);
    let amount = ZERO;
    if (budgets.some((b) => b.unit !== 'requests')) {
      const priced = this.o.estimateCost({
        provider: req.provider,
        model: req.model,
        inputTokens: inTokens,
        outputTokens: maxOut,
        at: now,
        bound: hard !== undefined,
      });
      // A call that names no model (model lists, files) costs nothing to bound.
      if (priced === null && req.model !== 'unknown') {
        const refuse = hard !== undefined && (this.o.unpricedModels ?? 'refuse') === 'refuse';
        this.warnUnpriced(req, refuse);
        if (refuse) {
          this.stats.refusedUnpriced++;
          return unpricedRefusal(req, hard!);
        }
      }
      amount = priced ?? ZERO;
    }
    const charges = budgets.map((budget) => ({ budget, window: this.windowOf(budget, now) }));

    const acquire = () => this.o.rateLimiter.acquire(req.requestId, limits, tokens, now.getTime(), expiresAt.getTime());
    const reserve = () => this.o.ledger.reserve(req.requestId, charges, amount, now, expiresAt);
    let rate: Outcome<RateResult> | undefined;
    let budget: Outcome<ReserveResult> | undefined;
    if (this.o.ledger.name === 'memory') {
      // In-process: rate limits first, then budgets, each a synchronous check-and-apply; a call
      // refused by a rate limit never holds budget, not even for a moment.
      rate = limits.length > 0 ? await outcome(acquire()) : undefined;
      if (!(rate && (!rate.ok || !rate.value.ok))) budget = charges.length > 0 ? await outcome(reserve()) : undefined;
    } else {
      // Shared backend: both round trips at once (one network wait, pipelined on the connection);
      // whichever control admitted is undone when the other refuses.
      const timeout = this.o.backendTimeoutMs ?? 1000;
      [rate, budget] = await Promise.all([
        limits.length > 0 ? outcome(bounded(acquire(), timeout)) : undefined,
        charges.length > 0 ? outcome(bounded(reserve(), timeout)) : undefined,
      ]);
    }
    const rateHeld = rate?.ok === true && rate.value.ok;
    const budgetHeld = budget?.ok === true && budget.value.ok;
    const undo = () => {
      if (rateHeld) void this.o.rateLimiter.release(req.requestId, limits, -tokens, now.getTime(), -1).catch(() => {});
      if (budgetHeld) void this.o.ledger.settle(req.requestId, charges, ZERO, now).catch(() => {});
    };

    let rateHeaders: Record<string, string> | undefined;
    if (rate) {
      if (!rate.ok) {
        const refusal = this.backendFailed('rate_limit', req, rate.error);
        if (refusal) return (undo(), refusal);
      } else if (!rate.value.ok) {
        this.stats.refusedRate++;
        undo();
        return this.rateRefusal(req, rate.value.refused, rate.value.retryAfterMs, rate.value.status);
      } else rateHeaders = rateLimitHeaders(rate.value.status, formatResetDuration);
    }
    if (budget) {
      if (!budget.ok) {
        const refusal = this.backendFailed('budget', req, budget.error);
        if (refusal) return (undo(), refusal);
      } else if (!budget.value.ok) {
        undo();
        const refusal = budget.value.refusal;
        if (refusal.budget.unit === 'requests') {
          this.stats.refusedRate++;
          return quotaRefusal(req, refusal, now);
        }
        this.stats.refusedBudget++;
        this.o.alerts.refused(refusal, req.requestId, now);
        return budgetRefusal(req, refusal, now);
      }
    }

    this.stats.admitted++;
    const ticket: Ticket = {
      id: req.requestId,
      admittedAt: now,
      req,
      charges,
      limits: rateHeld ? limits : [],
      amount,
      tokens,
      bounded: bound !== undefined && !amount.isZero(),
      settled: false,
    };
    // Every admitted call goes to the ledger, budget or not: a budget created later in a period
    // counts the period's spend so far.
    this.journal(ticket, 'reserved', null, expiresAt);
    return { admitted: true, ticket, headers: rateHeaders };
  }

  /**
   * No budget or rate limit exists: nothing to check or reserve, only the ledger row
   * (the same ticket and row as the full path produces when nothing applies).
   */
  private admitUnchecked(req: AdmissionRequest): AdmissionDecision {
    const maxOut =
      req.maxOutputTokens ?? this.o.maxOutputTokensOf?.(req.provider, req.model) ?? this.o.defaultMaxOutputTokens;
    const tokens = Math.max(0, Math.ceil(req.estimatedInputTokens)) + maxOut;
    const expiresAt = new Date(req.now.getTime() + this.o.reservationTtlMs);
    this.stats.admitted++;
    const ticket: Ticket = {
      id: req.requestId,
      admittedAt: req.now,
      req,
      charges: [],
      limits: [],
      amount: ZERO,
      tokens,
      bounded: false,
      settled: false,
    };
    this.journal(ticket, 'reserved', null, expiresAt);
    return { admitted: true, ticket, headers: undefined };
  }

  /**
   * A budget's window at a time, cached while the time stays inside it: finding
   * local midnight in a timezone costs several Intl calls, too slow for every call.
   */
  private windowOf(b: Budget, now: Date): PeriodWindow {
    const key = `${b.id}@${b.updatedAt}`;
    const hit = this.windows.get(key);
    const t = now.getTime();
    if (hit && hit.end && t >= hit.start.getTime() && t < hit.end.getTime()) return hit;
    const w = periodWindow(periodSpec(b), now);
    if (w.end) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(key, w);
    }
    return w;
  }

  async settle(t: unknown, info: SettleInfo): Promise<void> {
    const ticket = t as Ticket;
    if (!ticket || ticket.settled) return;
    ticket.settled = true;
    this.stats.settled++;
    // A failed call costs what it consumed (a cancelled stream); with no cost known it releases its reservation.
    const cost = info.costUsd ?? ZERO;
    const state = info.failed && cost.isZero() ? 'released' : 'settled';
    // A settled call without a price keeps an unknown cost (null), never 0, and is counted as unpriced.
    const unpriced = state === 'settled' && info.costUsd === null;
    const overshoot = ticket.bounded && cost.gt(ticket.amount) ? cost.minus(ticket.amount) : null;
    if (overshoot) {
      this.stats.overshoot++;
      const r = ticket.req;
      this.o.logger.warn(
        {
          request_id: ticket.id,
          provider: r.provider,
          model: r.model,
          reserved_usd: ticket.amount.toFixed(),
          cost_usd: cost.toFixed(),
          overshoot_usd: overshoot.toFixed(),
          input_tokens: info.inputTokens,
          output_tokens: info.outputTokens,
          count: this.stats.overshoot,
        },
        'call cost more than the bound reserved for its hard budget' +
          ' (the provider counted more than its documented rules): exact cost recorded, overshoot counted',
      );
    }
    this.journal(ticket, state, unpriced ? null : cost, ticket.admittedAt, { unpriced, overshoot });
    if (ticket.charges.length > 0) {
      try {
        const spent = await this.guarded(
          this.o.ledger.settle(ticket.id, ticket.charges, cost, ticket.admittedAt, state === 'settled'),
        );
        const now = new Date();
        ticket.charges.forEach((c, i) => {
          if (c.budget.unit !== 'requests') this.o.alerts.checkThresholds(c.budget, c.window, spent[i]!, now);
        });
      } catch (err) {
        // The store has the cost (journal); the shared counters catch up when rebuilt or when the reservation expires.
        this.o.logger.warn(
          { request_id: ticket.id, err: (err as Error).message },
          'budget backend unavailable at settle; cost kept in the store',
        );
      }
    }
    if (ticket.limits.length > 0) {
      const actual = info.totalTokens || info.inputTokens + info.outputTokens;
      await this.guarded(
        this.o.rateLimiter.release(ticket.id, ticket.limits, actual - ticket.tokens, ticket.admittedAt.getTime()),
      ).catch((err) =>
        this.o.logger.warn(
          { request_id: ticket.id, err: (err as Error).message },
          'rate-limit backend unavailable at settle',
        ),
      );
    }
  }

  async close(): Promise<void> {
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    await this.o.journal
      .close()
      .catch((err) =>
        this.o.logger.error(
          { err: (err as Error).message, queued: this.o.journal.size },
          'spend ledger rows could not be written at shutdown',
        ),
      );
    await this.o.alerts.close();
    await this.o.ledger.close();
    await this.o.rateLimiter.close();
  }

  /** The budgets and limits in force (for status and tests). */
  snapshot(): { budgets: Budget[]; limits: RateLimit[] } {
    return { budgets: this.budgets, limits: this.limits };
  }

  /** Shared backends answer within a deadline or count as down; the in-process one needs no timer. */
  private guarded<T>(p: Promise<T>): Promise<T> {
    return this.o.ledger.name === 'memory' ? p : bounded(p, this.o.backendTimeoutMs ?? 1000);
  }

  /**
   * The call's bound for a hard budget; a failure to compute it (a
   * bug) falls back to the whole context window, never to less.
   */
  private async bound(req: AdmissionRequest): Promise<CallBound> {
    const limits = this.o.limitsOf?.(req.provider, req.model) ?? {
      maxOutputTokens: this.o.maxOutputTokensOf?.(req.provider, req.model),
    };
    const call = {
      // An OpenAI-compatible upstream's body is OpenAI's: bounded by OpenAI's rules, priced under its own name.
      provider: req.wire ?? (isProviderName(req.provider) ? req.provider : 'openai'),
      model: req.model,
      endpoint: req.endpoint ?? '',
      body: req.body,
      maxOutputTokens: req.maxOutputTokens,
    };
    try {
      return await boundCall(call, limits, this.o.defaultMaxOutputTokens);
    } catch (err) {
      this.o.logger.error(
        { request_id: req.requestId, provider: req.provider, model: req.model, err: (err as Error).message },
        'cannot bound the call from its body; reserving its whole context window',
      );
      return boundCall({ ...call, body: undefined }, limits, this.o.defaultMaxOutputTokens);
    }
  }

  /** Once per model and process: the log says which model, what happened, and the fix. */
  private warnUnpriced(req: AdmissionRequest, refused: boolean): void {
    const key = `${req.provider}/${req.model}`;
    if (this.unpricedWarned.has(key)) return;
    this.unpricedWarned.add(key);
    this.o.logger.warn(
      {
        provider: req.provider,
        model: req.model,
        decision: refused ? 'refuse' : 'admit',
        unpriced_models: this.o.unpricedModels ?? 'refuse',
      },
      refused
        ? `no price for ${key}: calls under a hard budget are refused;` +
            ` set one with "oco pricing set ${req.model} --provider ${req.provider} --input <usd/1M> --output <usd/1M>"`
        : `no price for ${key}: calls are admitted unpriced (budget.unpricedModels=allow) and counted as unpriced;` +
            ` set one with "oco pricing set ${req.model} --provider ${req.provider} …"`,
    );
  }

  private journal(
    t: Ticket,
    state: 'reserved' | 'settled' | 'released',
    cost: Money | null,
    expiresAt: Date,
    flags: { unpriced: boolean; overshoot: Money | null } = { unpriced: false, overshoot: null },
  ): void {
    const a = t.req.attribution;
    this.o.journal.enqueue({
      requestId: t.id,
      ts: t.admittedAt,
      expiresAt: state === 'reserved' ? expiresAt : t.admittedAt,
      state,
      provider: t.req.provider,
      model: t.req.model,
      orgId: a.orgId,
      teamId: a.teamId,
      agentId: a.agentId,
      userId: a.userId,
      keyId: a.keyId ?? null,
      tags: a.tags,
      reservedUsd: t.amount,
      costUsd: cost,
      unpriced: flags.unpriced,
      overshootUsd: flags.overshoot,
    });
  }

  /** OCO_BUDGET_FAIL_OPEN decides; every decision is logged and counted. Returns the refusal, or undefined to admit. */
  private backendFailed(
    what: 'budget' | 'rate_limit',
    req: AdmissionRequest,
    err: unknown,
  ): AdmissionDecision | undefined {
    const reason = (err as Error)?.message ?? String(err);
    if (this.o.failOpen) {
      this.stats.failOpen++;
      this.o.logger.warn(
        {
          request_id: req.requestId,
          control: what,
          decision: 'admit',
          fail_open: true,
          reason,
          count: this.stats.failOpen,
        },
        `${what} backend unavailable: call admitted (OCO_BUDGET_FAIL_OPEN=true)`,
      );
      return undefined;
    }
    this.stats.failClosed++;
    this.o.logger.warn(
      {
        request_id: req.requestId,
        control: what,
        decision: 'refuse',
        fail_open: false,
        reason,
        count: this.stats.failClosed,
      },
      `${what} backend unavailable: call refused (OCO_BUDGET_FAIL_OPEN=false)`,
    );
    return {
      admitted: false,
      status: 503,
      headers: { 'retry-after': '1' },
      body: {
        error: {
          type: 'budget_unavailable',
          code: 'budget_unavailable',
          message: 'Spend controls are unavailable and OCO_BUDGET_FAIL_OPEN is false; the call was not forwarded.',
          request_id: req.requestId,
        },
      },
    };
  }

  private rateRefusal(
    req: AdmissionRequest,
    refused: RateStatus,
    retryAfterMs: number,
    status: RateStatus[],
  ): AdmissionDecision {
    const l = refused.limit;
    const unit = { rpm: 'requests', tpm: 'tokens', concurrent: 'concurrent requests', requests: 'requests' }[l.kind];
    return {
      admitted: false,
      status: 429,
      headers: {
        ...rateLimitHeaders(status, formatResetDuration),
        'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
      },
      body: {
        error: {
          type: 'rate_limit_exceeded',
          code: 'rate_limit_exceeded',
          message:
            `Rate limit of ${l.limit} ${unit}${l.kind === 'concurrent' ? '' : ` per ${l.windowSeconds}s`}` +
            ` for ${l.scope} ${l.entityId}` +
            `${l.provider || l.model ? ` on ${[l.provider, l.model].filter(Boolean).join('/')}` : ''} reached.`,
          scope: l.scope,
          entity_id: l.entityId,
          ...(l.provider ? { provider: l.provider } : {}),
          ...(l.model ? { model: l.model } : {}),
          limit_type: l.kind,
          limit: l.limit,
          used: refused.used,
          retry_after_ms: retryAfterMs,
          request_id: req.requestId,
        },
      },
    };
  }
}

/**
 * 403, not 429: retrying cannot help, a price (or the policy) must change. The SDKs do not
 * retry a 403, and x-should-retry says so for those that look.
 */
function unpricedRefusal(req: AdmissionRequest, b: Budget): AdmissionDecision {
  return {
    admitted: false,
    status: 403,
    headers: { 'x-should-retry': 'false' },
    body: {
      error: {
        type: 'unpriced_model',
        code: 'unpriced_model',
        message:
          `No price is known for ${req.provider} model "${req.model}",` +
          ` so the hard budget for ${b.scope} ${b.entityId} cannot bound what this call would cost.` +
          ` Set a price with "oco pricing set ${req.model} --provider ${req.provider}` +
          ' --input <usd/1M> --output <usd/1M>",' +
          ' or admit unpriced calls with OCO_BUDGET_UNPRICED_MODELS=allow.',
        provider: req.provider,
        model: req.model,
        scope: b.scope,
        entity_id: b.entityId,
        budget_id: b.id,
        request_id: req.requestId,
      },
    },
  };
}

/**
 * A request quota used up: 429 with a rate-limit body (limit_type "requests"), Retry-After at the period's end
 * and x-should-retry false: the SDKs' own backoff cannot outwait a daily or monthly quota.
 */
function quotaRefusal(req: AdmissionRequest, r: Refusal, now: Date): AdmissionDecision {
  const b = r.budget;
  const headers: Record<string, string> = { 'x-should-retry': 'false' };
  if (r.resetsAt)
    headers['retry-after'] = String(Math.max(1, Math.ceil((r.resetsAt.getTime() - now.getTime()) / 1000)));
  const on = b.provider || b.model ? ` on ${[b.provider, b.model].filter(Boolean).join('/')}` : '';
  const used = r.spent.plus(r.reserved).toFixed();
  return {
    admitted: false,
    status: 429,
    headers,
    body: {
      error: {
        type: 'rate_limit_exceeded',
        code: 'rate_limit_exceeded',
        message:
          `Request quota of ${b.limitUsd.toFixed()} requests per ` +
          `${b.period === 'rolling' ? `${b.rollingSeconds}s` : b.period} period` +
          ` for ${b.scope} ${b.entityId}${on} reached (${used} used).`,
        scope: b.scope,
        entity_id: b.entityId,
        ...(b.provider ? { provider: b.provider } : {}),
        ...(b.model ? { model: b.model } : {}),
        limit_type: 'requests',
        limit: Number(b.limitUsd.toFixed()),
        used: Number(used),
        period: b.period,
        resets_at: r.resetsAt?.toISOString() ?? null,
        request_id: req.requestId,
      },
    },
  };
}

function budgetRefusal(req: AdmissionRequest, r: Refusal, now: Date): AdmissionDecision {
  const b = r.budget;
  const headers: Record<string, string> = {};
  if (r.resetsAt)
    headers['retry-after'] = String(Math.max(1, Math.ceil((r.resetsAt.getTime() - now.getTime()) / 1000)));
  // The official SDKs retry 429s on their own; a spent budget does not come back within their backoff.
  headers['x-should-retry'] = 'false';
  return {
    admitted: false,
    status: 429,
    headers,
    body: {
      error: {
        type: 'budget_exceeded',
        code: 'budget_exceeded',
        message:
          `Budget for ${b.scope} ${b.entityId}${b.model ? ` on ${b.model}` : ''} would be exceeded:` +
          ` ${r.spent.toFixed()} USD spent and ${r.reserved.toFixed()} USD reserved of ${b.limitUsd.toFixed()} USD.`,
        scope: b.scope,
        entity_id: b.entityId,
        budget_id: b.id,
        limit_usd: b.limitUsd.toFixed(),
        spent_usd: r.spent.toFixed(),
        reserved_usd: r.reserved.toFixed(),
        resets_at: r.resetsAt?.toISOString() ?? null,
        request_id: req.requestId,
      },
    },
  };
}
