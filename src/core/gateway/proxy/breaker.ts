/**
 * A circuit breaker per upstream, keyed by an opaque upstream id (provider and base URL today; a
 * deployment of a provider later): after `failures` consecutive failed attempts it opens and the
 * upstream is skipped; after `cooldownMs` it half-opens and lets one probe through, whose outcome
 * closes it or opens it again. State lives in this daemon's memory only: each daemon learns alone.
 */
export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** How long an open breaker skips its upstream before one probe may try it. */
  cooldownMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

interface Circuit {
  failures: number;
  /** When it opened (ms, the clock's); null while closed. */
  openedAt: number | null;
  /** A half-open probe is in flight: others are still skipped. */
  probing: boolean;
}

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  state(id: string): BreakerState {
    const c = this.circuits.get(id);
    if (!c || c.openedAt === null) return 'closed';
    return c.probing || this.now() - c.openedAt >= this.settings.cooldownMs ? 'half-open' : 'open';
  }

  /**
   * Whether an attempt may go to this upstream now. Closed: yes. Open: no until the cool-down
   * has passed, then yes for one probe; the caller reports its end (success, failure or release).
   */
  acquire(id: string): boolean {
    const c = this.circuits.get(id);
    if (!c || c.openedAt === null) return true;
    if (c.probing || this.now() - c.openedAt < this.settings.cooldownMs) return false;
    c.probing = true;
    return true;
  }

  success(id: string): void {
    this.circuits.delete(id);
  }

  failure(id: string): void {
    let c = this.circuits.get(id);
    if (!c) this.circuits.set(id, (c = { failures: 0, openedAt: null, probing: false }));
    c.failures++;
    // A failed probe opens it again for a whole cool-down; so does the Nth failure in a row.
    if (c.probing || c.failures >= this.settings.failures) c.openedAt = this.now();
    c.probing = false;
  }

  /** An acquired attempt that ended without telling anything about the upstream (refused, client gone). */
  release(id: string): void {
    const c = this.circuits.get(id);
    if (c) c.probing = false;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it would now). */
  retryAfterMs(id: string): number {
    const c = this.circuits.get(id);
    if (!c || c.openedAt === null) return 0;
    return Math.max(0, c.openedAt + this.settings.cooldownMs - this.now());
  }
}
