import type { Redis } from 'ioredis';
import { Money } from '../../base/money.js';
import type { Queryable } from '../../base/store/types.js';
import {
  counterKey,
  reserveAmount,
  settleAmount,
  rollingResetsAt,
  type BudgetCharge,
  type LedgerBackend,
  type LoadSync,
  type ReserveResult,
} from './ledger.js';
import { ROLLING_BUCKETS } from './period.js';
import { spentByBucket, spentInWindow } from './repo.js';

/**
 * Redis backend: one Lua script checks every budget of a call and reserves in
 * all of them, atomically, so any number of daemons sharing the Redis enforce
 * one limit. Amounts are integer nano-dollars (Lua numbers are doubles; integers
 * stay exact below 2^53, hence the 9M USD cap on a limit). Reservations and
 * settled costs round up to the next nano-dollar and limits round down, so the
 * rounding can only refuse a call, never let spend past a limit.
 *
 * Counters are rebuilt from the store whenever their "init" marker is missing
 * (a new window, a reset or edit of the budget, or Redis restarted empty): the
 * script answers "load", the daemon sums the store's ledger and installs the
 * result with SET-if-absent semantics, then retries.
 *
 * Keys (prefix p, budget id b, counter version v = id@updatedAt, window key w):
 *   p:c:v:w:init  p:c:v:w:spent (string)  p:c:v:w:rb (hash bucket -> nano, rolling)
 *   p:r:b:sum  p:r:b:h (ticket -> nano)  p:r:b:z (ticket -> expiry ms)
 */
const NANO = new Money('1e9');

export function toNanoCeil(m: Money): number {
  return Number(m.times(NANO).toDecimalPlaces(0, Money.ROUND_CEIL).toFixed());
}
export function toNanoFloor(m: Money): number {
  return Number(m.times(NANO).toDecimalPlaces(0, Money.ROUND_FLOOR).toFixed());
}
export function fromNano(n: number | string): Money {
  return new Money(String(n)).div(NANO);
}

/**
 * A budget's limit in nano-dollars, computed once per budget object (budgets are replaced, never mutated, on reload).
 */
const limitCache = new WeakMap<object, number>();
function limitNano(b: BudgetCharge['budget']): number {
  let n = limitCache.get(b);
  if (n === undefined) limitCache.set(b, (n = toNanoFloor(b.limitUsd)));
  return n;
}

const COMMON_LUA = `
local function reap(rb, now)
  local expired = redis.call('ZRANGEBYSCORE', rb .. ':z', '-inf', now)
  for _, t in ipairs(expired) do
    local a = redis.call('HGET', rb .. ':h', t)
    if a then
      redis.call('DECRBY', rb .. ':sum', a)
      redis.call('HDEL', rb .. ':h', t)
    end
    redis.call('ZREM', rb .. ':z', t)
  end
end
local function rolling_sum(key, now, bucket_ms, nb)
  local first = math.floor(now / bucket_ms) - nb
  local flat = redis.call('HGETALL', key)
  local s, oldest = 0, -1
  for j = 1, #flat, 2 do
    local b = tonumber(flat[j])
    if b < first then
      redis.call('HDEL', key, flat[j])
    else
      local v = tonumber(flat[j + 1])
      s = s + v
      if v > 0 and (oldest < 0 or b < oldest) then oldest = b end
    end
  end
  return s, oldest
end
`;

/**
 * ARGV: prefix, now ms, ticket, expiry ms, n, then per budget:
 * budget id, counter base (c:version:window), limit, hard (1/0), bucket ms (0 = calendar/total), amount.
 * The amount is per budget: a USD budget reserves the call's bound, a request quota one call.
 * Returns {'ok'} | {'load', i} | {'refuse', i, spent, reserved, oldest bucket}.
 */
const RESERVE_LUA = `${COMMON_LUA}
local prefix, now, ticket, exp, n =
  ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 0, n - 1 do
  local o = 6 + i * 6
  local base = prefix .. ':' .. ARGV[o + 1]
  if redis.call('EXISTS', base .. ':init') == 0 then return {'load', i + 1} end
end
for i = 0, n - 1 do
  local o = 6 + i * 6
  local rb = prefix .. ':r:' .. ARGV[o]
  local base = prefix .. ':' .. ARGV[o + 1]
  local limit, hard, bucket_ms, amt = tonumber(ARGV[o + 2]), ARGV[o + 3], tonumber(ARGV[o + 4]), tonumber(ARGV[o + 5])
  reap(rb, now)
  if hard == '1' then
    local spent, oldest = 0, -1
    if bucket_ms > 0 then spent, oldest = rolling_sum(base .. ':rb', now, bucket_ms, ${ROLLING_BUCKETS})
    else spent = tonumber(redis.call('GET', base .. ':spent') or '0') end
    local reserved = tonumber(redis.call('GET', rb .. ':sum') or '0')
    -- No room left refuses even a call estimated at 0 (an unpriced model): a zero budget blocks every call.
    if spent + reserved + amt > limit or spent + reserved >= limit then
      return {'refuse', i + 1, spent, reserved, oldest}
    end
  end
end
for i = 0, n - 1 do
  local o = 6 + i * 6
  local rb = prefix .. ':r:' .. ARGV[o]
  local amt = tonumber(ARGV[o + 5])
  redis.call('HSET', rb .. ':h', ticket, amt)
  redis.call('ZADD', rb .. ':z', exp, ticket)
  redis.call('INCRBY', rb .. ':sum', amt)
end
return {'ok'}
`;

/**
 * ARGV: prefix, ticket, admitted-at ms, now ms, n, then per budget: budget id, counter base, bucket ms, cost
 * (the call's cost for a USD budget, 1 or 0 calls for a request quota).
 * Releases the reservation (if this ticket still holds one) and adds the cost where the counter exists.
 * A missing counter is left missing: its rebuild from the store will include this call.
 * Returns the settled spend per budget after the call (-1 where no counter).
 */
const SETTLE_LUA = `${COMMON_LUA}
local prefix, ticket, at, now, n =
  ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
for i = 0, n - 1 do
  local o = 6 + i * 4
  local rb = prefix .. ':r:' .. ARGV[o]
  local base = prefix .. ':' .. ARGV[o + 1]
  local bucket_ms = tonumber(ARGV[o + 2])
  local cost = tonumber(ARGV[o + 3])
  local a = redis.call('HGET', rb .. ':h', ticket)
  if a then
    redis.call('DECRBY', rb .. ':sum', a)
    redis.call('HDEL', rb .. ':h', ticket)
    redis.call('ZREM', rb .. ':z', ticket)
  end
  if redis.call('EXISTS', base .. ':init') == 1 then
    if bucket_ms > 0 then
      if cost > 0 then
        redis.call('HINCRBY', base .. ':rb', math.floor(at / bucket_ms), cost)
        -- Buckets older than the window are dropped on read; an idle budget's hash goes away on its own.
        redis.call('PEXPIRE', base .. ':rb', bucket_ms * ${ROLLING_BUCKETS + 2})
      end
      local s = rolling_sum(base .. ':rb', now, bucket_ms, ${ROLLING_BUCKETS})
      out[i + 1] = s
    else
      if cost > 0 then out[i + 1] = redis.call('INCRBY', base .. ':spent', cost)
      else out[i + 1] = tonumber(redis.call('GET', base .. ':spent') or '0') end
    end
  else
    out[i + 1] = -1
  end
end
return out
`;

/**
 * ARGV: prefix, counter base, expire-at ms (0 = never), kind 'w' then spent (calendar/total),
 * or kind 'r' then bucket ms and pairs bucket, amount (rolling).
 * Installs a rebuilt counter only if none exists (another daemon may have won the race).
 */
const LOAD_LUA = `
local prefix, base, expire_at, kind = ARGV[1], ARGV[1] .. ':' .. ARGV[2], tonumber(ARGV[3]), ARGV[4]
if redis.call('EXISTS', base .. ':init') == 1 then return 0 end
if kind == 'w' then
  redis.call('SET', base .. ':spent', ARGV[5])
  if expire_at > 0 then redis.call('PEXPIREAT', base .. ':spent', expire_at) end
else
  redis.call('DEL', base .. ':rb')
  for j = 6, #ARGV, 2 do redis.call('HSET', base .. ':rb', ARGV[j], ARGV[j + 1]) end
  if #ARGV >= 6 then redis.call('PEXPIRE', base .. ':rb', tonumber(ARGV[5]) * ${ROLLING_BUCKETS + 2}) end
end
redis.call('SET', base .. ':init', '1')
if expire_at > 0 then redis.call('PEXPIREAT', base .. ':init', expire_at) end
return 1
`;

type SpendRedis = Redis & {
  ocoReserve(...args: (string | number)[]): Promise<unknown[]>;
  ocoSettle(...args: (string | number)[]): Promise<number[]>;
  ocoLoad(...args: (string | number)[]): Promise<number>;
};

const DAY_MS = 86_400_000;

export class RedisLedger implements LedgerBackend {
  readonly name = 'redis' as const;
  /** Counter rebuilds from the store, for logs and tests. */
  rebuilds = 0;
  /** Rebuilds in progress in this daemon, by counter base, with the settlements they must add themselves. */
  private rebuilding = new Map<
    string,
    { done: Promise<void>; late: Array<{ at: number; cost: number; budgetId: string; bucketMs: number }> }
  >();

  constructor(
    private readonly getRedis: () => Promise<Redis>,
    private readonly store: Queryable,
    private readonly sync: LoadSync = { flush: async () => {}, hold: () => 0, release: () => {} },
    private readonly prefix = 'oco:spend',
  ) {}

  private async client(): Promise<SpendRedis> {
    const r = (await this.getRedis()) as SpendRedis;
    // ioredis defineCommand sends EVALSHA and falls back to EVAL after a restart emptied the script cache.
    if (typeof r.ocoReserve !== 'function') {
      r.defineCommand('ocoReserve', { numberOfKeys: 0, lua: RESERVE_LUA });
      r.defineCommand('ocoSettle', { numberOfKeys: 0, lua: SETTLE_LUA });
      r.defineCommand('ocoLoad', { numberOfKeys: 0, lua: LOAD_LUA });
    }
    return r;
  }

  static base(c: BudgetCharge): string {
    return `c:${counterKey(c.budget)}:${c.window.key}`;
  }

  async reserve(
    ticketId: string,
    charges: readonly BudgetCharge[],
    amount: Money,
    now: Date,
    expiresAt: Date,
  ): Promise<ReserveResult> {
    const r = await this.client();
    const args: (string | number)[] = [this.prefix, now.getTime(), ticketId, expiresAt.getTime(), charges.length];
    for (const c of charges)
      args.push(
        c.budget.id,
        RedisLedger.base(c),
        limitNano(c.budget),
        c.budget.hard ? 1 : 0,
        c.window.bucketMs ?? 0,
        toNanoCeil(reserveAmount(c.budget, amount)),
      );
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await r.ocoReserve(...args);
      const verdict = String(res[0]);
      if (verdict === 'ok') return { ok: true };
      const c = charges[Number(res[1]) - 1]!;
      if (verdict === 'load') {
        await this.rebuild(r, c);
        continue;
      }
      const oldest = Number(res[4]);
      return {
        ok: false,
        refusal: {
          budget: c.budget,
          window: c.window,
          spent: fromNano(res[2] as number),
          reserved: fromNano(res[3] as number),
          resetsAt: c.window.bucketMs ? rollingResetsAt(oldest >= 0 ? [oldest] : [], c.window, now) : c.window.end,
        },
      };
    }
    throw new Error('budget counters in Redis keep disappearing while being rebuilt');
  }

  async settle(
    ticketId: string,
    charges: readonly BudgetCharge[],
    cost: Money,
    admittedAt: Date,
    counted = !cost.isZero(),
  ): Promise<Money[]> {
    // Decided before any await, in the tick the call's ledger row was queued: a row queued while
    // this daemon rebuilds the counter is held back from the store read, so if the counter is
    // missing when the script runs, the rebuild must add this cost itself.
    const bases = charges.map((c) => RedisLedger.base(c));
    const heldBy = bases.map((b) => this.rebuilding.get(b));
    const r = await this.client();
    const nanos = charges.map((c) => toNanoCeil(settleAmount(c.budget, cost, counted)));
    const args: (string | number)[] = [this.prefix, ticketId, admittedAt.getTime(), Date.now(), charges.length];
    charges.forEach((c, i) => args.push(c.budget.id, bases[i]!, c.window.bucketMs ?? 0, nanos[i]!));
    const out = await r.ocoSettle(...args);
    out.forEach((n, i) => {
      if (Number(n) < 0 && nanos[i]! > 0)
        heldBy[i]?.late.push({
          at: admittedAt.getTime(),
          cost: nanos[i]!,
          budgetId: charges[i]!.budget.id,
          bucketMs: charges[i]!.window.bucketMs ?? 0,
        });
    });
    return out.map((n) => (Number(n) < 0 ? new Money(0) : fromNano(n)));
  }

  /** Sums the store's ledger for one budget window and installs it in Redis; concurrent callers share one rebuild. */
  rebuild(r: SpendRedis, c: BudgetCharge): Promise<void> {
    const base = RedisLedger.base(c);
    const running = this.rebuilding.get(base);
    if (running) return running.done;
    const mark = this.sync.hold();
    const entry = {
      done: Promise.resolve(),
      late: [] as Array<{ at: number; cost: number; budgetId: string; bucketMs: number }>,
    };
    this.rebuilding.set(base, entry);
    entry.done = (async () => {
      try {
        await this.sync.flush();
        if (c.window.bucketMs) {
          const buckets = await spentByBucket(this.store, c.budget, c.window);
          const pairs: (string | number)[] = [];
          for (const [b, m] of buckets) pairs.push(b, toNanoCeil(m));
          await r.ocoLoad(this.prefix, base, 0, 'r', c.window.bucketMs, ...pairs);
        } else {
          const spent = await spentInWindow(this.store, c.budget, c.window);
          // Window counters outlive their window by a day for settles of calls admitted just before its end.
          const expireAt = c.window.end ? c.window.end.getTime() + DAY_MS : 0;
          await r.ocoLoad(this.prefix, base, expireAt, 'w', toNanoCeil(spent));
        }
        // Replies come in command order, so every settle sent before the load has its answer; one turn
        // of the event loop lets their continuations record what they could not add.
        await new Promise((res) => setImmediate(res));
        for (const l of entry.late)
          await r.ocoSettle(this.prefix, '', l.at, Date.now(), 1, l.budgetId, base, l.bucketMs, l.cost);
        this.rebuilds++;
      } finally {
        this.rebuilding.delete(base);
        this.sync.release(mark);
      }
    })();
    return entry.done;
  }

  invalidate(): void {
    // Counter keys carry the budget version, so an edited budget gets fresh keys: nothing to drop.
  }

  async close(): Promise<void> {}
}
