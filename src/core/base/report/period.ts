/** Report periods: whole UTC days, [from, to), chosen by --since or --from/--to; comparisons of equal length. */
import { dayAfter } from '../anomaly/detect.js';
import { parseSpanSeconds } from '../durations.js';
import { UsageError } from '../errors.js';
import type { Period } from './model.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

function isDay(s: string): boolean {
  const t = Date.parse(`${s}T00:00:00Z`);
  return DAY.test(s) && !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

export function period(from: string, to: string): Period {
  return { from, to, days: Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) };
}

/** Whole days back: `30d`, `2w`, `24h` (a multiple of a day). */
function spanDays(text: string, flag: string): number {
  const seconds = parseSpanSeconds(text);
  if (seconds === undefined || seconds % 86_400 !== 0)
    throw new UsageError(`${flag} must be whole days (30d, 2w) or a date YYYY-MM-DD (got "${text}")`, {
      details: { flag },
    });
  return seconds / 86_400;
}

/**
 * --since SPAN|DAY, or --from DAY [--to DAY] (inclusive). `--since 30d` is the 30 days ending today (today
 * included, still being billed); the default is 30d.
 */
export function parsePeriod(flags: { since?: string; from?: string; to?: string }, now = new Date()): Period {
  const tomorrow = dayAfter(now.toISOString().slice(0, 10));
  for (const name of ['from', 'to'] as const) {
    const v = flags[name];
    if (v !== undefined && !isDay(v))
      throw new UsageError(`--${name} "${v}" is not a date`, { hint: 'Use YYYY-MM-DD.', details: { flag: name } });
  }
  if (flags.since !== undefined && (flags.from !== undefined || flags.to !== undefined))
    throw new UsageError('--since cannot be combined with --from/--to', { details: { flag: 'since' } });
  const to = flags.to ? dayAfter(flags.to) : tomorrow;
  let from: string;
  if (flags.from) from = flags.from;
  else if (flags.since && isDay(flags.since)) from = flags.since;
  else from = dayAfter(to, -spanDays(flags.since ?? '30d', '--since'));
  if (from >= to)
    throw new UsageError(`the period is empty: ${from} is not before ${dayAfter(to, -1)}`, {
      details: { flag: 'from' },
    });
  return period(from, to);
}

/** The period of equal length just before. */
export function previousPeriod(p: Period): Period {
  return period(dayAfter(p.from, -p.days), p.from);
}

/**
 * --compare-to as a period: `FROM..TO` (inclusive days), or a span the period is shifted back by (`7d`: a week
 * earlier, `365d`: a year earlier). Anything else is left to the caller (a saved report file).
 */
export function comparePeriod(text: string, p: Period): Period | undefined {
  const range = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(text);
  if (range) {
    const [, a, b] = range as unknown as [string, string, string];
    if (!isDay(a) || !isDay(b) || a > b)
      throw new UsageError(`--compare-to "${text}" is not a range of days FROM..TO`, {
        details: { flag: 'compare-to' },
      });
    return period(a, dayAfter(b));
  }
  if (/^\d+\s*[dw]$/.test(text)) {
    const days = spanDays(text, '--compare-to');
    return period(dayAfter(p.from, -days), dayAfter(p.to, -days));
  }
  return undefined;
}

/** Every day of the period, oldest first. */
export function daysOf(p: Period): string[] {
  const out: string[] = [];
  for (let d = p.from; d < p.to && out.length <= 3660; d = dayAfter(d)) out.push(d);
  return out;
}
