import type { Redis } from 'ioredis';
import type { RateLimit } from './model.js';

/**
 * Rate limits: requests per window (rpm), tokens per window (tpm) and
 * concurrent requests. Windows slide in sixtieths: a window of W seconds is
 * 60 buckets of W/60, the current one included, so a request leaves the count
 * between W - W/60 and W after it was made. Both backends run the same
 * algorithm; Redis runs it in one Lua script per call so daemons sharing the
 * Redis share the limit.
 */
export const RATE_BUCKETS = 60;

export interface RateStatus {
  limit: RateLimit;
  /** Units counted in the window after this call (requests, tokens, or calls in flight). */
  used: number;
  /** ms until the window has room again / fully drains of its oldest bucket. */
  resetMs: number;
}

export type RateResult =
  { ok: true; status: RateStatus[] } | { ok: false; refused: RateStatus; retryAfterMs: number; status: RateStatus[] };

export interface RateLimiterBackend {
  acquire(
    ticket: string,
    limits: readonly RateLimit[],
    tokens: number,
    now: number,
    expiresAt: number,
  ): Promise<RateResult>;
  /**
   * Ends a call: frees its concurrency slot and corrects its token count to the actual (delta = actual - estimate).
   * requestDelta -1 also takes the request back out of its window: a call refused by a later control was never made.
   */
  release(
    ticket: string,
    limits: readonly RateLimit[],
    tokenDelta: number,
    admittedAt: number,
    requestDelta?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

export function bucketMsOf(l: RateLimit): number {
  return Math.max(1, Math.floor((l.windowSeconds * 1000) / RATE_BUCKETS));
}

/** Units one call adds to a limit. */
function amountFor(l: RateLimit, tokens: number): number {
  return l.kind === 'tpm' ? tokens : 1;
}

/** Counters are keyed by limit id and window so a changed window never reuses old buckets. */
function limitKey(l: RateLimit): string {
  return `${l.id}:${l.kind}:${l.windowSeconds}`;
}

/** How long until a refused call could fit: when the oldest bucket with use leaves the window. */
function resetFrom(oldestBucket: number, l: RateLimit, now: number): number {
  if (l.kind === 'concurrent') return 1000;
  const b = bucketMsOf(l);
  if (oldestBucket < 0) return l.windowSeconds * 1000;
  return Math.max(1, (oldestBucket + RATE_BUCKETS) * b - now);
}

export class MemoryRateLimiter implements RateLimiterBackend {
  private windows = new Map<string, Map<number, number>>();
  private inFlight = new Map<string, Map<string, number>>();

  async acquire(
    ticket: string,
    limits: readonly RateLimit[],
    tokens: number,
    now: number,
    expiresAt: number,
  ): Promise<RateResult> {
    const status: RateStatus[] = [];
    const olds: number[] = [];
    for (const l of limits) {
      const { used, oldest } = this.count(l, now);
      status.push({ limit: l, used, resetMs: 0 });
      olds.push(oldest);
      if (used + amountFor(l, tokens) > l.limit) {
        const retryAfterMs = resetFrom(oldest, l, now);
        const refused = { limit: l, used, resetMs: retryAfterMs };
        return {
          ok: false,
          refused,
          retryAfterMs,
          status: status.map((s, i) => ({ ...s, resetMs: resetFrom(olds[i]!, s.limit, now) })),
        };
      }
    }
    limits.forEach((l, i) => {
      const amount = amountFor(l, tokens);
      if (l.kind === 'concurrent') this.slots(l).set(ticket, expiresAt);
      else {
        const w = this.buckets(l);
        const b = Math.floor(now / bucketMsOf(l));
        w.set(b, (w.get(b) ?? 0) + amount);
        if (olds[i]! < 0) olds[i] = b;
      }
      status[i]!.used += amount;
      status[i]!.resetMs = resetFrom(olds[i]!, l, now);
    });
    return { ok: true, status };
  }

  async release(
    ticket: string,
    limits: readonly RateLimit[],
    tokenDelta: number,
    admittedAt: number,
    requestDelta = 0,
  ): Promise<void> {
    for (const l of limits) {
      const delta = l.kind === 'tpm' ? tokenDelta : l.kind === 'rpm' ? requestDelta : 0;
      if (l.kind === 'concurrent') this.slots(l).delete(ticket);
      else if (delta !== 0) {
        const w = this.buckets(l);
        const b = Math.floor(admittedAt / bucketMsOf(l));
        if (w.has(b)) w.set(b, Math.max(0, w.get(b)! + delta));
      }
    }
  }

  async close(): Promise<void> {}

  private count(l: RateLimit, now: number): { used: number; oldest: number } {
    if (l.kind === 'concurrent') {
      const s = this.slots(l);
      for (const [t, exp] of s) if (exp <= now) s.delete(t);
      return { used: s.size, oldest: -1 };
    }
    const w = this.buckets(l);
    const first = Math.floor(now / bucketMsOf(l)) - (RATE_BUCKETS - 1);
    let used = 0;
    let oldest = -1;
    for (const [b, n] of w) {
      if (b < first) w.delete(b);
      else {
        used += n;
        if (n > 0 && (oldest < 0 || b < oldest)) oldest = b;
      }
    }
    return { used, oldest };
  }

  private buckets(l: RateLimit): Map<number, number> {
    const k = limitKey(l);
    let w = this.windows.get(k);
    if (!w) this.windows.set(k, (w = new Map()));
    return w;
  }

  private slots(l: RateLimit): Map<string, number> {
    const k = limitKey(l);
    let s = this.inFlight.get(k);
    if (!s) this.inFlight.set(k, (s = new Map()));
    return s;
  }
}

/**
 * ARGV: prefix, now, ticket, expiry, n, then per limit: key, kind ('c' concurrent | 'w' window), limit, bucket ms,
 * amount.
 * Returns {'ok', used1, oldest1, ...} or {'refuse', i, used, oldest}.
 */
const ACQUIRE_LUA = `
local prefix, now, ticket, exp, n = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local used, oldest = {}, {}
for i = 0, n - 1 do
  local o = 6 + i * 5
  local key, kind, limit, bms, amt =
    prefix .. ':rl:' .. ARGV[o], ARGV[o + 1], tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4])
  local u, old = 0, -1
  if kind == 'c' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    u = redis.call('ZCARD', key)
  else
    local first = math.floor(now / bms) - ${RATE_BUCKETS - 1}
    local flat = redis.call('HGETALL', key)
    for j = 1, #flat, 2 do
      local b = tonumber(flat[j])
      if b < first then redis.call('HDEL', key, flat[j])
      else
        local v = tonumber(flat[j + 1])
        u = u + v
        if v > 0 and (old < 0 or b < old) then old = b end
      end
    end
  end
  if u + amt > limit then return {'refuse', i + 1, u, old} end
  used[i + 1] = u
  oldest[i + 1] = old
end
local out = {'ok'}
for i = 0, n - 1 do
  local o = 6 + i * 5
  local key, kind, bms, amt = prefix .. ':rl:' .. ARGV[o], ARGV[o + 1], tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4])
  if kind == 'c' then
    redis.call('ZADD', key, exp, ticket)
    redis.call('PEXPIREAT', key, exp)
  else
    local b = math.floor(now / bms)
    redis.call('HINCRBY', key, b, amt)
    redis.call('PEXPIRE', key, bms * ${RATE_BUCKETS + 1})
    if oldest[i + 1] < 0 then oldest[i + 1] = b end
  end
  table.insert(out, used[i + 1] + amt)
  table.insert(out, oldest[i + 1])
end
return out
`;

/**
 * ARGV: prefix, ticket, admitted-at, n, then per limit: key, kind, bucket ms, delta (tokens for tpm, requests for rpm).
 */
const RELEASE_LUA = `
local prefix, ticket, at, n = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 0, n - 1 do
  local o = 5 + i * 4
  local key, kind, bms, delta = prefix .. ':rl:' .. ARGV[o], ARGV[o + 1], tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  if kind == 'c' then redis.call('ZREM', key, ticket)
  elseif delta ~= 0 then
    local b = tostring(math.floor(at / bms))
    if redis.call('HEXISTS', key, b) == 1 then
      local v = redis.call('HINCRBY', key, b, delta)
      if v < 0 then redis.call('HSET', key, b, 0) end
    end
  end
end
return 1
`;

type RateRedis = Redis & {
  ocoRlAcquire(...args: (string | number)[]): Promise<unknown[]>;
  ocoRlRelease(...args: (string | number)[]): Promise<number>;
};

export class RedisRateLimiter implements RateLimiterBackend {
  constructor(
    private readonly getRedis: () => Promise<Redis>,
    private readonly prefix = 'oco:spend',
  ) {}

  private async client(): Promise<RateRedis> {
    const r = (await this.getRedis()) as RateRedis;
    if (typeof r.ocoRlAcquire !== 'function') {
      r.defineCommand('ocoRlAcquire', { numberOfKeys: 0, lua: ACQUIRE_LUA });
      r.defineCommand('ocoRlRelease', { numberOfKeys: 0, lua: RELEASE_LUA });
    }
    return r;
  }

  async acquire(
    ticket: string,
    limits: readonly RateLimit[],
    tokens: number,
    now: number,
    expiresAt: number,
  ): Promise<RateResult> {
    const r = await this.client();
    const args: (string | number)[] = [this.prefix, now, ticket, expiresAt, limits.length];
    for (const l of limits)
      args.push(limitKey(l), l.kind === 'concurrent' ? 'c' : 'w', l.limit, bucketMsOf(l), amountFor(l, tokens));
    const res = await r.ocoRlAcquire(...args);
    if (res[0] === 'refuse') {
      const i = Number(res[1]) - 1;
      const l = limits[i]!;
      const retryAfterMs = resetFrom(Number(res[3]), l, now);
      const refused = { limit: l, used: Number(res[2]), resetMs: retryAfterMs };
      return { ok: false, refused, retryAfterMs, status: [refused] };
    }
    return {
      ok: true,
      status: limits.map((l, i) => ({
        limit: l,
        used: Number(res[1 + i * 2]),
        resetMs: resetFrom(Number(res[2 + i * 2]), l, now),
      })),
    };
  }

  async release(
    ticket: string,
    limits: readonly RateLimit[],
    tokenDelta: number,
    admittedAt: number,
    requestDelta = 0,
  ): Promise<void> {
    const r = await this.client();
    const args: (string | number)[] = [this.prefix, ticket, admittedAt, limits.length];
    for (const l of limits)
      args.push(
        limitKey(l),
        l.kind === 'concurrent' ? 'c' : 'w',
        bucketMsOf(l),
        l.kind === 'tpm' ? tokenDelta : l.kind === 'rpm' ? requestDelta : 0,
      );
    await r.ocoRlRelease(...args);
  }

  async close(): Promise<void> {}
}

/** Request quotas are not in the rate limiter (the ledger counts them), so they have no headers here. */
const HEADER_NAMES: Record<
  Exclude<RateLimit['kind'], 'requests'>,
  { limit: string; remaining: string; reset: string }
> = {
  rpm: {
    limit: 'x-ratelimit-limit-requests',
    remaining: 'x-ratelimit-remaining-requests',
    reset: 'x-ratelimit-reset-requests',
  },
  tpm: {
    limit: 'x-ratelimit-limit-tokens',
    remaining: 'x-ratelimit-remaining-tokens',
    reset: 'x-ratelimit-reset-tokens',
  },
  concurrent: {
    limit: 'x-ratelimit-limit-concurrent',
    remaining: 'x-ratelimit-remaining-concurrent',
    reset: 'x-ratelimit-reset-concurrent',
  },
};

/**
 * OpenAI-style headers. Where several limits of a kind apply (a key's and its
 * team's), the one with the least room left speaks, as it is the one that refuses next.
 */
export function rateLimitHeaders(
  status: readonly RateStatus[],
  format: (ms: number) => string,
): Record<string, string> {
  const tightest = new Map<keyof typeof HEADER_NAMES, RateStatus>();
  for (const s of status) {
    if (s.limit.kind === 'requests') continue;
    const kind = s.limit.kind;
    const cur = tightest.get(kind);
    if (!cur || s.limit.limit - s.used < cur.limit.limit - cur.used) tightest.set(kind, s);
  }
  const h: Record<string, string> = {};
  for (const [kind, s] of tightest) {
    const names = HEADER_NAMES[kind];
    h[names.limit] = String(s.limit.limit);
    h[names.remaining] = String(Math.max(0, s.limit.limit - s.used));
    h[names.reset] = format(s.resetMs);
  }
  return h;
}
