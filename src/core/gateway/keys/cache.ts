import type { Store } from '../../base/store/types.js';
import { hashKey, touchKeys, verifyKey, type VirtualKey } from './service.js';

/**
 * The daemon's view of virtual keys: a verified key is remembered for a few
 * seconds (by hash, never by the key), so the hot path rarely touches the
 * database and a revocation or expiry takes effect within ttlMs.
 */
export class KeyCache {
  private readonly entries = new Map<string, { key: VirtualKey | undefined; until: number }>();
  /** Key id → last use, written in the background: a database write per call would cost the hot path. */
  private used = new Map<string, Date>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 2000,
    touchEveryMs = 30_000,
  ) {
    this.timer = setInterval(() => void this.flushUsage().catch(() => {}), touchEveryMs);
    this.timer.unref();
  }

  /** Writes the pending last-used times; a failed write keeps them for the next try. */
  async flushUsage(): Promise<void> {
    if (this.used.size === 0) return;
    const batch = this.used;
    this.used = new Map();
    try {
      await touchKeys(this.store, batch);
    } catch (err) {
      for (const [id, at] of batch) if (!this.used.has(id)) this.used.set(id, at);
      throw err;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushUsage().catch(() => {});
  }

  async lookup(presented: string): Promise<VirtualKey | undefined> {
    const h = hashKey(presented);
    const now = Date.now();
    const hit = this.entries.get(h);
    if (hit && hit.until > now) {
      if (hit.key?.expiresAt && Date.parse(hit.key.expiresAt) <= now) return undefined;
      if (hit.key) this.used.set(hit.key.id, new Date(now));
      return hit.key;
    }
    const key = await verifyKey(this.store, presented);
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(h, { key, until: now + this.ttlMs });
    if (key) this.used.set(key.id, new Date(now));
    return key;
  }
}
