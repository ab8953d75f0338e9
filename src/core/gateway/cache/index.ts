import type { Logger } from 'pino';
import type { OcoConfig } from '../../base/config/resolve.js';
import { UsageError } from '../../base/errors.js';
import { RedisConnection, redisTarget } from '../../base/redis/connection.js';
import type { Store } from '../../base/store/types.js';
import type { CacheBackend } from './backend.js';
import { RedisCacheBackend } from './redis-backend.js';
import { ResponseCache, type SemanticSettings } from './response-cache.js';
import { SemanticIndex } from './semantic.js';
import { StoreCacheBackend } from './store-backend.js';

export interface OpenBackend {
  backend: CacheBackend;
  close(): Promise<void>;
}

/** The configured backend: the store, or Redis when cache.backend=redis (which then needs redis.url or redis.host). */
export function openCacheBackend(config: OcoConfig, store: Store): OpenBackend {
  if (config.string('cache.backend') !== 'redis')
    return { backend: new StoreCacheBackend(store), close: async () => {} };
  const target = redisTarget(config);
  if (!target)
    throw new UsageError('cache.backend is redis but no Redis is configured', {
      hint: 'Set redis.url (REDIS_URL) or redis.host (REDIS_HOST), or use cache.backend=store.',
    });
  const redis = new RedisConnection(target, { connectTimeoutMs: 500 });
  return { backend: new RedisCacheBackend(redis), close: () => redis.close() };
}

/** The gateway's response cache when cache.enabled, with what closes it. */
export function openResponseCache(
  config: OcoConfig,
  store: Store,
  logger: Logger,
): { cache: ResponseCache | undefined; close(): Promise<void> } {
  if (!config.bool('cache.enabled')) return { cache: undefined, close: async () => {} };
  const { backend, close } = openCacheBackend(config, store);
  const cache = new ResponseCache(
    backend,
    {
      ttlSeconds: config.int('cache.ttlSeconds'),
      maxEntries: config.int('cache.maxEntries'),
      maxBytes: config.int('cache.maxBytes'),
    },
    logger,
    semanticSettings(config, store, backend.name),
  );
  return { cache, close };
}

function semanticSettings(config: OcoConfig, store: Store, backend: string): SemanticSettings | undefined {
  const model = config.string('cache.semanticModel');
  if (!model) return undefined;
  if (backend !== 'store')
    throw new UsageError('the semantic cache (cache.semanticModel) needs cache.backend=store', {
      hint: 'Unset cache.semanticModel, or keep cached answers in the store.',
    });
  const raw = config.string('cache.semanticThreshold') ?? '0.95';
  const threshold = Number(raw);
  if (!(threshold > 0 && threshold <= 1))
    throw new UsageError(`cache.semanticThreshold must be a number above 0 and at most 1 (got "${raw}")`, {
      hint: 'A cosine similarity such as 0.95: higher answers fewer calls from the cache, and more exactly.',
    });
  // text-embedding-3 models shorten their vectors on request: 256 floats keep the stored vectors and the scan small.
  const dimensions = /^(openai\/)?text-embedding-3-/.test(model) ? 256 : undefined;
  return { index: new SemanticIndex(store), model, threshold, dimensions };
}
