/**
 * Budget periods. Calendar periods (daily, weekly, monthly) start at local
 * midnight in an IANA timezone, found through Intl so daylight-saving changes
 * and zones that skip midnight are handled by the platform's tz database.
 * Rolling windows are split into buckets so every backend (memory, Redis, SQL)
 * sums the same thing.
 */
export type PeriodKind = 'daily' | 'weekly' | 'monthly' | 'rolling' | 'total';

export const PERIOD_KINDS: readonly PeriodKind[] = ['daily', 'weekly', 'monthly', 'rolling', 'total'];

export interface PeriodSpec {
  kind: PeriodKind;
  /** Rolling window length in seconds (rolling only). */
  rollingSeconds?: number | null;
  timezone: string;
}

/**
 * A rolling window counts ROLLING_BUCKETS + 1 buckets of window/ROLLING_BUCKETS
 * each, the current one included: spend stays counted for between one window
 * and one window plus a bucket. Over-counting by less than a bucket is the safe
 * side for a limit; under-counting would let spend through.
 */
export const ROLLING_BUCKETS = 60;

export interface PeriodWindow {
  /** First instant counted (inclusive). */
  start: Date;
  /** When the counter next resets (exclusive end); null for total budgets and rolling windows. */
  end: Date | null;
  /** Identifies the window: counters of different windows never mix. */
  key: string;
  /** Rolling windows only: bucket length in ms. */
  bucketMs?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the platform knows this IANA zone name. */
export function isValidTimezone(tz: string): boolean {
  if (!tz || tz.trim() !== tz) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localParts(instantMs: number, tz: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(instantMs)))
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour!,
    minute: out.minute!,
    second: out.second!,
  };
}

/** UTC offset of the zone at an instant, in ms (local = utc + offset). */
function offsetAt(instantMs: number, tz: string): number {
  const p = localParts(instantMs, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The first instant whose local date in tz is year-month-day. Usually local
 * midnight; where a DST change skips midnight (e.g. America/Santiago), the first
 * instant after the gap. Offsets are probed on both sides of the guess so a change
 * near midnight resolves either way.
 */
export function startOfLocalDay(year: number, month: number, day: number, tz: string): Date {
  const wall = Date.UTC(year, month - 1, day);
  const candidates = new Set<number>();
  for (const probe of [wall - 86_400_000, wall, wall + 86_400_000]) candidates.add(wall - offsetAt(probe, tz));
  const target = year * 10_000 + month * 100 + day;
  let best: number | undefined;
  for (const c of candidates) {
    const p = localParts(c, tz);
    const date = p.year * 10_000 + p.month * 100 + p.day;
    if (date === target && p.hour === 0 && p.minute === 0 && p.second === 0)
      best = best === undefined ? c : Math.min(best, c);
  }
  if (best !== undefined) return new Date(best);
  // Midnight does not exist that day: the day starts where the gap ends. Search forward from the
  // earliest candidate, minute by minute, at most a few hours (DST gaps are at most 2 h).
  let t = Math.min(...candidates);
  for (let i = 0; i < 6 * 60; i++, t += 60_000) {
    const p = localParts(t, tz);
    if (p.year * 10_000 + p.month * 100 + p.day >= target) {
      // Back off to the exact first second of the date within this minute.
      let s = t - 60_000;
      while (localDateNum(s, tz) < target) s += 1000;
      return new Date(s);
    }
  }
  throw new Error(`cannot find the start of ${year}-${month}-${day} in ${tz}`);
}

function localDateNum(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return p.year * 10_000 + p.month * 100 + p.day;
}

function addDays(year: number, month: number, day: number, days: number): [number, number, number] {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}

type CalendarRule = (p: LocalParts) => { from: [number, number, number]; to: [number, number, number] };

/**
 * Local calendar dates a period runs from and to (exclusive),
 * given the local date of now. Weeks start on Monday (ISO 8601).
 */
const CALENDAR: Record<'daily' | 'weekly' | 'monthly', CalendarRule> = {
  daily: (p) => ({ from: [p.year, p.month, p.day], to: addDays(p.year, p.month, p.day, 1) }),
  weekly: (p) => {
    const dow = (new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay() + 6) % 7; // Monday = 0
    const from = addDays(p.year, p.month, p.day, -dow);
    return { from, to: addDays(...from, 7) };
  },
  monthly: (p) => ({ from: [p.year, p.month, 1], to: p.month === 12 ? [p.year + 1, 1, 1] : [p.year, p.month + 1, 1] }),
};

export function rollingBucketMs(rollingSeconds: number): number {
  return Math.max(1000, Math.floor((rollingSeconds * 1000) / ROLLING_BUCKETS));
}

/** The window of a period that contains now. */
export function periodWindow(spec: PeriodSpec, now: Date): PeriodWindow {
  const ms = now.getTime();
  switch (spec.kind) {
    case 'total':
      return { start: new Date(0), end: null, key: 'total' };
    case 'rolling': {
      const bucketMs = rollingBucketMs(spec.rollingSeconds ?? 0);
      const firstBucket = Math.floor(ms / bucketMs) - ROLLING_BUCKETS;
      return { start: new Date(firstBucket * bucketMs), end: null, key: `r${bucketMs}`, bucketMs };
    }
    default: {
      const { from, to } = CALENDAR[spec.kind](localParts(ms, spec.timezone));
      const start = startOfLocalDay(...from, spec.timezone);
      const end = startOfLocalDay(...to, spec.timezone);
      return { start, end, key: start.toISOString() };
    }
  }
}

/** OpenAI's reset header form: "1s", "6m0s", "1h2m3s", "120ms". */
export function formatResetDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  let s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
