import type { Logger } from 'pino';
import type { PricedProvider } from '../model.js';
import type { CacheBackend, CacheLimits, CachedAnswer } from './backend.js';
import type { CacheKind } from './key.js';
import type { Neighbour, SemanticIndex } from './semantic.js';

export interface CacheSettings extends CacheLimits {
  ttlSeconds: number;
}

/** The semantic cache's settings, when cache.semanticModel is set (store backend only). */
export interface SemanticSettings {
  index: SemanticIndex;
  /** The embedding model, called through the gateway's own /v1/embeddings. */
  model: string;
  threshold: number;
  dimensions?: number;
}

/** Who a cached answer belongs to and what answered it. */
export interface EntryOwner {
  orgId: string;
  provider: PricedProvider;
  model: string;
  kind: CacheKind;
}

/**
 * The gateway's response cache: lookups on the request path, writes after the client has
 * its answer. The cache is an optimisation, never a point of failure: a backend error is
 * logged and the call goes upstream as if the cache were off.
 */
export class ResponseCache {
  private warned = 0;

  constructor(
    readonly backend: CacheBackend,
    private readonly settings: CacheSettings,
    private readonly logger: Logger,
    readonly semantic?: SemanticSettings,
  ) {}

  /** The closest earlier request of this org and scope by meaning; undefined on none or a failure. */
  async nearest(orgId: string, scope: string, vector: Float32Array): Promise<Neighbour | undefined> {
    if (!this.semantic) return undefined;
    try {
      return await this.semantic.index.nearest(orgId, scope, vector, this.semantic.threshold, new Date());
    } catch (err) {
      this.fault('semantic lookup', err as Error);
      return undefined;
    }
  }

  /** The answer kept under this key for this org; undefined on a miss, 'failed' when the backend failed. */
  async lookup(keyHash: string, orgId: string): Promise<CachedAnswer | undefined | 'failed'> {
    try {
      return await this.backend.get(keyHash, orgId, new Date());
    } catch (err) {
      this.fault('lookup', err as Error);
      return 'failed';
    }
  }

  /** Keeps a successful answer (the body exactly as sent) with the original call's cost; off the request path. */
  keep(
    keyHash: string,
    owner: EntryOwner,
    body: string,
    costUsd: string | null,
    vector?: { scope: string; vector: Float32Array },
  ): void {
    const now = new Date();
    const bytes = Buffer.byteLength(body);
    if (bytes > this.settings.maxBytes) return;
    const expiresAt = new Date(now.getTime() + this.settings.ttlSeconds * 1000);
    this.backend
      .put(
        {
          keyHash,
          ...owner,
          body,
          bytes,
          costUsd,
          createdAt: now,
          expiresAt,
        },
        this.settings,
      )
      // The vector after its answer: it points at the entry by key hash.
      .then(() => vector && this.semantic?.index.add(keyHash, owner.orgId, vector.scope, vector.vector, now, expiresAt))
      .catch((err: Error) => this.fault('store', err));
  }

  /** One warning a minute at most: a backend that is down would otherwise log once per call. */
  private fault(what: string, err: Error): void {
    const now = Date.now();
    if (now - this.warned < 60_000) return;
    this.warned = now;
    this.logger.warn({ err: { message: err.message }, backend: this.backend.name }, `response cache ${what} failed`);
  }
}
