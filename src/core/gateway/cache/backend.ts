import type { PricedProvider } from '../model.js';
import type { CacheKind } from './key.js';

/**
 * One cached answer: the key's hash, who it belongs to and what answers it was, the
 * body exactly as the client received it (OpenAI format), its size, and what the
 * original call cost (the saving each hit makes; null when that call had no price).
 * Nothing of the request is kept but its hash.
 */
export interface CacheEntry {
  keyHash: string;
  orgId: string;
  provider: PricedProvider;
  model: string;
  kind: CacheKind;
  body: string;
  bytes: number;
  costUsd: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** What a hit needs to answer. */
export interface CachedAnswer {
  body: string;
  costUsd: string | null;
  provider: PricedProvider;
  model: string;
}

export interface CacheLimits {
  maxEntries: number;
  maxBytes: number;
}

export interface CacheFilter {
  orgId?: string;
  model?: string;
}

/** Where entries live: the store (SQLite/PostgreSQL) or Redis; one contract, one shared test suite. */
export interface CacheBackend {
  readonly name: 'store' | 'redis';
  /** The entry under this hash for this org, unless expired. */
  get(keyHash: string, orgId: string, now: Date): Promise<CachedAnswer | undefined>;
  /** Keeps (or replaces) an entry, then drops expired ones and the oldest past the limits. */
  put(entry: CacheEntry, limits: CacheLimits): Promise<void>;
  /** Live entries and their bytes. */
  size(now: Date): Promise<{ entries: number; bytes: number }>;
  /** Drops the entries matching the filter (all without one); how many were dropped. */
  clear(filter: CacheFilter): Promise<number>;
}
