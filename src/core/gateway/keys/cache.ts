import type { Store } from '../../base/store/types.js';
import { hashKey, touchKeys, verifyPresented, type VirtualKey } from './service.js';

/**
 * The daemon's view of virtual keys: a verified key is remembered for a few
 * seconds (by hash, never by the key), so the hot path rarely touches the
 * database and a revocation, block, expiry or allow-list change takes effect
 * within ttlMs. The key's allow-lists travel in the cached record: no query per call.
 * A rotated-out secret is refused the moment its grace ends, cached or not.
 */
export class KeyCache {
  private readonly entries = new Map<string, { key: VirtualKey | undefined; graceEndsAt?: number; until: number }>();
  /** Key id → last use, written in the background: a database write per call would cost the hot path. */
  private used = new Map<string, Date>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 2000,
    touchEveryMs = 30_000,
    /** The clock (injectable so grace and expiry can be tested without sleeping). */
    private readonly now: () => number = Date.now,
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
    const now = this.now();
    const hit = this.entries.get(h);
    if (hit && hit.until > now) {
      if (hit.key?.expiresAt && Date.parse(hit.key.expiresAt) <= now) return undefined;
      if (hit.graceEndsAt !== undefined && hit.graceEndsAt <= now) return undefined;
      if (hit.key) this.used.set(hit.key.id, new Date(now));
      return hit.key;
    }
    const v = await verifyPresented(this.store, presented, now);
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(h, { key: v?.key, graceEndsAt: v?.graceEndsAt, until: now + this.ttlMs });
    if (v) this.used.set(v.key.id, new Date(now));
    return v?.key;
  }
}
