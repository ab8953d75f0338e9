import type { Store } from '../store/types.js';
import { hashKey, verifyKey, type VirtualKey } from './service.js';

/**
 * The daemon's view of virtual keys: a verified key is remembered for a few
 * seconds (by hash, never by the key), so the hot path rarely touches the
 * database and a revocation or expiry takes effect within ttlMs.
 */
export class KeyCache {
  private readonly entries = new Map<string, { key: VirtualKey | undefined; until: number }>();

  constructor(private readonly store: Store, private readonly ttlMs = 2000) {}

  async lookup(presented: string): Promise<VirtualKey | undefined> {
    const h = hashKey(presented);
    const now = Date.now();
    const hit = this.entries.get(h);
    if (hit && hit.until > now) {
      if (hit.key?.expiresAt && Date.parse(hit.key.expiresAt) <= now) return undefined;
      return hit.key;
    }
    const key = await verifyKey(this.store, presented);
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(h, { key, until: now + this.ttlMs });
    return key;
  }
}
