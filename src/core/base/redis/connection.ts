import type { Redis } from 'ioredis';
import { lazyRequire } from '../lazy.js';

// Only a configured Redis loads the client: the gateway daemon runs without it by default.
const ioredis = lazyRequire<typeof import('ioredis')>('ioredis');
import type { OcoConfig } from '../config/resolve.js';
import { maskUrl } from '../config/values.js';
import { UnreachableError } from '../errors.js';

export interface RedisTarget {
  url: string;
  display: string;
}

/** Redis is optional: configured by REDIS_URL or REDIS_HOST/PORT, absent otherwise. */
export function redisTarget(config: OcoConfig): RedisTarget | undefined {
  const url = config.string('redis.url');
  if (url) return { url, display: maskUrl(url) };
  const host = config.string('redis.host');
  if (!host) return undefined;
  const u = `redis://${host.includes(':') ? `[${host}]` : host}:${config.int('redis.port')}`;
  return { url: u, display: u };
}

export interface RedisHealth {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/**
 * One lazily connected client per target. Commands fail fast while Redis is
 * down (no offline queue, one retry) so callers can apply their documented
 * fallback — budgets and rate limits follow OCO_BUDGET_FAIL_OPEN, caches are
 * bypassed — instead of hanging the request path.
 */
export class RedisConnection {
  readonly target: RedisTarget;
  private client: Redis | undefined;

  constructor(
    target: RedisTarget,
    private readonly options: { connectTimeoutMs?: number } = {},
  ) {
    this.target = target;
  }

  /** The client, connecting on first use. Throws OCO_REDIS_UNREACHABLE when Redis cannot be reached. */
  async get(): Promise<Redis> {
    const client = this.ensureClient();
    if (client.status === 'ready') return client;
    try {
      if (client.status === 'wait' || client.status === 'end') await client.connect();
      else await waitReady(client, this.options.connectTimeoutMs ?? 2000);
    } catch (err) {
      throw this.unreachable(err);
    }
    return client;
  }

  /** Runs fn with the client; maps connection failures to OCO_REDIS_UNREACHABLE. */
  async with<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
    const client = await this.get();
    try {
      return await fn(client);
    } catch (err) {
      if (isConnectionError(err)) throw this.unreachable(err);
      throw err;
    }
  }

  async health(): Promise<RedisHealth> {
    const started = performance.now();
    try {
      await this.with((r) => r.ping());
      return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    if (c.status === 'ready') await c.quit().catch(() => c.disconnect());
    else c.disconnect();
  }

  private ensureClient(): Redis {
    if (!this.client) {
      this.client = new (ioredis().Redis)(this.target.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: this.options.connectTimeoutMs ?? 2000,
        // Keep reconnecting in the background for long-running processes, but slowly.
        retryStrategy: (times) => Math.min(times * 200, 2000),
      });
      // Without a listener, ioredis reports every failed reconnect as an unhandled error event.
      this.client.on('error', () => {});
    }
    return this.client;
  }

  private unreachable(err: unknown): UnreachableError {
    const reason = (err as Error)?.message?.replace(this.target.url, this.target.display) ?? String(err);
    return new UnreachableError('OCO_REDIS_UNREACHABLE', `cannot reach Redis at ${this.target.display}: ${reason}`, {
      hint:
        'Check REDIS_URL or REDIS_HOST/REDIS_PORT and that redis-server runs (redis-cli ping). Budgets fall back ' +
        'per OCO_BUDGET_FAIL_OPEN while it is down.',
      cause: err,
    });
  }
}

function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(e?.code ?? '') ||
    /Connection is closed|Stream isn't writeable/i.test(e?.message ?? '')
  );
}

function waitReady(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => done();
    const onError = (e: Error) => done(e);
    function done(err?: Error) {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      if (err) reject(err);
      else resolve();
    }
    client.once('ready', onReady);
    client.once('error', onError);
  });
}
