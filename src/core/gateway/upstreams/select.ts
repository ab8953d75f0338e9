/**
 * Which deployment takes a call: a weighted pick among the deployments in rotation, pure and
 * synchronous. A deployment that answered 429 is out of rotation until its Retry-After (or a
 * default cool-down) passes; when every candidate is out, the call goes to the one that frees
 * first rather than being refused by the gateway: that provider may have room again already, and
 * if not its own 429 (with its own Retry-After) reaches the client. State is per daemon, in memory.
 * Deployments are keyed by an opaque id, so a caller retrying elsewhere (fallbacks) can pass the
 * ids it has tried as `exclude`.
 */

export interface Weighted {
  /** Opaque and stable for one deployment while the daemon runs. */
  readonly id: string;
  /** A positive whole number: its share of the traffic is weight / the sum over those in rotation. */
  readonly weight: number;
}

/** Used when a 429 names no Retry-After. */
export const DEFAULT_COOL_DOWN_MS = 10_000;
/** A Retry-After longer than this is capped: a deployment is tried again within ten minutes whatever it said. */
export const MAX_COOL_DOWN_MS = 600_000;

export class Rotation {
  /** id → epoch ms it is back in rotation. */
  private readonly out = new Map<string, number>();

  /** Takes the deployment out until untilMs (a later mark extends, an earlier one does not shorten). */
  markRateLimited(id: string, untilMs: number): void {
    const prev = this.out.get(id);
    if (prev === undefined || untilMs > prev) this.out.set(id, untilMs);
  }

  /** When the deployment is back in rotation; undefined when it is in. */
  outUntil(id: string, now = Date.now()): number | undefined {
    const until = this.out.get(id);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.out.delete(id);
      return undefined;
    }
    return until;
  }

  /**
   * One candidate: weighted among those in rotation and not excluded; when none is in rotation,
   * the excluded aside, the one that frees first. Undefined only when every candidate is excluded.
   */
  pick<T extends Weighted>(
    candidates: readonly T[],
    options: { now?: number; exclude?: ReadonlySet<string>; random?: () => number } = {},
  ): T | undefined {
    const now = options.now ?? Date.now();
    const open = options.exclude ? candidates.filter((c) => !options.exclude!.has(c.id)) : candidates;
    if (open.length <= 1) return open[0];
    let total = 0;
    let firstFree: T | undefined;
    let firstFreeAt = Infinity;
    const inRotation: T[] = [];
    for (const c of open) {
      const until = this.outUntil(c.id, now);
      if (until === undefined) {
        inRotation.push(c);
        total += c.weight;
      } else if (until < firstFreeAt) {
        firstFree = c;
        firstFreeAt = until;
      }
    }
    if (inRotation.length === 0) return firstFree;
    let r = (options.random ?? Math.random)() * total;
    for (const c of inRotation) {
      r -= c.weight;
      if (r < 0) return c;
    }
    return inRotation[inRotation.length - 1];
  }
}

/**
 * How long a 429 keeps a deployment out: `retry-after-ms` (OpenAI), else `Retry-After` in
 * seconds or as an HTTP date, else the default; capped at MAX_COOL_DOWN_MS.
 */
export function coolDownMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim();
  const ms = Number(first(headers['retry-after-ms']));
  if (first(headers['retry-after-ms']) && Number.isFinite(ms) && ms >= 0) return Math.min(ms, MAX_COOL_DOWN_MS);
  const raw = first(headers['retry-after']);
  if (raw) {
    const s = Number(raw);
    if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, MAX_COOL_DOWN_MS);
    const at = Date.parse(raw);
    if (Number.isFinite(at)) return Math.min(Math.max(0, at - now), MAX_COOL_DOWN_MS);
  }
  return DEFAULT_COOL_DOWN_MS;
}
