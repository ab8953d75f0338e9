import { Money } from '../../base/money.js';
import type { Queryable } from '../../base/store/types.js';
import type { Budget } from './model.js';
import { ROLLING_BUCKETS, type PeriodWindow } from './period.js';
import { countFrom, spentByBucket, spentInWindow } from './repo.js';

/**
 * The reservation ledger: reserve-then-settle, atomically across every budget
 * that applies to a call. A reservation that does not fit one hard budget
 * leaves all of them untouched. Two backends share this contract and the
 * concurrency tests: in-process (one daemon) and Redis (several daemons).
 */
export interface BudgetCharge {
  budget: Budget;
  /** The budget's window at admission time. */
  window: PeriodWindow;
}

export interface Refusal {
  budget: Budget;
  window: PeriodWindow;
  spent: Money;
  reserved: Money;
  /** When enough spend leaves the window for the call to fit (rolling), the next period (calendar), never (total). */
  resetsAt: Date | null;
}

export type ReserveResult = { ok: true } | { ok: false; refusal: Refusal };

export interface LedgerBackend {
  readonly name: 'memory' | 'redis';
  reserve(
    ticketId: string,
    charges: readonly BudgetCharge[],
    amount: Money,
    now: Date,
    expiresAt: Date,
  ): Promise<ReserveResult>;
  /**
   * Replaces the reservation with the actual cost (0 releases it); returns the settled spend in each window after it.
   * `counted`: the call was made (a request quota counts it whatever it cost); false when it is released.
   */
  settle(
    ticketId: string,
    charges: readonly BudgetCharge[],
    cost: Money,
    admittedAt: Date,
    counted?: boolean,
  ): Promise<Money[]>;
  /** A budget's definition changed (limit, period, reset): counters are reloaded from the store on next use. */
  invalidate(budgetIds: readonly string[]): void;
  close(): Promise<void>;
}

const ONE = new Money(1);

/** What a call reserves against a charge: its USD bound, or one call for a request quota. */
export function reserveAmount(b: Budget, amount: Money): Money {
  return b.unit === 'requests' ? ONE : amount;
}

/** What a finished call adds to a charge: its cost, or one call for a request quota when it was made. */
export function settleAmount(b: Budget, cost: Money, counted: boolean): Money {
  return b.unit === 'requests' ? (counted ? ONE : ZERO) : cost;
}

/** Counter state key: a budget version (its update time) so a reset or an edit starts from the store again. */
export function counterKey(b: Budget): string {
  return `${b.id}@${b.updatedAt}`;
}

export function bucketOf(ms: number, bucketMs: number): number {
  return Math.floor(ms / bucketMs);
}

/** How the in-process ledger keeps its store reads consistent with the write-behind journal (see SpendJournal.hold). */
export interface LoadSync {
  flush(): Promise<void>;
  hold(): number;
  release(mark: number): void;
}

interface Counter {
  windowKey: string;
  /** Start of the counted window (ms): calendar counters only ever move forward. */
  windowStart: number;
  /** Calendar and total: settled spend in the window. */
  spent: Money;
  /** Rolling: settled spend per bucket index. */
  buckets?: Map<number, Money>;
}

interface Reservations {
  total: Money;
  byTicket: Map<string, { amount: Money; expiresAt: number }>;
}

const ZERO = new Money(0);

/**
 * In-process backend. Counters live in memory and are loaded from the store's
 * ledger on first use; the check-and-apply of a reservation is synchronous, so
 * JavaScript's single thread makes it atomic with no lock. The store stays the
 * source of truth (the admission layer journals every call there).
 */
export class MemoryLedger implements LedgerBackend {
  readonly name = 'memory' as const;
  private counters = new Map<string, Counter>();
  private loading = new Map<string, Promise<void>>();
  private reservations = new Map<string, Reservations>();
  private reaper: NodeJS.Timeout;

  private loadingKeys = new Set<string>();
  /** Settlements that happened while their counter was being read from the store (and so are missing from the read). */
  private late = new Map<string, Array<{ at: number; cost: Money }>>();

  constructor(
    private readonly store: Queryable,
    private readonly sync: LoadSync = { flush: async () => {}, hold: () => 0, release: () => {} },
  ) {
    // A call the gateway never settles (a bug, a lost stream) must not hold budget forever.
    this.reaper = setInterval(() => this.reapExpired(Date.now()), 30_000);
    this.reaper.unref();
  }

  async reserve(
    ticketId: string,
    charges: readonly BudgetCharge[],
    amount: Money,
    now: Date,
    expiresAt: Date,
  ): Promise<ReserveResult> {
    for (let attempt = 0; ; attempt++) {
      const counters = charges.map((c) => this.current(c));
      if (counters.every((c): c is Counter => c !== undefined))
        return this.reserveNow(ticketId, charges, counters, amount, now, expiresAt);
      if (attempt > 3) throw new Error('budget counters keep changing while loading');
      await Promise.all(charges.map((c, i) => (counters[i] ? undefined : this.load(c))));
    }
  }

  private reserveNow(
    ticketId: string,
    charges: readonly BudgetCharge[],
    counters: Counter[],
    amount: Money,
    now: Date,
    expiresAt: Date,
  ): ReserveResult {
    // Check every budget first, then apply to all: nothing awaits in between.
    for (let i = 0; i < charges.length; i++) {
      const { budget, window } = charges[i]!;
      if (!budget.hard) continue;
      const spent = spentOf(counters[i]!, window, now);
      const reserved = this.reservations.get(budget.id)?.total ?? ZERO;
      // No room left refuses even a call estimated at 0 (an unpriced model): a zero budget blocks every call.
      const used = spent.plus(reserved);
      if (used.plus(reserveAmount(budget, amount)).gt(budget.limitUsd) || used.gte(budget.limitUsd)) {
        return {
          ok: false,
          refusal: { budget, window, spent, reserved, resetsAt: resetsAt(counters[i]!, window, now) },
        };
      }
    }
    for (const { budget } of charges) {
      const held = reserveAmount(budget, amount);
      let r = this.reservations.get(budget.id);
      if (!r) this.reservations.set(budget.id, (r = { total: ZERO, byTicket: new Map() }));
      r.byTicket.set(ticketId, { amount: held, expiresAt: expiresAt.getTime() });
      r.total = r.total.plus(held);
    }
    return { ok: true };
  }

  async settle(
    ticketId: string,
    charges: readonly BudgetCharge[],
    callCost: Money,
    admittedAt: Date,
    counted = !callCost.isZero(),
  ): Promise<Money[]> {
    const now = new Date();
    const out: Money[] = [];
    for (const { budget, window } of charges) {
      const cost = settleAmount(budget, callCost, counted);
      this.release(budget.id, ticketId);
      const counter = this.current({ budget, window });
      const key = counterKey(budget);
      if (!counter && this.loadingKeys.has(key) && !cost.isZero())
        this.late.get(key)!.push({ at: admittedAt.getTime(), cost });
      if (counter && !cost.isZero()) {
        if (counter.buckets) {
          const b = bucketOf(admittedAt.getTime(), window.bucketMs!);
          counter.buckets.set(b, (counter.buckets.get(b) ?? ZERO).plus(cost));
        } else if (counter.windowKey === window.key) {
          // A call admitted in a period that has since ended counts in that period only.
          counter.spent = counter.spent.plus(cost);
        }
      }
      out.push(counter ? spentOf(counter, window, now) : ZERO);
    }
    return out;
  }

  /** The settled spend a loaded counter holds (undefined when not loaded): for status and tests. */
  spentNow(c: BudgetCharge, now: Date): Money | undefined {
    const counter = this.current(c);
    return counter ? spentOf(counter, c.window, now) : undefined;
  }

  invalidate(budgetIds: readonly string[]): void {
    const ids = new Set(budgetIds);
    for (const key of this.counters.keys()) if (ids.has(key.slice(0, key.indexOf('@')))) this.counters.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.reaper);
  }

  /**
   * The counter for a charge's window, rolled over to a new calendar period in place; undefined when it must be loaded.
   */
  private current(c: BudgetCharge): Counter | undefined {
    const counter = this.counters.get(counterKey(c.budget));
    if (!counter) return undefined;
    if (!counter.buckets && counter.windowKey !== c.window.key && c.window.start.getTime() > counter.windowStart) {
      // Only the first admission of the new period gets here, before any call of that period
      // could have settled, so the new period starts at zero without a store read. A call of an
      // older period settling later never moves the counter back (settle() skips its cost).
      counter.windowKey = c.window.key;
      counter.windowStart = c.window.start.getTime();
      counter.spent = ZERO;
    }
    return counter;
  }

  private load(c: BudgetCharge): Promise<void> {
    const key = counterKey(c.budget);
    let p = this.loading.get(key);
    if (!p) {
      // From here on, settlements of this budget are kept aside (late) and their ledger rows held back;
      // the rows queued before are flushed, so the read below holds exactly the calls settled before.
      const mark = this.sync.hold();
      this.loadingKeys.add(key);
      this.late.set(key, []);
      p = (async () => {
        try {
          await this.sync.flush();
          const counter: Counter = c.window.bucketMs
            ? {
                windowKey: c.window.key,
                windowStart: c.window.start.getTime(),
                spent: ZERO,
                buckets: await spentByBucket(this.store, c.budget, c.window),
              }
            : {
                windowKey: c.window.key,
                windowStart: c.window.start.getTime(),
                spent: await spentInWindow(this.store, c.budget, c.window),
              };
          const from = countFrom(c.budget, c.window).getTime();
          for (const l of this.late.get(key) ?? []) {
            if (l.at < from || (c.window.end && l.at >= c.window.end.getTime())) continue;
            if (counter.buckets) {
              const b = bucketOf(l.at, c.window.bucketMs!);
              counter.buckets.set(b, (counter.buckets.get(b) ?? ZERO).plus(l.cost));
            } else counter.spent = counter.spent.plus(l.cost);
          }
          if (!this.counters.has(key)) this.counters.set(key, counter);
        } finally {
          this.loadingKeys.delete(key);
          this.late.delete(key);
          this.sync.release(mark);
        }
      })().finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return p;
  }

  private release(budgetId: string, ticketId: string): void {
    const r = this.reservations.get(budgetId);
    const entry = r?.byTicket.get(ticketId);
    if (!r || !entry) return;
    r.byTicket.delete(ticketId);
    r.total = r.byTicket.size === 0 ? ZERO : r.total.minus(entry.amount);
  }

  private reapExpired(nowMs: number): void {
    for (const [budgetId, r] of this.reservations) {
      for (const [ticket, e] of r.byTicket) if (e.expiresAt <= nowMs) this.release(budgetId, ticket);
    }
  }
}

function spentOf(counter: Counter, window: PeriodWindow, now: Date): Money {
  if (!counter.buckets) return counter.spent;
  const first = bucketOf(now.getTime(), window.bucketMs!) - ROLLING_BUCKETS;
  let total = ZERO;
  for (const [b, amount] of counter.buckets) {
    if (b < first) counter.buckets.delete(b);
    else total = total.plus(amount);
  }
  return total;
}

function resetsAt(counter: Counter, window: PeriodWindow, now: Date): Date | null {
  if (!counter.buckets) return window.end;
  return rollingResetsAt([...counter.buckets.keys()], window, now);
}

/** When the oldest bucket with spend leaves a rolling window (at least one bucket from now). */
export function rollingResetsAt(bucketsWithSpend: number[], window: PeriodWindow, now: Date): Date {
  const bucketMs = window.bucketMs!;
  const first = bucketOf(now.getTime(), bucketMs) - ROLLING_BUCKETS;
  const live = bucketsWithSpend.filter((b) => b >= first);
  const oldest = live.length ? Math.min(...live) : bucketOf(now.getTime(), bucketMs);
  return new Date((oldest + ROLLING_BUCKETS + 1) * bucketMs);
}
